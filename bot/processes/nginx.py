"""nginx from Debian's package as the load balancer in front of the Rasa replicas.

The configuration is rendered into the var dir and nginx runs as a child process in the
foreground (``-g 'daemon off;'``) with its pid file, logs and temporary files there too, so the
production profile needs neither root nor the system's /etc/nginx. A deployment with its own
nginx can copy the ``upstream`` and ``location`` blocks.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.processes.runner import Service
from bot.settings import Settings

NGINX_BINARY = "/usr/sbin/nginx"
# Time to connect to a replica: on one machine or a LAN a live replica accepts at once, so a
# short limit lets a dead one be skipped quickly.
CONNECT_TIMEOUT_S = 2
# A message may wait for the action server and the databases (a ticket retries for ~8 s).
READ_TIMEOUT_S = 60
# After a failure nginx leaves a replica alone for this long before trying it again.
FAIL_TIMEOUT_S = 10
# A replica whose /ready takes longer than this is as good as not ready.
READY_TIMEOUT_S = 2


class NginxMissing(RuntimeError):
    """nginx is not installed; the message says how to install it."""


def nginx_binary() -> str:
    found = shutil.which("nginx") or (NGINX_BINARY if Path(NGINX_BINARY).exists() else None)
    if found is None:
        raise NginxMissing(
            f"nginx is not installed (looked for {NGINX_BINARY} and on PATH). Install Debian's "
            "package with `bash scripts/ensure-nginx.sh` (or `apt-get install nginx`)."
        )
    return found


def replica_ports(settings: Settings) -> list[int]:
    """Each replica on its own port: MFA_RASA_PORT, the next one, and so on."""
    return [settings.rasa_port + index for index in range(settings.rasa_replicas)]


def render_config(
    settings: Settings, prefix: Path, logs: Path, down: frozenset[int] = frozenset()
) -> str:
    """nginx.conf for round robin over the replicas with failover where it is safe.

    ``proxy_next_upstream error timeout http_502``: a request goes to the next replica when
    one cannot be reached, does not answer in time or answers 502. nginx never resends a POST
    that already reached a replica (it may have been processed: a ticket must not be made
    twice); a POST to a replica that refused the connection was never seen and does move on.
    No sticky sessions: every replica reads the conversation from the shared tracker store.

    Replicas on a port in ``down`` are marked so: nginx sends them nothing until a new
    configuration is loaded (ReplicaGate below).

    No keep-alive connections to the replicas: a POST written onto a kept connection to a
    replica that has just died counts as sent and would get a 502 instead of moving on; a
    new loopback connection per request costs far less than a Rasa answer.
    """
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s"
        + (" down;" if port in down else ";")
        for port in replica_ports(settings)
    )
    body_limit_kb = max(64, settings.max_message_chars * 8 // 1024 + 16)
    return f"""# Rendered by `python -m bot production` (bot/processes/nginx.py); edits are lost.
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {logs / "nginx-error.log"} warn;

events {{
    worker_connections 1024;
}}

http {{
    # Paths, methods and statuses only: message texts travel in request bodies, never logged.
    log_format with_request_id '$remote_addr [$time_local] "$request" $status '
                               '$body_bytes_sent $request_time $request_id';
    access_log {logs / "nginx-access.log"} with_request_id;
    client_body_temp_path {prefix / "client_body"};
    proxy_temp_path {prefix / "proxy"};
    fastcgi_temp_path {prefix / "fastcgi"};
    uwsgi_temp_path {prefix / "uwsgi"};
    scgi_temp_path {prefix / "scgi"};
    server_tokens off;
    client_max_body_size {body_limit_kb}k;
    # Bodies and answers stay in memory, never in temp files: the runtime directory is the
    # owner's only (umask 077), which nginx's workers (nobody, when started as root) can't enter.
    client_body_buffer_size {body_limit_kb}k;
    proxy_max_temp_file_size 0;

    upstream rasa_replicas {{
{servers}
    }}

    server {{
        listen {settings.host}:{settings.load_balancer_port};

        location / {{
            proxy_pass http://rasa_replicas;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # One id per request, in nginx's access log and every process's JSON log lines.
            proxy_set_header X-Request-ID $request_id;
            proxy_connect_timeout {CONNECT_TIMEOUT_S}s;
            proxy_send_timeout {READ_TIMEOUT_S}s;
            proxy_read_timeout {READ_TIMEOUT_S}s;
            proxy_next_upstream error timeout http_502;
            proxy_next_upstream_tries {max(2, settings.rasa_replicas)};
            proxy_next_upstream_timeout {READ_TIMEOUT_S}s;
        }}
    }}
}}
"""


def write_config(settings: Settings, down: frozenset[int] = frozenset()) -> Path:
    """Render nginx.conf into var_dir/nginx/ (with its temp dirs) and return its path."""
    prefix = settings.var_dir / "nginx"
    logs = settings.var_dir / "logs"
    for directory in (prefix, logs):
        directory.mkdir(parents=True, exist_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(render_config(settings, prefix, logs, down))
    return path


def replica_is_ready(port: int) -> bool:
    """The replica's /ready answers 200 within READY_TIMEOUT_S (bot/rasa_ext/service_routes.py)."""
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/ready", timeout=READY_TIMEOUT_S
        ) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):  # 503 (HTTPError), refused, or no answer
        return False


class ReplicaGate:
    """Keeps nginx sending messages only to the replicas that say they are ready.

    nginx's open-source edition has no active health checks: it learns that a replica is
    gone only from a request that fails, and a replica that hangs, or answers every message
    with an apology because its database is away, keeps getting a share of the users. The
    supervisor asks each replica's /ready every second (``check``); when the set of ready ones
    changes, it renders nginx's configuration with the others marked ``down`` and has nginx
    reload it (SIGHUP: a graceful reload, requests in flight finish). When no replica is ready,
    all stay in: nginx then tries each, and the users get the replicas' own apology.
    """

    def __init__(
        self,
        settings: Settings,
        nginx: Service,
        is_ready: Callable[[int], bool] = replica_is_ready,
    ) -> None:
        self.settings = settings
        self.nginx = nginx
        self.is_ready = is_ready
        self.ports = replica_ports(settings)
        self.down: frozenset[int] = frozenset()
        self._pool = ThreadPoolExecutor(max_workers=len(self.ports))

    def check(self) -> None:
        """Ask every replica at once; reload nginx if the ready set changed."""
        ready = dict(zip(self.ports, self._pool.map(self.is_ready, self.ports), strict=True))
        down = frozenset(port for port, ok in ready.items() if not ok)
        if down == frozenset(self.ports):
            down = frozenset()
        if down == self.down:
            return
        self.down = down
        write_config(self.settings, down)
        self.nginx.reload()
        taken_out = ", ".join(map(str, sorted(down))) or "none"
        print(f"  Replicas not ready, sent no messages: {taken_out}.", flush=True)


def nginx_service(settings: Settings, config: Path) -> Service:
    """nginx in the foreground, so the supervisor sees it exit and stops it with SIGTERM."""
    return Service(
        name="load balancer (nginx)",
        command=[
            nginx_binary(),
            "-p", str(config.parent),
            "-c", str(config),
            "-e", str(settings.var_dir / "logs" / "nginx-error.log"),
            "-g", "daemon off;",
        ],
        ready_url=f"http://127.0.0.1:{settings.load_balancer_port}/webhooks/rest/",
        log_path=settings.var_dir / "logs" / "nginx.log",
    )  # fmt: skip
