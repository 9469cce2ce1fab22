"""Try the built one-folder app as a laptop would run it: ``python3 tools/check_frozen.py``.

Standard library only, so that it runs with the system's Python, the project's venv out
of PATH. The folder is first copied away from the source tree, so that a resource found
through the repository would fail here. Every command runs in a fresh home folder with a
minimal environment (no venv, no PYTHONPATH, no data folder override):

- every library in the folder resolves what it links to (``ldd``);
- ``--version``; ``demo`` fills the same user data folder a pip install uses;
- ``check`` finds the data sound; ``search`` finds Chinese text;
- ``summary REF --pdf`` writes a PDF with the shipped CJK font embedded and Chinese text
  in it (read back with poppler's ``pdffonts`` and ``pdftotext``);
- the window starts offscreen, runs a few seconds and quits, with nothing on stderr that
  reads as an error;
- ``desktop-entry`` writes a menu entry that starts this very executable;
- on a throwaway PostgreSQL server (where Debian's server is installed): ``demo``,
  ``check`` and ``search`` with ``--database-url``, so the office server's driver is in
  the folder and works.

Exit status 0 when all of it holds; otherwise each failure is printed.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT_NAME = "LiaisonHubSansSC"
HAN = re.compile(r"[\u4e00-\u9fff]")
# What Qt or Python print when something the app needs is missing from the folder.
ERROR_WORDS = re.compile(
    r"Traceback|Error|error:|Could not|Cannot|cannot load|not found|No such|Failed|"
    r"qt\.qpa\.plugin|Unable to",
)


class Checker:
    def __init__(self, app: Path, home: Path) -> None:
        self.app = app
        self.home = home
        self.failures: list[str] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "QT_QPA_PLATFORM": "offscreen",
        }
        env.update(extra)
        return env

    def run(
        self, *args: str, timeout: float = 120, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        print(f"$ {self.app.name} {' '.join(args)}", flush=True)
        done = subprocess.run(
            [str(self.app), *args],
            capture_output=True,
            text=True,
            env=self.env(**extra),
            cwd=self.home,
            timeout=timeout,
            check=False,
        )
        for stream in (done.stdout, done.stderr):
            if stream.strip():
                print("  " + stream.strip().replace("\n", "\n  "))
        return done

    def expect(self, condition: bool, what: str) -> None:
        print(("  ok: " if condition else "  FAILED: ") + what)
        if not condition:
            self.failures.append(what)


def first_case_reference(csv_path: Path) -> str | None:
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[1][0] if len(rows) > 1 and rows[1] else None


def check(folder: Path, version: str) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="liaison-hub-frozen-") as tmp:
        place = Path(tmp) / "elsewhere" / folder.name
        shutil.copytree(folder, place, symlinks=True)
        home = Path(tmp) / "home"
        home.mkdir()
        c = Checker(place / "LiaisonHub", home)
        data_dir = home / ".local" / "share" / "LiaisonHub"  # appdirs' user data folder

        check_linked(c, place)

        done = c.run("--version")
        c.expect(done.returncode == 0 and version in done.stdout, f"--version says {version}")

        done = c.run("demo")
        c.expect(done.returncode == 0, "demo exits 0")
        c.expect((data_dir / "liaison-hub.sqlite3").is_file(), f"the data is in {data_dir}")

        done = c.run("check")
        c.expect(done.returncode == 0 and "sound" in done.stdout, "check finds the data sound")

        done = c.run("search", "营业执照", "--limit", "3")
        c.expect(done.returncode == 0 and "营业执照" in done.stdout, "search finds 营业执照")

        cases = home / "cases.csv"
        done = c.run("export-list", "cases", "--csv", str(cases))
        reference = first_case_reference(cases) if done.returncode == 0 else None
        c.expect(reference is not None, "the cases list exports")

        pdf = home / "summary.pdf"
        done = c.run("--lang", "zh_CN", "summary", reference or "?", "--pdf", str(pdf))
        c.expect(done.returncode == 0 and pdf.is_file(), f"summary {reference} --pdf writes a PDF")
        if pdf.is_file():
            check_pdf(c, pdf)

        # The officer's name is asked at the first start, in a dialog a user answers;
        # said here with the command an installer's script would use.
        done = c.run("settings", "--set-officer", "Frozen Check")
        c.expect(done.returncode == 0, "settings --set-officer names this laptop's officer")

        done = c.run("--quit-after", "4", timeout=180)
        noise = [line for line in done.stderr.splitlines() if ERROR_WORDS.search(line)]
        c.expect(done.returncode == 0, "the window starts offscreen and quits by itself")
        c.expect(not noise, "nothing on stderr reads as an error")

        menu = home / "menu"
        done = c.run("desktop-entry", XDG_DATA_HOME=str(menu))
        entry = menu / "applications" / "liaison-hub.desktop"
        text = entry.read_text(encoding="utf-8") if entry.is_file() else ""
        c.expect(f"Exec={c.app}" in text, "desktop-entry starts this executable")
        c.expect((menu / "icons/hicolor/scalable/apps/liaison-hub.svg").is_file(), "and its icon")

        check_office_server(c)
        return c.failures


def check_office_server(c: Checker) -> None:
    """The demo on a PostgreSQL server of its own, through the frozen app's own driver."""
    sys.path.insert(0, str(ROOT))
    from tests import postgres_server

    if postgres_server.bin_dir() is None:
        print("  skipped: no PostgreSQL server here to try the office server's driver on")
        return
    with postgres_server.running() as server:
        url = server.url("postgres")  # the cluster's own first database: empty
        officer = c.home / "officer"
        done = c.run("--data-dir", str(officer), "--database-url", url, "demo")
        c.expect(done.returncode == 0, "demo fills a database on a PostgreSQL server")
        done = c.run("--data-dir", str(officer), "--database-url", url, "check")
        c.expect(
            done.returncode == 0 and "sound" in done.stdout, "check finds the server's data sound"
        )
        done = c.run("--data-dir", str(officer), "--database-url", url, "search", "营业执照")
        c.expect(
            done.returncode == 0 and "营业执照" in done.stdout,
            "search on the server finds 营业执照",
        )


