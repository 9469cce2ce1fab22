"""Seal and open a sync file of the size a week with attachments can reach.

    python bench/bench_sealed.py [--size-mb 100] [--dir DIR]

Writes SIZE MB of random bytes (incompressible, as a zip of scans is) under DIR (default:
a temporary folder, removed at the end), seals it, opens it again and checks the bytes.
Prints the key derivation's time alone (what every seal and every opening costs once,
whatever the size) and each direction's throughput, the derivation and the final fsync
included: what the officer waits for.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt  # noqa: E402

from coordinator.sync import sealed  # noqa: E402

PASSPHRASE = "bench passphrase 2025"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--dir", type=Path, default=None)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=options.dir) as folder:
        work = Path(folder)
        plain = work / "sync.zip"
        with plain.open("wb") as fh:
            for _ in range(options.size_mb):
                fh.write(os.urandom(1_000_000))
        started = time.perf_counter()
        Scrypt(  # the derivation as seal_file runs it
            salt=os.urandom(16), length=48, n=sealed.SCRYPT_N, r=sealed.SCRYPT_R, p=sealed.SCRYPT_P
        ).derive(PASSPHRASE.encode())
        kdf = time.perf_counter() - started
        started = time.perf_counter()
        sealed.seal_file(plain, work / "sync.lhsync", PASSPHRASE)
        sealing = time.perf_counter() - started
        started = time.perf_counter()
        sealed.unseal_file(work / "sync.lhsync", work / "opened.zip", PASSPHRASE)
        opening = time.perf_counter() - started
        assert filecmp.cmp(plain, work / "opened.zip", shallow=False)
        size = options.size_mb
        print(f"scrypt n=2^{sealed.SCRYPT_N.bit_length() - 1} r={sealed.SCRYPT_R}: {kdf:.2f} s")
        print(f"seal   {size} MB: {sealing:.2f} s, {size / sealing:.0f} MB/s")
        print(f"unseal {size} MB: {opening:.2f} s, {size / opening:.0f} MB/s")


if __name__ == "__main__":
    main()
