"""Export files written whole or not at all.

A file is written under a hidden temporary name beside its target (owner-only, 0600),
flushed to disk and only then renamed over the target: a crash, a full disk or a failed
write leaves the previous file, if any, untouched and no partial file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from coordinator.errors import StorageError
from coordinator.i18n import N_, Msg
from coordinator.store.filestore import fsync_dir, os_reason

MSG_WRITE = N_("The export file {path} cannot be written: {reason}")


@contextmanager
def atomic_target(
    path: Path, *, message: Msg = MSG_WRITE, error: type[StorageError] = StorageError
) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed over it when the block ends without error.

    The temporary file is created owner-only (0600); on any error it is removed and
    ``path`` keeps whatever it held before. OSError becomes a readable ``error`` saying
    ``message`` with ``{path}`` and ``{reason}``: callers writing something other than an
    export name their file their own way.
    """
    temporary: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        temporary = Path(name)
        os.chmod(temporary, 0o600)
        yield temporary
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
        temporary = None
        fsync_dir(path.parent)
    except OSError as exc:
        raise error(message, path=str(path), reason=os_reason(exc)) from exc
    finally:
        if temporary is not None:
            with suppress(OSError):
                temporary.unlink()
