"""schema.org ``Review`` markup in JSON-LD or microdata, on any page that has it.

Shops, review sites (Trustpilot, G2, Capterra), recipe and blog pages publish reviews this way.
Where a page has no such markup, Trustpilot's own review cards (current and legacy layouts) are
read instead. Pagination follows ``rel=next`` or the page's own "next page" link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from .common import Page, comment, number

_NEXT_LINKS = (
    "link[rel~='next']::attr(href)",
    "a[rel~='next']::attr(href)",
    "a[name='pagination-button-next']::attr(href)",
    "a[data-pagination-button-next-link]::attr(href)",
    "a[aria-label='Next page']::attr(href)",
    "a.next::attr(href)",
    "li.next a::attr(href)",
)


def parse(html: str, url: str) -> Page:
    selector = Selector(text=html, type="html")  # never guessed as JSON
    items = list(_json_ld_reviews(selector, url)) or list(_microdata_reviews(selector, url))
    if not items:
        items = list(_trustpilot_cards(selector, url))
    return Page(comments=_unique(items), next_page=next_page(selector, url))


def next_page(selector: Selector, url: str) -> str | None:
    for query in _NEXT_LINKS:
        href = selector.css(query).get()
        if href and not href.startswith(("#", "javascript:")):
            target = urljoin(url, href.strip())
            if target != url:
                return target
    return None


def _unique(items: list[dict]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.get("external_id")
        if key is None or key not in seen:  # JSON-LD may name one review twice (by @id)
            seen.add(key)
            out.append(item)
    return out


# --- JSON-LD -------------------------------------------------------------------------------------


def _json_ld_reviews(selector: Selector, url: str) -> Iterator[dict]:
    for script in selector.css("script[type='application/ld+json']::text").getall():
        try:
            data = json.loads(script)
        except ValueError:
            continue  # one broken block must not hide the others
        for node in _walk(data):
            if _is_review(node.get("@type")):
                item = _review_item(node, url)
                if item:
                    yield item


def _walk(data: Any) -> Iterator[dict]:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            yield node
            stack.extend(reversed([v for v in node.values() if isinstance(v, dict | list)]))


def _is_review(kind: Any) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] in ("Review", "UserReview") for k in kinds)


def _review_item(node: dict, url: str) -> dict | None:
    author = node.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    node_id = node.get("@id") or node.get("url")
    return comment(
        node.get("reviewBody") or node.get("description") or node.get("text"),
        title=_text(node.get("headline") or node.get("name")),
        author=_text(author),
        published_at=_text(node.get("datePublished") or node.get("dateCreated")),
        rating=_rating(node.get("reviewRating")),
        language=_text(node.get("inLanguage")),
        external_id=_text(node_id),
        url=node_id
        if isinstance(node_id, str) and node_id.startswith("http") and "#" not in node_id
        else url,
    )


def _rating(rating: Any) -> float | None:
    if not isinstance(rating, dict):
        return number(rating)
    value, best = number(rating.get("ratingValue")), number(rating.get("bestRating"))
    if value is None:
        return None
    if best and best != 5:
        value = round(value / best * 5, 2)  # stored on a five-point scale
    return value if 0 <= value <= 100 else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# --- microdata -----------------------------------------------------------------------------------


def _microdata_reviews(selector: Selector, url: str) -> Iterator[dict]:
    for scope in selector.xpath("//*[@itemscope][contains(@itemtype, 'schema.org/Review')]"):
        props = _props(scope)
        author = props.get("author")
        if isinstance(author, dict):
            author = author.get("name")
        yield from filter(
            None,
            [
                comment(
                    props.get("reviewBody") or props.get("description") or props.get("text"),
                    title=_text(props.get("name") or props.get("headline")),
                    author=_text(author),
                    published_at=_text(props.get("datePublished")),
                    rating=_rating(props.get("reviewRating")),
                    url=url,
                )
            ],
        )


def _props(scope: Selector) -> dict[str, Any]:
    """The item's own properties: those whose nearest enclosing itemscope is ``scope``."""
    props: dict[str, Any] = {}
    depth = len(scope.xpath("ancestor-or-self::*[@itemscope]"))
    for element in scope.xpath(".//*[@itemprop]"):
        if len(element.xpath("ancestor::*[@itemscope]")) != depth:
            continue
        for name in (element.attrib.get("itemprop") or "").split():
            if name not in props:
                props[name] = _prop_value(element)
    return props


def _prop_value(element: Selector) -> Any:
    if "itemscope" in element.attrib:
        return _props(element)
    for attribute in ("content", "datetime"):
        if attribute in element.attrib:
            return element.attrib[attribute]
    return element.xpath("string(.)").get("").strip() if _tag(element) != "meta" else None


def _tag(element: Selector) -> str:
    return element.root.tag if isinstance(element.root.tag, str) else ""


# --- Trustpilot review cards (no schema.org markup) -------------------------------------------


def _trustpilot_cards(selector: Selector, url: str) -> Iterator[dict]:
    for card in selector.css("div.review[data-reviewmid]"):  # the 2016 layout
        stars = re.search(r"count-(\d)", card.css(".star-rating::attr(class)").get(""))
        item = comment(
            card.css(".review-body").xpath("string(.)").get(),
            title=_text(card.css(".review-title").xpath("string(.)").get()),
            author=_text(card.css(".user-review-name-link").xpath("string(.)").get()),
            published_at=card.css("time::attr(datetime)").get(),
            rating=float(stars.group(1)) if stars else None,
            external_id=card.attrib.get("data-reviewmid"),
            url=urljoin(url, card.css(".review-title-link::attr(href)").get() or url),
        )
        if item:
            yield item
    for card in selector.css("[data-service-review-card-paper]"):  # the 2023 layout
        body = card.css("[data-service-review-text-typography]").xpath("string(.)").get()
        rating = card.css("[data-service-review-rating]::attr(data-service-review-rating)").get()
        item = comment(
            body,
            title=_text(card.css("[data-service-review-title-typography]").xpath("string(.)").get()),
            author=_text(card.css("[data-consumer-name-typography]").xpath("string(.)").get()),
            published_at=card.css("time::attr(datetime)").get(),
            rating=number(rating),
            url=urljoin(url, card.css("a[data-review-title-typography]::attr(href)").get() or url),
        )
        if item:
            yield item
