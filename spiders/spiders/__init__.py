"""One thin spider per source kind; the file stem is the spider's ``name`` (the kind)."""
