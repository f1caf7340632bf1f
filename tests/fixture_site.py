"""A loopback HTTP server for crawl tests: routes to saved responses, errors, slow answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


class Answer:
    def __init__(self, body: bytes = b"", status: int = 200, content_type: str = "text/html; charset=utf-8",
                 headers: dict | None = None, delay: float = 0.0) -> None:  # fmt: skip
        self.body, self.status, self.content_type = body, status, content_type
        self.headers, self.delay = headers or {}, delay


Route = Callable[[str, dict], Answer | None]


def file_answer(path: Path, content_type: str | None = None) -> Answer:
    kind = content_type or ("application/json" if path.suffix == ".json" else "text/html; charset=utf-8")
    if path.suffix == ".xml":
        kind = "application/rss+xml"
    return Answer(path.read_bytes(), content_type=kind)


class Site:
    """Serve ``routes`` (exact path, or a callable taking path and query) on 127.0.0.1."""

    def __init__(self) -> None:
        self.paths: dict[str, Answer] = {}
        self.routes: list[Route] = []
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between headers and body

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                site.hits.append(self.path)
                answer = site.paths.get(self.path) or site.paths.get(parts.path)
                for route in site.routes:
                    if answer is None:
                        answer = route(parts.path, dict(parse_qsl(parts.query)))
                answer = answer or Answer(b"not found", 404, "text/plain")
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
