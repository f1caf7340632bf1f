"""Where the service may connect on its own: the one guard of crawls and alert webhooks.

A URL the service fetches or posts to on a user's word must not become a way into the network it
runs in. So: http(s) only; the host is resolved here and every address it resolves to must be a
public one (not private, loopback, link-local or reserved) unless private networks are allowed
explicitly (``GAPWATCH_CRAWL_ALLOW_PRIVATE_NETWORKS``, or a crawl's ``--allow-private-networks``);
and the connection goes to the address that was checked, so a second DNS answer cannot point it
elsewhere. Redirects to another host are not followed (see ``post_json``).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
from urllib.parse import urljoin, urlsplit

SCHEMES = ("http", "https")
PRIVATE_HINT = "GAPWATCH_CRAWL_ALLOW_PRIVATE_NETWORKS=1"


class Refused(OSError):
    """The guard refused the target; the message says why and what would allow it."""


def resolve(host: str, port: int | None = None) -> list[str]:
    """The addresses ``host`` resolves to (an OSError when it does not)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))


def private_address(host: str, addresses: list[str]) -> str | None:
    """Why ``host`` may not be reached without the private-networks setting, or None."""
    for text in addresses:
        address = ipaddress.ip_address(text)
        if not address.is_global:
            return f"{host} is a private or local address ({address})"
    return None


def checked_target(url: str, *, allow_private: bool) -> tuple[str, int, str, str]:
    """(scheme, port, host, address to connect to) for ``url``; ``Refused`` when the guard says no."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise Refused(f"only http and https addresses are allowed, not {parts.scheme or 'none'}:")
    host = parts.hostname
    if not host:
        raise Refused(f"{url[:80]!r} has no host")
    scheme = parts.scheme.lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise Refused(f"{url[:80]!r} has a port that is not a number from 1 to 65535") from None
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"{host} could not be resolved: {exc}") from None
    if not allow_private and (problem := private_address(host, addresses)):
        raise Refused(f"{problem}; reaching it needs {PRIVATE_HINT}")
    return scheme, port, host, addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def post_json(url: str, payload: dict, *, allow_private: bool, timeout: float = 10,
              user_agent: str = "Gapwatch") -> int:  # fmt: skip
    """POST ``payload`` as JSON to ``url`` through the guard; answer the HTTP status (2xx), or raise
    ``OSError`` saying why not. A redirect is followed only to the same host and only when it keeps
    the method (307/308); any other is an error that names where it pointed."""
    body = json.dumps(payload, default=float).encode()
    for _hop in range(3):
        scheme, port, host, address = checked_target(url, allow_private=allow_private)
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
        connection = kind(host, port, address, timeout)
        try:
            connection.request("POST", path, body=body, headers={
                "Content-Type": "application/json", "User-Agent": user_agent})  # fmt: skip
            response = connection.getresponse()
            response.read(1 << 20)
            status, location = response.status, response.getheader("Location")
        except (OSError, http.client.HTTPException) as exc:
            raise OSError(f"{host} could not be reached: {exc}") from None
        finally:
            connection.close()
        if 200 <= status < 300:
            return status
        if 300 <= status < 400 and location:
            target = urljoin(url, location)
            if urlsplit(target).hostname != host or status not in (307, 308):
                raise Refused(
                    f"the server answered HTTP {status}, a redirect to {target[:120]}; not followed"
                )
            url = target
            continue
        raise OSError(f"the server answered HTTP {status}")
    raise Refused("too many redirects; not followed")
