"""The one-folder app carries every file the app reads at run time: each shipped resource
and migration is matched by one of the spec's ``datas`` patterns."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tools" / "liaison-hub.spec"
# Sources for people, not for the app: the font's recipe, the catalogues' text form.
NOT_READ_AT_RUN_TIME = {
    "README.md",
    "make_subset.py",
    "make_symbols_subset.py",
    "liaison_hub.po",
    "liaison_hub.pot",
}
PATTERN = re.compile(r'\(str\(ROOT / "([^"]+)"\), "([^"]+)"\)')


def spec_patterns() -> list[tuple[str, str]]:
    return PATTERN.findall(SPEC.read_text(encoding="utf-8"))


def carried(relative: str) -> str | None:
    """Where in the bundle a file of the source tree lands, or None if no pattern takes it."""
    for pattern, destination in spec_patterns():
        if Path(relative).match(pattern) and relative.count("/") == pattern.count("/"):
            return f"{destination}/{Path(relative).name}"
    return None


def test_every_resource_and_migration_is_carried_to_the_same_place() -> None:
    wanted = [
        path
        for base in ("resources", "coordinator/store/migrations")
        for path in sorted((ROOT / base).rglob("*"))
        if path.is_file()
        and path.name not in NOT_READ_AT_RUN_TIME
        and "__pycache__" not in path.parts
        and path.name != "__init__.py"
    ]
    assert len(wanted) > 20
    for path in wanted:
        relative = path.relative_to(ROOT).as_posix()
        # The same place as in the source tree: coordinator.paths.bundle_dir() is its root.
        assert carried(relative) == relative, f"{relative} is not in the one-folder app"


def test_a_new_kind_of_file_would_be_noticed() -> None:
    # (PyInstaller refuses a pattern that matches nothing, so the spec names only what is.)
    assert carried("resources/fonts/Another.otf") == "resources/fonts/Another.otf"
    assert carried("resources/fonts/Another.ttf") == "resources/fonts/Another.ttf"
    assert carried("resources/fonts/recipe.py") is None
    assert carried("resources/sounds/ring.wav") is None
