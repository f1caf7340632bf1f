// The network calls, in one small module; fetch is injected so tests can stand in for it.

/** What a POST /api/clips answer means for the user and the queue. */
export function outcomeOf(status, body) {
  const reason = body && typeof body.error === "string" ? body.error : null;
  if (status === 201) return { state: "saved", id: body && body.id };
  if (status === 200) return { state: body && body.duplicate ? "duplicate" : "saved", id: body && body.id };
  if (status === 401) return { state: "failed", reason: `The server did not accept the API token: ${reason || "unauthorized"}. Check the options.` };
  if (status >= 400 && status < 500) return { state: "failed", reason: reason || `The server refused the clip (HTTP ${status}).` };
  return { state: "queued", reason: reason || `The server answered HTTP ${status}; will retry.` };
}

function endpoint(server, path) {
  return server.replace(/\/+$/, "") + path;
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

export async function postClip(settings, clip, fetchImpl = fetch) {
  if (!settings || !settings.server || !settings.token) {
    return { state: "failed", reason: "Set the server address and API token in the extension's options first." };
  }
  let response;
  try {
    response = await fetchImpl(endpoint(settings.server, "/api/clips"), {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${settings.token}` },
      body: JSON.stringify(clip),
    });
  } catch (error) {
    return { state: "queued", reason: `The server is unreachable (${error.message}); will retry.` };
  }
  return outcomeOf(response.status, await readJson(response));
}

/** The options page's "Test connection": says exactly what is wrong, or whose token it is. */
export async function testConnection(settings, fetchImpl = fetch) {
  if (!/^https?:\/\/[^/]+/.test(settings.server || "")) return { ok: false, message: "Enter the server address, e.g. http://127.0.0.1:5000" };
  let health;
  try {
    const response = await fetchImpl(endpoint(settings.server, "/api/health"));
    health = await readJson(response);
  } catch (error) {
    return { ok: false, message: `Cannot reach ${settings.server} (${error.message}). Is Gapwatch running there?` };
  }
  if (!health || health.service !== "gapwatch") return { ok: false, message: `${settings.server} answers, but it is not a Gapwatch server.` };
  if (!settings.token) return { ok: false, message: "The server is there; now paste an API token (gapwatch tokens create --name …)." };
  const response = await fetchImpl(endpoint(settings.server, "/api/me"), { headers: { Authorization: `Bearer ${settings.token}` } });
  const me = await readJson(response);
  if (response.status === 401) return { ok: false, message: `The token is not accepted: ${(me && me.error) || "unauthorized"}.` };
  if (!response.ok || !me) return { ok: false, message: `Unexpected answer from the server (HTTP ${response.status}).` };
  return { ok: true, message: `Connected to Gapwatch ${health.version || ""} as “${me.token}”.`.replace("  ", " ") };
}

export async function fetchBrands(settings, fetchImpl = fetch) {
  const response = await fetchImpl(endpoint(settings.server, "/api/brands"), { headers: { Authorization: `Bearer ${settings.token}` } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return readJson(response);
}

/** The page that opens a case from a stored clip, on the user's Gapwatch (null without one). */
export function caseLink(server, entry) {
  if (!server || !entry.commentId || !["saved", "duplicate"].includes(entry.state)) return null;
  return `${server.replace(/\/+$/, "")}/cases/new?from_clip=${encodeURIComponent(entry.commentId)}`;
}
