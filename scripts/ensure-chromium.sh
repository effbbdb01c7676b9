#!/usr/bin/env bash
# Make sure the system Chromium the console's browser test drives is installed.
# The test uses Debian's chromium through Playwright (never a browser build Playwright would
# download itself), so install the distribution package when it is missing.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then exit 0; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is missing at $CHROMIUM and apt-get is not available: install chromium" >&2
  echo "yourself; the console's browser test needs it." >&2
  exit 1
fi

echo "Chromium is not installed: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's package lists may be empty or stale: update once and try again.
if ! apt-get install -y -qq chromium; then
  apt-get update -qq
  apt-get install -y -qq chromium
fi
[ -x "$CHROMIUM" ] || { echo "chromium installed, but $CHROMIUM is missing" >&2; exit 1; }
