"""Stack Exchange question pages (Stack Overflow, Super User…): the question, answers, comments."""

from __future__ import annotations

from urllib.parse import urljoin

from parsel import Selector

from .common import Page, ParseError, comment


def parse(html: str, url: str) -> Page:
    selector = Selector(text=html, type="html")  # never guessed as JSON
    question = selector.css("#question")
    if not question:
        raise ParseError("no Stack Exchange question on this page (no #question element)")
    title = selector.css("#question-header h1").xpath("string(.)").get("").strip() or None
    page = Page(title=title)
    posts = [(question[0], "q", question.attrib.get("data-questionid"))]
    posts += [(answer, "a", answer.attrib.get("data-answerid")) for answer in selector.css("div.answer")]
    for post, kind, post_id in posts:
        body = post.css(".post-text, .s-prose, [itemprop='text']")
        item = comment(
            body[0].get() if body else None,
            author=_author(post),
            published_at=post.css(".user-action-time span::attr(title)").get(),
            external_id=f"se_{kind}{post_id}",
            url=urljoin(url, f"/{kind}/{post_id}"),
            context=title,
        )
        if item:
            page.comments.append(item)
        for note in post.css("li.comment"):
            item = comment(
                note.css(".comment-copy").get(),
                author=note.css(".comment-user").xpath("string(.)").get("").strip() or None,
                published_at=(note.css(".relativetime-clean::attr(title)").get() or "").split("Z")[0] or None,
                external_id=f"se_c{note.attrib.get('data-comment-id')}",
                url=urljoin(url, f"#comment{note.attrib.get('data-comment-id')}_{post_id}"),
                context=title,
            )
            if item:
                page.comments.append(item)
    return page


def _author(post: Selector) -> str | None:
    names = post.css(
        ".post-signature .user-details a::text, .post-signature .user-details [itemprop='name']::text"
    )
    return names[-1].get().strip() if names else None
