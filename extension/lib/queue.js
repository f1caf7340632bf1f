// The persistent queue of clips waiting for the server, and the list of recent clips.
// Storage is injected (chrome.storage.local in the extension, a Map in tests), so this module
// is pure logic: nothing here is lost when the service worker stops, since every change is
// written before it is acted on.

export const BACKOFF_SECONDS = [30, 60, 120, 300, 900, 1800, 3600]; // then every hour
export const RECENT = 20;

export function backoff(attempts) {
  return BACKOFF_SECONDS[Math.min(attempts, BACKOFF_SECONDS.length - 1)];
}

export class Queue {
  constructor(storage, clock = () => Date.now()) {
    this.storage = storage;
    this.clock = clock;
  }

  async items() {
    return (await this.storage.get("queue")) || [];
  }

  /** Queue a clip under `id`, the key the popup's list knows it by, so a retry updates that entry. */
  async add(clip, reason, id = null) {
    const items = await this.items();
    const entry = { id: id || clip.clipped_at + ":" + items.length + ":" + Math.random().toString(36).slice(2, 8),
      clip, attempts: 0, nextAt: this.clock() + backoff(0) * 1000, reason };
    items.push(entry);
    await this.storage.set("queue", items);
    return entry;
  }

  /** Entries to try now (all of them with `everything`, e.g. at browser start). */
  async due(everything = false) {
    const now = this.clock();
    return (await this.items()).filter((e) => everything || e.nextAt <= now);
  }

  async remove(id) {
    await this.storage.set("queue", (await this.items()).filter((e) => e.id !== id));
  }

  async postpone(id, reason) {
    const items = await this.items();
    for (const e of items) {
      if (e.id === id) {
        e.attempts += 1;
        e.nextAt = this.clock() + backoff(e.attempts) * 1000;
        e.reason = reason;
      }
    }
    await this.storage.set("queue", items);
  }

  /** When the next retry is due, or null when nothing waits. */
  async nextAt() {
    const items = await this.items();
    return items.length ? Math.min(...items.map((e) => e.nextAt)) : null;
  }
}

/** Record a clip's latest state (saved, duplicate, queued, failed) at the top of the recent list. */
export async function remember(storage, entry) {
  const recent = ((await storage.get("recent")) || []).filter((r) => r.key !== entry.key);
  recent.unshift(entry);
  await storage.set("recent", recent.slice(0, RECENT));
  return recent;
}
