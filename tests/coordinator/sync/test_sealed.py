"""A sync file sealed with a passphrase: it opens whole with the right passphrase, and any
wrong passphrase, damage, cut, reordering or addition is said as such with nothing
written where the opened file would go."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from coordinator.sync import sealed
from coordinator.sync.sealed import (
    CHUNK_SIZE,
    MAGIC,
    DamagedSyncFileError,
    NewerSyncFileError,
    NotASyncFileError,
    PassphraseRefusedError,
    SealedFileUnreadableError,
    SealedFileWriteError,
    WrongPassphraseError,
    is_sealed,
    seal_file,
    unseal_file,
)

PASSPHRASE = "黄山路 7 号 east gate"
MARKER = b"LIAISON-PLAINTEXT-MARKER-0042"
SEALED_CHUNK = CHUNK_SIZE + 16  # each chunk's tag


@pytest.fixture(autouse=True)
def cheap_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real cost is tested once below; the others need not wait for it.
    monkeypatch.setattr(sealed, "SCRYPT_N", 2**10)


def _plain(tmp_path: Path, size: int, name: str = "sync.zip") -> Path:
    path = tmp_path / name
    path.write_bytes((MARKER + os.urandom(max(0, size - len(MARKER))))[:size])
    return path


def _sealed(tmp_path: Path, size: int = 2 * CHUNK_SIZE + CHUNK_SIZE // 2) -> Path:
    target = tmp_path / "laptop.lhsync"
    seal_file(_plain(tmp_path, size), target, PASSPHRASE)
    return target


def _header_end(data: bytes) -> int:
    return data.index(b"\n", len(MAGIC)) + 1 + 32


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _refused_opening(
    source: Path, error: type[sealed.SealError], passphrase: str = PASSPHRASE
) -> sealed.SealError:
    target = source.parent / "opened.zip"
    before = _files(source.parent)
    with pytest.raises(sealed.SealError) as info:
        unseal_file(source, target, passphrase)
    assert type(info.value) is error, info.value.message("en")
    assert not target.exists()
    assert _files(source.parent) == before, "a temporary file was left behind"
    return info.value


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK_SIZE, 2 * CHUNK_SIZE + CHUNK_SIZE // 2],
    ids=["empty", "1B", "1chunk", "2.5chunks"],
)
def test_a_sealed_file_opens_to_the_same_bytes(tmp_path: Path, size: int) -> None:
    plain = _plain(tmp_path, size)
    target = tmp_path / "laptop.lhsync"
    seal_file(plain, target, PASSPHRASE)
    assert is_sealed(target)
    assert not is_sealed(plain)
    chunks = max(1, -(-size // CHUNK_SIZE))
    assert target.stat().st_size == _header_end(target.read_bytes()) + size + 16 * chunks
    opened = tmp_path / "opened.zip"
    unseal_file(target, opened, f"  {PASSPHRASE} ")  # spaces copied around it do not count
    assert opened.read_bytes() == plain.read_bytes()
    assert _files(tmp_path) == sorted(["sync.zip", "laptop.lhsync", "opened.zip"])


def test_the_sealed_bytes_do_not_show_the_plain_ones(tmp_path: Path) -> None:
    plain = tmp_path / "sync.zip"
    plain.write_bytes((MARKER + b" case 2025-0007 call notes\n") * 50_000)
    target = tmp_path / "laptop.lhsync"
    seal_file(plain, target, PASSPHRASE)
    data = target.read_bytes()
    assert MARKER not in data
    assert b"2025-0007" not in data
    assert PASSPHRASE.encode() not in data
    # Sealing the same file again gives other bytes (a new salt, a new key).
    again = tmp_path / "again.lhsync"
    seal_file(plain, again, PASSPHRASE)
    assert again.read_bytes()[_header_end(data) :] != data[_header_end(data) :]


def test_the_real_key_cost_is_written_and_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()
    assert sealed.SCRYPT_N == 2**17
    target = _sealed(tmp_path, 1000)
    header = json.loads(target.read_bytes()[len(MAGIC) :].split(b"\n")[0])
    assert header["kdf"] == {
        "name": "scrypt",
        "n": 2**17,
        "r": 8,
        "p": 1,
        "salt": header["kdf"]["salt"],
    }
    assert header["format"] == 1
    assert header["cipher"] == "AES-256-GCM"
    unseal_file(target, tmp_path / "opened.zip", PASSPHRASE)
    assert (tmp_path / "opened.zip").read_bytes() == (tmp_path / "sync.zip").read_bytes()


def test_a_wrong_passphrase_is_told_and_nothing_is_written(tmp_path: Path) -> None:
    target = _sealed(tmp_path)
    err = _refused_opening(target, WrongPassphraseError, "黄山路 7 号 west gate")
    assert err.message("en") == (
        "The passphrase does not open laptop.lhsync. Check it with the colleague who made "
        "the file. Nothing was applied."
    )
    assert "密码" in err.message("zh_CN")
    assert "laptop.lhsync" in err.message("zh_CN")


def test_an_opened_file_already_there_is_kept_when_opening_fails(tmp_path: Path) -> None:
    target = _sealed(tmp_path)
    data = bytearray(target.read_bytes())
    data[_header_end(data) + SEALED_CHUNK + 1000] ^= 0x01
    target.write_bytes(bytes(data))
    earlier = tmp_path / "opened.zip"
    earlier.write_bytes(b"the sync opened yesterday")
    with pytest.raises(DamagedSyncFileError):
        unseal_file(target, earlier, PASSPHRASE)
    assert earlier.read_bytes() == b"the sync opened yesterday"
    assert _files(tmp_path) == sorted(["sync.zip", "laptop.lhsync", "opened.zip"])


def _damaged(target: Path, change: bytes) -> DamagedSyncFileError:
    target.write_bytes(change)
    err = _refused_opening(target, DamagedSyncFileError)
    assert isinstance(err, DamagedSyncFileError)
    return err


def test_one_flipped_byte_in_a_middle_chunk_is_damage(tmp_path: Path) -> None:
    target = _sealed(tmp_path)
    data = bytearray(target.read_bytes())
    data[_header_end(data) + SEALED_CHUNK + CHUNK_SIZE // 2] ^= 0x40
    err = _damaged(target, bytes(data))
    assert err.message("en") == (
        "laptop.lhsync is damaged or incomplete (it may have been cut short while being "
        "copied). Nothing was applied: ask for the file again."
    )
    chinese = err.message("zh_CN")
    assert "损坏" in chinese
    assert "未导入" in chinese


def test_a_flipped_byte_in_the_header_is_damage_not_a_wrong_passphrase(tmp_path: Path) -> None:
    target = _sealed(tmp_path)
    data = bytearray(target.read_bytes())
    salt_at = data.index(b'"salt":"') + len(b'"salt":"') + 3
    data[salt_at] = ord("A") if data[salt_at] != ord("A") else ord("B")
    _damaged(target, bytes(data))


@pytest.mark.parametrize(
    "cut", ["mid-chunk", "chunk-boundary", "in-header", "after-header", "in-tag"]
)
def test_a_file_cut_short_is_damage(tmp_path: Path, cut: str) -> None:
    target = _sealed(tmp_path)
    data = target.read_bytes()
    start = _header_end(data)
    end = {
        "mid-chunk": start + SEALED_CHUNK + 12345,
        "chunk-boundary": start + 2 * SEALED_CHUNK,  # two whole chunks, the last one missing
        "in-header": len(MAGIC) + 20,
        "after-header": start,
        "in-tag": len(data) - 3,
    }[cut]
    _damaged(target, data[:end])


def test_a_file_cut_after_its_first_whole_chunk_is_damage(tmp_path: Path) -> None:
    target = _sealed(tmp_path)
    data = target.read_bytes()
    _damaged(target, data[: _header_end(data) + SEALED_CHUNK])


def test_swapped_chunks_are_damage(tmp_path: Path) -> None:
    target = _sealed(tmp_path, 3 * CHUNK_SIZE + 10)
    data = target.read_bytes()
    start = _header_end(data)
    first, second = (
        data[start + i * SEALED_CHUNK : start + (i + 1) * SEALED_CHUNK] for i in (0, 1)
    )
    _damaged(target, data[:start] + second + first + data[start + 2 * SEALED_CHUNK :])


@pytest.mark.parametrize(
    "extra", [b"\x00", os.urandom(16), os.urandom(SEALED_CHUNK)], ids=["1B", "tag", "chunk"]
)
def test_bytes_appended_are_damage(tmp_path: Path, extra: bytes) -> None:
    target = _sealed(tmp_path)
    _damaged(target, target.read_bytes() + extra)


def test_a_chunk_from_another_sealing_is_damage(tmp_path: Path) -> None:
    target = _sealed(tmp_path)
    other = tmp_path / "other.lhsync"
    seal_file(tmp_path / "sync.zip", other, PASSPHRASE)
    data, foreign = target.read_bytes(), other.read_bytes()
    start = _header_end(data)
    _damaged(target, data[: start + SEALED_CHUNK] + foreign[start + SEALED_CHUNK :])


def test_a_file_from_a_newer_version_says_so(tmp_path: Path) -> None:
    target = _sealed(tmp_path, 100)
    data = target.read_bytes()
    line = data[len(MAGIC) :].split(b"\n")[0]
    header = json.loads(line)
    header["format"] = 2
    newer = json.dumps(header).encode() + b"\n"
    digest = hashlib.sha256(MAGIC + newer).digest()
    target.write_bytes(MAGIC + newer + digest + data[_header_end(data) :])
    err = _refused_opening(target, NewerSyncFileError)
    assert "newer version of Liaison Hub" in err.message("en")
    assert "新版本" in err.message("zh_CN")


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04" + os.urandom(5000), b"", b"LIAISON-HUB", os.urandom(3 * 1024 * 1024)],
    ids=["zip", "empty", "magic-prefix", "random"],
)
def test_a_file_that_is_not_a_sync_file_is_told(tmp_path: Path, content: bytes) -> None:
    source = tmp_path / "photo.jpg"
    source.write_bytes(content)
    assert not is_sealed(source)
    err = _refused_opening(source, NotASyncFileError)
    assert err.message("en") == "photo.jpg is not a Liaison Hub sync file. Nothing was applied."
    assert "不是招商联络工作台的同步文件" in err.message("zh_CN")


def test_is_sealed_of_a_missing_file_or_a_folder_is_false(tmp_path: Path) -> None:
    assert not is_sealed(tmp_path / "missing.lhsync")
    assert not is_sealed(tmp_path)


@pytest.mark.parametrize(
    ("passphrase", "english", "chinese"),
    [
        ("", "Enter a passphrase of at least 8 characters.", "请输入至少 8 个字符的密码。"),
        ("   ", "Enter a passphrase of at least 8 characters.", "请输入至少 8 个字符的密码。"),
        (
            "招商 2025",
            "The passphrase is too short: it needs at least 8 characters, this one has 7.",
            "密码太短：至少需要 8 个字符，这个只有 7 个。",
        ),
    ],
    ids=["empty", "spaces", "short"],
)
def test_an_empty_or_short_passphrase_is_refused_both_ways(
    tmp_path: Path, passphrase: str, english: str, chinese: str
) -> None:
    plain = _plain(tmp_path, 100)
    with pytest.raises(PassphraseRefusedError) as info:
        seal_file(plain, tmp_path / "laptop.lhsync", passphrase)
    assert info.value.message("en") == english
    assert info.value.message("zh_CN") == chinese
    assert _files(tmp_path) == ["sync.zip"]
    target = _sealed(tmp_path)
    with pytest.raises(PassphraseRefusedError):
        unseal_file(target, tmp_path / "opened.zip", passphrase)
    assert not (tmp_path / "opened.zip").exists()


def test_progress_rises_to_the_total_both_ways(tmp_path: Path) -> None:
    size = 2 * CHUNK_SIZE + CHUNK_SIZE // 2
    plain = _plain(tmp_path, size)
    target = tmp_path / "laptop.lhsync"
    calls: list[tuple[int, int]] = []
    seal_file(plain, target, PASSPHRASE, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(CHUNK_SIZE, size), (2 * CHUNK_SIZE, size), (size, size)]

    calls.clear()
    unseal_file(
        target, tmp_path / "opened.zip", PASSPHRASE, progress=lambda d, t: calls.append((d, t))
    )
    total = target.stat().st_size
    assert len(calls) == 3
    assert all(t == total for _, t in calls)
    done = [d for d, _ in calls]
    assert done == sorted(set(done))
    assert done[-1] == total

    calls.clear()
    seal_file(
        _plain(tmp_path, 0, "empty.zip"),
        target,
        PASSPHRASE,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(0, 0)]


def test_a_missing_file_is_said_unreadable(tmp_path: Path) -> None:
    with pytest.raises(SealedFileUnreadableError) as info:
        seal_file(tmp_path / "gone.zip", tmp_path / "laptop.lhsync", PASSPHRASE)
    assert info.value.message("en").startswith("The file gone.zip cannot be read: ")
    assert "无法读取" in info.value.message("zh_CN")
    with pytest.raises(SealedFileUnreadableError):
        unseal_file(tmp_path / "gone.lhsync", tmp_path / "opened.zip", PASSPHRASE)
    assert _files(tmp_path) == []


def test_a_folder_that_does_not_exist_is_said_and_nothing_is_written(tmp_path: Path) -> None:
    plain = _plain(tmp_path, 1000)
    with pytest.raises(SealedFileWriteError) as info:
        seal_file(plain, tmp_path / "stick" / "laptop.lhsync", PASSPHRASE)
    assert info.value.message("en").endswith(
        "cannot be written: the folder does not exist. Nothing was left half-written."
    )
    assert "文件夹不存在" in info.value.message("zh_CN")
    assert _files(tmp_path) == ["sync.zip"]


@contextmanager
def _disk_full_beyond(limit: int) -> Iterator[None]:
    """Writes beyond ``limit`` bytes fail in this process, as on a full disk or a FAT
    stick's largest file (SIGXFSZ ignored: the write reports EFBIG instead of the
    process being killed)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_full_disk_leaves_nothing_half_written(tmp_path: Path) -> None:
    target = _sealed(tmp_path)
    with _disk_full_beyond(CHUNK_SIZE):
        with pytest.raises(SealedFileWriteError) as sealing:
            seal_file(tmp_path / "sync.zip", tmp_path / "again.lhsync", PASSPHRASE)
        with pytest.raises(SealedFileWriteError) as opening:
            unseal_file(target, tmp_path / "opened.zip", PASSPHRASE)
    assert _files(tmp_path) == ["laptop.lhsync", "sync.zip"]
    assert sealing.value.message("en") == (
        f"The file {tmp_path / 'again.lhsync'} cannot be written: the file is too large for "
        "this disk. Nothing was left half-written."
    )
    assert "没有留下写了一半的文件" in opening.value.message("zh_CN")
