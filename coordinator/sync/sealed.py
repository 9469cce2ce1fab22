"""A sync file sealed with a passphrase, so that it can travel on a USB stick or through a
messaging app when no network reaches the office, and be read by nobody on the way.

Layout of a sealed file::

    MAGIC                      one line, says what the file is (see :func:`is_sealed`)
    header                     one line of JSON: format, KDF and its parameters, salt,
                               key check, nonce prefix, chunk size
    SHA-256(MAGIC + header)    32 bytes: a damaged header is told apart from a wrong
                               passphrase (the key check would fail on either)
    chunk 0, chunk 1, …        AES-256-GCM of ``chunk_size`` plain bytes each (the last
                               may be shorter, even empty), tag included

The key and the key check come from the passphrase through scrypt (one derivation, 64
bytes: the first half is the key, the next 16 the check): a passphrase that does not
give the check is wrong, and nothing is decrypted. Each chunk's nonce is the file's
random prefix and the chunk's index; its associated data are the header's digest, the
index and whether it is the last chunk. So a chunk moved, dropped, cut off at the end
(even at a chunk boundary: the chunk before was not sealed as the last one), or bytes
appended after the last chunk all fail to authenticate. The key is new for every file
(new salt), so a nonce is never used twice with one key.

Files are streamed chunk by chunk, never read whole (a sync with attachments can be
hundreds of MB), and written under a temporary name renamed into place only when
everything went well: an unsealed file exists only if every chunk authenticated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from coordinator.errors import DomainError, StorageError, ValidationError
from coordinator.exchange.atomic_file import atomic_target
from coordinator.i18n import N_

Progress = Callable[[int, int], None]

MAGIC = b"LIAISON-HUB SEALED SYNC\n"
FORMAT = 1
CIPHER = "AES-256-GCM"
KDF = "scrypt"
CHUNK_SIZE = 1024 * 1024
MIN_PASSPHRASE = 8

# The scrypt cost for new files: about 0.35 s and 128 MiB on the machine it was tuned on,
# so a guessed passphrase costs an attacker as much. Tests may lower SCRYPT_N; an opened
# file always uses the cost written in its own header.
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1

# Bounds on what a header may ask for, so that a forged or damaged header cannot make
# the app allocate gigabytes or spin for minutes before the key check fails.
_MIN_N = 2**10
_MAX_N = 2**20
_MAX_R = 16
_MAX_P = 4
_MAX_SCRYPT_MEMORY = 1024**3
_MIN_CHUNK = 4 * 1024
_MAX_CHUNK = 16 * 1024 * 1024
_MAX_HEADER = 4096

_SALT_SIZE = 16
_PREFIX_SIZE = 8  # + 4 bytes of chunk index = GCM's 12-byte nonce
_CHECK_SIZE = 16
_KEY_SIZE = 32
_TAG_SIZE = 16
_DIGEST_SIZE = 32

MSG_PASSPHRASE_EMPTY = N_("Enter a passphrase of at least {minimum} characters.")
MSG_PASSPHRASE_SHORT = N_(
    "The passphrase is too short: it needs at least {minimum} characters, this one has {length}."
)
MSG_NOT_SYNC_FILE = N_("{name} is not a Liaison Hub sync file. Nothing was applied.")
MSG_WRONG_PASSPHRASE = N_(
    "The passphrase does not open {name}. Check it with the colleague who made the file. "
    "Nothing was applied."
)
MSG_DAMAGED = N_(
    "{name} is damaged or incomplete (it may have been cut short while being copied). "
    "Nothing was applied: ask for the file again."
)
MSG_NEWER = N_(
    "{name} was made by a newer version of Liaison Hub. Update Liaison Hub here, then open "
    "it again. Nothing was applied."
)
MSG_UNREADABLE = N_("The file {name} cannot be read: {reason}")
MSG_CANNOT_WRITE = N_("The file {path} cannot be written: {reason}. Nothing was left half-written.")


class SealError(DomainError):
    """A sync file could not be sealed or opened; nothing was written in its place."""


class PassphraseRefusedError(SealError, ValidationError):
    """The passphrase is empty or shorter than :data:`MIN_PASSPHRASE` characters."""


class NotASyncFileError(SealError):
    """The file does not begin as a sealed sync file does."""


class WrongPassphraseError(SealError):
    """The file is sound but the passphrase is not the one it was sealed with."""


class DamagedSyncFileError(SealError):
    """The file was changed, cut short or added to after it was sealed."""


class NewerSyncFileError(SealError):
    """The file is in a format this version does not know yet."""


class SealedFileUnreadableError(SealError, StorageError):
    """The file to seal or to open cannot be read."""


class SealedFileWriteError(SealError, StorageError):
    """The result cannot be written (disk full, read-only, no such folder)."""


@dataclass(frozen=True)
class _Header:
    n: int
    r: int
    p: int
    salt: bytes
    nonce_prefix: bytes
    key_check: bytes
    chunk_size: int
    digest: bytes  # of MAGIC and the header line: part of every chunk's associated data


def is_sealed(path: Path) -> bool:
    """Whether ``path`` begins as a sealed sync file (the magic line; nothing decrypted)."""
    try:
        with path.open("rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def seal_file(
    plain: Path, sealed: Path, passphrase: str, *, progress: Progress | None = None
) -> None:
    """Encrypt ``plain`` into ``sealed`` with a key drawn from ``passphrase``.

    ``progress(done, total)`` is called after each chunk with the plain bytes read so far
    and the plain file's size. ``sealed`` appears only once it is written whole.
    """
    secret = _checked_passphrase(passphrase)
    salt = os.urandom(_SALT_SIZE)
    key, check = _derive(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    header_line = _header_line(salt, os.urandom(_PREFIX_SIZE), check)
    digest = hashlib.sha256(MAGIC + header_line).digest()
    # Read back as an opening would: what is written is known to be what opens.
    header = _parse_header(json.loads(header_line), digest)
    aead = AESGCM(key)
    with ExitStack() as stack:
        source = stack.enter_context(_opened(plain))
        total = _size(source, plain)
        temporary = stack.enter_context(
            atomic_target(sealed, message=MSG_CANNOT_WRITE, error=SealedFileWriteError)
        )
        out = stack.enter_context(temporary.open("wb"))
        out.write(MAGIC + header_line + digest)
        done = 0
        for index, chunk, last in _chunks(source, header.chunk_size, plain):
            out.write(aead.encrypt(_nonce(header, index), chunk, _associated(header, index, last)))
            done += len(chunk)
            if progress is not None:
                progress(done, total)


def unseal_file(
    sealed: Path, plain: Path, passphrase: str, *, progress: Progress | None = None
) -> None:
    """Decrypt ``sealed`` into ``plain``, which appears only if every chunk authenticated.

    ``progress(done, total)`` is called after each chunk with the sealed bytes read so
    far and the sealed file's size. A wrong passphrase is found before anything is
    written; a damaged file while writing, and then the partial result is removed.
    """
    secret = _checked_passphrase(passphrase)
    with ExitStack() as stack:
        source = stack.enter_context(_opened(sealed))
        total = _size(source, sealed)
        header = _read_header(source, sealed)
        key, check = _derive(secret, header.salt, header.n, header.r, header.p)
        if not hmac.compare_digest(check, header.key_check):
            raise WrongPassphraseError(MSG_WRONG_PASSPHRASE, name=sealed.name)
        aead = AESGCM(key)
        temporary = stack.enter_context(
            atomic_target(plain, message=MSG_CANNOT_WRITE, error=SealedFileWriteError)
        )
        out = stack.enter_context(temporary.open("wb"))
        done = source.tell()
        for index, chunk, last in _chunks(source, header.chunk_size + _TAG_SIZE, sealed):
            try:
                opened = aead.decrypt(
                    _nonce(header, index), chunk, _associated(header, index, last)
                )
            except InvalidTag:
                raise DamagedSyncFileError(MSG_DAMAGED, name=sealed.name) from None
            out.write(opened)
            done += len(chunk)
            if progress is not None:
                progress(done, total)


def _checked_passphrase(passphrase: str) -> bytes:
    """The passphrase as the key derivation takes it.

    Spaces around it are dropped (a passphrase copied from a message often brings one)
    and its characters put in one Unicode form, so that the same words typed on
    another machine or with another input method give the same key.
    """
    text = unicodedata.normalize("NFC", passphrase.strip())
    if not text:
        raise PassphraseRefusedError(MSG_PASSPHRASE_EMPTY, minimum=MIN_PASSPHRASE)
    if len(text) < MIN_PASSPHRASE:
        raise PassphraseRefusedError(MSG_PASSPHRASE_SHORT, minimum=MIN_PASSPHRASE, length=len(text))
    return text.encode("utf-8")


def _derive(secret: bytes, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    derived = Scrypt(salt=salt, length=_KEY_SIZE + _CHECK_SIZE, n=n, r=r, p=p).derive(secret)
    return derived[:_KEY_SIZE], derived[_KEY_SIZE:]


def _header_line(salt: bytes, nonce_prefix: bytes, check: bytes) -> bytes:
    header = {
        "format": FORMAT,
        "cipher": CIPHER,
        "chunk_size": CHUNK_SIZE,
        "kdf": {"name": KDF, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)},
        "key_check": _b64(check),
        "nonce_prefix": _b64(nonce_prefix),
    }
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii") + b"\n"


def _read_header(source: BinaryIO, path: Path) -> _Header:
    if _read(source, len(MAGIC), path) != MAGIC:
        raise NotASyncFileError(MSG_NOT_SYNC_FILE, name=path.name)
    line = _readline(source, path)
    digest = _read(source, _DIGEST_SIZE, path)
    if not line.endswith(b"\n") or hashlib.sha256(MAGIC + line).digest() != digest:
        raise DamagedSyncFileError(MSG_DAMAGED, name=path.name)
    try:
        fields = json.loads(line)
    except ValueError:
        raise DamagedSyncFileError(MSG_DAMAGED, name=path.name) from None
    if not isinstance(fields, dict) or type(fields.get("format")) is not int:
        raise DamagedSyncFileError(MSG_DAMAGED, name=path.name)
    if fields["format"] > FORMAT:
        raise NewerSyncFileError(MSG_NEWER, name=path.name)
    try:
        return _parse_header(fields, digest)
    except (KeyError, TypeError, ValueError):
        raise DamagedSyncFileError(MSG_DAMAGED, name=path.name) from None


def _parse_header(fields: dict[str, Any], digest: bytes) -> _Header:
    """The header's values, each checked; ValueError, KeyError or TypeError if one is not
    what this version writes or within what it will spend on opening a file."""
    kdf = fields["kdf"]
    header = _Header(
        n=_integer(kdf["n"]),
        r=_integer(kdf["r"]),
        p=_integer(kdf["p"]),
        salt=base64.b64decode(kdf["salt"], validate=True),
        nonce_prefix=base64.b64decode(fields["nonce_prefix"], validate=True),
        key_check=base64.b64decode(fields["key_check"], validate=True),
        chunk_size=_integer(fields["chunk_size"]),
        digest=digest,
    )
    if (
        fields["format"] != FORMAT
        or fields["cipher"] != CIPHER
        or kdf["name"] != KDF
        or not _MIN_N <= header.n <= _MAX_N
        or header.n & (header.n - 1)
        or not 1 <= header.r <= _MAX_R
        or not 1 <= header.p <= _MAX_P
        or 128 * header.n * header.r * header.p > _MAX_SCRYPT_MEMORY
        or len(header.salt) != _SALT_SIZE
        or len(header.nonce_prefix) != _PREFIX_SIZE
        or len(header.key_check) != _CHECK_SIZE
        or not _MIN_CHUNK <= header.chunk_size <= _MAX_CHUNK
    ):
        raise ValueError("header out of bounds")
    return header


def _integer(value: object) -> int:
    if type(value) is not int:
        raise TypeError(value)
    return value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _nonce(header: _Header, index: int) -> bytes:
    return header.nonce_prefix + index.to_bytes(4, "big")


def _associated(header: _Header, index: int, last: bool) -> bytes:
    return header.digest + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def _chunks(source: BinaryIO, size: int, path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(index, bytes, is the last) for each ``size`` bytes of ``source``; at least one,
    empty if ``source`` has nothing left. One chunk is read ahead to know the last."""
    chunk = _read(source, size, path)
    index = 0
    while True:
        following = _read(source, size, path) if len(chunk) == size else b""
        yield index, chunk, not following
        if not following:
            return
        chunk = following
        index += 1


@contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    """``path`` opened for reading, its failure said in words."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    with handle:
        yield handle


def _read(source: BinaryIO, size: int, path: Path) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of the file.

    A read error is said as such here, so that a failing USB stick is not reported as
    the disk being written to.
    """
    try:
        return source.read(size)
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _readline(source: BinaryIO, path: Path) -> bytes:
    try:
        return source.readline(_MAX_HEADER)
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _size(source: BinaryIO, path: Path) -> int:
    try:
        return os.fstat(source.fileno()).st_size
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _unreadable(path: Path, exc: OSError) -> SealedFileUnreadableError:
    return SealedFileUnreadableError(
        MSG_UNREADABLE, name=path.name, reason=exc.strerror or str(exc)
    )
