"""People and what they may do.

Roles: **viewer** reads; **editor** also changes sources, taxonomy, positioning and corrections,
and clips; **admin** also manages users and tokens. An API token belongs to a user and carries
at most that user's rights: scope ``full`` (all of them) or ``clip`` (only sending clips, as the
browser extension does). Passwords are stored with scrypt (a slow, memory-hard hash); failed
logins are counted per name and address, and refused for a while after ``MAX_FAILURES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from .db import utcnow, write_transaction
from .errors import Conflict, Invalid, NotFound, Unauthorized
from .normalise import normalise_line

ROLES = ("admin", "editor", "viewer")
RIGHTS = {
    "viewer": frozenset({"read"}),
    "editor": frozenset({"read", "clip", "write"}),
    "admin": frozenset({"read", "clip", "write", "admin"}),
}
SCOPES = {"full": None, "clip": frozenset({"clip"})}
MIN_PASSWORD = 10
MAX_FAILURES = 5  # failed logins per name and address …
FAILURE_WINDOW = timedelta(minutes=15)  # … within this long, before logins are refused
_HASH = "scrypt:32768:8:1"


class TooManyAttempts(Unauthorized):
    status = 429


@dataclass(frozen=True)
class Principal:
    """Who is asking, and what they may do."""

    user_id: int
    username: str
    role: str
    rights: frozenset[str]
    via: str  # "session" or "token:<name>"

    def may(self, right: str) -> bool:
        return right in self.rights


def rights_for(role: str, scope: str = "full") -> frozenset[str]:
    limit = SCOPES.get(scope)
    rights = RIGHTS[role]
    return rights if limit is None else rights & limit


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Invalid(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1000:
        raise Invalid("a password is at most 1000 characters")


def add_user(db: Database, username: str, password: str, role: str) -> dict:
    name = normalise_line(username or "")
    if not name or len(name) > 100:
        raise Invalid("a user name has 1 to 100 characters")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    _check_password(password)
    if find_user(db, name) is not None:
        raise Conflict(f"there is already a user {name!r}")
    with write_transaction(db):
        db.execute(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
            [name, generate_password_hash(password, _HASH), role, utcnow()],
        )
    return get_user(db, name)


def set_password(db: Database, username: str, password: str) -> dict:
    user = get_user(db, username)
    _check_password(password)
    with write_transaction(db):
        db.execute(
            "UPDATE users SET password_hash = ? WHERE id = ?",
            [generate_password_hash(password, _HASH), user["id"]],
        )
    return get_user(db, username)


def set_disabled(db: Database, username: str, disabled: bool) -> dict:
    user = get_user(db, username)
    with write_transaction(db):
        db.execute(
            "UPDATE users SET disabled_at = ? WHERE id = ?", [utcnow() if disabled else None, user["id"]]
        )
    return get_user(db, username)


def _public(row: dict) -> dict:
    return {k: row[k] for k in ("id", "username", "role", "created_at", "disabled_at", "last_login_at")}


def find_user(db: Database, username: str) -> dict | None:
    rows = list(db.query("SELECT * FROM users WHERE username = ? COLLATE NOCASE", [username]))
    return _public(rows[0]) if rows else None


def get_user(db: Database, username: str) -> dict:
    user = find_user(db, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def user_by_id(db: Database, user_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return _public(rows[0]) if rows else None


def list_users(db: Database) -> list[dict]:
    return [_public(row) for row in db.query("SELECT * FROM users ORDER BY id")]


def principal(user: dict, via: str, scope: str = "full") -> Principal:
    return Principal(user["id"], user["username"], user["role"], rights_for(user["role"], scope), via)


def log_in(db: Database, username: str, password: str, address: str) -> Principal:
    """Check a name and password; raise ``Unauthorized`` (or ``TooManyAttempts``) saying why not,
    without telling whether the name exists."""
    key = f"{(username or '').strip().casefold()}|{address}"
    since = (datetime.now(UTC) - FAILURE_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")
    failures = db.execute(
        "SELECT count(*), min(at) FROM login_failures WHERE key = ? AND at >= ?", [key, since]
    ).fetchone()
    if failures[0] >= MAX_FAILURES:
        first = datetime.strptime(failures[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        wait = max(1, int((first + FAILURE_WINDOW - datetime.now(UTC)).total_seconds() // 60) + 1)
        raise TooManyAttempts(f"too many failed logins: try again in {wait} minute{'s' if wait > 1 else ''}")
    rows = list(db.query("SELECT * FROM users WHERE username = ? COLLATE NOCASE", [(username or "").strip()]))
    row = rows[0] if rows else None
    ok = row is not None and check_password_hash(row["password_hash"], password or "")
    if not ok or row["disabled_at"] is not None:
        with write_transaction(db):
            db.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", [key, utcnow()])
            db.execute("DELETE FROM login_failures WHERE at < ?", [since])
        if ok:
            raise Unauthorized("this account is disabled: ask an admin")
        raise Unauthorized("wrong user name or password")
    with write_transaction(db):
        db.execute("DELETE FROM login_failures WHERE key = ?", [key])
        db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [utcnow(), row["id"]])
    return principal(_public(row), "session")
