#!/usr/bin/env python3
"""Regenerate the Simplified Chinese font subsets shipped in ``resources/fonts``.

A build-time tool only: the app never imports it, and fontTools is not a project
dependency.  Run it from a throwaway venv (see README.md in this folder)::

    python3 -m venv /tmp/ftvenv && /tmp/ftvenv/bin/pip install fonttools brotli
    apt-get install -y fonts-noto-cjk
    /tmp/ftvenv/bin/python resources/fonts/make_subset.py

What it does, per weight (Regular and Bold):

1. finds the "Noto Sans CJK SC" face inside the Debian ``NotoSansCJK-*.ttc``
   collection (index 2 in fonts-noto-cjk 1:20220127, but looked up by name);
2. subsets it to the code points in ``RANGES`` (whole CJK Unified Ideographs
   block, Extension A, compatibility ideographs, CJK/fullwidth punctuation,
   Latin incl. pinyin tone vowels, common symbols), without hinting, without
   vertical-layout tables/features and without ``locl`` (the regional JP/KR/TC
   glyph variants would add ~18,000 glyphs a Simplified Chinese app never shows);
3. gives every code point its own glyph (see ``make_cmap_injective``) so that
   Qt's PDF writer, which builds the PDF ToUnicode map by asking "which code point
   has this glyph?" and takes the lowest, extracts e.g. 胶 as U+80F6 instead of the
   look-alike Extension A character U+3B35;
4. renames the family to "Liaison Hub Sans SC" (distinct from an installed
   Noto Sans CJK SC, and clear of the upstream Reserved Font Name "Source");
5. writes ``OFL.txt`` from the licence text in the Debian package.
"""

from __future__ import annotations

import argparse
import collections
import copy
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

FAMILY = "Liaison Hub Sans SC"
PS_FAMILY = "LiaisonHubSansSC"
SOURCE_FAMILY = "Noto Sans CJK SC"

DEBIAN_FONT_DIR = Path("/usr/share/fonts/opentype/noto")
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
OUT_DIR = Path(__file__).resolve().parent

# The notice of the upstream LICENSE file (github.com/googlefonts/noto-cjk, Sans/LICENSE);
# the Debian copyright file carries the licence text but not this line.
UPSTREAM_NOTICE = (
    "Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'."
)

# (first, last, label). Only code points the source face actually maps end up in the font.
RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0020, 0x00FF, "Basic Latin + Latin-1 Supplement"),
    (0x0100, 0x017F, "Latin Extended-A (pinyin ā ē ī ō ū)"),
    (0x0180, 0x024F, "Latin Extended-B (pinyin ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ)"),
    (0x02B0, 0x02FF, "Spacing Modifier Letters (ˇ ˉ ˊ ˋ ˙)"),
    (0x2000, 0x206F, "General Punctuation"),
    (0x2100, 0x214F, "Letterlike Symbols (℃ №)"),
    (0x2150, 0x218F, "Number Forms (Ⅰ Ⅱ Ⅲ)"),
    (0x2190, 0x21FF, "Arrows"),
    (0x2200, 0x22FF, "Mathematical Operators (≤ ≥ ≠ ∶)"),
    (0x2460, 0x24FF, "Enclosed Alphanumerics (① ⑴ ⒈)"),
    (0x2500, 0x259F, "Box Drawing + Block Elements"),
    (0x25A0, 0x25FF, "Geometric Shapes"),
    (0x2600, 0x26FF, "Miscellaneous Symbols"),
    (0x2700, 0x27BF, "Dingbats (✓)"),
    (0x3000, 0x303F, "CJK Symbols and Punctuation"),
    (0x3200, 0x32FF, "Enclosed CJK Letters and Months (㈠ ㊣)"),
    (0x3300, 0x33FF, "CJK Compatibility (㎡ ㎏)"),
    (0x3400, 0x4DBF, "CJK Unified Ideographs Extension A"),
    (0x4E00, 0x9FFF, "CJK Unified Ideographs"),
    (0xF900, 0xFAFF, "CJK Compatibility Ideographs"),
    (0xFF00, 0xFFEF, "Halfwidth and Fullwidth Forms"),
)
EXTENSION_A = 0x3400

# Not in the default fontTools feature list's spirit for this app: regional variants and
# vertical layout (Qt widgets and QTextDocument never set CJK text vertically).
DROPPED_FEATURES = frozenset({"locl", "vert", "vrt2", "valt", "vkrn", "vpal", "vhal", "vkna"})
DROPPED_TABLES = ("BASE", "VORG", "vhea", "vmtx")

# Kept from the source name table (English, Windows platform); everything else is rebuilt.
KEPT_NAME_IDS = (0, 7, 8, 9, 11, 12, 13, 14)


