"""Telling people: alert rules and their checks, where alerts go (email, webhooks, channels),
the evidence pack, cases and shared enemies."""
