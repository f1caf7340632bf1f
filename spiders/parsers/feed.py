"""RSS 2.0 and Atom feeds: a forum's or a blog's posts (a brand's own blog is an emitted source)."""

from __future__ import annotations

from parsel import Selector

from .common import Page, ParseError, comment

_ATOM = "http://www.w3.org/2005/Atom"


def parse(body: str | bytes, url: str) -> Page:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        selector = Selector(text=text.lstrip("\ufeff"), type="xml")
    except ValueError as exc:
        raise ParseError(f"the feed is not valid XML ({exc})") from None
    selector.register_namespace("atom", _ATOM)
    selector.register_namespace("dc", "http://purl.org/dc/elements/1.1/")
    selector.register_namespace("content", "http://purl.org/rss/1.0/modules/content/")
    items = selector.xpath("//item")
    if items:
        return Page(
            comments=[c for c in map(_rss_item, items) if c],
            title=selector.xpath("string(//channel/title)").get(),
        )
    entries = selector.xpath("//atom:entry")
    if entries or selector.xpath("/atom:feed"):
        return Page(
            comments=[c for c in map(_atom_entry, entries) if c],
            title=selector.xpath("string(/atom:feed/atom:title)").get(),
        )
    root = selector.root.tag if hasattr(selector.root, "tag") else "?"
    raise ParseError(f"not an RSS or Atom feed (root element {root!r})")


def _rss_item(item: Selector) -> dict | None:
    body = item.xpath("string(content:encoded)").get() or item.xpath("string(description)").get()
    return comment(
        body,
        title=item.xpath("string(title)").get().strip() or None,
        author=(item.xpath("string(dc:creator)").get() or item.xpath("string(author)").get()).strip() or None,
        published_at=item.xpath("string(pubDate)").get().strip() or None,
        url=item.xpath("string(link)").get().strip() or None,
        external_id=item.xpath("string(guid)").get().strip() or None,
    )


def _atom_entry(entry: Selector) -> dict | None:
    link = entry.xpath("atom:link[not(@rel) or @rel='alternate']/@href").get()
    return comment(
        entry.xpath("string(atom:content)").get() or entry.xpath("string(atom:summary)").get(),
        title=entry.xpath("string(atom:title)").get().strip() or None,
        author=entry.xpath("string(atom:author/atom:name)").get().strip() or None,
        published_at=(
            entry.xpath("string(atom:published)").get() or entry.xpath("string(atom:updated)").get()
        ).strip()
        or None,
        url=link,
        external_id=entry.xpath("string(atom:id)").get().strip() or None,
    )
