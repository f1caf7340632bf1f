"""Collecting comments: the one ingestion path (``ingest``: validate, normalise, de-duplicate,
store), file imports, crawl sources, runs, schedules and their queue, and the network guard the
spiders obey."""
