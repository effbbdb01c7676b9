#!/usr/bin/env bash
# Run deploy/systemd/ under a real systemd, as an admin would install it, and check it works:
# systemd boots as PID 1 in a container made from the image `make image` built (with Debian's
# systemd added), the units and an environment file are installed as docs/operations.md says,
# `systemctl start mfa-assistant.target` starts every process with the units' hardening, both
# replicas answer, systemd restarts a killed replica, and the purge unit runs. PostgreSQL and
# Redis on loopback, with databases and a Redis prefix of its own, removed afterwards.
# Usage: bash scripts/try-systemd.sh   (after `make image`; `make try-systemd` does both)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/try-lib.sh
image=localhost/mfa-assistant:latest
# This machine's container runtime: runc and cgroupfs (crun and systemd's cgroups refused).
podman=(podman --runtime runc --cgroup-manager=cgroupfs)

require_free_ports
"${podman[@]}" image exists "$image" || { echo "No $image: run 'make image' first." >&2; exit 1; }

run=$(date +%s)-$$
name=mfa-systemd-try-$run
prefix=mfasystemd${run//-/}  # Rasa takes letters and digits only
trackers=mfa_systemd_trackers_${run//-/_}
tickets=mfa_systemd_tickets_${run//-/_}
work=$(mktemp -d)
cleanup() {
  "${podman[@]}" rm -f -v "$name" >/dev/null 2>&1 || true
  drop_try_stores "$prefix" "$trackers" "$tickets"
  rm -rf "$work"
}
trap cleanup EXIT

# A server as the units expect it: the checkout in /opt/mfa-assistant, the `mfa` user, and
# systemd. The image's Python lives in /opt/python3.10, so its library goes on the linker's path
# (an installed Python is there already).
cat >"$work/Containerfile" <<EOF
FROM $image
USER root
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends systemd systemd-sysv dbus >/dev/null && apt-get clean \
    && echo /opt/python3.10/lib > /etc/ld.so.conf.d/python3.10.conf && ldconfig
CMD ["/sbin/init"]
EOF
"${podman[@]}" build --quiet --format docker --network=host --volume /etc/ssl/certs:/etc/ssl/certs:ro \
  --tag "localhost/mfa-assistant-systemd:latest" "$work" >/dev/null
"${podman[@]}" run -d --name "$name" --systemd=always --network=host \
  --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 localhost/mfa-assistant-systemd:latest >/dev/null
in_box() { "${podman[@]}" exec "$name" "$@"; }
for _ in $(seq 1 30); do
  state=$(in_box systemctl is-system-running 2>/dev/null || true)
  case "$state" in running|degraded) break ;; esac
  sleep 1
done
echo "systemd is PID 1 in $name ($state)."

# Installed as docs/operations.md says: the units, then the environment file (the model is the
# one inside the image).
in_box install -d -m 0750 /etc/mfa-assistant
for unit in deploy/systemd/mfa-*; do "${podman[@]}" cp "$unit" "$name:/etc/systemd/system/"; done
sed -e "s|^MFA_MODELS_DIR=.*|MFA_MODELS_DIR=/opt/mfa-assistant/models|" \
    -e "s|^MFA_TRACKER_STORE_URL=.*|MFA_TRACKER_STORE_URL=$TRY_POSTGRES/$trackers|" \
    -e "s|^MFA_DATABASE_URL=.*|MFA_DATABASE_URL=$TRY_POSTGRES/$tickets|" \
    -e "s|^MFA_LOCK_STORE_URL=.*|MFA_LOCK_STORE_URL=$TRY_REDIS\nMFA_LOCK_STORE_KEY_PREFIX=$prefix|" \
    deploy/systemd/mfa-assistant.env >"$work/mfa-assistant.env"
"${podman[@]}" cp "$work/mfa-assistant.env" "$name:/etc/mfa-assistant/mfa-assistant.env"
in_box sh -c 'chgrp mfa /etc/mfa-assistant/mfa-assistant.env && chmod 0640 /etc/mfa-assistant/mfa-assistant.env'
started=$(date +%s)
in_box sh -c 'systemctl daemon-reload && systemctl enable --now mfa-assistant.target mfa-purge.timer' 2>/dev/null

if ! wait_until_ready; then
  in_box systemctl --no-pager list-units --all 'mfa-*' >&2 || true
  in_box journalctl --no-pager -n 60 >&2 || true
  exit 1
fi
echo "Every unit is up after $(($(date +%s) - started)) s:"
in_box systemctl --no-pager --plain --no-legend list-units 'mfa-*' | sed 's/^/  /'
ask_each_replica systemd
test "$(in_box systemctl show mfa-rasa@5005 -p User --value)" = mfa
in_box sh -c 'test "$(stat -c %U /proc/$(systemctl show mfa-rasa@5005 -p MainPID --value))" = mfa'
echo "The replicas run as the unprivileged user mfa."

# systemd restarts a replica that dies (Restart=on-failure).
in_box sh -c 'kill -9 $(systemctl show mfa-rasa@5005 -p MainPID --value)'
killed=$(date +%s)
sleep 3
for _ in $(seq 1 60); do ready 5005 && break; sleep 2; done
ready 5005 || { echo "mfa-rasa@5005 did not come back after kill -9." >&2; exit 1; }
echo "systemd restarted mfa-rasa@5005 after kill -9: ready again after $(($(date +%s) - killed)) s" \
  "(restarts: $(in_box systemctl show mfa-rasa@5005 -p NRestarts --value))."

in_box systemctl start mfa-purge.service
purged=$(in_box journalctl --no-pager -o cat -u mfa-purge.service | grep Deleted | tail -1)
[ -n "$purged" ] || { echo "mfa-purge.service said nothing of what it deleted." >&2; exit 1; }
echo "mfa-purge.service ran: $purged"
echo "Stopping ($(($(date +%s) - started)) s in all)."
