// The service worker: menus, the keyboard command, the clip flow, the retry queue, the badge.
// It may be stopped at any moment, so every state lives in chrome.storage.local.

import { postClip } from "./lib/api.js";
import { buildClip, preview, problemWith } from "./lib/clip.js";
import { extractSelection } from "./lib/extract.js";
import { Queue, remember } from "./lib/queue.js";
import { storage } from "./lib/storage.js";

const MENU_ID = "gapwatch-clip";
const RETRY_ALARM = "gapwatch-retry";
const queue = new Queue(storage);

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: MENU_ID, title: "Clip to Gapwatch", contexts: ["selection"] });
  flush(true);
});
chrome.runtime.onStartup.addListener(() => flush(true));
chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === MENU_ID) clipTab(tab);
});
chrome.commands.onCommand.addListener((command, tab) => {
  if (command === "clip-selection") clipTab(tab);
});
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === RETRY_ALARM) flush(false);
});
chrome.runtime.onMessage.addListener((message, _sender, reply) => {
  if (message && message.type === "clip-active-tab") {
    activeTab().then(clipTab).then(reply);
    return true; // answers asynchronously
  }
  if (message && message.type === "retry-now") {
    flush(true).then(reply);
    return true;
  }
  return false;
});

async function activeTab() {
  const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
  return tab;
}

/** Clip the selection of `tab`: extract, build, send (or queue), remember, show. */
export async function clipTab(tab) {
  const key = `${Date.now()}:${Math.random().toString(36).slice(2, 8)}`; // one id: the list's and the queue's
  let page;
  try {
    const [injected] = await chrome.scripting.executeScript({ target: { tabId: tab.id }, func: extractSelection });
    page = injected && injected.result;
  } catch (error) {
    return record({ key, state: "failed", reason: `Cannot read this page (${error.message}).`, text: "" });
  }
  const problem = problemWith(page);
  if (problem) return record({ key, state: "failed", reason: problem, text: (page && page.text) || "" });
  const prefs = (await storage.get("prefs")) || {};
  const clip = buildClip(page, { brand: prefs.brand, note: prefs.note });
  if (prefs.note) await storage.set("prefs", { ...prefs, note: "" }); // a note belongs to one clip
  return send(clip, key);
}

async function send(clip, key) {
  const outcome = await postClip(await storage.get("settings"), clip);
  if (outcome.state === "queued") {
    await queue.add(clip, outcome.reason, key);
    await scheduleRetry();
  }
  return record({ key, state: outcome.state, reason: outcome.reason || null, text: clip.text, url: clip.url,
    commentId: outcome.id || null });
}

let flushing = Promise.resolve();

/** Try what waits in the queue: due entries, or all of them (`everything`, e.g. at start).
 * Flushes run one after the other, so a clip is never sent twice at once. */
export function flush(everything = false) {
  flushing = flushing.catch(() => {}).then(() => flushOnce(everything));
  return flushing;
}

async function flushOnce(everything) {
  const settings = await storage.get("settings");
  for (const entry of await queue.due(everything)) {
    const outcome = await postClip(settings, entry.clip);
    if (outcome.state === "queued") {
      await queue.postpone(entry.id, outcome.reason);
      continue;
    }
    await queue.remove(entry.id);
    await record({ key: entry.id, state: outcome.state, reason: outcome.reason || null, text: entry.clip.text,
      url: entry.clip.url, commentId: outcome.id || null });
  }
  await scheduleRetry();
  await showBadge();
  return (await queue.items()).length;
}

async function scheduleRetry() {
  const next = await queue.nextAt();
  if (next === null) await chrome.alarms.clear(RETRY_ALARM);
  else await chrome.alarms.create(RETRY_ALARM, { when: Math.max(next, Date.now() + 1000) });
}

async function record(entry) {
  await remember(storage, { ...entry, preview: preview(entry.text), at: new Date().toISOString() });
  await showBadge(entry.state);
  return entry;
}

const FLASH = { saved: ["✓", "#1a7f37"], duplicate: ["=", "#6e7781"], failed: ["!", "#cf222e"] };

/** The badge counts what waits; a clip's outcome flashes for three seconds. */
async function showBadge(state) {
  const waiting = (await queue.items()).length;
  const flash = FLASH[state];
  if (flash) {
    await chrome.action.setBadgeText({ text: flash[0] });
    await chrome.action.setBadgeBackgroundColor({ color: flash[1] });
    setTimeout(() => showBadge(), 3000);
    return;
  }
  await chrome.action.setBadgeText({ text: waiting ? String(waiting) : "" });
  await chrome.action.setBadgeBackgroundColor({ color: "#9a6700" });
}

// A service worker that starts (browser start, an alarm, a message) sends all that waits.
self.gapwatch = { clipTab, flush, activeTab };
flush(true);
