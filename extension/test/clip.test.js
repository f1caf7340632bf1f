import assert from "node:assert/strict";
import { test } from "node:test";

import { buildClip, MAX_TEXT, preview, problemWith } from "../lib/clip.js";

const page = {
  text: "  The sync lost my\n files twice.  ",
  context: "Review by Ann: The sync lost my files twice. Support never answered.",
  url: "https://reviews.example/lumio",
  title: "Lumio reviews",
  language: "en",
  author: "Ann",
  permalink: "https://reviews.example/lumio#r7",
  publishedAt: "2026-01-02T10:00:00Z",
};

test("a clip carries the text, context, page and what the page says about the comment", () => {
  const clip = buildClip(page, { brand: "Lumio", note: " for the Q3 deck " }, new Date("2026-02-01T12:30:00.123Z"));
  assert.deepEqual(clip, {
    text: "The sync lost my\nfiles twice.",
    url: "https://reviews.example/lumio",
    clipped_at: "2026-02-01T12:30:00Z",
    context: "Review by Ann: The sync lost my files twice. Support never answered.",
    title: "Lumio reviews",
    language: "en",
    author: "Ann",
    permalink: "https://reviews.example/lumio#r7",
    published_at: "2026-01-02T10:00:00Z",
    brand: "Lumio",
    note: "for the Q3 deck",
  });
});

test("empty optional parts are left out, and a context equal to the text is not repeated", () => {
  const clip = buildClip({ text: "Great", context: " Great ", url: "https://a.example/", permalink: "javascript:x" });
  assert.deepEqual(Object.keys(clip).sort(), ["clipped_at", "text", "url"]);
});

test("bad selections are refused with a reason a person understands", () => {
  assert.equal(problemWith({ text: "   ", url: "https://a.example/" }), "Select some text on the page first.");
  assert.match(problemWith({ text: "x".repeat(MAX_TEXT + 1), url: "https://a.example/" }), /at most 20000/);
  assert.match(problemWith({ text: "hi", url: "chrome://settings" }), /http or https/);
  assert.throws(() => buildClip({ text: "", url: "https://a.example/" }), /Select some text/);
});

test("paragraph breaks are kept, runs of spaces and blank lines collapsed", () => {
  const clip = buildClip({ text: " First  paragraph,\t still.\r\n\r\n\n\nSecond one.\n  Third line ", url: "https://a.example/",
    postId: " R1PZ19QMJ4N7R9 ", pageLanguage: "en-gb" }, {}, new Date("2026-02-01T12:30:00Z"));
  assert.equal(clip.text, "First paragraph, still.\n\nSecond one.\nThird line");
  assert.equal(clip.post_id, "R1PZ19QMJ4N7R9");
  assert.equal(clip.page_language, "en-gb");
});

test("previews are the first words", () => {
  assert.equal(preview("one two three four", 2), "one two…");
  assert.equal(preview("short text"), "short text");
});
