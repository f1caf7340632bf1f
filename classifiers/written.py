"""Sentences the project writes itself for training the sentiment model: what the licensed
corpora lack.

The corpora of ``shared/train`` (Reddit, clothing reviews, developer forums, short product
sentences) teach that a plain statement of fact is neutral. In a customer's review it rarely
is: "Support answered in ten minutes on a Sunday", "Three years, zero lost files" and "It takes
ages to open" judge the product without an opinion word, and "never", "not once" and "zero"
turn a complaint's words into praise. A model trained on the corpora alone calls such
sentences neutral or the opposite of what they say (the demo's own comments, issue 17).

``written_examples`` composes such sentences from small parts, across many kinds of product
and service (phones, laptops, banks, airlines, apps, hosting, restaurants, ...), for the three
labels: implied praise, implied complaint, and neutral facts (purchases, plans, questions).
The parts are the project's own (no corpus text), so the weights trained on them may ship.
Sentences that share four words in a row with a demo comment are left out, so the demo's
figures are not learned by heart (``bench/demo.py`` measures the classifier on them).
"""

from __future__ import annotations

import random
import re
from itertools import product

PRODUCTS = [
    "the app", "this phone", "the laptop", "the router", "the printer", "the service", "our CRM",
    "the website", "the bank's app", "the headphones", "the vacuum", "the hosting", "the camera",
    "the smart speaker", "the checkout", "the VPN", "the thermostat", "the e-reader", "the scanner",
    "the booking site", "the accounting software", "the password manager", "the game", "the car's app",
]  # fmt: skip
HELPERS = ["Support", "The help desk", "Customer service", "The agent", "Their team", "The technician",
           "The store", "Their chat", "The airline", "The landlord's office"]  # fmt: skip

PRAISE = {
    "fast": (
        ["{P} {loads} in {instant}."],
        {
            "loads": ["loads", "opens", "starts", "boots", "syncs", "connects", "responds"],
            "instant": ["under a second", "two seconds", "no time", "a blink", "seconds"],
        },
    ),
    "helped": (
        ["{H} {answered} {soon}.", "{H} {answered} {soon}, {extra}."],
        {
            "answered": [
                "replied",
                "answered",
                "got back to me",
                "sorted it out",
                "fixed it",
                "called me back",
                "refunded me",
            ],
            "soon": [
                "within minutes",
                "in ten minutes",
                "the same day",
                "before lunch",
                "on a Sunday",
                "within the hour",
                "overnight",
            ],
            "extra": [
                "no questions asked",
                "and followed up the next day",
                "on the first try",
                "without a script",
            ],
        },
    ),
    "never_failed": (
        [
            "{P} has {never} {failed} {period}.",
            "Not a single {failure} {period}.",
            "Zero {failures} {period}.",
            "No {failures} {period}, not one.",
            "{P} has not {failed} once {period}.",
            "I have yet to see {P} {fail}.",
            "{Period}, {count}, zero {failures}.",
        ],
        {
            "never": ["never", "not once"],
            "failed": [
                "crashed",
                "frozen",
                "dropped a call",
                "lost my data",
                "let me down",
                "gone down",
                "corrupted a file",
                "missed a payment",
                "lost a booking",
                "dropped the signal",
            ],
            "fail": ["crash", "freeze", "go down", "stall", "lose anything"],
            "failure": [
                "crash",
                "outage",
                "glitch",
                "dropped call",
                "missing file",
                "failed payment",
                "lost order",
                "error",
            ],
            "failures": [
                "crashes",
                "outages",
                "glitches",
                "dropped calls",
                "lost files",
                "failed payments",
                "errors",
                "hiccups",
                "complaints",
            ],
            "period": [
                "in two years",
                "since I bought it",
                "so far",
                "in eighteen months",
                "since we switched",
                "all winter",
                "in three years of daily use",
            ],
            "Period": ["Two years", "Four winters", "Eighteen months", "Three seasons"],
            "count": ["five phones", "a dozen users", "thousands of orders", "two offices", "every day"],
        },
    ),
    "easy": (
        [
            "{Setup} took {short}.",
            "My {relative} {learned} without any help.",
            "{Everything} is exactly where I expect it.",
        ],
        {
            "Setup": [
                "Installing it",
                "Getting started",
                "Pairing it",
                "Moving our data over",
                "Opening an account",
            ],
            "short": ["ten minutes", "no time at all", "a coffee break", "one evening"],
            "relative": ["grandmother", "kids", "dad", "new intern"],
            "learned": ["figured it out", "uses it daily", "set it up"],
            "Everything": ["Every setting", "Every button", "Everything"],
        },
    ),
    "worth": (
        [
            "{It} costs {less} what we paid before.",
            "The {deal} covers everything we need.",
            "I trust {P} with {precious}.",
        ],
        {
            "It": ["It", "The plan", "Our bill"],
            "less": ["half of", "a third less than", "far less than"],
            "deal": ["free tier", "student discount", "family plan", "basic plan"],
            "precious": ["my photos", "client data", "our payroll", "the kids' school work", "my savings"],
        },
    ),
}

