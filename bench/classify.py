"""Tagging speed: 5,000 review sentences through the full tagging path (`gapwatch classify`'s
own job on a fresh workspace) next to a plain one-text-at-a-time transformers loop, measured in
the same run, on this machine. Prints comments/s for both, the ratio, and peak memory.

    python bench/classify.py [--count 5000] [--plain 500] [--repeat 3]

Each figure is the median of --repeat runs (full path: each on a fresh workspace).

Sentences: the laptop reviews of ../shared/eval when present, topped up with generated demo
comments (the same generator as the demo workspace).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "laptops16-train.jsonl"


def sentences(count: int) -> list[str]:
    from server.jobs import demo

    texts: list[str] = []
    if SHARED.exists():
        texts = [json.loads(line)["text"] for line in SHARED.open(encoding="utf-8")]
    seed = 1
    while len(texts) < count:
        texts += [c["text"] for c in demo.customer_comments(seed)]
        seed += 1
    return list(dict.fromkeys(texts))[:count]


def plain_loop(texts: list[str]) -> float:
    """The baseline: AutoModel on one text at a time, mean pooling, no batching."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from classifiers.model_files import embedded_model_dir

    folder = embedded_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
    start = time.perf_counter()
    with torch.inference_mode():
        for text in texts:
            batch = tokenizer(text, truncation=True, max_length=256, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            torch.nn.functional.normalize(hidden.mean(dim=1), dim=1)
    return len(texts) / (time.perf_counter() - start)


def full_path(texts: list[str]) -> float:
    from server.classify.tagging import current_tagger
    from server.classify.taxonomy import ensure_taxonomy
    from server.collect.ingest import Context, ingest
    from server.jobs.classifier import classify_pending
    from server.store.brands import add_brand
    from server.store.db import open_db

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        ensure_taxonomy(db)
        add_brand(db, "Bench")
        ingest(db, [{"text": t, "brand": "Bench"} for t in texts], Context(origin="import"))
        current_tagger(db)  # model loading is not tagging: load it before the clock starts
        start = time.perf_counter()
        report = classify_pending(db)
        seconds = time.perf_counter() - start
        assert report.tagged == len(texts), report
        db.close()
    return len(texts) / seconds


def machine() -> str:
    """The CPU model, its vector extensions that matter to int8 inference, and the cores."""
    import os
    import platform

    model, flags = platform.processor() or "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    wanted = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8")
    import onnxruntime

    return (f"{model}; {os.cpu_count()} cores; {' '.join(f for f in wanted if f in flags) or 'no AVX2'}; "
            f"onnxruntime {onnxruntime.__version__}")  # fmt: skip


def encoder_alone(texts: list[str], sentiment: bool, backend: str = "onnx-int8") -> float:
    """The encoder's pass alone (no tagging, no store), with or without the sentiment branch;
    int8 ONNX (what tags) or float32 torch, batched the same way (what int8 is worth here)."""
    from classifiers.encoder import Encoder
    from classifiers.model import clause_spans
    from classifiers.model_files import resolve

    with tempfile.TemporaryDirectory() as tmp:
        encoder = Encoder(resolve(None), sentiment=sentiment, cache_dir=Path(tmp), backend=backend)
        spans = [clause_spans(t) for t in texts]
        encoder.embed_both(texts[:32], spans[:32])  # compile before the clock starts
        start = time.perf_counter()
        encoder.embed_both(texts, spans)
        return len(texts) / (time.perf_counter() - start)


def job_memory(count: int) -> float:
    """Peak memory (MiB) of the tagging job alone: a process of its own that loads the tagger
    and tags ``count`` texts on a fresh workspace, as the service's classifier job does (the
    plain loop's float32 model and the benchmark's own lists are not in it)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, __file__, "--job-only", str(count)], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job-only", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--plain", type=int, default=500, help="texts for the plain loop")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.job_only:  # the child of job_memory: tag, then say the peak
        full_path(sentences(args.job_only))
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec
        peak = next(
            line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM")
        )
        print(int(peak.split()[1]) / 1024)
        return
    texts = sentences(args.count)
    print(f"machine: {machine()}")
    print(f"sentences: {len(texts)} (mean {sum(map(len, texts)) / len(texts):.0f} characters)")
    plains, fulls, alones, bases, floats = [], [], [], [], []
    for attempt in range(1, args.repeat + 1):
        plains.append(plain_loop(texts[: args.plain]))
        fulls.append(full_path(texts))
        alones.append(encoder_alone(texts, sentiment=True))
        bases.append(encoder_alone(texts, sentiment=False))
        floats.append(encoder_alone(texts, sentiment=True, backend="torch"))
        print(f"run {attempt}: plain {plains[-1]:,.0f}, full path {fulls[-1]:,.0f}, encoder alone "
              f"{alones[-1]:,.0f} (without the sentiment branch {bases[-1]:,.0f}; float32 torch "
              f"{floats[-1]:,.0f}) comments/s", flush=True)  # fmt: skip
    plain, full = statistics.median(plains), statistics.median(fulls)
    print(f"plain transformers loop, one at a time ({args.plain} texts): {plain:,.0f} comments/s (median)")
    print(f"full tagging path (gapwatch classify job, {len(texts)} texts): {full:,.0f} comments/s (median)")
    print(f"encoder alone, int8, with the sentiment branch: {statistics.median(alones):,.0f} comments/s; "
          f"without it: {statistics.median(bases):,.0f} comments/s (medians)")  # fmt: skip
    fp32, int8 = statistics.median(floats), statistics.median(alones)
    print(f"encoder alone, float32 torch, batched, with the sentiment branch: {fp32:,.0f} comments/s "
          f"(median): int8 is {int8 / fp32:.1f}x that here. "
          "ONNX Runtime's int8 matrix products use the CPU's int8 dot-product instructions (avx512_vnni, "
          "avx_vnni, amx_int8: listed above) where it has them; compare this ratio across machines "
          "to see whether their absence is what lowers full / plain")  # fmt: skip
    print(f"full / plain: {full / plain:.1f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS) of this benchmark process (all of the above, the float32 models too): "
          f"{peak:,.0f} MiB")  # fmt: skip
    print(f"peak memory (RSS) of the tagging job alone, {len(texts)} texts in a process of its own: "
          f"{job_memory(len(texts)):,.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
