"""Liaison Hub's core: everything that is true without a screen.

This package never imports Qt or the ``ui`` package (an import-linter contract
in ``pyproject.toml`` enforces it), so it runs and is tested headless.
"""

__version__ = "0.1.0"
