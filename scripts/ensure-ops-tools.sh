#!/usr/bin/env bash
# Make sure the tools that check the deployment files are installed: Debian's prometheus
# (server and promtool: the alert rules in deploy/prometheus/, and a real Prometheus scraping
# the production profile) and systemd's systemd-analyze (the units in deploy/systemd/). The
# tests run the binaries themselves; Debian must not start the prometheus service.
set -euo pipefail
here="$(dirname "$0")"
bash "$here/ensure-package.sh" /usr/bin/promtool prometheus \
  "the tests of the metrics and alert rules need it" --no-service-start
bash "$here/ensure-package.sh" /usr/bin/systemd-analyze systemd \
  "the tests of the systemd units need it" --no-service-start
