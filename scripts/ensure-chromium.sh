#!/usr/bin/env bash
# Make sure the system Chromium the browser tests drive is installed. The tests use Debian's
# chromium through Playwright (never a browser build Playwright would download itself).
set -euo pipefail
exec bash "$(dirname "$0")/ensure-package.sh" /usr/bin/chromium chromium \
  "the widget's and the console's browser tests need it"
