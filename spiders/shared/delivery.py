"""Sending what was found to the service: ``POST /api/comments?run=<id>``, retried while it is
away; a refused token stops the worker."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request

POST_PATIENCE = 1800  # seconds a worker keeps retrying a post while the service is away


class BadToken(RuntimeError):
    pass


# --- sending what was found to the service -----------------------------------------------------------


class Poster:
    """``POST /api/comments?run=<id>`` with the worker's token; retried with back-off while the
    service is away or busy; a refused token stops the worker."""

    def __init__(self, server: str, token: str, run_id: int) -> None:
        self.url = f"{server.rstrip('/')}/api/comments?run={run_id}"
        self.token = token

    def post(self, items: list[dict]) -> dict:
        body = json.dumps(items, default=str).encode()
        wait, deadline = 0.5, time.monotonic() + POST_PATIENCE
        while True:
            request = urllib.request.Request(self.url, data=body, method="POST", headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    return json.loads(answer.read())
            except (http.client.HTTPException, json.JSONDecodeError):
                pass  # an answer cut short (the service stopped mid-answer): send again, it is idempotent
            except urllib.error.HTTPError as exc:
                said = _said(exc)
                if exc.code in (401, 403):
                    raise BadToken(said) from None
                if exc.code == 422:  # every comment rejected: an answer, not a failure
                    return json.loads(said) if said.startswith("{") else {"counts": {"rejected": len(items)}}
                if exc.code < 500 and exc.code not in (408, 409, 429):
                    return {"counts": {"rejected": len(items)}, "error": f"HTTP {exc.code}: {said}"}
            except OSError:
                pass  # the service is away: try again
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the service at {self.url} did not take the comments for {POST_PATIENCE} s"
                )
            time.sleep(wait)
            wait = min(wait * 2, 10)


def _said(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read().decode("utf-8", "replace")
        return json.loads(text).get("error", text) if text.startswith("{") else text
    except (OSError, ValueError, AttributeError):
        return str(exc)
