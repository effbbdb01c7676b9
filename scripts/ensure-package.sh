#!/usr/bin/env bash
# Usage: ensure-package.sh BINARY PACKAGE "WHO NEEDS IT" [--no-service-start]
# Make sure BINARY exists, installing Debian's PACKAGE when it is missing. A fresh machine's
# package lists may be empty or stale, so a failed install updates them once and tries again.
# --no-service-start keeps Debian from starting the package's system service on install (the
# project runs the binary itself, with a config of its own).
set -euo pipefail

binary=$1 package=$2 needed_by=$3 no_service_start=${4:-}

if [ -x "$binary" ]; then exit 0; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "$package is missing at $binary and apt-get is not available: install $package" >&2
  echo "yourself; $needed_by." >&2
  exit 1
fi

echo "$package is not installed: installing Debian's $package package"
export DEBIAN_FRONTEND=noninteractive
if [ "$no_service_start" = --no-service-start ]; then
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
fi
if ! apt-get install -y -qq "$package"; then
  apt-get update -qq
  apt-get install -y -qq "$package"
fi
[ -x "$binary" ] || { echo "$package installed, but $binary is missing" >&2; exit 1; }