def check_linked(c: Checker, folder: Path) -> None:
    """Every library and Qt plugin in the folder finds what it links to (``ldd``), with
    nothing but the folder and the system's base libraries: X11's xcb-cursor included,
    which a laptop may lack (the build carries it)."""
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return
    internal = folder / "_internal"
    env = {"LD_LIBRARY_PATH": f"{internal}:{internal / 'PySide6/Qt/lib'}", "PATH": "/usr/bin:/bin"}
    unresolved: list[str] = []
    for path in sorted(internal.rglob("*.so*")):
        if path.is_symlink() or not path.is_file():
            continue
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        unresolved += [
            f"{path.relative_to(internal)}: {line.split()[0]}"
            for line in out.splitlines()
            if "not found" in line
        ]
    for line in unresolved[:20]:
        print(f"  unresolved: {line}")
    c.expect(not unresolved, "every library in the folder finds what it links to")
    c.expect((internal / "libxcb-cursor.so.0").exists(), "the folder carries libxcb-cursor")


def check_pdf(c: Checker, pdf: Path) -> None:
    missing = [tool for tool in ("pdffonts", "pdftotext") if shutil.which(tool) is None]
    if missing:
        c.expect(False, f"poppler-utils is installed to read the PDF ({', '.join(missing)})")
        return
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=False)
    embedded = [line for line in fonts.stdout.splitlines() if FONT_NAME in line and " yes " in line]
    c.expect(bool(embedded), f"the PDF embeds {FONT_NAME}")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=False
    ).stdout
    c.expect(len(HAN.findall(text)) > 100, "the PDF's text is Chinese")


def main() -> int:
    parser = argparse.ArgumentParser(description="Try the built one-folder app.")
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT / "dist" / "LiaisonHub")
    args = parser.parse_args()
    version_line = (ROOT / "coordinator" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', version_line)
    version = match.group(1) if match else "?"
    if not (args.folder / "LiaisonHub").is_file():
        print(f"No built app in {args.folder}: run `python -m tools.build` first.")
        return 2
    if os.environ.get("VIRTUAL_ENV"):
        print("(the commands below run without the venv: PATH=/usr/bin:/bin)")
    failures = check(args.folder, version)
    print()
    if failures:
        print(f"{len(failures)} check(s) of the built app failed:")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    print("The built app works without Python and without the source tree.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
