"""The one place that changes the schema: numbered migrations, applied in order, each once.

Add a migration by appending a function named ``m000N_what_it_does``; never edit one that has
shipped. ``apply`` is safe to call on every start: applied migrations are recorded in
``_sqlite_migrations`` and skipped.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("gapwatch")
_NAMES: list[str] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    """Register ``fn`` as the next numbered migration."""
    _NAMES.append(fn.__name__)
    return MIGRATIONS()(fn)


def _execute_all(db: Database, sql: str) -> None:
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


@migration
def m0001_core(db: Database) -> None:
    _execute_all(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);

        CREATE TABLE brands (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            is_ours INTEGER NOT NULL DEFAULT 0 CHECK (is_ours IN (0, 1)),
            positioning_statement TEXT,
            created_at TEXT NOT NULL
        );

        CREATE TABLE taxonomy_versions (
            version INTEGER PRIMARY KEY,
            note TEXT,
            created_at TEXT NOT NULL
        );

        CREATE TABLE attributes (
            id INTEGER PRIMARY KEY,
            taxonomy_version INTEGER NOT NULL REFERENCES taxonomy_versions(version),
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            definition TEXT NOT NULL,
            examples TEXT NOT NULL DEFAULT '[]',
            UNIQUE (taxonomy_version, key)
        );

        CREATE TABLE positioning (
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            attribute TEXT NOT NULL,
            weight REAL NOT NULL CHECK (weight >= 0 AND weight <= 1),
            PRIMARY KEY (brand_id, attribute)
        );

        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id),
            kind TEXT NOT NULL,
            url TEXT,
            params TEXT NOT NULL DEFAULT '{}',
            comment_kind TEXT NOT NULL DEFAULT 'customer'
                CHECK (comment_kind IN ('customer', 'emitted')),
            schedule TEXT,
            enabled INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );

        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            new_count INTEGER NOT NULL DEFAULT 0,
            duplicate_count INTEGER NOT NULL DEFAULT 0,
            rejected_count INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );

        CREATE TABLE comments (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id),
            text TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('customer', 'emitted')),
            origin TEXT NOT NULL CHECK (origin IN ('crawl', 'clip', 'import', 'api')),
            source_id INTEGER REFERENCES sources(id),
            run_id INTEGER REFERENCES crawl_runs(id),
            channel TEXT,
            url TEXT,
            title TEXT,
            context TEXT,
            note TEXT,
            author TEXT,
            rating REAL,
            external_id TEXT,
            published_at TEXT,
            collected_at TEXT NOT NULL,
            language TEXT,
            content_hash TEXT NOT NULL,
            duplicates INTEGER NOT NULL DEFAULT 0,
            UNIQUE (brand_id, content_hash)
        );

        CREATE TABLE tags (
            comment_id INTEGER PRIMARY KEY REFERENCES comments(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            taxonomy_version INTEGER NOT NULL,
            sentiment TEXT CHECK (sentiment IN ('positive', 'neutral', 'negative')),
            sentiment_score REAL,
            created_at TEXT NOT NULL
        );

        CREATE TABLE tag_attributes (
            comment_id INTEGER NOT NULL REFERENCES tags(comment_id) ON DELETE CASCADE,
            attribute TEXT NOT NULL,
            score REAL NOT NULL,
            assigned INTEGER NOT NULL CHECK (assigned IN (0, 1)),
            sentiment TEXT CHECK (sentiment IN ('positive', 'neutral', 'negative')),
            PRIMARY KEY (comment_id, attribute)
        );
        CREATE INDEX tag_attributes_attribute ON tag_attributes (attribute, assigned);

        CREATE TABLE corrections (
            comment_id INTEGER PRIMARY KEY REFERENCES comments(id) ON DELETE CASCADE,
            attributes TEXT,
            sentiment TEXT CHECK (sentiment IN ('positive', 'neutral', 'negative')),
            corrected_by TEXT,
            created_at TEXT NOT NULL
        );

        CREATE VIEW comment_attributes AS
            SELECT ta.comment_id, ta.attribute
            FROM tag_attributes ta
            WHERE ta.assigned = 1 AND ta.comment_id NOT IN (
                SELECT comment_id FROM corrections WHERE attributes IS NOT NULL)
            UNION ALL
            SELECT c.comment_id, j.value
            FROM corrections c, json_each(c.attributes) j
            WHERE c.attributes IS NOT NULL;
        """,
    )


