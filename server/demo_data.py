"""The demo workspace's raw material: a fictional file-sync company and what people say of it.

Lumio declares innovation ("AI-powered, next-generation"); its customers mostly praise that it
never loses a file and that support answers. Driftbox competes on price, Nimbus Vault on features.
All names, people and addresses are invented; URLs point at reserved example domains.
"""

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

# The demo's cases (``server.cases``), tested once the comments are tagged: the team's belief and
# what customers say, one supported by the data and one not.
CASES = [
    {"claim": "Customers choose Lumio for reliability, not for innovation",
     "statement": {"kind": "declared", "attribute": "reliability", "direction": "above"}},
    {"claim": "Customers see Lumio as the innovation leader we say we are",
     "statement": {"kind": "declared", "attribute": "innovation", "direction": "above"}},
]  # fmt: skip

# The demo's shared enemy (``server.enemies``): the planted performance complaints, owned by a
# product marketer and an engineering lead (demo accounts whose passwords nobody knows; an admin
# may set them with `gapwatch users password NAME`).
PEOPLE = {"maria": "editor", "sam": "editor"}
ENEMY = {"name": "Slow sync on big folders", "attribute": "performance", "target": 0.05,
         "commercial_owner": "maria", "technical_owner": "sam"}  # fmt: skip

# Share of each brand's customer comments that speaks of each attribute, at the start and at the
# end of the 18 months (linear in between): Lumio's support and reliability talk grows.
MIX = {
    "Lumio": {
        "start": {"reliability": 0.4, "support": 0.18, "ease_of_use": 0.14, "price": 0.12,
                  "performance": 0.1, "innovation": 0.06},
        "end": {"reliability": 0.44, "support": 0.3, "ease_of_use": 0.1, "price": 0.07,
                "performance": 0.06, "innovation": 0.03},
    },
    "Driftbox": {
        "start": {"price": 0.42, "reliability": 0.22, "ease_of_use": 0.16, "support": 0.1,
                  "performance": 0.06, "innovation": 0.04},
        "end": {"price": 0.4, "reliability": 0.26, "ease_of_use": 0.14, "support": 0.12,
                "performance": 0.05, "innovation": 0.03},
    },
    "Nimbus Vault": {
        "start": {"innovation": 0.34, "ease_of_use": 0.26, "price": 0.14, "support": 0.12,
                  "performance": 0.1, "reliability": 0.04},
        "end": {"innovation": 0.3, "ease_of_use": 0.24, "price": 0.14, "support": 0.18,
                "performance": 0.1, "reliability": 0.04},
    },
}  # fmt: skip

