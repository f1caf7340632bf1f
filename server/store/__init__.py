"""The store: the workspace database and its schema (migrations), backups, brands, comments and
the job-request table. Everything above reads and writes through these modules; they import
nothing of the rest of the service."""
