"""The one-folder app beside the pip install: size on disk, and time to a working window.

    python -m tools.build                       # first: dist/LiaisonHub
    python bench/bench_install.py [--runs 7] [--folder dist/LiaisonHub]

Sizes: the built folder (and as a .tar.gz, how it travels), against a fresh venv holding
only what ``pip install -e .`` puts there (made in a temporary folder; ``--venv DIR`` reuses
one).

Start-up: three commands, in turn, ``--runs`` times each after one warm-up, each a whole
process timed from outside, on the same demo data folder:

- ``bare``: an empty PySide6 window, painted, from the venv (``bench/startup_probe.py bare``),
  the baseline;
- ``pip``: ``liaison-hub --quit-after 0`` from the venv: the app's window painted, the data
  opened and Today filled, then a normal quit;
- ``frozen``: the built ``LiaisonHub --quit-after 0``, the same.

Medians, and the ratios of the medians to ``bare`` and of ``frozen`` to ``pip``.

With ``--display :N`` (an X server such as Xvfb, and ``xdotool``), also the time from
launch to the first window on screen, for ``pip`` and ``frozen`` on Qt's X11 platform:
``xdotool`` is asked every few milliseconds for a visible window of the process, which
quits by itself a second after its data is shown (``--quit-after 1``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

from tools.build import folder_size  # noqa: E402


def mib(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


def gzipped_size(folder: Path, out_dir: Path) -> int:
    archive = out_dir / f"{folder.name}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    size = archive.stat().st_size
    archive.unlink()
    return size


def make_venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    pip = where / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", "-e", str(PROJECT_DIR)], check=True)
    return where


def site_packages_size(venv: Path) -> int:
    return sum(folder_size(p) for p in (venv / "lib").glob("python3*/site-packages"))


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def time_to_window(command: list[str], env: dict[str, str]) -> float:
    """Seconds from launch until the process has a visible X11 window."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    window = ""
    try:
        while not window:
            if process.poll() is not None:
                _out, err = process.communicate()
                raise SystemExit(f"{' '.join(command)} ended before showing a window:\n{err}")
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--pid", str(process.pid)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            window = found.stdout.split()[0] if found.stdout.split() else ""
        elapsed = time.perf_counter() - started
        process.wait(timeout=60)  # it quits by itself (--quit-after)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, default=PROJECT_DIR / "dist" / "LiaisonHub")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--venv", type=Path, help="a venv with `pip install -e .` (default: new)")
    parser.add_argument("--display", help="an X server (e.g. :99 of Xvfb) for the window times")
    args = parser.parse_args()
    frozen = args.folder / "LiaisonHub"
    if not frozen.is_file():
        raise SystemExit(f"no built app at {frozen}: run `python -m tools.build` first")

    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp_name:
        tmp = Path(tmp_name)
        venv = args.venv or make_venv(tmp / "venv")
        python = str(venv / "bin" / "python")
        data_dir = tmp / "data"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LANG="C.UTF-8")
        subprocess.run(
            [str(venv / "bin" / "liaison-hub"), "--data-dir", str(data_dir), "demo"],
            env=env,
            check=True,
            capture_output=True,
        )

        app_size = folder_size(args.folder)
        venv_size = site_packages_size(venv)
        print(f"built folder     {mib(app_size):>11}   ({args.folder})")
        print(f"  as .tar.gz     {mib(gzipped_size(args.folder, tmp)):>11}")
        print(f"pip install's site-packages {mib(venv_size)} (Python itself not counted)")
        print(f"folder / site-packages: {app_size / venv_size:.2f}")

        commands = {
            "bare": [python, str(PROJECT_DIR / "bench" / "startup_probe.py"), "bare"],
            "pip": [
                str(venv / "bin" / "liaison-hub"),
                "--data-dir",
                str(data_dir),
                "--quit-after",
                "0",
            ],
            "frozen": [str(frozen), "--data-dir", str(data_dir), "--quit-after", "0"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm-up: the page cache, the .pyc files
            timed(command, env)
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command, env))
        shown: dict[str, list[float]] = {}
        if args.display and shutil.which("xdotool"):
            x11 = dict(env, QT_QPA_PLATFORM="xcb", DISPLAY=args.display)
            windowed = {name: [*commands[name][:-1], "1"] for name in ("pip", "frozen")}
            shown = {name: [] for name in windowed}
            for command in windowed.values():
                time_to_window(command, x11)
            for _ in range(args.runs):
                for name, command in windowed.items():
                    shown[name].append(time_to_window(command, x11))

    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\nstart-up to a painted window with its data, {args.runs} runs each (seconds)")
    print(f"{'':8} {'median':>8} {'min':>8} {'max':>8} {'÷ bare':>8}")
    for name, values in times.items():
        print(
            f"{name:8} {median[name]:8.3f} {min(values):8.3f} {max(values):8.3f} "
            f"{median[name] / median['bare']:8.2f}"
        )
    print(f"frozen ÷ pip: {median['frozen'] / median['pip']:.2f}")
    if shown:
        first = {name: statistics.median(values) for name, values in shown.items()}
        print(f"\nlaunch to the first window on screen (X11), {args.runs} runs each (seconds)")
        for name, values in shown.items():
            print(f"{name:8} {first[name]:8.3f} {min(values):8.3f} {max(values):8.3f}")
        print(f"frozen ÷ pip: {first['frozen'] / first['pip']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
