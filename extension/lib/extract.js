// What the page says about the selected text. `extractSelection` runs inside the page
// (chrome.scripting.executeScript serialises it), so it must not use anything from outside
// its own body. Given a CSS selector instead of a selection (tests), it describes that element.

export function extractSelection(selector) {
  const clean = (value) => (value || "").replace(/\s+/g, " ").trim();
  let text = "";
  let start = null;
  if (selector) {
    start = document.querySelector(selector);
    text = start ? start.innerText || start.textContent : "";
  } else {
    const selection = window.getSelection();
    text = selection ? selection.toString() : "";
    if (selection && selection.rangeCount) {
      const node = selection.getRangeAt(0).commonAncestorContainer;
      start = node.nodeType === 1 ? node : node.parentElement;
    }
  }
  const absolute = (href) => {
    try {
      return href ? new URL(href, location.href).href : "";
    } catch {
      return "";
    }
  };
  const textOf = (root, query) => {
    const found = root && root.querySelector(query);
    return found ? clean(found.getAttribute("content") || found.innerText || found.textContent) : "";
  };
  const attrOf = (root, query, name) => {
    const found = root && root.querySelector(query);
    return found ? found.getAttribute(name) || "" : "";
  };
  const closest = (query) => (start && start.closest ? start.closest(query) : null);

  // Known comment blocks, most specific first: [selector of the block, how to read it].
  const sites = [
    ["shreddit-comment", (b) => ({ author: b.getAttribute("author"), permalink: absolute(b.getAttribute("permalink")),
      publishedAt: b.getAttribute("created-timestamp") || attrOf(b, "time", "datetime") })],
    [".thing.comment", (b) => ({ author: b.getAttribute("data-author"), permalink: absolute(b.getAttribute("data-permalink")),
      publishedAt: attrOf(b, "time", "datetime") })],
    ["tr.athing.comtr", (b) => ({ author: textOf(b, ".hnuser"), permalink: absolute(attrOf(b, ".age a", "href")),
      publishedAt: (attrOf(b, ".age", "title") || "").split(" ")[0] })],
    ["article[data-post-id], .topic-post", (b) => {
      const time = attrOf(b, ".post-date[data-time], [data-time]", "data-time");
      return { author: textOf(b, ".names .username, .username, [data-user-card]"),
        permalink: absolute(attrOf(b, "a.post-date, .post-info.post-date a", "href")),
        publishedAt: time ? new Date(Number(time)).toISOString() : attrOf(b, "time", "datetime") };
    }],
    ["article[data-service-review-card-paper], [data-service-review-card-paper]", (b) => ({
      author: textOf(b, "[data-consumer-name-typography]"), publishedAt: attrOf(b, "time", "datetime"),
      permalink: absolute(attrOf(b, "a[data-review-title-typography], a[href*='/reviews/']", "href")) })],
    [".review[data-reviewmid]", (b) => ({ author: textOf(b, ".user-review-name-link"), publishedAt: attrOf(b, "time", "datetime"),
      permalink: absolute(attrOf(b, ".review-title-link", "href")) })],
    ["li.comment[data-comment-id]", (b) => ({ author: textOf(b, ".comment-user"),
      publishedAt: (attrOf(b, ".relativetime-clean", "title") || "").split(",")[0].replace(" ", "T").replace(/Z?$/, "Z"),
      permalink: absolute(`#comment${b.getAttribute("data-comment-id")}`) })],
    ["[itemscope][itemtype*='schema.org/Review'], [itemscope][itemtype*='schema.org/Comment'], [itemscope][itemtype*='schema.org/Answer']",
      (b) => ({ author: textOf(b, "[itemprop=author] [itemprop=name]") || textOf(b, "[itemprop=author]"),
        publishedAt: attrOf(b, "[itemprop=datePublished]", "content") || attrOf(b, "[itemprop=datePublished]", "datetime"),
        permalink: absolute(attrOf(b, "[itemprop=url]", "href")) })],
  ];
  let block = null;
  let meta = {};
  for (const [query, read] of sites) {
    block = closest(query);
    if (block) {
      meta = read(block);
      break;
    }
  }
  if (!block) {
    block = closest("article, [class*='comment'], [class*='review'], [class*='post'], li, blockquote, p, td") || start;
  }

  // schema.org JSON-LD reviews whose body holds the selection (Trustpilot, shops, recipe sites).
  if (!meta.author && text.trim()) {
    const wanted = clean(text).slice(0, 80);
    const visit = (node) => {
      if (Array.isArray(node)) return node.some(visit);
      if (!node || typeof node !== "object") return false;
      const body = clean(node.reviewBody || "");
      if (body && body.includes(wanted)) {
        const author = Array.isArray(node.author) ? node.author[0] : node.author;
        meta = { author: typeof author === "string" ? author : author && author.name,
          publishedAt: node.datePublished, permalink: /^https?:/.test(node.url || "") ? node.url : "" };
        return true;
      }
      return Object.values(node).some((v) => typeof v === "object" && visit(v));
    };
    for (const script of document.querySelectorAll("script[type='application/ld+json']")) {
      try {
        if (visit(JSON.parse(script.textContent))) break;
      } catch {
        // a broken block on the page is not our problem
      }
    }
  }

  const langHolder = start && start.closest ? start.closest("[lang]") : null;
  return {
    text,
    context: block ? clean(block.innerText || block.textContent).slice(0, 4000) : "",
    url: location.href,
    title: document.title,
    language: (langHolder && langHolder.getAttribute("lang")) || document.documentElement.lang || "",
    author: clean(meta.author),
    permalink: meta.permalink || "",
    publishedAt: clean(meta.publishedAt),
  };
}