@migration
def m0002_comments_fts(db: Database) -> None:
    """Full-text index on comment text (Porter stemming), filled in for existing rows.

    Deletes and changes of text are kept in the index by triggers. New rows are indexed by
    ingestion itself, one statement per batch: a per-row insert trigger made bulk imports ~3x
    slower. The update trigger fires on text changes only, so counting a duplicate is cheap.
    """
    _execute_all(
        db,
        """
        CREATE VIRTUAL TABLE comments_fts USING FTS5 (
            text, tokenize='porter unicode61', content='comments', content_rowid='id'
        );
        INSERT INTO comments_fts (rowid, text) SELECT id, text FROM comments;
        """,
    )
    db.execute(
        """
        CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
            INSERT INTO comments_fts (comments_fts, rowid, text)
                VALUES ('delete', old.id, old.text);
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER comments_fts_update AFTER UPDATE OF text ON comments BEGIN
            INSERT INTO comments_fts (comments_fts, rowid, text)
                VALUES ('delete', old.id, old.text);
            INSERT INTO comments_fts (rowid, text) VALUES (new.id, new.text);
        END
        """
    )


@migration
def m0003_api_tokens(db: Database) -> None:
    _execute_all(
        db,
        """
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            scope TEXT NOT NULL DEFAULT 'write',
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT
        )
        """,
    )


@migration
def m0004_crawl_runs_detail(db: Database) -> None:
    """Sources get a name and a page limit; runs record pages, skipped items, every error, the
    process that runs them and what started them; one-off crawls (``gapwatch crawl``) keep
    their source record out of the schedule."""
    _execute_all(
        db,
        """
        ALTER TABLE sources ADD COLUMN name TEXT;
        ALTER TABLE sources ADD COLUMN max_pages INTEGER;
        ALTER TABLE sources ADD COLUMN one_off INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sources ADD COLUMN run_requested_at TEXT;
        ALTER TABLE crawl_runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'schedule';
        ALTER TABLE crawl_runs ADD COLUMN pages INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN skipped_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN errors TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE crawl_runs ADD COLUMN error_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN pid INTEGER;
        CREATE INDEX crawl_runs_by_source ON crawl_runs (source_id, started_at);
        CREATE UNIQUE INDEX one_running_crawl_per_source ON crawl_runs (source_id) WHERE status = 'running'
        """,
    )


@migration
def m0005_comments_collected_by(db: Database) -> None:
    """Who brought a comment in: the API token's name for clips and API posts."""
    db.execute("ALTER TABLE comments ADD COLUMN collected_by TEXT")


_DAY = "substr(coalesce({row}.published_at, {row}.collected_at), 1, 10)"


@migration
def m0006_pattern_counts(db: Database) -> None:
    """Pre-aggregated tag patterns, so that figures over a million comments answer quickly.

    ``pattern_counts`` holds, per brand, kind, channel ('' = all channels) and day, week or month,
    how many classified comments carry each *pattern* (their attributes with their sentiment,
    see ``server.rollups``). Triggers note the (brand, day) of every change to comments, tags and
    corrections in ``pattern_dirty``; ``server.rollups.refresh`` recomputes those days before
    figures are read, so figures always match the comments.
    """
    _execute_all(
        db,
        """
        CREATE TABLE pattern_counts (
            brand_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            grain TEXT NOT NULL CHECK (grain IN ('day', 'week', 'month')),
            channel TEXT NOT NULL,
            period TEXT NOT NULL,
            pattern TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (brand_id, kind, grain, channel, period, pattern)
        ) WITHOUT ROWID;
        CREATE INDEX pattern_counts_by_day ON pattern_counts (brand_id, grain, period);
        CREATE TABLE pattern_dirty (
            brand_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            PRIMARY KEY (brand_id, day)
        ) WITHOUT ROWID
        """,
    )
    db.execute("CREATE INDEX comments_brand_day ON comments "
               "(brand_id, substr(coalesce(published_at, collected_at), 1, 10))")  # fmt: skip
    # Not "INSERT OR IGNORE": the conflict clause of the statement that fires a trigger (an
    # upsert, INSERT OR REPLACE) overrides the trigger's own, so duplicates are skipped explicitly.
    mark = (
        "INSERT INTO pattern_dirty (brand_id, day) SELECT brand_id, {day} FROM comments "
        "WHERE id = {ref} AND NOT EXISTS "
        "(SELECT 1 FROM pattern_dirty d WHERE d.brand_id = comments.brand_id AND d.day = {day})"
    )
    # tag_attributes rows are only ever written together with their comment's tags row
    for table, ref in (("tags", "comment_id"), ("corrections", "comment_id")):
        for event, rows in (("INSERT", ("new",)), ("UPDATE", ("old", "new")), ("DELETE", ("old",))):
            body = ";\n".join(
                mark.format(day=_DAY.format(row="comments"), ref=f"{row}.{ref}") for row in rows
            )
            db.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_marks_days AFTER {event} ON {table} "
                f"BEGIN {body}; END"
            )
    own = (
        "INSERT INTO pattern_dirty (brand_id, day) SELECT {row}.brand_id, {day} WHERE NOT EXISTS "
        "(SELECT 1 FROM pattern_dirty d WHERE d.brand_id = {row}.brand_id AND d.day = {day})"
    )
    db.execute(
        "CREATE TRIGGER comments_update_marks_days AFTER UPDATE OF brand_id, kind, channel, published_at, "
        f"collected_at ON comments BEGIN {own.format(row='old', day=_DAY.format(row='old'))}; "
        f"{own.format(row='new', day=_DAY.format(row='new'))}; END"
    )
    db.execute(
        "CREATE TRIGGER comments_delete_marks_days AFTER DELETE ON comments "
        f"BEGIN {own.format(row='old', day=_DAY.format(row='old'))}; END"
    )
    db.execute(
        "INSERT OR IGNORE INTO pattern_dirty (brand_id, day) "
        f"SELECT DISTINCT c.brand_id, {_DAY.format(row='c')} "
        "FROM comments c JOIN tags t ON t.comment_id = c.id"
    )


