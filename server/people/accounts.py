"""People and what they may do.

Roles: **viewer** reads; **editor** also changes sources, taxonomy, positioning and corrections,
and clips; **admin** also manages users and tokens. An API token belongs to a user and carries
at most that user's rights: scope ``full`` (all of them) or ``clip`` (only sending clips, as the
browser extension does). Passwords are stored with scrypt (a slow, memory-hard hash); failed
logins are counted per account (per name typed, for names that match none), and refused for a
while after ``MAX_FAILURES``; an unknown name costs the same hashing time as a known one.

Names are compared as ``username_key`` gives them (NFKC, then case-folded), at creation and at
login alike; a name that only looks like another (full-width letters, a Cyrillic "о" among Latin
ones, invisible characters) is refused when it is created.

Logins are kept on the server (table ``sessions``): the cookie holds a random id whose hash is
stored, so logout, a password change, disabling and "sign out everywhere" end them at once.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from server.errors import Conflict, Invalid, NotFound, Unauthorized
from server.store.db import utcnow, write_transaction

ROLES = ("admin", "editor", "viewer")
RIGHTS = {
    "viewer": frozenset({"read"}),
    "editor": frozenset({"read", "clip", "write"}),
    "admin": frozenset({"read", "clip", "write", "admin"}),
}
SCOPES = {"full": None, "clip": frozenset({"clip"})}
MIN_PASSWORD = 10
MAX_FAILURES = 5  # failed logins per account …
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


def username_key(name: str) -> str:
    """A user name as logins compare it: NFKC, case-folded, NFKC again (so 'ＡＤＭＩＮ', 'Admin'
    and 'admin' are one name)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())


def _script(ch: str) -> str:
    """The writing system of a letter, by its Unicode name ('LATIN', 'CYRILLIC', 'CJK' …)."""
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    return "CJK" if first in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL") else first


def check_username(raw: str) -> str:
    """The name as it will be stored, or ``Invalid`` saying why it is refused: empty or too long,
    invisible or control characters (soft hyphen, bidi controls, zero-width joiners), characters
    that only look like plain ones (full-width), or letters of two writing systems (a Cyrillic
    'о' in a Latin name)."""
    if not isinstance(raw, str):
        raise Invalid("a user name is text")
    name = raw.strip()
    if not name or len(name) > 100:
        raise Invalid("a user name has 1 to 100 characters")
    for ch in name:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp") or (category == "Zs" and ch != " "):
            raise Invalid(f"a user name cannot hold invisible or control characters (U+{ord(ch):04X})")
    plain = unicodedata.normalize("NFKC", name)
    if plain != name:
        raise Invalid(f"write the name in plain characters: {name!r} reads as {plain!r}")
    scripts = {_script(ch) for ch in name if ch.isalpha()}
    if len(scripts) > 1:
        raise Invalid(f"a user name uses one writing system, not {' and '.join(sorted(scripts)).lower()} "
                      "(letters that look alike could pass for another name)")  # fmt: skip
    return name


def add_user(db: Database, username: str, password: str, role: str) -> dict:
    name = check_username(username or "")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    _check_password(password)
    if find_user(db, name) is not None:
        raise Conflict(f"there is already a user {name!r} (names are compared ignoring case and width)")
    with write_transaction(db):
        db.execute(
            "INSERT INTO users (username, username_key, password_hash, role, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [name, username_key(name), generate_password_hash(password, _HASH), role, utcnow()],
        )
    return get_user(db, name)


def set_password(db: Database, username: str, password: str) -> dict:
    """Set a password; every login of the user ends (a copied cookie stops working)."""
    user = get_user(db, username)
    _check_password(password)
    with write_transaction(db):
        db.execute(
            "UPDATE users SET password_hash = ? WHERE id = ?",
            [generate_password_hash(password, _HASH), user["id"]],
        )
        db.execute("DELETE FROM sessions WHERE user_id = ?", [user["id"]])
    return get_user(db, username)


def _other_active_admins(db: Database, user_id: int) -> int:
    return db.execute(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id != ?", [user_id]
    ).fetchone()[0]


def set_disabled(db: Database, username: str, disabled: bool) -> dict:
    """Disable (or enable) a user; disabling ends their logins. The last active admin cannot be
    disabled: nobody could manage users after."""
    user = get_user(db, username)
    with write_transaction(db):
        if disabled and user["role"] == "admin" and not _other_active_admins(db, user["id"]):
            raise Conflict(f"{user['username']} is the last active admin: add or enable another admin first")
        db.execute(
            "UPDATE users SET disabled_at = ? WHERE id = ?", [utcnow() if disabled else None, user["id"]]
        )
        if disabled:
            db.execute("DELETE FROM sessions WHERE user_id = ?", [user["id"]])
    return get_user(db, username)


def set_role(db: Database, username: str, role: str) -> dict:
    """Change a user's role; the last active admin cannot be demoted."""
    user = get_user(db, username)
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    with write_transaction(db):
        if user["role"] == "admin" and role != "admin" and user["disabled_at"] is None \
                and not _other_active_admins(db, user["id"]):  # fmt: skip
            raise Conflict(f"{user['username']} is the last active admin: make another user admin first")
        db.execute("UPDATE users SET role = ? WHERE id = ?", [role, user["id"]])
    return get_user(db, username)


