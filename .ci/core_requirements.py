"""Print the project's requirements minus Qt, for the headless coordinator run.

Reads pyproject.toml so the list is never kept twice: runtime dependencies and the
test extra, without PySide6 and pytest-qt.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
qt = re.compile(r"^(pyside6|shiboken6|pytest-qt)", re.IGNORECASE)
print("\n".join(r for r in requirements if not qt.match(r)))