@migration
def m0007_positioning_versions(db: Database) -> None:
    """Every declared positioning is kept: ``positioning`` holds the current weights,
    ``positioning_versions`` each saved version (weights, statement, note, when, by whom)."""
    _execute_all(
        db,
        """
        CREATE TABLE positioning_versions (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            weights TEXT NOT NULL,
            statement TEXT,
            note TEXT,
            saved_by TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (brand_id, version)
        );
        ALTER TABLE taxonomy_versions ADD COLUMN saved_by TEXT
        """,
    )
    rows = db.execute(
        "SELECT b.id, b.positioning_statement, json_group_object(p.attribute, p.weight), b.created_at "
        "FROM brands b JOIN positioning p ON p.brand_id = b.id GROUP BY b.id"
    ).fetchall()
    for brand_id, statement, weights, created in rows:
        db.execute(
            "INSERT INTO positioning_versions (brand_id, version, weights, statement, note, created_at) "
            "VALUES (?, 1, ?, ?, 'positioning before versions were kept', ?)",
            [brand_id, weights, statement, created],
        )


@migration
def m0008_accounts(db: Database) -> None:
    """Users with roles; API tokens belong to a user (scope ``full`` or ``clip``); failed logins
    are counted for rate limiting. Tokens made before accounts have no user and are refused."""
    _execute_all(
        db,
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
            created_at TEXT NOT NULL,
            disabled_at TEXT,
            last_login_at TEXT
        );
        ALTER TABLE api_tokens ADD COLUMN user_id INTEGER REFERENCES users(id);
        UPDATE api_tokens SET scope = 'full' WHERE scope = 'write';
        CREATE TABLE login_failures (key TEXT NOT NULL, at TEXT NOT NULL);
        CREATE INDEX login_failures_by_key ON login_failures (key, at)
        """,
    )


@migration
def m0009_themes(db: Database) -> None:
    """Themes nobody declared (``server.themes``): each run of the clustering, the themes with a
    lasting identity, which comments each holds now, each theme's size per run, and a cache of
    the encoder's vectors (a vector is reused while the model and the text are unchanged)."""
    _execute_all(
        db,
        """
        CREATE TABLE theme_runs (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
            trigger TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            seconds REAL,
            comments INTEGER,
            themed INTEGER,
            themes INTEGER,
            model TEXT,
            fingerprint TEXT,
            error TEXT
        );
        CREATE INDEX theme_runs_by_brand ON theme_runs (brand_id, id);
        CREATE TABLE themes (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('active', 'gone', 'promoted')),
            label TEXT NOT NULL,
            terms TEXT NOT NULL,
            quotes TEXT NOT NULL,
            size INTEGER NOT NULL,
            centroid BLOB NOT NULL,
            first_run INTEGER NOT NULL REFERENCES theme_runs(id),
            last_run INTEGER NOT NULL REFERENCES theme_runs(id),
            attribute TEXT,
            promoted_by TEXT,
            promoted_at TEXT
        );
        CREATE INDEX themes_by_brand ON themes (brand_id, status);
        CREATE TABLE theme_members (
            theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
            comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
            similarity REAL NOT NULL,
            PRIMARY KEY (theme_id, comment_id)
        ) WITHOUT ROWID;
        CREATE INDEX theme_members_by_comment ON theme_members (comment_id);
        CREATE TABLE theme_sizes (
            run_id INTEGER NOT NULL REFERENCES theme_runs(id) ON DELETE CASCADE,
            theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
            size INTEGER NOT NULL,
            PRIMARY KEY (run_id, theme_id)
        ) WITHOUT ROWID;
        CREATE TABLE embeddings (
            comment_id INTEGER PRIMARY KEY REFERENCES comments(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            vector BLOB NOT NULL
        )
        """,
    )


