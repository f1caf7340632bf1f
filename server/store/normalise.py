"""Turning what people paste, clip and crawl into one canonical text.

HTML becomes text (scripts and styles dropped, block elements become line breaks, entities
decoded), Unicode is NFC, control and zero-width characters go, runs of spaces become one space,
and blank lines collapse to one paragraph break. ``content_hash`` is what de-duplication compares.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z!/]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
# C0/C1 controls except tab and newline, zero-width characters, byte-order mark.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_BLANK_LINES = re.compile(r"\n{3,}")
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Text content of an HTML fragment; plain text passes through untouched."""
    if not _LOOKS_LIKE_HTML.search(value):
        return value
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    return "".join(parser.parts)


def normalise_text(value: str) -> str:
    text = html_to_text(value)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if "\n" not in text:
        return " ".join(text.split())
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def normalise_line(value: str) -> str:
    """Normalise a short one-line field (author, title): same rules, one line."""
    if value.isascii() and value.isprintable() and not _LOOKS_LIKE_HTML.search(value):
        return " ".join(value.split())  # the common case, without the general machinery
    return " ".join(normalise_text(value).split())


def content_hash(text: str) -> str:
    """What makes two comments the same: their normalised text, line breaks aside (128 bits)."""
    return hashlib.blake2b(" ".join(text.split()).encode("utf-8"), digest_size=16).hexdigest()


_HTTP_URL = re.compile(
    r"https?://(?:[^\s/?#@]*@)?(?P<host>\[[0-9a-fA-F:.]+\]|[^\s/?#@:\[\]]+)(?::\d{1,5})?(?:[/?#]\S*)?",
    re.IGNORECASE,
)


def check_url(value: str) -> str:
    """Return the URL if it is an absolute http(s) address; raise ValueError otherwise."""
    url = value.strip()
    if not _HTTP_URL.fullmatch(url):
        raise ValueError(f"url must be an http(s) address, not {value[:80]!r}")
    return url


_FUTURE_TOLERANCE = timedelta(days=1)


_CANONICAL = re.compile(r"(199\d|20\d\d)-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def parse_datetime(value: str | int | float, *, now: datetime | None = None) -> str:
    """Parse an ISO 8601 / RFC 2822 date or a Unix time to the stored UTC form."""
    if isinstance(value, str) and _CANONICAL.fullmatch(value):
        return _parse_canonical(value, now)
    try:
        if isinstance(value, int | float):
            moment = datetime.fromtimestamp(value, UTC)
        else:
            text = value.strip()
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                moment = parsedate_to_datetime(text)
    except (ValueError, TypeError, OverflowError, OSError, IndexError):
        raise ValueError(f"published_at is not a date: {str(value)[:60]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if moment > (now or datetime.now(UTC)) + _FUTURE_TOLERANCE:
        raise ValueError(f"published_at is in the future: {str(value)[:60]!r}")
    if moment.year < 1990:
        raise ValueError(f"published_at is before 1990: {str(value)[:60]!r}")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_canonical(value: str, now: datetime | None) -> str:
    """The stored form itself (the common case in bulk imports): check it, keep it."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"published_at is not a date: {value!r}") from None
    if moment > (now or datetime.now(UTC)) + _FUTURE_TOLERANCE:
        raise ValueError(f"published_at is in the future: {value!r}")
    return value


def channel_of(url: str | None) -> str | None:
    """The site a comment came from, as its host without ``www.``."""
    match = _HTTP_URL.fullmatch(url) if url else None
    if match is None:
        return None
    return match.group("host").lower().removeprefix("www.")
