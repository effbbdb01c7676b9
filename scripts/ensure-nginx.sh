#!/usr/bin/env bash
# Make sure Debian's nginx, the production profile's load balancer, is installed.
# `python -m bot production` runs it as a child process with a config of its own in the var
# dir (no root, no system service), so only the binary is needed: install the distribution
# package when it is missing, and keep its system service from starting on port 80.
set -euo pipefail

NGINX=/usr/sbin/nginx

if [ -x "$NGINX" ]; then exit 0; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "nginx is missing at $NGINX and apt-get is not available: install nginx" >&2
  echo "yourself; the production profile and its tests need it." >&2
  exit 1
fi

echo "nginx is not installed: installing Debian's nginx package"
export DEBIAN_FRONTEND=noninteractive
# Debian starts a freshly installed service; the profile runs its own nginx, so say no.
policy=/usr/sbin/policy-rc.d
own_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=true
fi
trap '$own_policy && rm -f "$policy"' EXIT
# A fresh machine's package lists may be empty or stale: update once and try again.
if ! apt-get install -y -qq nginx; then
  apt-get update -qq
  apt-get install -y -qq nginx
fi
[ -x "$NGINX" ] || { echo "nginx installed, but $NGINX is missing" >&2; exit 1; }