def _public(row: dict) -> dict:
    return {k: row[k] for k in ("id", "username", "role", "created_at", "disabled_at", "last_login_at")}


def find_user(db: Database, username: str) -> dict | None:
    rows = list(db.query("SELECT * FROM users WHERE username_key = ?", [username_key(username or "")]))
    return _public(rows[0]) if rows else None


def get_user(db: Database, username: str) -> dict:
    user = find_user(db, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def user_by_id(db: Database, user_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return _public(rows[0]) if rows else None


def editors(db: Database) -> list[str]:
    """The active people who may make changes (editors and admins), by name: who can own things."""
    return [r[0] for r in db.execute("SELECT username FROM users WHERE role IN ('editor', 'admin') "
                                     "AND disabled_at IS NULL ORDER BY username")]  # fmt: skip


def list_users(db: Database) -> list[dict]:
    return [_public(row) for row in db.query("SELECT * FROM users ORDER BY id")]


def principal(user: dict, via: str, scope: str = "full") -> Principal:
    return Principal(user["id"], user["username"], user["role"], rights_for(user["role"], scope), via)


@cache
def _dummy_hash() -> str:
    """A hash to check an unknown name's password against, so that it takes as long as a real one."""
    return generate_password_hash(secrets.token_hex(16), _HASH)


def _since() -> str:
    return (datetime.now(UTC) - FAILURE_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")


def log_in(db: Database, username: str, password: str, address: str) -> Principal:
    """Check a name and password; raise ``Unauthorized`` (or ``TooManyAttempts``) saying why not,
    without telling whether the name exists (an unknown name is hashed against a dummy).

    The attempt is counted before the password is checked, in the same transaction as the check
    of the limit: parallel wrong passwords cannot slip past ``MAX_FAILURES``. A good password
    takes the attempt back and clears the account's failures."""
    typed = username_key(username or "") if isinstance(username, str) else ""
    rows = list(db.query("SELECT * FROM users WHERE username_key = ?", [typed]))
    row = rows[0] if rows else None
    key = f"user:{row['id']}" if row else f"name:{typed}"
    since = _since()
    with write_transaction(db):
        failures = db.execute(
            "SELECT count(*), min(at) FROM login_failures WHERE key = ? AND at >= ?", [key, since]
        ).fetchone()
        if failures[0] >= MAX_FAILURES:
            first = datetime.strptime(failures[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            wait = max(1, int((first + FAILURE_WINDOW - datetime.now(UTC)).total_seconds() // 60) + 1)
            raise TooManyAttempts(
                f"too many failed logins: try again in {wait} minute{'s' if wait > 1 else ''}"
            )
        attempt = db.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", [key, utcnow()]).lastrowid
        db.execute("DELETE FROM login_failures WHERE at < ?", [since])
    ok = (
        check_password_hash(row["password_hash"] if row else _dummy_hash(), password or "")
        and row is not None
    )
    if not ok or row["disabled_at"] is not None:
        if ok:
            raise Unauthorized("this account is disabled: ask an admin")
        raise Unauthorized("wrong user name or password")
    with write_transaction(db):
        db.execute("DELETE FROM login_failures WHERE key = ? OR rowid = ?", [key, attempt])
        db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [utcnow(), row["id"]])
    return principal(_public(row), "session")


# --- logins kept on the server ----------------------------------------------------------------------


def _hash_session(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def start_session(db: Database, user_id: int, hours: float, address: str | None = None) -> str:
    """A new login for ``user_id``: answer the id for the cookie (only its hash is stored)."""
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with write_transaction(db):
        db.execute(
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen_at, address) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [_hash_session(session_id), user_id, utcnow(),
             (now + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ"), utcnow(), address],
        )  # fmt: skip
        db.execute("DELETE FROM sessions WHERE expires_at < ?", [utcnow()])
    return session_id


def session_user(db: Database, session_id: str) -> dict | None:
    """The user a login belongs to, or None when it was ended, has expired or the user is disabled."""
    if not isinstance(session_id, str) or not session_id:
        return None
    rows = list(db.query(
        "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.id_hash = ? AND s.expires_at >= ?",
        [_hash_session(session_id), utcnow()],
    ))  # fmt: skip
    if not rows or rows[0]["disabled_at"] is not None:
        return None
    return _public(rows[0])


def end_session(db: Database, session_id: str | None) -> None:
    """Log out: the login ends on the server too (a copy of the cookie no longer works)."""
    if session_id:
        with write_transaction(db):
            db.execute("DELETE FROM sessions WHERE id_hash = ?", [_hash_session(session_id)])


def end_all_sessions(db: Database, username: str) -> int:
    """Sign a user out everywhere; answer how many logins ended."""
    user = get_user(db, username)
    with write_transaction(db):
        return db.execute("DELETE FROM sessions WHERE user_id = ?", [user["id"]]).rowcount
