#!/usr/bin/env bash
# Make sure Debian's nginx, the production profile's load balancer, is installed.
# `python -m bot production` runs it as a child process with a config of its own in the var
# dir (no root, no system service), so only the binary is needed, and Debian must not start
# its service on port 80 when installing it.
set -euo pipefail
exec bash "$(dirname "$0")/ensure-package.sh" /usr/sbin/nginx nginx \
  "the production profile and its tests need it" --no-service-start
