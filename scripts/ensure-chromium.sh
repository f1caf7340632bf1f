#!/usr/bin/env bash
# Make sure the browser tests have a Chromium. Order: $GAPWATCH_CHROMIUM, a Chromium or Chrome
# already on PATH, else Debian's `chromium` package through apt-get (when running as root).
# Never downloads a browser build of its own (`playwright install` is not used).
set -euo pipefail

if [ -n "${GAPWATCH_CHROMIUM:-}" ]; then
  if [ -x "$GAPWATCH_CHROMIUM" ]; then exit 0; fi
  echo "GAPWATCH_CHROMIUM=$GAPWATCH_CHROMIUM is not an executable file" >&2
  exit 1
fi
for name in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$name" >/dev/null 2>&1; then exit 0; fi
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "No Chromium found: installing Debian's chromium package for the browser tests…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  command -v chromium >/dev/null 2>&1 && exit 0
fi
echo "No Chromium or Chrome found and none could be installed: install one, or set" >&2
echo "GAPWATCH_CHROMIUM to its path, then run 'make test' again." >&2
exit 1
