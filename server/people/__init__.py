"""People: accounts, their roles and sessions, and API tokens (stored; the doors check them in
``server.access``)."""