@migration
def m0010_review(db: Database) -> None:
    """The review queues (``server.audit``): comments drawn for people to label, either at random
    within strata (brand x the model's leading attribute, or none) to measure the classifier, or
    the least certain ones to teach it. A label itself is a correction; an item records its queue,
    stratum and the stratum's size when drawn (the audit's weights), and whether it was labelled
    or skipped, by whom and when."""
    _execute_all(
        db,
        """
        CREATE TABLE review_items (
            id INTEGER PRIMARY KEY,
            comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
            queue TEXT NOT NULL CHECK (queue IN ('random', 'uncertain')),
            stratum TEXT NOT NULL,
            stratum_size INTEGER NOT NULL,
            model TEXT NOT NULL,
            drawn_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'labelled', 'skipped')),
            done_at TEXT,
            done_by TEXT,
            UNIQUE (comment_id, queue)
        );
        CREATE INDEX review_items_open ON review_items (queue, status, id)
        """,
    )


@migration
def m0011_audit_snapshots(db: Database) -> None:
    """The audit as it stood each time its labels or the model's tags changed (``server.drift``):
    per attribute F1 and sentiment accuracy with their intervals, so a fall can be noticed after
    a new model or new labels."""
    _execute_all(
        db,
        """
        CREATE TABLE audit_snapshots (
            id INTEGER PRIMARY KEY,
            taken_at TEXT NOT NULL,
            model TEXT NOT NULL,
            labelled INTEGER NOT NULL,
            digest TEXT NOT NULL,
            figures TEXT NOT NULL
        )
        """,
    )


@migration
def m0012_alerts(db: Database) -> None:
    """Early warning (``server.alerts``): rules per brand with their parameters, the alerts they
    raised (read or not, and how each was delivered), and the conditions that hold now, so one
    condition raises one alert until it changes."""
    _execute_all(
        db,
        """
        CREATE TABLE alert_rules (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            params TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL,
            updated_by TEXT,
            UNIQUE (brand_id, kind)
        );
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            rule_id INTEGER REFERENCES alert_rules(id) ON DELETE SET NULL,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            state TEXT NOT NULL,
            title TEXT NOT NULL,
            message TEXT NOT NULL,
            figures TEXT NOT NULL DEFAULT '{}',
            link TEXT,
            created_at TEXT NOT NULL,
            read_at TEXT,
            read_by TEXT,
            deliveries TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX alerts_unread ON alerts (read_at, id);
        CREATE TABLE alert_conditions (
            rule_id INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            state TEXT NOT NULL,
            since TEXT NOT NULL,
            alert_id INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
            PRIMARY KEY (rule_id, key)
        )
        """,
    )


@migration
def m0013_sessions(db: Database) -> None:
    """Logins kept on the server (``server.accounts``): the cookie carries a random id whose hash is
    a row here, so logout, a password change, disabling and "sign out everywhere" end it. Users get
    ``username_key``, the name as logins compare it (NFKC, case-folded), unique."""
    from .accounts import username_key

    _execute_all(
        db,
        """
        CREATE TABLE sessions (
            id_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            address TEXT
        );
        CREATE INDEX sessions_by_user ON sessions (user_id);
        ALTER TABLE users ADD COLUMN username_key TEXT
        """,
    )
    for user_id, name in db.execute("SELECT id, username FROM users").fetchall():
        db.execute("UPDATE users SET username_key = ? WHERE id = ?", [username_key(name), user_id])
    db.execute("CREATE UNIQUE INDEX users_by_key ON users (username_key)")
    db.execute("DELETE FROM login_failures")  # their keys change from name|address to the account


@migration
def m0014_languages(db: Database) -> None:
    """Each comment's detected language (``server.languages``): NULL until detected (the
    classifier job detects the comments stored before), ``und`` when it cannot be told."""
    _execute_all(
        db,
        """
        ALTER TABLE comments ADD COLUMN detected_language TEXT;
        CREATE INDEX comments_by_detected_language ON comments (detected_language)
        """,
    )


