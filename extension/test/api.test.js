import assert from "node:assert/strict";
import { test } from "node:test";

import { caseLink, outcomeOf, postClip, testConnection } from "../lib/api.js";

const settings = { server: "http://127.0.0.1:5000/", token: "gw_x" };
const answer = (status, body) => async () => ({ status, ok: status < 400, json: async () => body });

test("server answers become saved, duplicate, failed (4xx, with the reason) or queued (5xx)", () => {
  assert.deepEqual(outcomeOf(201, { id: 3, duplicate: false }), { state: "saved", id: 3 });
  assert.deepEqual(outcomeOf(200, { id: 3, duplicate: true }), { state: "duplicate", id: 3 });
  assert.equal(outcomeOf(400, { error: "text is empty" }).reason, "text is empty");
  assert.match(outcomeOf(401, { error: "unknown API token" }).reason, /did not accept the API token: unknown API token/);
  assert.equal(outcomeOf(503, null).state, "queued");
});

test("an unreachable server queues the clip; missing settings fail with what to do", async () => {
  const down = async () => {
    throw new TypeError("Failed to fetch");
  };
  assert.deepEqual(await postClip(settings, { text: "t" }, down), {
    state: "queued", reason: "The server is unreachable (Failed to fetch); will retry.",
  });
  assert.match((await postClip({}, { text: "t" }, down)).reason, /options/);
  let seen;
  await postClip(settings, { text: "t" }, async (url, init) => {
    seen = { url, auth: init.headers.Authorization };
    return { status: 201, json: async () => ({ id: 1 }) };
  });
  assert.deepEqual(seen, { url: "http://127.0.0.1:5000/api/clips", auth: "Bearer gw_x" });
});

test("test connection says what is wrong: unreachable, not Gapwatch, bad token", async () => {
  const down = async () => {
    throw new TypeError("Failed to fetch");
  };
  assert.match((await testConnection(settings, down)).message, /Cannot reach/);
  assert.match((await testConnection(settings, answer(200, { hello: "world" }))).message, /not a Gapwatch server/);
  const badToken = async (url) =>
    url.endsWith("/api/health")
      ? { status: 200, ok: true, json: async () => ({ service: "gapwatch", version: "0.1.0" }) }
      : { status: 401, ok: false, json: async () => ({ error: "unknown API token" }) };
  assert.deepEqual(await testConnection(settings, badToken), { ok: false, message: "The token is not accepted: unknown API token." });
  const good = async (url) => ({ status: 200, ok: true,
    json: async () => (url.endsWith("/api/health") ? { service: "gapwatch", version: "0.1.0" } : { token: "Ann" }) });
  assert.deepEqual(await testConnection(settings, good), { ok: true, message: "Connected to Gapwatch 0.1.0 as “Ann”." });
});

test("a stored clip links to opening a case from it on the user's Gapwatch", () => {
  assert.equal(caseLink("http://127.0.0.1:5000/", { state: "saved", commentId: 12 }),
    "http://127.0.0.1:5000/cases/new?from_clip=12");
  assert.equal(caseLink("https://gw.example", { state: "duplicate", commentId: 7 }),
    "https://gw.example/cases/new?from_clip=7");
  assert.equal(caseLink("https://gw.example", { state: "queued", commentId: null }), null);
  assert.equal(caseLink("https://gw.example", { state: "failed", commentId: 3 }), null);
  assert.equal(caseLink("", { state: "saved", commentId: 3 }), null);
});
