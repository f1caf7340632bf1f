"""API tokens: shown once at creation, stored only as a SHA-256 hash, revocable.

A token is 256 random bits, so a fast hash is enough to make the stored value useless to a
thief (unlike passwords, there is nothing to guess). ``prefix`` keeps the first characters so a
person can tell tokens apart in ``gapwatch tokens list``.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlite_utils import Database

from .db import utcnow
from .errors import Conflict, Invalid, NotFound, Unauthorized
from .normalise import normalise_line

TOKEN_PREFIX = "gw_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(db: Database, name: str) -> tuple[dict, str]:
    """Create a token; answer its record and the token itself (never stored, never shown again)."""
    clean = normalise_line(name)
    if not clean:
        raise Invalid("a token needs a name (what or who uses it)")
    if len(clean) > 100:
        raise Invalid("a token name is at most 100 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.atomic():
        db["api_tokens"].insert(
            {
                "name": clean,
                "token_hash": _hash(token),
                "prefix": token[:10],
                "scope": "write",
                "created_at": utcnow(),
            }
        )
    record = next(db.query("SELECT * FROM api_tokens WHERE token_hash = ?", [_hash(token)]))
    return _public(record), token


def _public(row: dict) -> dict:
    return {k: row[k] for k in ("id", "name", "prefix", "scope", "created_at", "last_used_at", "revoked_at")}


def list_tokens(db: Database) -> list[dict]:
    return [_public(row) for row in db.query("SELECT * FROM api_tokens ORDER BY id")]


def revoke_token(db: Database, ident: str) -> dict:
    """Revoke by id or by name (a name must match exactly one active token)."""
    if ident.isdigit():
        rows = list(db.query("SELECT * FROM api_tokens WHERE id = ?", [int(ident)]))
    else:
        rows = list(db.query("SELECT * FROM api_tokens WHERE name = ? AND revoked_at IS NULL", [ident]))
    if not rows:
        raise NotFound(f"no active token {ident!r}")
    if len(rows) > 1:
        raise Conflict(f"{len(rows)} active tokens are named {ident!r}; revoke by id")
    row = rows[0]
    if row["revoked_at"] is None:
        with db.atomic():
            db.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [utcnow(), row["id"]])
    return _public(next(db.query("SELECT * FROM api_tokens WHERE id = ?", [row["id"]])))


def verify_token(db: Database, token: str) -> dict:
    """The active token record for ``token``; raises ``Unauthorized`` saying why not."""
    digest = _hash(token)
    rows = list(db.query("SELECT * FROM api_tokens WHERE token_hash = ?", [digest]))
    if not token.startswith(TOKEN_PREFIX) or not rows:
        raise Unauthorized("unknown API token")
    row = rows[0]
    if row["revoked_at"] is not None:
        raise Unauthorized(f"this API token was revoked at {row['revoked_at']}")
    now = utcnow()
    if row["last_used_at"] is None or row["last_used_at"][:16] != now[:16]:
        with db.atomic():  # at most one write a minute per token
            db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now, row["id"]])
    return _public(row)
