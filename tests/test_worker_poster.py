"""How a crawl worker delivers what it found (``spiders.shared.Poster``): an answer cut short
because the service stopped mid-answer is sent again, never left half-done (a crawl request whose
delivery raised stayed pending, and the run never ended)."""

from __future__ import annotations

import json
import socket
import threading

from spiders import shared


class CutServer:
    """Answers the first ``cut`` posts with headers promising more body than it sends, then hangs
    up (what a stopping server does mid-answer); then answers properly."""

    def __init__(self, cut: int, body: bytes) -> None:
        self.cut, self.body, self.posts = cut, body, 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += conn.recv(65536)
                head, _, rest = request.partition(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))  # fmt: skip
                while len(rest) < length:
                    rest += conn.recv(65536)
                self.posts += 1
                if self.posts <= self.cut:
                    conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 500\r\n\r\n" + self.body[:10])  # fmt: skip
                else:
                    conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n" % len(self.body) + self.body)  # fmt: skip

    def close(self) -> None:
        self.sock.close()


def test_an_answer_cut_short_is_sent_again(monkeypatch):
    monkeypatch.setattr(shared.delivery.time, "sleep", lambda _s: None)
    answer = {"counts": {"new": 1, "duplicate": 0, "rejected": 0}}
    server = CutServer(cut=2, body=json.dumps(answer).encode())
    try:
        got = shared.Poster(server.url, "gw_token", 7).post([{"text": "Sync is solid."}])
    finally:
        server.close()
    assert got == answer and server.posts == 3