# Probability that a comment on the attribute is positive, per brand.
POSITIVE = {
    "Lumio": {"reliability": 0.9, "support": 0.85, "ease_of_use": 0.7, "price": 0.45,
              "performance": 0.6, "innovation": 0.5},
    "Driftbox": {"reliability": 0.3, "support": 0.4, "ease_of_use": 0.7, "price": 0.85,
                 "performance": 0.5, "innovation": 0.4},
    "Nimbus Vault": {"reliability": 0.45, "support": 0.3, "ease_of_use": 0.8, "price": 0.4,
                     "performance": 0.6, "innovation": 0.85},
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

# {b} is replaced by the brand's name.
PHRASES = {
    "reliability": {
        "positive": [
            "It just works, every single day.",
            "In two years {b} has never lost a file.",
            "It never went down, not even in our busiest quarter.",
            "Rock solid: sync has not failed once since we switched.",
            "We stopped worrying about backups because {b} simply does its job.",
            "Our laptop died and every document was there on the new one within the hour.",
            "Uptime has been flawless for our whole team.",
            "I trust {b} with client files because it has never let us down.",
            "Boring in the best way: it runs in the background and never breaks.",
            "After the office flood we restored everything from {b} without a single missing file.",
            "Dependable is the word; we forget it is even there.",
            "Three years, forty seats, zero lost files.",
        ],
        "negative": [
            "Sync broke twice last month and we lost an afternoon of edits.",
            "It keeps creating conflicted copies and I no longer trust it.",
            "The service was down during our product launch.",
            "Files silently failed to upload and nobody noticed for a week.",
            "Half my photos vanished after the last update.",
            "Outages every other week make it hard to rely on {b}.",
        ],
    },
    "support": {
        "positive": [
            "Support answered in ten minutes on a Sunday.",
            "Their help team fixed our permissions mess the same day.",
            "A real person from support walked me through the migration.",
            "The onboarding call was genuinely useful.",
            "Support followed up a week later to check everything was fine.",
            "Whenever we open a ticket, someone who knows the product replies quickly.",
            "The documentation answered every question I had.",
            "Customer service went above and beyond to recover a deleted folder.",
            "I emailed support at midnight and had an answer before breakfast.",
            "Their support engineers actually read the logs we send.",
        ],
        "negative": [
            "Support took nine days to answer a simple billing question.",
            "The help desk just sends canned replies.",
            "Nobody from support ever got back to us.",
            "The chatbot is useless and there is no way to reach a human.",
            "Our ticket was closed without a fix.",
            "Support kept asking me to reinstall the app instead of looking at the problem.",
        ],
    },
    "innovation": {
        "positive": [
            "The AI search that finds files by what is in them is genuinely clever.",
            "They ship new features faster than anyone else in this space.",
            "The smart folders feel like the future of file management.",
            "Cutting-edge stuff: it suggested who to share a draft with before I asked.",
            "Automatic tagging of scanned receipts is ahead of the competition.",
            "Every release brings something new and surprisingly useful.",
        ],
        "negative": [
            "The AI features feel like a gimmick nobody asked for.",
            "They keep adding buzzwords instead of fixing basics.",
            "Nothing new in years; the product feels stuck in 2015.",
            "The so-called smart suggestions are mostly wrong.",
            "I do not need an AI assistant in my file manager.",
        ],
    },
    "price": {
        "positive": [
            "Worth every penny for a small team.",
            "The free plan is generous enough for freelancers.",
            "Much cheaper than what we paid before, for more storage.",
            "Great value for money, especially on the yearly plan.",
            "The nonprofit discount made it a no-brainer.",
            "Fair pricing with no surprise fees.",
        ],
        "negative": [
            "Too expensive for what it does.",
            "The price went up again this year and we are looking elsewhere.",
            "Charging extra for version history is greedy.",
            "Per-seat pricing gets painful fast once you pass twenty people.",
            "The cheapest plan is so limited it is basically a trial.",
        ],
    },
    "ease_of_use": {
        "positive": [
            "Setup took five minutes.",
            "The interface is so intuitive that my parents use it.",
            "Sharing a folder is two clicks.",
            "Our non-technical staff picked it up without any training.",
            "Clean, simple app that stays out of the way.",
            "Everything is where you expect it to be.",
        ],
        "negative": [
            "The settings are buried three menus deep.",
            "Confusing interface; I never know which version I am looking at.",
            "Onboarding new colleagues is a pain because the sharing model is so complicated.",
            "The new redesign made simple things hard to find.",
            "It took me an hour to figure out how to restore a file.",
        ],
    },
    "performance": {
        "positive": [
            "Blazing fast sync, even with big video files.",
            "Light on battery and memory compared with the others.",
            "Large folders open instantly.",
            "Uploads saturate our connection, which is exactly what I want.",
            "The desktop app starts in a second.",
        ],
        "negative": [
            "Sync takes ages on large folders.",
            "The desktop app eats my CPU and drains the battery.",
            "Uploading a few gigabytes takes all night.",
            "The web app is sluggish with more than a thousand files.",
            "Indexing slows my whole laptop down every morning.",
        ],
    },
}

# Who is speaking, and what they conclude: built from parts, so no opener or verdict is repeated
# across dozens of comments (real reviews do not share stock sentences). A verdict always agrees
# with the comment's overall feeling; {b} is the brand, {other} another brand.
OPENER_SHARE = 0.55
OPENERS = [
    "{role} at {org}, on {b} for {span}.",
    "We moved {team} to {b} {when}.",
    "Review after {span} of daily use at {org}.",
    "{role} here; {b} has been our file storage for {span}.",
    "We are {org} with {seats} seats and have run {b} for {span}.",
    "I set up {b} for {team} {when}.",
]
OPENER_PARTS = {
    "role": [
        "Office manager",
        "Photographer",
        "IT lead",
        "Freelance designer",
        "Accountant",
        "Teacher",
        "Video editor",
        "Founder",
        "Paralegal",
        "Architect",
        "Practice manager",
        "Copywriter",
    ],
    "org": [
        "a small law firm",
        "a ten-person studio",
        "a primary school",
        "a family business",
        "a nonprofit",
        "a dental practice",
        "an events agency",
        "a research lab",
        "a bakery with three shops",
        "a remote startup",
    ],
    "span": [
        "three months",
        "half a year",
        "a year",
        "eighteen months",
        "two years",
        "three years",
        "a few weeks",
        "four years",
    ],
    "team": [
        "the whole office",
        "our design team",
        "the accounts team",
        "our two offices",
        "the family",
        "our field staff",
        "the editing team",
        "everyone",
    ],
    "when": [
        "last spring",
        "in January",
        "after our old server died",
        "before the merger",
        "last autumn",
        "during lockdown",
        "two years ago",
        "this summer",
    ],
    "seats": ["5", "8", "12", "15", "22", "30", "40", "60"],
}
CLOSER_SHARE = 0.5
CLOSERS = {
    "positive": [
        "Would recommend it to {audience}.",
        "We renewed for another {term}; {team} did not hesitate.",
        "An easy choice for {audience}.",
        "Glad we picked it over {other}{after}.",
        "No plans to leave, even with {offer} from {other}.",
        "Five stars from {team}.",
    ],
    "negative": [
        "Would not recommend it to {audience}.",
        "We are moving to {other} when the {term} ends.",
        "Cancelling {b} at the end of the {term}.",
        "Look elsewhere if you are {audience}.",
        "Two stars from {team}, and that is generous.",
        "We regret choosing it over {other}{after}.",
    ],
}
CLOSER_PARTS = {
    "audience": [
        "small teams",
        "anyone with client files",
        "freelancers",
        "schools",
        "photographers",
        "a growing company",
        "non-technical staff",
        "agencies",
    ],
    "term": ["year", "contract", "two years", "subscription"],
    "team": [
        "our office",
        "me and my team",
        "the whole studio",
        "our accountants",
        "the front desk",
        "our two partners",
        "the design team",
        "our admin",
    ],
    "after": ["", " last year", " after the trial", " in the end"],
    "offer": ["a discount", "a free year", "a cheaper plan", "a better price", "free migration"],
}
# A comment whose attributes feel differently ends with a verdict naming the main feeling.
VERDICTS = {
    "positive": ["Overall still a keeper for {audience}.", "On balance a good fit for {audience}.",
                 "Still worth it overall, at least for {audience}.", "All in all, a sound choice for {audience}."],
    "negative": ["Overall not worth the trouble for {audience}.", "On balance a poor fit for {audience}.",
                 "All in all, a bad choice for {audience}.", "Overall I would steer {audience} away from it."],
}  # fmt: skip

EMITTED = {
    "Lumio": [
        ("Introducing Lumio Sense: AI-powered search that understands your files",
         "Lumio Sense is our next-generation AI engine. It reads, understands and connects your "
         "documents so your team finds anything in seconds. This is the future of work."),
        ("Lumio 5: reinventing the file platform",
         "With Lumio 5 we reinvent what a file platform can be: generative summaries, predictive "
         "sharing and an AI copilot for every folder. Innovation is in our DNA."),
        ("Why we bet everything on AI",
         "Files are the last frontier of the AI revolution. Lumio is building the intelligent "
         "layer that turns storage into insight. Disruptive, bold and next-generation."),
        ("Smart Folders are here",
         "Smart Folders use machine learning to organise your work automatically. Cutting-edge "
         "technology, beautifully simple."),
        ("Lumio at the AI Summit",
         "Our CTO showed how Lumio's neural ranking reimagines collaboration. The next-generation "
         "platform is here, and it is powered by AI."),
        ("Meet the Lumio copilot",
         "Ask the Lumio copilot anything about your files. Generative AI that drafts, "
         "summarises and suggests, built into the platform that keeps innovating."),
        ("Lumio homepage",
         "The AI-powered, next-generation file platform. Innovative features, effortless "
         "sharing, lightning-fast sync."),
        ("Spring launch: predictive sharing",
         "Lumio now predicts who needs a file before you share it. Another industry first from "
         "the most innovative team in cloud storage."),
        ("Lumio for enterprises",
         "Enterprise-grade AI, next-generation security analytics and a platform that evolves "
         "every week. Lead the future of work with Lumio."),
        ("Product update: faster sync",
         "We rebuilt the sync engine for speed: large folders now sync up to three times faster "
         "on every platform."),
    ],
    "Driftbox": [
        ("Driftbox pricing", "2 TB for less than a coffee a month. The best price in cloud storage."),
        ("Why Driftbox", "All your files, everywhere, for less. Simple plans, no hidden fees."),
        ("Driftbox family plan", "Share 5 TB with six people at our lowest price ever."),
    ],
    "Nimbus Vault": [
        ("Nimbus Vault 3", "Smart albums, AI search and one-tap sharing in the simplest app we have ever built."),
        ("The Nimbus way", "Powerful features should feel effortless. That is why Nimbus Vault is built around simplicity and smart ideas."),
        ("Nimbus Labs", "Try tomorrow's features today: instant transcripts, smart previews and AI tagging."),
    ],
}  # fmt: skip

# Short posts of Lumio's social and newsletter copy, generated from these lines (the brand's
# language: AI, innovation, the future of work), so the language gap has enough brand text.
BRAND_LINES = {
    "Lumio": [
        "Lumio is the AI-powered file platform for modern teams.",
        "Our next-generation engine understands every document you store.",
        "Innovation is in our DNA.",
        "Meet the future of work: intelligent, predictive, effortless.",
        "Generative AI summaries are now live in every workspace.",
        "The Lumio copilot drafts, summarises and suggests as you work.",
        "We are reinventing collaboration with machine learning.",
        "Cutting-edge technology, beautifully simple.",
        "Predictive sharing knows who needs a file before you do.",
        "Neural ranking puts the right document first.",
        "Another industry first from the most innovative team in cloud storage.",
        "Smart Folders organise your work automatically.",
        "Join thousands of teams embracing AI-first productivity.",
        "Disruptive ideas, shipped every week.",
        "Turn storage into insight with Lumio Sense.",
        "The intelligent layer for your company's knowledge.",
    ],
}
BRAND_POSTS = {"Lumio": 200}

# Things customers raise that no attribute of the default taxonomy covers (dark mode,
# accessibility, sustainability): the blind spot for the "themes nobody declared" work.
# How a feature request or question ends (so the same request is not one repeated sentence).
REQUEST_ENDINGS = ["", " Any news on this?", " Is it on the roadmap?", " Please consider it.", " We keep asking.",
                   " It matters to us.", " Thanks in advance.", " Anyone else?", " Still nothing.",
                   " It has been months.", " Happy to test it.", " Asking for our whole team."]  # fmt: skip
UNDECLARED = [
    "Please add a dark mode to the desktop app.",
    "The mobile app still has no dark mode in 2026.",
    "Does {b} work with screen readers? Our blind colleague cannot use it.",
    "Accessibility is an afterthought: there is no keyboard navigation at all.",
    "Do their servers run on renewable energy? Sustainability matters to our board.",
    "I wish {b} published its carbon footprint like other vendors do.",
    "Is there any plan to offset the carbon footprint of all this storage?",
    "Still waiting for a dark theme, it hurts my eyes at night.",
    "The app is unusable with a screen reader, which rules it out for our school.",
]

FIRST_NAMES = [
    "Maria", "James", "Aiko", "Lucas", "Fatima", "Noah", "Elena", "Omar", "Priya", "Tom",
    "Sofia", "Kwame", "Lena", "Diego", "Hannah", "Ravi", "Chloe", "Mateo", "Ingrid", "Sam",
]  # fmt: skip
