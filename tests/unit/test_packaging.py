"""A wheel (``pip install .``) carries every package: the list in pyproject.toml is written
by hand, and an editable install would hide a missing entry until a user's install."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_python_package_is_listed_for_the_wheel() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    found = set()
    for top, where in (
        ("vault_console", ROOT / "src" / "vault_console"),
        ("vault_console_programs", ROOT / "programs"),
    ):
        for init in where.rglob("__init__.py"):
            parts = init.parent.relative_to(where).parts
            found.add(".".join((top, *parts)))
    assert found - listed == set(), "add these to [tool.setuptools] packages"
    assert "vault_console.screens.wizard" in found
