"""The demo's story: the brands, what Lumio declares, the cases and the shared enemy, how many
comments each brand gets, what they speak of, and the changes planted in them."""

OURS = "Lumio"
COMPETITORS = ("Driftbox", "Nimbus Vault")

STATEMENTS = {
    "Lumio": "Lumio is the AI-powered, next-generation file platform that reinvents how teams "
    "find, share and protect their work.",
    "Driftbox": "Driftbox: all your files, everywhere, for less.",
    "Nimbus Vault": "Nimbus Vault puts the smartest file features in the simplest app.",
}

POSITIONING = {
    "Lumio": {"innovation": 0.45, "ease_of_use": 0.2, "performance": 0.15, "reliability": 0.1,
              "support": 0.05, "price": 0.05},
    "Driftbox": {"price": 0.5, "ease_of_use": 0.2, "reliability": 0.2, "performance": 0.1},
    "Nimbus Vault": {"innovation": 0.4, "ease_of_use": 0.4, "performance": 0.2},
}  # fmt: skip

# The demo's cases (``server.tell.cases``), tested once the comments are tagged: the team's belief and
# what customers say, one supported by the data and one not.
CASES = [
    {"claim": "Customers choose Lumio for reliability, not for innovation",
     "statement": {"kind": "declared", "attribute": "reliability", "direction": "above"}},
    {"claim": "Customers see Lumio as the innovation leader we say we are",
     "statement": {"kind": "declared", "attribute": "innovation", "direction": "above"}},
]  # fmt: skip

# The demo's shared enemy (``server.tell.enemies``): the planted performance complaints, owned by a
# product marketer and an engineering lead (demo accounts whose passwords nobody knows; an admin
# may set them with `gapwatch users password NAME`).
PEOPLE = {"maria": "editor", "sam": "editor"}
ENEMY = {"name": "Slow sync on big folders", "attribute": "performance", "target": 0.05,
         "commercial_owner": "maria", "technical_owner": "sam"}  # fmt: skip

# Share of each brand's customer comments that speaks of each attribute, at the start and at the
# end of the 18 months (linear in between): Lumio's support and reliability talk grows.
MIX = {
    "Lumio": {
        "start": {"reliability": 0.38, "support": 0.17, "ease_of_use": 0.13, "price": 0.1,
                  "performance": 0.09, "innovation": 0.06, "security": 0.04, "integrations": 0.03},
        "end": {"reliability": 0.41, "support": 0.28, "ease_of_use": 0.09, "price": 0.07,
                "performance": 0.05, "innovation": 0.03, "security": 0.04, "integrations": 0.03},
    },
    "Driftbox": {
        "start": {"price": 0.4, "reliability": 0.21, "ease_of_use": 0.15, "support": 0.09,
                  "performance": 0.06, "innovation": 0.04, "security": 0.03, "integrations": 0.02},
        "end": {"price": 0.38, "reliability": 0.25, "ease_of_use": 0.13, "support": 0.11,
                "performance": 0.05, "innovation": 0.03, "security": 0.03, "integrations": 0.02},
    },
    "Nimbus Vault": {
        "start": {"innovation": 0.31, "ease_of_use": 0.24, "price": 0.13, "support": 0.11,
                  "performance": 0.09, "reliability": 0.04, "security": 0.03, "integrations": 0.05},
        "end": {"innovation": 0.27, "ease_of_use": 0.22, "price": 0.13, "support": 0.17,
                "performance": 0.09, "reliability": 0.04, "security": 0.03, "integrations": 0.05},
    },
}  # fmt: skip

# Probability that a comment on the attribute is positive, per brand.
POSITIVE = {
    "Lumio": {"reliability": 0.9, "support": 0.85, "ease_of_use": 0.7, "price": 0.45,
              "performance": 0.6, "innovation": 0.5, "security": 0.7, "integrations": 0.5},
    "Driftbox": {"reliability": 0.3, "support": 0.4, "ease_of_use": 0.7, "price": 0.85,
                 "performance": 0.5, "innovation": 0.4, "security": 0.4, "integrations": 0.4},
    "Nimbus Vault": {"reliability": 0.45, "support": 0.3, "ease_of_use": 0.8, "price": 0.4,
                     "performance": 0.6, "innovation": 0.85, "security": 0.5, "integrations": 0.8},
}  # fmt: skip

COUNTS = {"Lumio": 1000, "Driftbox": 300, "Nimbus Vault": 300}

# The planted change: in the demo's last ten days Lumio's release 6.0 slows the app down, and
# customers say so; the alert rules raise it (a spike of performance comments, their share and
# feeling moving) on the first check. Built from parts, so no sentence repeats.
PLANTED = {
    "brand": "Lumio",
    "count": 32,
    "from": "2026-10-22",
    "attribute": "performance",
    "when": ["Since the 6.0 update", "After this month's update", "Ever since version 6.0 arrived",
             "Since we updated last week", "After the October release", "With the new 6.0 client"],
    "what": ["the desktop app takes over a minute to start", "syncing a single folder crawls along",
             "search has become painfully slow", "previews take forever to load",
             "the app keeps one CPU core busy all day", "opening a shared folder freezes the window for seconds",
             "our laptops' fans spin up whenever it syncs", "scrolling through a big folder stutters"],
    "after": ["", " Please make it quick again.", " It was snappy before this release.",
              " We lose real time to it every day.", " Rolling back is not an option for us."],
}  # fmt: skip

CHANNELS = (
    # (channel, weight, URL pattern; {slug} is the brand, {n} a number)
    ("G2", 0.25, "https://g2.example.com/products/{slug}/reviews/{slug}-review-{n}"),
    ("Reddit", 0.25, "https://reddit.example.com/r/selfhosted/comments/{n}/"),
    ("Trustpilot", 0.15, "https://trustpilot.example.com/reviews/{n}"),
    ("App Store", 0.15, "https://apps.example.com/app/{slug}/review/{n}"),
    ("Community forum", 0.12, "https://community.example.com/t/{slug}-question/{n}"),
    ("Hacker News", 0.08, "https://news.example.com/item?id={n}"),
)
