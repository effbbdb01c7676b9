#!/usr/bin/env bash
# Make sure Debian's prometheus (server and promtool) is installed: the tests check the alert
# rules in deploy/prometheus/ with promtool and let a real Prometheus scrape the production
# profile. The tests run the binaries themselves; Debian must not start its service.
set -euo pipefail
exec bash "$(dirname "$0")/ensure-package.sh" /usr/bin/promtool prometheus \
  "the tests of the metrics and alert rules need it" --no-service-start
