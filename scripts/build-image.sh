#!/usr/bin/env bash
# Build the container image (deploy/container/Containerfile) with podman, from Debian's packages:
# a minimal Debian base made by mmdebstrap from the mirror apt uses (no image registry needed),
# this checkout, its trained model and its Python 3.10. Usage: bash scripts/build-image.sh [TAG]
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-localhost/mfa-assistant:latest}
base=localhost/mfa-assistant-base:bookworm
here=scripts
for tool in /usr/bin/podman:podman /usr/sbin/runc:runc /usr/bin/mmdebstrap:mmdebstrap; do
  bash "$here/ensure-package.sh" "${tool%%:*}" "${tool##*:}" "building the image needs it"
done
# This machine's container runtime: runc and cgroupfs (crun and systemd's cgroups may be refused).
podman=(podman --runtime runc --cgroup-manager=cgroupfs)

model=$(.venv/bin/python -c 'from bot.processes.training import ensure_model; from bot.settings import get_settings; print(ensure_model(get_settings().models_dir))' | tail -1)
python_prefix=$(.venv/bin/python -c 'import sys; print(sys.base_prefix)')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! "${podman[@]}" image exists "$base"; then
  mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "Making the Debian base from $mirror ..."
  mmdebstrap --variant=minbase --quiet \
    --include=ca-certificates,libgomp1,libstdc++6,libssl3,libsqlite3-0,libffi8,zlib1g,libbz2-1.0,liblzma5,libreadline8,libncursesw6,libuuid1,libexpat1,libgdbm6,passwd \
    bookworm "$work/base.tar" "$mirror"
  "${podman[@]}" import "$work/base.tar" "$base"
fi

echo "Collecting the build context ..."
mkdir -p "$work/context/project/models"
cp -a "$python_prefix" "$work/context/python3.10"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work/context/project"
cp "$model" "$work/context/project/models/"
cp deploy/container/Containerfile "$work/context/"
# Readable by the image's unprivileged user (the checkout's own files may be owner-only).
chmod -R go+rX,go-w "$work/context"

echo "Building $tag ..."
mkdir -p "$HOME/.cache/pip"
# Docker's image format: the OCI format has no HEALTHCHECK.
"${podman[@]}" build --format docker --network=host \
  --volume "$HOME/.cache/pip:/root/.cache/pip" \
  --volume /etc/ssl/certs:/etc/ssl/certs:ro \
  --tag "$tag" "$work/context"
echo "Built $tag"

# Try it as a user would: start it, wait until it is ready, ask a question, run its health
# check, stop it. On ports of its own, so a running assistant is not disturbed.
port=$((20000 + RANDOM % 20000))
name=mfa-assistant-try-$port
"${podman[@]}" run -d --name "$name" --network=host \
  --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
  -e MFA_HOST=127.0.0.1 -e MFA_RASA_PORT=$port -e MFA_ACTION_PORT=$((port + 1)) \
  -e MFA_CONSOLE_PORT=$((port + 2)) -e MFA_OUTBOX_PORT=$((port + 3)) "$tag" >/dev/null
trap '"${podman[@]}" rm -f -v "$name" >/dev/null 2>&1; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
  sleep 2
done
answer=$(curl -sf -X POST "http://127.0.0.1:$port/webhooks/rest/webhook" \
  -H 'Content-Type: application/json' -d '{"sender": "image-check", "message": "I lost my phone"}')
case "$answer" in
  *mysignins.microsoft.com*) echo "The image answers: $(echo "$answer" | head -c 120) ..." ;;
  *) echo "The image did not answer as it should: $answer" >&2; exit 1 ;;
esac
"${podman[@]}" healthcheck run "$name" && echo "Its health check passes."
test "$("${podman[@]}" exec "$name" id -u)" != 0 && echo "It runs as an unprivileged user."
