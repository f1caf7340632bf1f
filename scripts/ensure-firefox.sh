#!/usr/bin/env bash
# Give the Firefox extension tests a Firefox when one can be had. Order: $GAPWATCH_FIREFOX, a
# firefox-esr or firefox already on PATH, else Debian's `firefox-esr` package through apt-get (when
# running as root). Never downloads a browser build of its own. Without one, those tests are
# skipped with the reason; everything else still runs.
set -uo pipefail

if [ -n "${GAPWATCH_FIREFOX:-}" ]; then
  [ -x "$GAPWATCH_FIREFOX" ] && exit 0
  echo "GAPWATCH_FIREFOX=$GAPWATCH_FIREFOX is not an executable file: the Firefox tests will be skipped" >&2
  exit 0
fi
for name in firefox-esr firefox; do
  if command -v "$name" >/dev/null 2>&1; then exit 0; fi
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "No Firefox found: installing Debian's firefox-esr package for the extension's Firefox tests…" >&2
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends firefox-esr >/dev/null; then
    exit 0
  fi
fi
echo "No Firefox found and none could be installed: the extension's Firefox tests will be skipped" >&2
echo "(install firefox-esr, or set GAPWATCH_FIREFOX to a Firefox's path, to run them)." >&2
exit 0
