"""One running app per data folder: a second launch brings the first to the front.

A lock file in the data folder makes sure there is never a second writer; a local socket
named after the folder carries the "come to the front" request to the running app.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, Signal

if TYPE_CHECKING:  # QtNetwork loads after the first frame (see SingleInstance.listen)
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

LOCK_NAME = "liaison-hub.lock"
_MESSAGE = b"activate\n"
_WAIT_MS = 2000


def server_name(data_dir: Path) -> str:
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return f"liaison-hub-{digest}"


class SingleInstance(QObject):
    """Holds the data folder's lock for as long as the app runs."""

    activated = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.lock = QLockFile(str(data_dir / LOCK_NAME))
        self.name = server_name(data_dir)
        self.server: QLocalServer | None = None
        self._sockets: list[QLocalSocket] = []

    def acquire(self, *, listen: bool = True) -> bool:
        """True if this process is now the one app on the folder (else it should quit).

        ``listen=False`` takes only the lock; :meth:`listen` then opens the socket that
        later launches knock on (the app does that once its first frame is painted).
        """
        if not self.lock.tryLock(100):
            return False
        if listen:
            self.listen()
        return True

    def listen(self) -> None:
        from PySide6.QtNetwork import QLocalServer

        QLocalServer.removeServer(self.name)  # a crashed run may have left its socket file
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_connection)
        server.listen(self.name)
        self.server = server

    def notify_running(self) -> bool:
        """Ask the running app to come to the front; False if it could not be reached.

        The running app opens its socket just after its first frame: a launch in that
        moment knocks again for a little while before giving up.
        """
        from PySide6.QtNetwork import QLocalSocket

        deadline = time.monotonic() + _WAIT_MS / 1000
        while True:
            socket = QLocalSocket()
            socket.connectToServer(self.name)
            if socket.waitForConnected(_WAIT_MS):
                break
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        socket.write(_MESSAGE)
        sent = socket.waitForBytesWritten(_WAIT_MS)
        socket.disconnectFromServer()
        return sent

    def release(self) -> None:
        for socket in self._sockets:
            socket.abort()
        self._sockets.clear()
        if self.server is not None:
            self.server.close()
            self.server = None
        self.lock.unlock()

    def _on_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._sockets.append(socket)
            socket.readyRead.connect(self._read_pending)
        self._read_pending()

    def _read_pending(self) -> None:
        # Sockets stay children of the server (no deleteLater): a socket deleted while a
        # queued signal still names it would crash the app.
        for socket in list(self._sockets):
            if not socket.bytesAvailable():
                continue
            if bytes(socket.readAll().data()).startswith(_MESSAGE.strip()):
                self.activated.emit()
            self._sockets.remove(socket)
            socket.close()
