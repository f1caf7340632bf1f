"""What the brands themselves publish, feature requests, the themes nobody declared, and the
names of the people who write."""

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