def find_face_index(collection: Path, family: str) -> int:
    """The index of the face whose family (name ID 1) is exactly ``family``."""
    ttc = TTCollection(str(collection), lazy=True)
    try:
        for index, face in enumerate(ttc.fonts):
            if face["name"].getDebugName(1) == family:
                return index
    finally:
        ttc.close()
    raise SystemExit(f"{collection}: no face named {family!r}")


def wanted_unicodes(include_extension_a: bool) -> list[int]:
    return [
        cp
        for first, last, _label in RANGES
        if include_extension_a or first != EXTENSION_A
        for cp in range(first, last + 1)
    ]


def subset_face(collection: Path, index: int, unicodes: Iterable[int]) -> TTFont:
    options = subset.Options()
    options.font_number = index
    options.hinting = False
    options.desubroutinize = False
    options.notdef_outline = True
    options.recalc_timestamp = False  # keep head.modified of the source: reproducible output
    options.layout_features = [f for f in options.layout_features if f not in DROPPED_FEATURES]
    options.drop_tables = [*options.drop_tables, *DROPPED_TABLES]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    font = subset.load_font(str(collection), options, lazy=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    return font


def _keeps_original(cp: int) -> tuple[int, int]:
    """Sort key: which code point of a shared glyph keeps it (unified ideographs first)."""
    return (0 if 0x4E00 <= cp <= 0x9FFF else 1, cp)


def make_cmap_injective(font: TTFont) -> int:
    """Give every mapped code point its own glyph; returns how many glyphs were added.

    Noto maps look-alikes to one glyph (胶 U+80F6 and 㬵 U+3B35, ～ U+FF5E and 〜 U+301C,
    ① U+2460 and ➀ U+2780, ...).  Qt's PDF writer derives each glyph's ToUnicode entry
    from the font's cmap and keeps the lowest code point, so without this 胶州 would be
    extracted (and searched) as 㬵州.  The duplicate reuses the same CFF charstring and
    font dict, so it costs a few bytes per glyph.
    """
    cmap = font.getBestCmap()
    by_glyph: dict[str, list[int]] = collections.defaultdict(list)
    for cp, glyph in cmap.items():
        by_glyph[glyph].append(cp)

    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):
        raise SystemExit("expected a CID-keyed CFF font")
    charstrings = top.CharStrings
    if not charstrings.charStringsAreIndexed:
        raise SystemExit("expected indexed charstrings")
    used_cids = {0} | {int(name[3:]) for name in top.charset if name.startswith("cid")}
    free_cids = (cid for cid in range(1, 0xFFFF) if cid not in used_cids)

    glyph_order = list(font.getGlyphOrder())
    hmtx = font["hmtx"].metrics
    unicode_subtables = [t for t in font["cmap"].tables if t.isUnicode()]
    added = 0
    for glyph, cps in sorted(by_glyph.items(), key=lambda item: min(item[1])):
        if len(cps) < 2:
            continue
        source_gid = charstrings.charStrings[glyph]
        source = charstrings.charStringsIndex[source_gid]
        fd_index = top.FDSelect[source_gid]
        for cp in sorted(cps, key=_keeps_original)[1:]:
            name = f"cid{next(free_cids):05d}"
            charstrings.charStringsIndex.append(copy.copy(source))
            charstrings.charStrings[name] = len(charstrings.charStringsIndex) - 1
            top.FDSelect.append(fd_index)
            top.charset.append(name)
            glyph_order.append(name)
            hmtx[name] = hmtx[glyph]
            for table in unicode_subtables:
                if cp in table.cmap:
                    table.cmap[cp] = name
            added += 1
    top.numGlyphs = len(top.charset)
    font.setGlyphOrder(glyph_order)
    return added


def rename(font: TTFont, style: str) -> None:
    """Rename the face to ``FAMILY`` ``style`` in the name table and the CFF."""
    ps_name = f"{PS_FAMILY}-{style}"
    full_name = FAMILY if style == "Regular" else f"{FAMILY} {style}"
    name = font["name"]
    source_version = name.getDebugName(5) or ""
    version = source_version.split(";")[0].removeprefix("Version ").strip()
    kept = {
        rec.nameID: rec.toUnicode()
        for rec in name.names
        if rec.nameID in KEPT_NAME_IDS and rec.platformID == 3 and rec.langID == 0x409
    }
    kept.update(
        {
            1: FAMILY,
            2: style,
            3: f"{version};LiaisonHub;{ps_name}",
            4: full_name,
            5: f"Version {version}; subset of {SOURCE_FAMILY} for Liaison Hub",
            6: ps_name,
            10: (
                f"{FAMILY} is a subset of {SOURCE_FAMILY} {style} {version} "
                "(Simplified Chinese), renamed, made for Liaison Hub "
                "with resources/fonts/make_subset.py."
            ),
        }
    )
    name.names = []
    for name_id, text in sorted(kept.items()):
        name.setName(text, name_id, 3, 1, 0x409)

    cff = font["CFF "].cff
    old_ps_name = cff.fontNames[0]
    cff.fontNames = [ps_name]
    top = cff.topDictIndex[0]
    top.FullName = full_name
    top.FamilyName = FAMILY
    top.Weight = style
    for fd in getattr(top, "FDArray", []):
        if getattr(fd, "FontName", "").startswith(old_ps_name):
            fd.FontName = ps_name + fd.FontName[len(old_ps_name) :]


