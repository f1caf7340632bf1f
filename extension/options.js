import { testConnection } from "./lib/api.js";
import { storage } from "./lib/storage.js";

const form = document.getElementById("form");
const status = document.getElementById("status");

function current() {
  return { server: document.getElementById("server").value.trim().replace(/\/+$/, ""), token: document.getElementById("token").value.trim() };
}

function show(result) {
  status.textContent = result.message;
  status.className = result.ok ? "ok" : "error";
}

async function load() {
  const settings = (await storage.get("settings")) || {};
  document.getElementById("server").value = settings.server || "";
  document.getElementById("token").value = settings.token || "";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const settings = current();
  let origin;
  try {
    origin = `${new URL(settings.server).origin}/*`;
  } catch {
    show({ ok: false, message: "The server address is not a URL." });
    return;
  }
  // Access to the server's origin only, asked for now (a click is a user gesture).
  const granted = await chrome.permissions.request({ origins: [origin] }).catch(() => false);
  await storage.set("settings", settings);
  show(await testConnection(settings));
  if (!granted) status.textContent += " (Access to the server was not granted: clips rely on the server's CORS answer.)";
  chrome.runtime.sendMessage({ type: "retry-now" });
});

document.getElementById("test").addEventListener("click", async () => {
  status.textContent = "Testing…";
  status.className = "";
  show(await testConnection(current()));
});

load();
