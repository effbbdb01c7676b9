"""Peak resident memory of each process of the assistant, sampled while the benchmark runs.

The runner starts its children in sessions of their own, so the process tree (not a process
group) is what belongs to one assistant. Processes are named by their command line, which
stays correct when a profile runs several replicas of one role. Read from /proc (Linux, where
the assistant is deployed) rather than psutil, which the project does not depend on.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")

SAMPLE_INTERVAL_S = 0.25

# First match wins: (words that must all appear in the command line, role).
ROLES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("bot.rasa_ext.rasa_server",), "Rasa server"),  # Rasa's command line wrapped by the project
    (("rasa", "run", "actions"), "action server"),
    (("bot.rasa_ext.action_server",), "action server"),
    (("rasa", "run"), "Rasa server"),
    (("bot", "outbox"), "outbox worker"),
    (("bot", "console"), "console"),
    (("bot", "telegram-poll"), "Telegram poller"),
    (("nginx:", "master"), "nginx master"),
    (("nginx:", "worker"), "nginx worker"),
    (("bot", "run"), "runner"),
    (("bot", "production"), "runner"),
)


def stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (state, ppid, ...), or None if it has exited.

    "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after it.
    """
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def _parents() -> dict[int, list[int]]:
    """parent pid -> child pids, for every process visible now."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat_fields(int(entry.name))
        if fields is None:
            continue  # exited meanwhile
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def process_tree(root: int) -> list[int]:
    """root and all its descendants, in pid order."""
    children, found, pending = _parents(), [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return sorted(found)


def cmdline(pid: int) -> list[str]:
    return (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]


def rss_bytes(pid: int) -> int:
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0  # a zombie has no memory left


def role_of(cmdline: list[str]) -> str:
    """What a process is, from its command line (nginx rewrites its own into one string)."""
    words = set(" ".join(cmdline).split())
    for needed, role in ROLES:
        if all(word in words for word in needed):
            return role
    return cmdline[0].split()[0].rsplit("/", 1)[-1] if cmdline and cmdline[0] else "?"


@dataclass
class MemorySampler:
    """Samples the RSS of `root_pid` and all its descendants until stopped (a daemon thread)."""

    root_pid: int
    peaks: dict[str, int] = field(default_factory=dict)  # "role" or "role #2" -> bytes
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict[str, int]:
        self._stop.set()
        if self._thread:
            self._thread.join()
        return dict(self.peaks)

    def sample(self) -> dict[str, int]:
        """role -> RSS now; several processes of one role are told apart by pid order."""
        if not (PROC / str(self.root_pid)).exists():
            return {}
        now: dict[str, int] = {}
        seen: dict[str, int] = {}
        for pid in process_tree(self.root_pid):
            try:
                command = cmdline(pid)
                rss = rss_bytes(pid)
            except (OSError, ValueError):
                continue  # exited between listing and reading
            if not command:
                continue  # a zombie: exited, not yet reaped, nothing to name or measure
            role = role_of(command)
            seen[role] = seen.get(role, 0) + 1
            now[role if seen[role] == 1 else f"{role} #{seen[role]}"] = rss
        return now

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, rss in self.sample().items():
                self.peaks[name] = max(rss, self.peaks.get(name, 0))
            self._stop.wait(SAMPLE_INTERVAL_S)