def write_ofl(copyright_file: Path, out: Path, font_notice: str) -> None:
    """OFL.txt: the notices plus the ``License: SIL-1.1`` stanza of the Debian copyright file."""
    lines = copyright_file.read_text(encoding="utf-8").splitlines()
    # The stanza with the text: "License: SIL-1.1" followed by indented lines (the
    # "Files: *" paragraph has the same field without text).
    starts = [
        i + 1
        for i, line in enumerate(lines[:-1])
        if line == "License: SIL-1.1" and lines[i + 1].startswith(" ")
    ]
    if not starts:
        raise SystemExit(f"{copyright_file}: no 'License: SIL-1.1' stanza with the licence text")
    start = starts[0]
    body: list[str] = []
    for line in lines[start:]:
        if not line.startswith(" "):
            break
        body.append("" if line == " ." else line[1:])
    header = [
        UPSTREAM_NOTICE,
        f"Embedded notice of {SOURCE_FAMILY}: {font_notice}",
        "",
        f"{FAMILY} (LiaisonHubSansSC-*.otf) is a Modified Version (subset, renamed) of",
        f"{SOURCE_FAMILY} from the Debian package fonts-noto-cjk",
        "(upstream https://github.com/googlefonts/noto-cjk).",
        "",
        "This Font Software is licensed under the SIL Open Font License, Version 1.1.",
        "This license is copied below, and is also available with a FAQ at:",
        "https://openfontlicense.org",
        "",
        "",
    ]
    out.write_text("\n".join(header + body).rstrip() + "\n", encoding="utf-8")


def coverage_report(font: TTFont) -> list[str]:
    cmap = font.getBestCmap()
    lines = []
    for first, last, label in RANGES:
        have = sum(1 for cp in range(first, last + 1) if cp in cmap)
        lines.append(f"  U+{first:04X}-{last:04X} {have:6d}/{last - first + 1:<6d} {label}")
    return lines


def build(style: str, collection: Path, out_dir: Path, include_extension_a: bool) -> Path:
    index = find_face_index(collection, SOURCE_FAMILY)
    print(f"{style}: {collection} face #{index} ({SOURCE_FAMILY})")
    font = subset_face(collection, index, wanted_unicodes(include_extension_a))
    added = make_cmap_injective(font)
    rename(font, style)
    out = out_dir / f"{PS_FAMILY}-{style}.otf"
    font.save(str(out))
    font.close()

    check = TTFont(str(out))
    cmap = check.getBestCmap()
    if len(set(cmap.values())) != len(cmap):
        raise SystemExit(f"{out}: cmap still maps several code points to one glyph")
    print(
        f"  -> {out.name}: {out.stat().st_size:,} bytes, {len(check.getGlyphOrder()):,} glyphs, "
        f"{len(cmap):,} code points ({added} duplicated glyphs for look-alikes)"
    )
    print("\n".join(coverage_report(check)))
    check.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regular", type=Path, default=DEBIAN_FONT_DIR / "NotoSansCJK-Regular.ttc")
    parser.add_argument("--bold", type=Path, default=DEBIAN_FONT_DIR / "NotoSansCJK-Bold.ttc")
    parser.add_argument("--copyright", type=Path, default=DEBIAN_COPYRIGHT)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--no-bold", action="store_true", help="build the Regular weight only")
    parser.add_argument(
        "--no-extension-a",
        action="store_true",
        help="leave out U+3400-4DBF (about 1.6 MB per weight)",
    )
    args = parser.parse_args(argv)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    sources = (
        {"Regular": args.regular} if args.no_bold else {"Regular": args.regular, "Bold": args.bold}
    )
    outputs = [
        build(style, path, args.out_dir, not args.no_extension_a) for style, path in sources.items()
    ]
    notice_font = TTFont(str(outputs[0]), lazy=True)
    notice = notice_font["name"].getDebugName(0) or ""
    notice_font.close()
    write_ofl(args.copyright, args.out_dir / "OFL.txt", notice)
    total = sum(p.stat().st_size for p in outputs)
    print(f"total: {total:,} bytes ({total / 2**20:.1f} MiB); wrote {args.out_dir / 'OFL.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
