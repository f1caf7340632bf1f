// Building a clip from what the page gave: pure functions, tested with `node --test`.

export const MAX_TEXT = 20000; // the server's limit for one comment
export const MAX_CONTEXT = 4000; // characters of surrounding text kept
export const MAX_NOTE = 2000;

const squash = (value) => (typeof value === "string" ? value.replace(/\s+/g, " ").trim() : "");
/** Paragraph breaks kept (one blank line at most), runs of spaces collapsed within each line. */
export const paragraphs = (value) =>
  typeof value === "string"
    ? value.replace(/\r\n?/g, "\n").split("\n").map((line) => line.replace(/[^\S\n]+/g, " ").trim()).join("\n")
        .replace(/\n{3,}/g, "\n\n").trim()
    : "";

/** Check a selection before anything is sent; answers the reason it cannot be clipped, or null. */
export function problemWith(page) {
  const text = squash(page && page.text);
  if (!text) return "Select some text on the page first.";
  if (text.length > MAX_TEXT) return `The selection is ${text.length} characters; a clip holds at most ${MAX_TEXT}.`;
  if (!/^https?:/.test((page && page.url) || "")) return "Only pages on the web (http or https) can be clipped.";
  return null;
}

/**
 * The body of POST /api/clips from the page's extraction and the user's choices.
 * page: {text, context, url, title, language, pageLanguage, author, permalink, publishedAt, postId}
 * choices: {brand, note}; now: a Date.
 */
export function buildClip(page, choices = {}, now = new Date()) {
  const problem = problemWith(page);
  if (problem) throw new Error(problem);
  const text = paragraphs(page.text);
  const clip = { text, url: page.url, clipped_at: now.toISOString().replace(/\.\d{3}Z$/, "Z") };
  const context = paragraphs(page.context);
  if (context && context !== text) clip.context = context.slice(0, MAX_CONTEXT);
  const optional = {
    title: squash(page.title).slice(0, 1000),
    language: squash(page.language).slice(0, 35),
    page_language: squash(page.pageLanguage).slice(0, 35),
    post_id: squash(page.postId).slice(0, 200),
    author: squash(page.author).slice(0, 200),
    permalink: /^https?:/.test(page.permalink || "") ? page.permalink : "",
    published_at: squash(page.publishedAt),
    brand: squash(choices.brand),
    note: squash(choices.note).slice(0, MAX_NOTE),
  };
  for (const [key, value] of Object.entries(optional)) if (value) clip[key] = value;
  return clip;
}

/** A short label for lists: the first words of the text. */
export function preview(text, words = 12) {
  const parts = squash(text).split(" ");
  return parts.length > words ? `${parts.slice(0, words).join(" ")}…` : parts.join(" ");
}
