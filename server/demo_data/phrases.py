"""What the demo's customers say: per attribute and feeling, the sentences, and the openers and
closers around them."""

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
