"""Migration 0001: core (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


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
