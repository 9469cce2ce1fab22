"""Build the one-folder app: ``python -m tools.build`` (after ``pip install -e ".[build]"``).

The steps, each from a clean state so that two builds of one commit agree:

1. the icons, rendered from ``resources/icons/app.svg`` (PNG sizes, a Windows ``.ico``
   and a macOS ``.icns``) and the Windows version resource, into ``build/assets``;
2. PyInstaller with ``tools/liaison-hub.spec`` into ``dist/LiaisonHub`` (on macOS also
   ``dist/Liaison Hub.app``), with a fixed hash seed and the commit's time as the build's;
3. on Linux the ``.desktop`` file beside the executable;
4. the folder's size, by its largest parts.

PyInstaller was chosen over the other freezers because it is the most used and best kept
of them, its community hooks already know PySide6, SQLAlchemy, OpenCC and the phone
library, and it needs no C compiler (Nuitka does, and takes far longer to build).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tools" / "liaison-hub.spec"
DESKTOP_FILE = ROOT / "resources" / "linux" / "liaison-hub.desktop"
ICON_SVG = ROOT / "resources" / "icons" / "app.svg"
APP_FOLDER = "LiaisonHub"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_pngs(svg: Path, out_dir: Path, sizes: Iterable[int] = ICON_SIZES) -> dict[int, Path]:
    """The SVG icon drawn at each size (Qt's renderer: the same one the app draws it with)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["build"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read the icon {svg}")
    written: dict[int, Path] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"liaison-hub-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"cannot write {path}")
        written[size] = path
    return written


def pack_icons(pngs: dict[int, Path], out_dir: Path) -> tuple[Path, Path]:
    """A multi-size ``.ico`` (Windows) and ``.icns`` (macOS) from the rendered PNGs."""
    from PIL import Image

    # Each size as Qt drew it: sharper small icons than the largest scaled down.
    largest = Image.open(pngs[max(pngs)])
    ico = out_dir / "liaison-hub.ico"
    largest.save(
        ico,
        sizes=[(size, size) for size in ICO_SIZES],
        append_images=[Image.open(pngs[size]) for size in ICO_SIZES],
    )
    icns = out_dir / "liaison-hub.icns"
    largest.save(icns, append_images=[Image.open(path) for path in pngs.values()])
    return ico, icns


def version_info(version: str) -> str:
    """The Windows version resource (what Explorer's Properties → Details shows)."""
    parts = [int(p) for p in version.split(".")[:4] if p.isdigit()]
    numbers = tuple([*parts, 0, 0, 0, 0][:4])
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0,
                    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('080404b0', [
      StringStruct('CompanyName', 'Liaison Hub'),
      StringStruct('FileDescription', 'Liaison Hub'),
      StringStruct('FileVersion', '{version}'),
      StringStruct('InternalName', 'LiaisonHub'),
      StringStruct('OriginalFilename', 'LiaisonHub.exe'),
      StringStruct('ProductName', 'Liaison Hub'),
      StringStruct('ProductVersion', '{version}')])]),
    VarFileInfo([VarStruct('Translation', [0x0804, 1200, 0x0409, 1200])])
  ]
)
"""


def prepare_assets(assets: Path, version: str) -> None:
    if assets.exists():
        shutil.rmtree(assets)
    assets.mkdir(parents=True)
    pack_icons(render_pngs(ICON_SVG, assets), assets)
    (assets / "version_info.txt").write_text(version_info(version), encoding="utf-8")


def commit_time() -> str | None:
    """The last commit's time (seconds), which the build stamps instead of the clock's."""
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return out or None


def run_pyinstaller(dist: Path, work: Path, assets: Path) -> None:
    env = dict(os.environ, PYTHONHASHSEED="0")
    stamp = commit_time()
    if stamp:
        env["SOURCE_DATE_EPOCH"] = stamp
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
        "--",
        "--assets",
        str(assets),
    ]
    subprocess.run(command, check=True, env=env, cwd=ROOT)


def add_desktop_file(folder: Path) -> None:
    """The launcher entry for Linux desktops; ``LiaisonHub desktop-entry`` installs it
    (with this folder's path) into the user's menu."""
    shutil.copy2(DESKTOP_FILE, folder / DESKTOP_FILE.name)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(folder: Path, top: int = 8) -> list[tuple[int, str]]:
    """The biggest files and folders inside the app's folder, to say where the size goes."""
    base = folder / "_internal" if (folder / "_internal").is_dir() else folder
    parts: list[tuple[int, str]] = []
    for child in base.iterdir():
        if child.is_symlink():
            continue  # an alias of a library counted where it lies
        size = folder_size(child) if child.is_dir() else child.stat().st_size
        parts.append((size, child.name))
    return sorted(parts, reverse=True)[:top]


def mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.build", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the app goes")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="intermediate files")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from coordinator import __version__

    dist = args.dist.resolve()
    work = args.work.resolve()
    assets = work / "assets"
    print(f"Liaison Hub {__version__}: icons and version resource", flush=True)
    prepare_assets(assets, __version__)
    print("PyInstaller (a few minutes)…", flush=True)
    run_pyinstaller(dist, work / "pyinstaller", assets)
    folder = dist / APP_FOLDER
    if sys.platform.startswith("linux"):
        add_desktop_file(folder)
    size = folder_size(folder)
    print(f"\nBuilt {folder}: {mib(size)}")
    for part_size, name in largest_parts(folder):
        print(f"  {mib(part_size):>10}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
