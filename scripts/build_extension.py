"""Build the browser extension's two packages: dist/gapwatch-chrome.zip and dist/gapwatch-firefox.zip.

One source tree (extension/); Firefox's manifest differs only where Firefox needs it: the
background runs as an event page (``background.scripts``) rather than a service worker, and the
add-on has an id. Tests, package.json and the README stay out of the packages.

    python scripts/build_extension.py [--out dist]
"""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "extension"
LEFT_OUT = {"test", "package.json", "README.md"}
FIREFOX_ID = "clipper@gapwatch.invalid"


def files() -> list[Path]:
    return sorted(
        p for p in SOURCE.rglob("*")
        if p.is_file() and p.relative_to(SOURCE).parts[0] not in LEFT_OUT and p.name != "manifest.json"
    )  # fmt: skip


def firefox_manifest(manifest: dict) -> dict:
    out = json.loads(json.dumps(manifest))
    out["background"] = {"scripts": [manifest["background"]["service_worker"]], "type": "module"}
    out["browser_specific_settings"] = {"gecko": {"id": FIREFOX_ID, "strict_min_version": "115.0"}}
    return out


def build(out: Path) -> list[Path]:
    manifest = json.loads((SOURCE / "manifest.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    built = []
    for name, content in (("chrome", manifest), ("firefox", firefox_manifest(manifest))):
        target = out / f"gapwatch-{name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(content, indent=2) + "\n")
            for path in files():
                archive.write(path, path.relative_to(SOURCE).as_posix())
        built.append(target)
    return built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    for path in build(parser.parse_args().out):
        print(f"built {path}")


if __name__ == "__main__":
    main()
