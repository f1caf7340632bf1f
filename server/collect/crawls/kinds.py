"""The kinds of source: what each crawler is called, the sites each choice takes, and the kind an
address needs."""

from __future__ import annotations

from urllib.parse import urlsplit

from server.errors import Invalid

KINDS = (
    "schemaorg", "reddit", "hackernews", "discourse", "appstore", "feed", "github",
    "stackexchange", "youtube",
)  # fmt: skip
STATUSES = ("running", "ok", "partial", "failed")
KIND_NAMES = {  # what each kind of crawler is called where people see one
    "schemaorg": "Any page with review markup",
    "reddit": "Reddit thread or subreddit",
    "hackernews": "Hacker News",
    "discourse": "Discourse forum",
    "appstore": "App Store app",
    "feed": "RSS / Atom feed",
    "github": "GitHub issues",
    "stackexchange": "Stack Overflow / Stack Exchange",
    "youtube": "YouTube video comments",
}
# What people choose from: a site they know, or a kind of page. Each choice is read by one kind
# of crawler; a choice that names sites only takes their addresses.
CHOICES = {  # choice: (the crawler kind, its name, the sites it takes or () for any)
    "trustpilot": ("schemaorg", "Trustpilot page", ("trustpilot.com",)),
    "g2": ("schemaorg", "G2 / Capterra reviews", ("g2.com", "capterra.com")),
    "appstore": ("appstore", "App Store app", ("apps.apple.com", "itunes.apple.com")),
    "reddit": ("reddit", "Reddit thread or subreddit", ("reddit.com", "redd.it")),
    "hackernews": ("hackernews", "Hacker News", ("news.ycombinator.com",)),
    "discourse": ("discourse", "Discourse forum", ()),
    "feed": ("feed", "RSS / Atom feed", ()),
    "schemaorg": ("schemaorg", "Any page with review markup", ()),
    "github": ("github", "GitHub issues", ("github.com",)),
    "stackexchange": ("stackexchange", "Stack Overflow / Stack Exchange",
                      ("stackoverflow.com", "stackexchange.com", "superuser.com", "serverfault.com",
                       "askubuntu.com")),
    "youtube": ("youtube", "YouTube video comments", ("youtube.com", "youtu.be")),
}  # fmt: skip
CHOICE_NAMES = {choice: name for choice, (_kind, name, _sites) in CHOICES.items()}


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def recognise_choice(url: str) -> str | None:
    """The choice an address belongs to when its site says so ("trustpilot", "reddit", …), a
    feed by its path ("feed"), or None: any page kind may do (a shop, a forum)."""
    host = _host(url)
    for choice, (_kind, _name, sites) in CHOICES.items():
        if any(host == site or host.endswith("." + site) for site in sites):
            return choice
    path = urlsplit(url).path.lower()
    if path.endswith((".rss", ".atom", "/feed", "/feed/", "/rss", "/atom.xml", "/rss.xml", "/feed.xml")):
        return "feed"
    return None


def recognise(url: str) -> str | None:
    """The crawler kind a source with this address needs, when its site says so (None: any kind
    that reads the page may do, e.g. a shop with review markup, a forum, a feed)."""
    choice = recognise_choice(url)
    return CHOICES[choice][0] if choice else None


def kind_name(kind: str, url: str) -> str:
    """What a source is called for people: the site's choice when its address has one
    ("Trustpilot page"), else its kind's name."""
    choice = recognise_choice(url)
    if choice and CHOICES[choice][0] == kind and CHOICES[choice][2]:
        return CHOICES[choice][1]
    return KIND_NAMES.get(kind, kind)


def _check_kind(kind: str | None, url: str) -> str:
    """The crawler kind of a choice (or of a kind given as such), or the one the address needs;
    a choice that does not fit the address is refused with the one that does."""
    fits = recognise_choice(url)
    if kind in (None, "", "auto"):
        if fits is None:
            raise Invalid("Gapwatch cannot tell the kind of source from this address: choose one ("
                          + "; ".join(f"{k}: {n}" for k, n in CHOICE_NAMES.items()) + ")")  # fmt: skip
        return CHOICES[fits][0]
    crawler, name, sites = CHOICES[kind]
    host = urlsplit(url).hostname
    if fits is not None and fits != "feed" and CHOICES[fits][2] and fits != kind:
        # the address is a known site's: only its own choice, or the crawler that reads it as a
        # plain page kind ("Any page with review markup" for a Trustpilot page), may take it
        if sites or CHOICES[fits][0] != crawler:
            raise Invalid(f"{host} addresses are read as {fits!r} ({CHOICES[fits][1]}), not as "
                          f"{kind!r} ({name}): choose {fits!r}")  # fmt: skip
    elif sites and kind != crawler and fits != kind:  # a site choice; a kind may read look-alikes
        raise Invalid(
            f"{name} takes addresses on {' or '.join(sites)}, not {host}; for another "
            "site's page with review markup choose 'schemaorg' (Any page with review markup)"
        )
    return crawler
