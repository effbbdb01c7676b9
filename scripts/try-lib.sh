# Shared by scripts/try-compose.sh and scripts/try-systemd.sh (sourced, not run): the checks an
# admin would make on a deployment that runs on this machine's loopback, and its clean-up.
# The deployment's processes listen on the ports of deploy/systemd/mfa-assistant.env.
TRY_PORTS=(5005 5006 5055 5070 5071)
TRY_POSTGRES=${MFA_TRY_POSTGRES:-postgresql://postgres@127.0.0.1:5432}
TRY_REDIS=${MFA_TRY_REDIS:-redis://127.0.0.1:6379/0}

# Refuse to start when something already listens on a port the deployment needs.
require_free_ports() {
  local port
  for port in "${TRY_PORTS[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "Port $port is in use: stop what listens there first." >&2
      return 1
    fi
  done
}

ready() { curl -sf -o /dev/null "http://127.0.0.1:$1/ready"; }

# Wait up to 4 minutes until every process answers /ready; 1 if one never does.
wait_until_ready() {
  local port
  for _ in $(seq 1 120); do
    local all=yes
    for port in "${TRY_PORTS[@]}"; do ready "$port" || { all=no; break; }; done
    [ "$all" = yes ] && return 0
    sleep 2
  done
  for port in "${TRY_PORTS[@]}"; do
    ready "$port" || echo "Port $port is not ready after 4 minutes." >&2
  done
  return 1
}

# A user's question to one replica; the answer must be the lost-phone one.
ask_each_replica() {
  local label=$1 port answer
  for port in 5005 5006; do
    answer=$(curl -sf -X POST "http://127.0.0.1:$port/webhooks/rest/webhook" \
      -H 'Content-Type: application/json' \
      -d "{\"sender\": \"$label-$port\", \"message\": \"I lost my phone\"}")
    case "$answer" in
      *mysignins.microsoft.com*) echo "Replica $port answers: $(echo "$answer" | head -c 90) ..." ;;
      *) echo "Replica $port did not answer as it should: $answer" >&2; return 1 ;;
    esac
  done
}

# Drop the try's databases and its lock store keys.
drop_try_stores() {
  local prefix=$1 db
  shift
  for db in "$@"; do
    psql -q "$TRY_POSTGRES/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  redis-cli -u "$TRY_REDIS" --scan --pattern "$prefix:*" | xargs -r redis-cli -u "$TRY_REDIS" del >/dev/null || true
}
