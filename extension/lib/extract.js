// What the page says about the selected text. `extractSelection` runs inside the page
// (chrome.scripting.executeScript serialises it), so it must not use anything from outside
// its own body. Given a CSS selector instead of a selection (tests), it describes that element.
//
// It answers {text, context, url, title, language, pageLanguage, author, permalink, publishedAt,
// postId}: the text keeps its paragraph breaks, without the site's labels ("Comments:") and
// boilerplate ("Review collected by and hosted on G2.com."); author, date, link and id come from
// the block that holds the one review or comment the selection is in.

export function extractSelection(selector) {
  const clean = (value) => (value || "").replace(/\s+/g, " ").trim();
  // Labels a site puts before a review's parts, and lines that are the site's, not the author's.
  const LABEL = /^((comments?|review|pros|cons|overall|summary)\s*:|what do you (like best|dislike) about [^?\n]{1,80}\?|what problems (is|are) [^?\n]{1,80} solving[^?\n]{0,80}\?|recommendations to others considering [^:\n]{1,80}:)\s*/i;
  const BOILERPLATE = /^(review collected by and hosted on g2\.com\.?|verified purchase|read more|show more|show less|see more|helpful|report( abuse)?|translate review to english|\d+ (people|person) found this helpful\.?)$/i;
  const tidy = (value) => {
    const lines = [];
    for (const raw of (value || "").replace(/\r\n?/g, "\n").split("\n")) {
      let line = raw.replace(/[^\S\n]+/g, " ").trim();
      if (BOILERPLATE.test(line)) continue;
      for (let stripped = line.replace(LABEL, ""); stripped !== line; stripped = line.replace(LABEL, "")) {
        line = stripped; // "Comments: Pros: …" loses both labels
      }
      lines.push(line);
    }
    return lines.join("\n").replace(/\n{3,}/g, "\n\n").trim();
  };

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
    for (const found of root ? root.querySelectorAll(query) : []) {
      const value = found.getAttribute(name);
      if (value) return value; // the first that has it: a <meta itemprop=url> has no href
    }
    return "";
  };
  const closest = (query) => (start && start.closest ? start.closest(query) : null);

  // Dates as sites print them: "Reviewed in Germany on 20 June 2021", "Feb 22, 2017", "2020-02-13".
  const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
  const dateIn = (value) => {
    const said = clean(value);
    const iso = (y, m, d) => (m >= 1 && d >= 1 && d <= 31 ? `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}` : "");
    const month = (name) => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;
    let m = said.match(/\b(\d{4})-(\d{2})-(\d{2})/);
    if (m) return iso(m[1], Number(m[2]), Number(m[3]));
    m = said.match(/\b(\d{1,2})\.? ([A-Za-z]{3,9})\.?,? (\d{4})\b/);
    if (m && month(m[2])) return iso(m[3], month(m[2]), Number(m[1]));
    m = said.match(/\b([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})\b/);
    if (m && month(m[1])) return iso(m[3], month(m[1]), Number(m[2]));
    return "";
  };
  const utc = (value) => (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value || "") ? `${value}Z` : value || "");

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
    // Amazon: one [data-hook=review] per review; the title links to /gp/customer-reviews/<id>/.
    ["[data-hook=review]", (b) => ({ author: textOf(b, ".a-profile-name"),
      publishedAt: dateIn(textOf(b, "[data-hook=review-date]")),
      permalink: absolute(attrOf(b, "a[data-hook=review-title], a[href*='/customer-reviews/']", "href")),
      postId: b.id || "" })],
    // G2: the card's first [itemprop=url] is the reviewer's <meta>; the review's own link is an
    // <a> to …/reviews/<slug>-review-<id>. An updated review is dated by its first publication.
    ["[id^='survey-response-'], .paper[itemtype*='schema.org/Review']", (b) => ({
      author: textOf(b, "[itemprop=author] [itemprop=name]") || textOf(b, "[itemprop=author]"),
      publishedAt: attrOf(b, "[itemprop=datePublished]", "content") || attrOf(b, "time", "datetime")
        || dateIn(textOf(b, "time")),
      permalink: absolute(attrOf(b, "a[href*='-review-']", "href") || attrOf(b, "a[itemprop=url]", "href")),
      postId: (b.id || "").replace("survey-response-", "") })],
    // Capterra: legacy cards (div.cell-review, 2017) and current ones (data-test-id="review-card").
    [".cell-review, [data-test-id='review-card'], [data-testid='review-card']", (b) => ({
      author: textOf(b, ".reviewer-details .epsilon, [data-testid='reviewer-full-name'], [data-test-id='reviewer-name']")
        || textOf(b, ".reviewer-details > div"),
      publishedAt: attrOf(b, "time", "datetime") || dateIn(
        [...b.querySelectorAll(".color-gray, .typo-0, time, [data-testid='review-date']")].map((e) => e.textContent).find(dateIn) || ""),
      permalink: absolute(attrOf(b, "a[href*='/reviews/'][href*='review']", "href")),
      postId: b.id || "" })],
    ["li.comment[data-comment-id]", (b) => ({ author: textOf(b, ".comment-user"),
      publishedAt: (attrOf(b, ".relativetime-clean", "title") || "").split(",")[0].replace(" ", "T").replace(/Z?$/, "Z"),
      permalink: absolute(`#comment${b.getAttribute("data-comment-id")}`) })],
    // Stack Exchange questions and answers: the owner's signature, the creation time, the share link.
    [".answer[data-answerid], .question[data-questionid]", (b) => ({
      author: textOf(b, "[itemprop=author] [itemprop=name]")
        || textOf(b, ".post-signature.owner .user-details a, .post-signature:last-of-type .user-details a"),
      publishedAt: utc(attrOf(b, "time[itemprop=dateCreated], [itemprop=dateCreated]", "datetime")
        || attrOf(b, ".post-signature.owner .relativetime", "title").replace(" ", "T").replace(/Z$/, "")),
      permalink: absolute(attrOf(b, "a.js-share-link, a[itemprop=url]", "href")),
      postId: b.getAttribute("data-answerid") || b.getAttribute("data-questionid") || "" })],
    ["[itemscope][itemtype*='schema.org/Review'], [itemscope][itemtype*='schema.org/Comment'], [itemscope][itemtype*='schema.org/Answer']",
      (b) => ({ author: textOf(b, "[itemprop=author] [itemprop=name]") || textOf(b, "[itemprop=author]"),
        publishedAt: attrOf(b, "[itemprop=datePublished]", "content") || attrOf(b, "[itemprop=datePublished]", "datetime")
          || attrOf(b, "[itemprop=dateCreated]", "datetime"),
        permalink: absolute(attrOf(b, "a[itemprop=url]", "href")) })],
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
  const fill = (found) => {
    for (const [key, value] of Object.entries(found || {})) if (value && !meta[key]) meta[key] = value;
  };

  // schema.org JSON-LD reviews whose body holds the selection (Trustpilot, shops, recipe sites).
  if (!meta.author && text.trim()) {
    const wanted = clean(text).slice(0, 80);
    const visit = (node) => {
      if (Array.isArray(node)) return node.some(visit);
      if (!node || typeof node !== "object") return false;
      const body = clean(node.reviewBody || "");
      if (body && body.includes(wanted)) {
        const author = Array.isArray(node.author) ? node.author[0] : node.author;
        fill({ author: typeof author === "string" ? author : author && author.name,
          publishedAt: node.datePublished, permalink: /^https?:/.test(node.url || "") ? node.url : "" });
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

  // Any other page: the nearest block that holds one post, i.e. one date or one author.
  const AUTHOR = "[itemprop=author], [rel=author], .author, .fn, [class*='comment-author'], [class*='auth'], [class*='username']";
  if (!block) {
    for (let node = start; node && node !== document.body && node !== document.documentElement; node = node.parentElement) {
      const times = node.querySelectorAll("time[datetime]").length;
      const authors = node.querySelectorAll(AUTHOR).length;
      if (times > 1 || authors > 1) break; // a list of posts: the one post was below
      if (times || authors) {
        block = node;
        const anchor = node.id && /comment|review|answer|post|reply/i.test(node.id) ? `#${node.id}` : "";
        fill({ author: textOf(node, AUTHOR), publishedAt: attrOf(node, "time[datetime]", "datetime"),
          permalink: absolute(attrOf(node, "a[rel=bookmark], a[href*='#comment']", "href") || anchor),
          postId: node.id || "" });
        break;
      }
    }
  }
  if (!block) {
    block = closest("article, [class*='comment'], [class*='review'], [class*='post'], li, blockquote, p, td") || start;
  }

  // The review's own language; the page's is only a hint (a German review on amazon.co.uk).
  const langHolder = start && start.closest ? start.closest("[lang]") : null;
  const own = langHolder && langHolder !== document.documentElement ? langHolder.getAttribute("lang") : "";
  return {
    text: tidy(text),
    context: block ? tidy(block.innerText || block.textContent).slice(0, 4000) : "",
    url: location.href,
    title: document.title,
    language: own || "",
    pageLanguage: document.documentElement.lang || "",
    author: clean(meta.author),
    permalink: meta.permalink || "",
    publishedAt: clean(meta.publishedAt),
    postId: clean(meta.postId),
  };
}
