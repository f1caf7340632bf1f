import assert from "node:assert/strict";
import { test } from "node:test";

import { backoff, Queue, remember } from "../lib/queue.js";

function memory() {
  const data = new Map();
  return { get: async (k) => structuredClone(data.get(k)), set: async (k, v) => void data.set(k, structuredClone(v)) };
}

test("a queued clip waits, is retried with growing backoff, and leaves once sent", async () => {
  let now = 1_000_000;
  const queue = new Queue(memory(), () => now);
  const entry = await queue.add({ text: "t", clipped_at: "2026-01-01T00:00:00Z" }, "unreachable");
  assert.equal((await queue.due()).length, 0); // not before its first backoff
  assert.equal((await queue.due(true)).length, 1); // but at browser start, at once
  now += backoff(0) * 1000;
  assert.deepEqual((await queue.due()).map((e) => e.id), [entry.id]);
  await queue.postpone(entry.id, "HTTP 503");
  assert.equal(await queue.nextAt(), now + backoff(1) * 1000);
  assert.ok(backoff(1) > backoff(0) && backoff(99) === 3600);
  await queue.remove(entry.id);
  assert.deepEqual(await queue.items(), []);
  assert.equal(await queue.nextAt(), null);
});

test("the queue is written to storage on every change (a stopped worker loses nothing)", async () => {
  const storage = memory();
  await new Queue(storage).add({ text: "a", clipped_at: "x" });
  await new Queue(storage).add({ text: "b", clipped_at: "y" });
  assert.deepEqual((await new Queue(storage).items()).map((e) => e.clip.text), ["a", "b"]);
});

test("a queued clip keeps the key the recent list knows it by, so its retry replaces that entry", async () => {
  const storage = memory();
  const queue = new Queue(storage);
  await remember(storage, { key: "k1", state: "queued" });
  const entry = await queue.add({ text: "t", clipped_at: "x" }, "unreachable", "k1");
  assert.equal(entry.id, "k1");
  await remember(storage, { key: entry.id, state: "saved" });
  assert.deepEqual((await storage.get("recent")).map((r) => [r.key, r.state]), [["k1", "saved"]]);
});

test("recent clips keep the latest state of each, newest first, at most 20", async () => {
  const storage = memory();
  await remember(storage, { key: "1", state: "queued" });
  await remember(storage, { key: "2", state: "saved" });
  await remember(storage, { key: "1", state: "saved" });
  assert.deepEqual((await storage.get("recent")).map((r) => [r.key, r.state]), [["1", "saved"], ["2", "saved"]]);
  for (let i = 0; i < 30; i++) await remember(storage, { key: `k${i}`, state: "saved" });
  assert.equal((await storage.get("recent")).length, 20);
});