@migration
def m0015_training_runs(db: Database) -> None:
    """Retraining asked for from the audit page (``server.training``): a background run, its
    progress, the new model's audit next to the old one's, and whether it became active."""
    _execute_all(
        db,
        """
        CREATE TABLE training_runs (
            id INTEGER PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN
                ('queued', 'running', 'ready', 'failed', 'activated', 'discarded')),
            requested_by TEXT NOT NULL,
            requested_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            stage TEXT,
            progress REAL NOT NULL DEFAULT 0,
            examples INTEGER,
            kind TEXT,
            folder TEXT,
            model TEXT,
            audit_before TEXT,
            audit_after TEXT,
            error TEXT,
            decided_by TEXT,
            decided_at TEXT
        );
        CREATE INDEX training_runs_by_status ON training_runs (status)
        """,
    )


@migration
def m0016_correction_attribute_sentiment(db: Database) -> None:
    """A person's sentiment per attribute in a correction (JSON ``{attribute: sentiment}``): "the
    price is bad, support is great" in one comment."""
    _execute_all(db, "ALTER TABLE corrections ADD COLUMN attribute_sentiment TEXT")


@migration
def m0017_notify_channels(db: Database) -> None:
    """Where alerts and the weekly digest go, set by admins in the browser (``server.channels``):
    a Slack or Microsoft Teams incoming webhook, a generic webhook, or email addresses."""
    _execute_all(
        db,
        """
        CREATE TABLE notify_channels (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('slack', 'teams', 'webhook', 'email')),
            name TEXT NOT NULL,
            target TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            tested_at TEXT,
            test_result TEXT
        )
        """,
    )


@migration
def m0018_person_notify(db: Database) -> None:
    """What each person chooses to get by email: alerts of which brands, and the weekly digest
    (``server.channels``; sent through the SMTP server the admins set)."""
    _execute_all(
        db,
        """
        CREATE TABLE person_notify (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            email TEXT NOT NULL,
            brands TEXT NOT NULL DEFAULT '[]',
            digest INTEGER NOT NULL DEFAULT 0 CHECK (digest IN (0, 1)),
            updated_at TEXT NOT NULL
        )
        """,
    )


@migration
def m0019_crawl_run_queue(db: Database) -> None:
    """Where a run was put for workers (``server.crawlqueue``; the Redis address, no password);
    NULL: it runs in a child process of the service."""
    _execute_all(db, "ALTER TABLE crawl_runs ADD COLUMN queue TEXT")


@migration
def m0020_cases(db: Database) -> None:
    """Cases (``server.cases``): a person's claim, the testable statement it stands for (JSON, built
    with a form), its owner and state, the latest test; and its history (opened, tested, verdict
    changed, state and owner changes, people's comments)."""
    _execute_all(
        db,
        """
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            claim TEXT NOT NULL,
            statement TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL CHECK (state IN ('open', 'tested', 'acknowledged', 'acting', 'resolved',
                                                 'dismissed')),
            owner TEXT,
            reason TEXT,
            verdict TEXT CHECK (verdict IN ('supported', 'not supported', 'not enough data')),
            result TEXT,
            tested_version TEXT,
            tested_at TEXT,
            created_by TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX cases_by_state ON cases (state, id);
        CREATE TABLE case_events (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            by TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('opened', 'tested', 'verdict', 'state', 'owner', 'comment')),
            text TEXT NOT NULL
        );
        CREATE INDEX case_events_by_case ON case_events (case_id, id)
        """,
    )


@migration
def m0021_shared_enemies(db: Database) -> None:
    """Shared enemies (``server.enemies``): a customer problem (an attribute's complaints, or a
    theme's) with a name, a target for its rate, an owner on each side, active or retired."""
    _execute_all(
        db,
        """
        CREATE TABLE shared_enemies (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            attribute TEXT,
            theme_id INTEGER REFERENCES themes(id) ON DELETE SET NULL,
            target REAL NOT NULL CHECK (target >= 0 AND target <= 1),
            commercial_owner TEXT NOT NULL,
            technical_owner TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
            named_at TEXT NOT NULL,
            named_by TEXT,
            retired_at TEXT,
            retired_by TEXT,
            retired_reason TEXT
        )
        """,
    )


def apply(db: Database, *, stop_before: str | None = None) -> None:
    MIGRATIONS.apply(db, stop_before=stop_before)


def names() -> list[str]:
    return list(_NAMES)


def applied(db: Database) -> list[str]:
    return [m.name for m in MIGRATIONS.applied(db)]
