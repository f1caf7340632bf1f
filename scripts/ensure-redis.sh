#!/usr/bin/env bash
# Give the crawl-worker tests a redis-server (they start and stop their own, on a loopback port).
# Order: one on PATH, else Debian's `redis-server` package through apt-get (when running as root;
# the package's own service is stopped and disabled: the tests start theirs). Without one, those
# tests are skipped with the reason; everything else still runs.
set -uo pipefail

if command -v redis-server >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "No redis-server found: installing Debian's redis-server package for the crawl-worker tests…" >&2
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends redis-server >/dev/null; then
    (service redis-server stop || true) >/dev/null 2>&1
    exit 0
  fi
fi
echo "No redis-server found and none could be installed: the crawl-worker tests will be skipped" >&2
echo "(install redis-server to run them)." >&2
exit 0
