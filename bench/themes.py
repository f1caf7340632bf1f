"""Themes nobody declared, at scale: outlier share, stability when 5 % more comments arrive, and
the time to compute on 100,000 comments.

Builds a workspace whose brand has --comments customer comments that no attribute claims, entered
through the one ingestion path and tagged in the classifier's shape with no attribute assigned
(the real classifier tags about 400 comments/s here; what is timed is the themes run). The texts
are generated: two thirds speak of one of 12 topics no taxonomy names (dark mode, accessibility,
migration help, a Linux client, ...), each in several wordings with openers, closers and details
that vary; the rest are mixed small talk that belongs to no topic. Then, with the real encoder:

1. a run on the first comments/1.05 of them (the vectors are computed and cached: cold);
2. the remaining 5 % arrive and a second run follows (only their vectors are computed). It prints
   how many themes of run 1 keep their identity, the adjusted Rand index between the two runs
   over the comments they share, and the share of run 1's themed comments still in the same theme;
3. a re-run with nothing changed must give identical themes (reproducibility);
4. the time on all the comments from nothing: the vector cache is emptied and a run computes
   everything again.

Outlier share = comments in no theme; HDBSCAN's own share (before comments are placed at the
nearest theme centre) is printed next to it, for comparison with BERTopic's reported 30-50 %.

    python bench/themes.py [--comments 100000] [--db PATH] [--keep]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from server.classify.tagging import theme_encoder
from server.classify.taxonomy import ensure_taxonomy
from server.classify.themes import run_themes
from server.collect.ingest import Context, ingest
from server.store.brands import add_brand
from server.store.db import open_db, write_transaction

BRAND = "Lumio"
TOPICS = {
    "dark mode": [
        "Please add a dark mode to the {app}.",
        "Still no dark theme on the {app}, my eyes hurt at night.",
        "A dark mode would make the {app} usable after sunset.",
        "Why is there no night theme in the {app}?",
    ],
    "accessibility": [
        "The {app} does not work with a screen reader.",
        "Keyboard navigation is broken in the {app}.",
        "Our blind colleague cannot use the {app} at all.",
        "Text in the {app} cannot be enlarged.",
    ],
    "migration help": [
        "Moving our files over from {rival} took weeks without any guide.",
        "We needed help importing everything from {rival}.",
        "The migration from {rival} lost our folder structure.",
        "Onboarding the team after switching from {rival} was painful.",
    ],
    "linux client": [
        "There is still no Linux client.",
        "Please ship a native Linux app.",
        "We run Ubuntu and cannot use the desktop app.",
        "The Linux version is years behind.",
    ],
    "sustainability": [
        "Do your data centres run on renewable energy?",
        "Please publish your carbon footprint.",
        "Sustainability matters to our board and you say nothing about it.",
        "How green is your hosting?",
    ],
    "slack integration": [
        "An integration with Slack would save us so much time.",
        "Sharing links into Slack channels is clumsy.",
        "We want file notifications in Slack.",
        "The Slack app keeps disconnecting.",
    ],
    "offline mode": [
        "I need the files on the plane, offline mode is unreliable.",
        "Offline access on the {app} is missing.",
        "Mark folders for offline use, please.",
        "Working without internet is impossible.",
    ],
    "invoices": [
        "Our invoices never show the VAT number.",
        "I cannot download past invoices.",
        "The invoice address cannot be changed.",
        "Accounting needs monthly invoices in PDF.",
    ],
    "language": [
        "Please translate the {app} into German.",
        "The Spanish translation is full of mistakes.",
        "Our French team wants the interface in French.",
        "No Japanese language support yet.",
    ],
    "single sign-on": [
        "We need SAML single sign-on for our company.",
        "Okta login does not work.",
        "SSO should not cost extra.",
        "Logging in with our Microsoft accounts fails.",
    ],
    "photo editing": [
        "Basic photo editing inside the {app} would be great.",
        "Let me crop pictures before sharing.",
        "Rotating a photo should not need another app.",
        "A simple image editor is missing.",
    ],
    "calendar": [
        "Attach files to calendar events directly.",
        "Calendar integration with Outlook is missing.",
        "Meeting files should appear in Google Calendar.",
        "Link folders to calendar invites.",
    ],
}
SMALL_TALK = [
    "we use it every day",
    "the logo changed",
    "my colleague told me about it",
    "it is what it is",
    "the conference was fun",
    "nothing much to say",
    "our office moved",
    "the weather was bad",
    "I read the newsletter",
    "the mascot is cute",
    "we had a team lunch",
    "the blog post was long",
]
OPENERS = [
    "",
    "",
    "Honest take: ",
    "Small agency here. ",
    "IT admin for 40 people. ",
    "After a year: ",
    "Freelancer here. ",
    "Quick note. ",
]
CLOSERS = ["", "", " Thanks.", " Otherwise fine.", " Just my two cents.", " Would recommend anyway."]
APPS = ["mobile app", "desktop app", "web app", "iPad app", "Android app"]
RIVALS = ["Dropbox", "Google Drive", "OneDrive", "Box", "our old NAS"]
THEMED_SHARE = 2 / 3


def texts(count: int, seed: int = 5) -> tuple[list[str], list[str]]:
    """The comments, and the topic each was written about ("small talk" for none)."""
    rng = random.Random(seed)
    out, truth = [], []
    for i in range(count):
        if rng.random() < THEMED_SHARE:
            topic = rng.choice(list(TOPICS))
            body = rng.choice(TOPICS[topic]).format(app=rng.choice(APPS), rival=rng.choice(RIVALS))
        else:
            topic = "small talk"
            body = ", ".join(rng.sample(SMALL_TALK, 2)).capitalize() + "."
        out.append(f"{rng.choice(OPENERS)}{body}{rng.choice(CLOSERS)} (#{i})")
        truth.append(topic)
    return out, truth


def purity(db, truth: dict[int, str]) -> tuple[float, int, float]:
    """Share of themed comments whose theme's most common topic is their own; how many of the
    12 topics lead some theme; share of small talk placed in a theme led by a real topic."""
    by_theme: dict[int, Counter] = {}
    for comment_id, theme_id in memberships(db).items():
        by_theme.setdefault(theme_id, Counter())[truth[comment_id]] += 1
    themed = sum(sum(c.values()) for c in by_theme.values())
    leaders = {t: c.most_common(1)[0][0] for t, c in by_theme.items()}
    pure = sum(c[leaders[t]] for t, c in by_theme.items()) / max(themed, 1)
    topics = len({topic for topic in leaders.values() if topic != "small talk"})
    talk = sum(1 for topic in truth.values() if topic == "small talk")
    misplaced = sum(c["small talk"] for t, c in by_theme.items() if leaders[t] != "small talk")
    return pure, topics, misplaced / max(talk, 1)


def _progress(label: str, done: int, total: int) -> None:
    print(f"\r{label}: {min(done, total):,}/{total:,}", end="", file=sys.stderr, flush=True)


def add_comments(db, items: list[str], first: int) -> None:
    """Ingest ``items`` (customer comments of BRAND over the last year) and tag them unclaimed."""
    start = date.today() - timedelta(days=365)
    for offset in range(0, len(items), 5000):
        chunk = [
            {"text": t, "published_at": f"{start + timedelta(days=(first + offset + i) % 365)}T12:00:00Z"}
            for i, t in enumerate(items[offset : offset + 5000])
        ]
        ingest(db, chunk, Context(origin="import", brand=BRAND), batch_size=len(chunk))
        _progress("ingesting", offset + len(chunk), len(items))
    print(file=sys.stderr)
    with write_transaction(db):
        db.execute(
            "INSERT INTO tags (comment_id, model, taxonomy_version, sentiment, sentiment_score, created_at) "
            "SELECT c.id, 'bench', 1, 'neutral', 0.5, '2026-01-01T00:00:00Z' FROM comments c "
            "LEFT JOIN tags t ON t.comment_id = c.id WHERE t.comment_id IS NULL"
        )


def memberships(db) -> dict[int, int]:
    return dict(db.execute("SELECT comment_id, theme_id FROM theme_members").fetchall())


def themes_now(db) -> dict[int, str]:
    return dict(db.execute("SELECT id, label FROM themes WHERE status = 'active'").fetchall())


def report(name: str, run) -> None:
    print(
        f"{name}: {run.comments:,} comments, {run.themes} themes, outliers {run.outlier_share:.1%} "
        f"(HDBSCAN alone left out {run.hdbscan_outliers:.1%} of those it saw), {run.seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--db", help="workspace path (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the workspace afterwards")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="gapwatch-themes-"))
    path = Path(args.db) if args.db else folder / "themes.db"
    try:
        db = open_db(path)
        measure(db, args.comments)
        db.close()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def measure(db, comments: int) -> None:
    """The four runs on ``comments`` generated comments, and what each shows."""
    ensure_taxonomy(db)
    add_brand(db, BRAND)
    everything, topics = texts(comments)
    first = round(comments / 1.05)
    add_comments(db, everything[:first], 0)
    encoder = theme_encoder(db)

    run1 = run_themes(db, BRAND, encoder, progress=lambda n, c=[0]: _step(c, n, first))
    print(file=sys.stderr)
    report("run 1 (vectors computed)", run1)
    before, themes1 = memberships(db), themes_now(db)
    print("themes:", "; ".join(f"#{k} {v}" for k, v in sorted(themes1.items())))
    after, themes2 = stability(db, encoder, everything, first, before, themes1)

    run3 = run_themes(db, BRAND, encoder)
    identical = memberships(db) == after and themes_now(db) == themes2
    report("run 3 (nothing changed, vectors cached)", run3)
    ids = [row[0] for row in db.execute("SELECT id FROM comments ORDER BY id")]
    pure, found, misplaced = purity(db, dict(zip(ids, topics, strict=True)))
    print(f"quality: {pure:.1%} of themed comments share their theme's leading topic; {found} of "
          f"{len(TOPICS)} topics lead a theme; {misplaced:.1%} of the small talk sits in a "
          "topic's theme")  # fmt: skip
    print(f"reproducible: {'identical themes and members' if identical else 'DIFFERENT'}")

    with write_transaction(db):
        db.execute("DELETE FROM embeddings")
    started = time.perf_counter()
    run4 = run_themes(db, BRAND, encoder, progress=lambda n, c=[0]: _step(c, n, comments))
    print(file=sys.stderr)
    report(f"run 4 (all {comments:,} from nothing)", run4)
    cold = memberships(db)
    both = sorted(set(after) | set(cold))
    agreement = adjusted_rand_score([after.get(i, -1) for i in both], [cold.get(i, -1) for i in both])
    print(f"run 4 against run 3: adjusted Rand index {agreement:.3f} (vectors computed in other "
          "batches differ slightly: the int8 encoder scales each batch)")  # fmt: skip
    print(f"time on {run4.comments:,} comments: {time.perf_counter() - started:.1f} s from nothing "
          f"(embedding included), {run3.seconds:.1f} s with the vectors cached")  # fmt: skip


def stability(
    db, encoder, everything: list[str], first: int, before: dict, themes1: dict
) -> tuple[dict, dict]:
    """Run 2, with the last 5 % of the comments added: which themes keep their identity, and how
    the comments of both runs are grouped; answer run 2's memberships and themes."""
    shared = [row[0] for row in db.execute("SELECT id FROM comments ORDER BY id")]
    add_comments(db, everything[first:], first)
    run2 = run_themes(db, BRAND, encoder)
    added = len(everything) - first
    report(f"run 2 (+{added:,} comments, {added:,} vectors computed)", run2)
    after, themes2 = memberships(db), themes_now(db)
    kept = set(themes1) & set(themes2)
    ari = adjusted_rand_score([before.get(i, -1) for i in shared], [after.get(i, -1) for i in shared])
    same = sum(1 for i, t in before.items() if after.get(i) == t) / max(len(before), 1)
    print(f"stability: {len(kept)} of {len(themes1)} themes kept their identity "
          f"({len(set(themes2) - set(themes1))} new); adjusted Rand index {ari:.3f} over the "
          f"{len(shared):,} comments in both runs; {same:.1%} of run 1's themed comments "
          "in the same theme")  # fmt: skip
    return after, themes2


def _step(counter: list[int], n: int, total: int) -> None:
    counter[0] += n
    _progress("embedding", counter[0], total)


if __name__ == "__main__":
    main()
