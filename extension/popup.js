import { caseLink, fetchBrands } from "./lib/api.js";
import { storage } from "./lib/storage.js";

const LABELS = { saved: "saved", duplicate: "duplicate — already stored", queued: "queued — will retry", failed: "failed" };

async function render() {
  const recent = (await storage.get("recent")) || [];
  const settings = (await storage.get("settings")) || {};
  const queue = (await storage.get("queue")) || [];
  const list = document.getElementById("recent");
  list.replaceChildren(
    ...(recent.length ? recent : [{ state: "", preview: "Nothing clipped yet." }]).map((entry) => {
      const item = document.createElement("li");
      item.className = `clip ${entry.state}`;
      const state = document.createElement("span");
      state.className = "state";
      state.textContent = LABELS[entry.state] || "";
      const text = document.createElement("span");
      text.textContent = entry.preview;
      item.append(state, text);
      const link = caseLink(settings.server, entry);
      if (link) {
        const open = document.createElement("a");
        open.className = "case";
        open.href = link;
        open.target = "_blank";
        open.rel = "noopener";
        open.textContent = "open a case";
        open.title = "Test a claim about this comment against the data, in Gapwatch";
        item.append(" ", open);
      }
      if (entry.reason && entry.state !== "saved") {
        const reason = document.createElement("div");
        reason.className = "reason";
        reason.textContent = entry.reason;
        item.append(reason);
      }
      return item;
    }),
  );
  document.getElementById("waiting").textContent = queue.length ? `${queue.length} waiting for the server.` : "";
  document.getElementById("retry").hidden = !queue.length;
}

async function loadBrands() {
  const settings = await storage.get("settings");
  const prefs = (await storage.get("prefs")) || {};
  const select = document.getElementById("brand");
  const status = document.getElementById("connection");
  document.getElementById("note").value = prefs.note || "";
  if (!settings || !settings.server) {
    status.textContent = "— not set up: open Options";
    return;
  }
  try {
    const { brands, ours } = await fetchBrands(settings);
    for (const brand of brands) {
      const option = new Option(brand.name + (brand.name === ours ? " (ours)" : ""), brand.name);
      select.append(option);
    }
    select.value = prefs.brand || "";
    status.textContent = `— ${new URL(settings.server).host}`;
  } catch (error) {
    status.textContent = `— server unreachable (${error.message}); clips will wait`;
  }
}

async function savePrefs() {
  await storage.set("prefs", {
    brand: document.getElementById("brand").value,
    note: document.getElementById("note").value,
  });
}

document.getElementById("brand").addEventListener("change", savePrefs);
document.getElementById("note").addEventListener("input", savePrefs);
document.getElementById("clip").addEventListener("click", async () => {
  await savePrefs();
  await chrome.runtime.sendMessage({ type: "clip-active-tab" });
  document.getElementById("note").value = "";
  await render();
});
document.getElementById("retry").addEventListener("click", async () => {
  await chrome.runtime.sendMessage({ type: "retry-now" });
  await render();
});
chrome.storage.onChanged.addListener(render);
loadBrands();
render();
