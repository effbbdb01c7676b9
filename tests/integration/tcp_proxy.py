"""A TCP proxy on loopback that a test can cut and restore: a database that briefly goes away.

Services get the proxy's port instead of the database's. ``cut()`` drops every open connection
and refuses new ones (as a restarting server or a broken network would); ``restore()`` accepts
connections again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from tests.integration.assistant import free_port

ACCEPT_POLL_S = 0.2


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stop_accepting: threading.Event | None = None

    def start(self) -> TcpProxy:
        self.restore()
        return self

    def restore(self) -> None:
        """Accept connections (again)."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # Right after a cut the old listener may still be bound while its accept thread
            # finishes its poll (up to ACCEPT_POLL_S): try again for a moment.
            for attempt in range(20):
                try:
                    listener.bind(("127.0.0.1", self.port))
                    break
                except OSError:
                    if attempt == 19:
                        raise
                    time.sleep(ACCEPT_POLL_S / 4)
            listener.listen(64)
            listener.settimeout(ACCEPT_POLL_S)
            stop = threading.Event()
            self._listener, self._stop_accepting = listener, stop
        threading.Thread(target=self._accept, args=(listener, stop), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break the open ones, at once."""
        with self._lock:
            if self._stop_accepting is not None:
                self._stop_accepting.set()
            if self._listener is not None:
                self._listener.close()
            self._listener = self._stop_accepting = None
            connections, self._connections = self._connections, set()
        for connection in connections:
            _close(connection)

    stop = cut

    def _accept(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by cut()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            for sock in (client, upstream):
                sock.settimeout(None)
            with self._lock:
                if stop.is_set():
                    _close(client)
                    _close(upstream)
                    return
                self._connections.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._connections.difference_update((source, sink))
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
