#!/usr/bin/env python3
"""Regenerate ``LiaisonHubSymbols-Regular.ttf``, the fallback for symbols and emoji.

A build-time tool only: the app never imports it, and fontTools is not a project
dependency.  Run it from a throwaway venv (see README.md in this folder)::

    python3 -m venv /tmp/ftvenv && /tmp/ftvenv/bin/pip install fonttools
    apt-get download fonts-symbola && dpkg -x fonts-symbola_*.deb /tmp/symbola
    /tmp/ftvenv/bin/python resources/fonts/make_symbols_subset.py \
        --source /tmp/symbola/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf \
        --copyright /tmp/symbola/usr/share/doc/fonts-symbola/copyright

Officers paste notes from WeChat and e-mail: ☎ ✓ → and emoji such as 😀 👍 come
with them.  The shipped CJK font has some of the symbol blocks but no emoji, so a
machine without fonts of its own would print those as boxes or nothing.  Symbola
(George Douros; "free for any use; may be opened, edited, modified, regenerated,
packaged and redistributed") draws them as monochrome outlines, which Qt's PDF writer
embeds like any other font.  The subset keeps only the symbol and emoji blocks in
``RANGES``, without hinting, and renames the family to "Liaison Hub Symbols".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "Liaison Hub Symbols"
PS_NAME = "LiaisonHubSymbols-Regular"
OUT_DIR = Path(__file__).resolve().parent

RANGES: tuple[tuple[int, int, str], ...] = (
    (0x2190, 0x21FF, "Arrows"),
    (0x2200, 0x22FF, "Mathematical Operators"),
    (0x2300, 0x23FF, "Miscellaneous Technical (⌚ ⏰)"),
    (0x2460, 0x24FF, "Enclosed Alphanumerics"),
    (0x25A0, 0x25FF, "Geometric Shapes"),
    (0x2600, 0x26FF, "Miscellaneous Symbols (☎ ☀ ⚠)"),
    (0x2700, 0x27BF, "Dingbats (✓ ✔ ✉)"),
    (0x2900, 0x297F, "Supplemental Arrows-B"),
    (0x2B00, 0x2BFF, "Miscellaneous Symbols and Arrows (⭐)"),
    (0x1F000, 0x1F02F, "Mahjong Tiles"),
    (0x1F0A0, 0x1F0FF, "Playing Cards"),
    (0x1F100, 0x1F1FF, "Enclosed Alphanumeric Supplement (🅰)"),
    (0x1F300, 0x1F5FF, "Miscellaneous Symbols and Pictographs (🌏 👍 📞)"),
    (0x1F600, 0x1F64F, "Emoticons (😀 🙏)"),
    (0x1F680, 0x1F6FF, "Transport and Map Symbols (🚗)"),
    (0x1F780, 0x1F7FF, "Geometric Shapes Extended"),
    (0x1F900, 0x1F9FF, "Supplemental Symbols and Pictographs (🤝)"),
)

LICENCE_HEADER = """\
Liaison Hub Symbols (LiaisonHubSymbols-Regular.ttf) is a Modified Version (subset,
unhinted, renamed) of Symbola 2.60 by George Douros, from the Debian package
fonts-symbola 2.60-1.1 (upstream http://users.teilar.gr/~g1951d/).

Copyright (C) 2007-2015 George Douros

The licence, as stated by the author and in the Debian copyright file:
"""


def build(source: Path, out: Path) -> TTFont:
    options = subset.Options()
    options.hinting = False
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.name_IDs = ["*"]
    font = subset.load_font(str(source), options, lazy=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(
        unicodes=[cp for first, last, _label in RANGES for cp in range(first, last + 1)]
    )
    subsetter.subset(font)
    name = font["name"]
    version = (name.getDebugName(5) or "").removeprefix("Version ").strip()
    name.names = []
    for name_id, text in {
        0: "Copyright (C) 2007-2015 George Douros",
        1: FAMILY,
        2: "Regular",
        3: f"{version};LiaisonHub;{PS_NAME}",
        4: FAMILY,
        5: f"Version {version}; subset of Symbola for Liaison Hub",
        6: PS_NAME,
    }.items():
        name.setName(text, name_id, 3, 1, 0x409)
    font.save(str(out))
    return font


def licence_text(copyright_file: Path) -> str:
    lines = copyright_file.read_text(encoding="utf-8").splitlines()
    start = lines.index("License:") + 1
    body = []
    for line in lines[start:]:
        if line and not line.startswith(" "):
            break
        body.append(line.strip())
    return LICENCE_HEADER + "\n" + "\n".join(body).strip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="Symbola_hint.ttf")
    parser.add_argument("--copyright", type=Path, required=True, help="its Debian copyright file")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    out = args.out_dir / f"{PS_NAME}.ttf"
    font = build(args.source, out)
    cmap = font.getBestCmap()
    print(f"{out.name}: {out.stat().st_size:,} bytes, {len(cmap):,} code points")
    for first, last, label in RANGES:
        have = sum(1 for cp in range(first, last + 1) if cp in cmap)
        print(f"  U+{first:04X}-{last:04X} {have:5d}/{last - first + 1:<5d} {label}")
    (args.out_dir / "Symbola-LICENSE.txt").write_text(
        licence_text(args.copyright), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
