"""arXiv as seen when it cannot be reached: a loopback server that takes a request
and answers nothing for a while (tests never touch the network)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SLOW_SECONDS = 3.0


class SlowArxiv:
    """A TCP server that reads a request and answers nothing for SLOW_SECONDS, like
    arXiv when it cannot be reached; it records how many fetches were open at once."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/query"
        self.open = self.most_open = self.seen = 0
        self.lock = threading.Lock()
        self.stopping = False

    def _serve(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        with self.lock:
            self.open += 1
            self.seen += 1
            self.most_open = max(self.most_open, self.open)
        # Open until the client gives up and closes (or SLOW_SECONDS pass): a fetch the
        # client dropped must not count as open, or a late fetch that took the freed
        # slot would look like one too many.
        conn.settimeout(SLOW_SECONDS)
        try:
            while conn.recv(65536):  # the request, then b"" once the client closes
                pass
        except OSError:  # the timeout, or a reset
            pass
        conn.close()
        with self.lock:
            self.open -= 1

    @contextmanager
    def running(self) -> Iterator[SlowArxiv]:
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.stopping = True
            thread.join()
            self.sock.close()
