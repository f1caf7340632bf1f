"""A real Firefox for the extension's tests, driven over WebDriver BiDi with no geckodriver.

Firefox (115 and later) speaks WebDriver BiDi itself when started with
``--remote-debugging-port``; this module starts Debian's ``firefox-esr`` headless on a fresh
profile, opens a BiDi session over a WebSocket, installs the built ``gapwatch-firefox.zip`` as a
temporary add-on (``webExtension.install``), and opens the add-on's own pages in tabs. An
add-on page may not be opened by navigation from WebDriver, so the browser's own window opens
it (``--remote-allow-system-access``, as Firefox's own test tools do); from an add-on page the
extension's background page is reached with ``runtime.getBackgroundPage()``, where the tests call
the same functions the browser's menu and keyboard shortcut call.

(``geckodriver-wrapper`` on PyPI ships only a Windows geckodriver, Debian has none, and nothing
may be downloaded here, hence BiDi spoken directly.)
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

ADDON_ID = "clipper@gapwatch.invalid"  # scripts/build_extension.py FIREFOX_ID
ADDON_UUID = "6f1d6b5e-0c1a-4a3b-9d1e-2f3a4b5c6d7e"  # fixed, so its pages have a known address
PREFS = {
    "extensions.webextensions.uuids": json.dumps({ADDON_ID: ADDON_UUID}),
    # a temporary add-on is removed when Firefox stops: keep its storage and address, as a
    # person's installed add-on keeps them across restarts
    "extensions.webextensions.keepStorageOnUninstall": True,
    "extensions.webextensions.keepUuidOnUninstall": True,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
}


def firefox_path() -> str | None:
    """$GAPWATCH_FIREFOX, else a firefox-esr or firefox on PATH."""
    chosen = os.environ.get("GAPWATCH_FIREFOX")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    return shutil.which("firefox-esr") or shutil.which("firefox")


class BiDiError(RuntimeError):
    pass


class Firefox:
    """One headless Firefox with the add-on installed; ``close`` stops it (the profile stays)."""

    def __init__(
        self, profile: Path, addon: Path, *, origins: tuple[str, ...] = ("http://127.0.0.1/*",)
    ) -> None:
        import websocket

        binary = firefox_path()
        if binary is None:
            raise BiDiError("no Firefox")
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "user.js").write_text(
            "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in PREFS.items())
        )
        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-remote", "--profile", str(profile), "--remote-debugging-port", "0",
             "--remote-allow-system-access"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        address = self._listening(timeout=90)
        self.ws = websocket.create_connection(address + "/session", timeout=60, suppress_origin=True)
        self._id = 0
        self.command("session.new", {"capabilities": {}})
        self.command("webExtension.install", {"extensionData": {"type": "archivePath", "path": str(addon)}})
        self._chrome = self.command("browsingContext.getTree", {"moz:scope": "chrome"})["contexts"][0][
            "context"
        ]
        if origins:  # what a person grants when the add-on asks for a site (optional host access)
            self.chrome(f"""(async () => {{
                const {{ExtensionParent}} = ChromeUtils.importESModule("resource://gre/modules/ExtensionParent.sys.mjs");
                const {{ExtensionPermissions}} = ChromeUtils.importESModule(
                    "resource://gre/modules/ExtensionPermissions.sys.mjs");
                const running = ExtensionParent.GlobalManager.getExtension({json.dumps(ADDON_ID)});
                const wanted = {{permissions: [], origins: {json.dumps(list(origins))}}};
                await ExtensionPermissions.add({json.dumps(ADDON_ID)}, wanted, running);
                return true;
            }})()""")
        self.extension = self.addon_page("options.html")

    def _listening(self, timeout: float) -> str:
        found: list[str] = []
        lines: list[str] = []

        def read() -> None:
            for line in self.proc.stderr:
                lines.append(line)
                match = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
                if match and not found:
                    found.append(match.group(1))

        threading.Thread(target=read, daemon=True).start()  # also keeps the pipe drained
        deadline = time.monotonic() + timeout
        while not found:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise BiDiError("Firefox did not start its WebDriver BiDi server: " + "".join(lines[-20:]))
            time.sleep(0.1)
        return found[0]

    def command(self, method: str, params: dict) -> dict:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if message.get("type") == "error":
                    raise BiDiError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    def evaluate(self, context: str, expression: str):
        """The JSON value of ``expression`` (awaited when it is a promise) in a tab's page."""
        wrapped = f"Promise.resolve({expression}).then(v => JSON.stringify(v === undefined ? null : v))"
        result = self.command("script.evaluate", {"expression": wrapped, "target": {"context": context},
                                                  "awaitPromise": True})  # fmt: skip
        if result["type"] == "exception":
            raise BiDiError(result["exceptionDetails"]["text"])
        return json.loads(result["result"]["value"])

    def chrome(self, expression: str):
        """Run ``expression`` in the browser's own window (privileged)."""
        return self.evaluate(self._chrome, expression)

    def background(self, expression: str):
        """The value of ``expression`` in the add-on's background page, where ``bg`` is its window."""
        return self.evaluate(self.extension, f"browser.runtime.getBackgroundPage().then(bg => {expression})")

    def storage(self, values: dict) -> None:
        self.evaluate(self.extension, f"browser.storage.local.set({json.dumps(values)})")

    def stored(self, key: str):
        return self.evaluate(
            self.extension, f"browser.storage.local.get({json.dumps(key)}).then(f => f[{json.dumps(key)}])"
        )

    def open(self, url: str) -> str:
        context = self.command("browsingContext.create", {"type": "tab"})["context"]
        self.command("browsingContext.navigate", {"context": context, "url": url, "wait": "complete"})
        return context

    def addon_page(self, page: str) -> str:
        """Open one of the add-on's pages in a new tab; answer its context."""
        url = f"moz-extension://{ADDON_UUID}/{page}"
        before = {c["context"] for c in self.command("browsingContext.getTree", {})["contexts"]}
        self.chrome(
            f"(gBrowser.selectedTab = gBrowser.addTab({json.dumps(url)}, "
            "{triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal()}), true)"
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for context in self.command("browsingContext.getTree", {})["contexts"]:
                if context["url"] == url and context["context"] not in before:
                    self.wait(context["context"], "document.readyState === 'complete'")
                    return context["context"]
            time.sleep(0.1)
        raise BiDiError(f"{url} did not open")

    def wait(self, context: str, predicate: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(context, f"!!({predicate})"):
            if time.monotonic() > deadline:
                raise BiDiError(f"timed out waiting for {predicate}")
            time.sleep(0.1)

    def screenshot(self, context: str, path: Path, size: tuple[int, int] | None = None) -> None:
        self.command("browsingContext.activate", {"context": context})
        if size:
            self.command("browsingContext.setViewport",
                         {"context": context, "viewport": {"width": size[0], "height": size[1]}})  # fmt: skip
        data = self.command("browsingContext.captureScreenshot", {"context": context})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.command("session.end", {})
            self.ws.close()
        except Exception:  # noqa: BLE001 - stopping anyway
            pass
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