COMPLAINT = {
    "slow": (
        ["{P} takes {ages} to {load}.", "{P} needs {ages} to {load}, every time."],
        {
            "ages": ["ages", "forever", "two minutes", "all night", "half an hour"],
            "load": ["open", "load", "start", "sync", "charge", "connect", "print a page"],
        },
    ),
    "unhelped": (
        [
            "{H} took {long} to {answer}.",
            "I was on hold for {hold}.",
            "{H} {brushoff}.",
            "Nobody ever {called}.",
        ],
        {
            "long": ["nine days", "three weeks", "a month", "two weeks"],
            "answer": ["answer", "reply", "get back to me", "refund me", "look at the problem"],
            "hold": ["an hour", "forty minutes", "most of the afternoon"],
            "brushoff": [
                "just sends canned replies",
                "keeps closing my ticket",
                "asked me to reinstall it again",
                "read from a script",
                "blamed my router",
            ],
            "called": ["called back", "answered the ticket", "replied to my email"],
        },
    ),
    "failed": (
        [
            "{P} {broke} {when}.",
            "Half of my {things} {vanished} after the update.",
            "{P} {never} works when I need it.",
            "Not once has {P} {worked} on the first try.",
        ],
        {
            "broke": [
                "crashed",
                "froze",
                "lost my data",
                "dropped the connection",
                "rebooted itself",
                "charged me twice",
            ],
            "when": ["three times today", "twice this week", "again", "during the meeting", "mid-transfer"],
            "things": ["photos", "files", "contacts", "notes", "playlists", "saved trips"],
            "vanished": ["vanished", "disappeared", "were gone"],
            "never": ["never", "almost never"],
            "worked": ["synced", "connected", "worked", "printed", "paired"],
        },
    ),
    "hard": (
        [
            "The {setting} {is} buried {deep}.",
            "It took me {long} to figure out how to {task}.",
            "There is no way to {reach}.",
        ],
        {
            "setting": ["export option", "privacy setting", "cancel button", "refund form"],
            "is": ["is"],
            "deep": ["three menus deep", "somewhere I still cannot find", "behind four screens"],
            "long": ["an hour", "a whole day", "three evenings"],
            "task": ["export a report", "print a page", "share a folder", "change my address"],
            "reach": ["reach a human", "cancel online", "export my data", "turn the ads off"],
        },
    ),
    "unworth": (
        ["{It} is not worth {money}.", "They {raised} the price {how}."],
        {
            "It": ["It", "The upgrade", "The premium plan"],
            "money": ["the money", "the price", "half of what they charge"],
            "raised": ["doubled", "raised", "hiked"],
            "how": ["again", "without warning", "twice this year"],
        },
    ),
}

NEUTRAL = {
    "facts": (
        [
            "I bought {P} in {when}.",
            "We use {P} for {purpose}.",
            "{P} comes in {n} colours.",
            "I switched to {P} {when2}.",
            "The update arrived on {day}.",
        ],
        {
            "when": ["March", "the spring", "January", "a sale last year"],
            "purpose": ["invoices", "school", "work trips", "the shop", "family photos"],
            "n": ["two", "three", "four"],
            "when2": ["last month", "in January", "after my old one was stolen"],
            "day": ["Tuesday", "the first of the month", "Friday night"],
        },
    ),
    "questions": (
        [
            "Does {P} work with {thing}?",
            "Is there a way to {task} in {P}?",
            "Which plan do you use for {purpose}?",
        ],
        {
            "thing": ["Linux", "my car", "a second account", "older devices"],
            "task": ["export data", "add a user", "change the language"],
            "purpose": ["a team of five", "a small shop", "travel"],
        },
    ),
}


def _expand(families: dict, rng: random.Random, limit: int) -> list[str]:
    out: set[str] = set()
    for templates, slots in families.values():
        for template in templates:
            names = re.findall(r"{(\w+)}", template)
            choices = [_slot(name, slots) for name in names]
            combos = list(product(*choices))
            rng.shuffle(combos)
            for combo in combos[: max(1, limit // max(1, len(templates) * len(families)))]:
                text = template.format(**dict(zip(names, combo, strict=True)))
                out.add(text[0].upper() + text[1:])
    return sorted(out)


def _slot(name: str, slots: dict) -> list[str]:
    if name == "P":
        return PRODUCTS
    if name == "H":
        return HELPERS
    return slots[name]


def _four_grams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def written_examples(per_label: int, seed: int, avoid: list[str] = ()) -> list[tuple[str, str]]:
    """(text, label) pairs, at most ``per_label`` of each label, drawn with ``seed``; none shares
    four words in a row with a text of ``avoid`` (the demo's comments)."""
    rng = random.Random(seed)
    banned = set().union(*(_four_grams(t) for t in avoid)) if avoid else set()
    out = []
    for label, families in (("positive", PRAISE), ("negative", COMPLAINT), ("neutral", NEUTRAL)):
        texts = [t for t in _expand(families, rng, per_label * 3) if not (_four_grams(t) & banned)]
        rng.shuffle(texts)
        out += [(t, label) for t in texts[:per_label]]
    return out
