"""API tokens: shown once at creation, stored only as a SHA-256 hash, revocable.

A token is 256 random bits, so a fast hash is enough to make the stored value useless to a
thief (unlike passwords, there is nothing to guess). ``prefix`` keeps the first characters so a
person can tell tokens apart in ``gapwatch tokens list``.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3

from sqlite_utils import Database

from server.errors import Conflict, Invalid, NotFound, Unauthorized
from server.params import whole_number
from server.store.db import utcnow, write_transaction
from server.store.normalise import normalise_line

TOKEN_PREFIX = "gw_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(db: Database, name: str, user: str, scope: str = "full") -> tuple[dict, str]:
    """Create a token for ``user`` with ``scope`` ("full": the user's rights; "clip": sending
    clips only); answer its record and the token itself (never stored, never shown again)."""
    from server.people.accounts import SCOPES, get_user

    clean = normalise_line(name)
    if not clean:
        raise Invalid("a token needs a name (what or who uses it)")
    if len(clean) > 100:
        raise Invalid("a token name is at most 100 characters")
    if scope not in SCOPES:
        raise Invalid(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    owner = get_user(db, user)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_transaction(db):
        db["api_tokens"].insert(
            {
                "name": clean,
                "token_hash": _hash(token),
                "prefix": token[:10],
                "scope": scope,
                "user_id": owner["id"],
                "created_at": utcnow(),
            }
        )
    record = next(db.query(f"{_SELECT} WHERE t.token_hash = ?", [_hash(token)]))
    return _public(record), token


_COLUMNS = ("id", "name", "prefix", "scope", "user_id", "created_at", "last_used_at", "revoked_at")


def _public(row: dict) -> dict:
    out = {k: row[k] for k in _COLUMNS}
    out["user"] = row.get("username")
    return out


_SELECT = "SELECT t.*, u.username FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id"


def list_tokens(db: Database) -> list[dict]:
    return [_public(row) for row in db.query(f"{_SELECT} ORDER BY t.id")]


def revoke_token(db: Database, ident: str) -> dict:
    """Revoke by id or by name (a name must match exactly one active token)."""
    if (number := whole_number(ident)) is not None:
        rows = list(db.query("SELECT * FROM api_tokens WHERE id = ?", [number]))
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
    return _public(next(db.query(f"{_SELECT} WHERE t.id = ?", [row["id"]])))


def verify_token(db: Database, token: str) -> dict:
    """The active token record for ``token``; raises ``Unauthorized`` saying why not."""
    digest = _hash(token)
    rows = list(db.query(f"{_SELECT} WHERE t.token_hash = ?", [digest]))
    if not token.startswith(TOKEN_PREFIX) or not rows:
        raise Unauthorized("unknown API token")
    row = rows[0]
    if row["revoked_at"] is not None:
        raise Unauthorized(f"this API token was revoked at {row['revoked_at']}")
    if row["user_id"] is None:
        raise Unauthorized(
            "this API token was made before accounts existed: create a new one with "
            "`gapwatch tokens create --name NAME --user USER`"
        )
    now = utcnow()
    if row["last_used_at"] is None or row["last_used_at"][:16] != now[:16]:
        try:
            with db.atomic():  # at most one write a minute per token
                db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now, row["id"]])
        except sqlite3.OperationalError:
            pass  # the store is busy: bookkeeping waits, the request goes on
    return _public(row)
