"""The layer ships to Lambda: it must not depend on tests, the emulators or dev-only packages."""

import ast

import pytest

from support import ROOT

LAYER = ROOT / "layers" / "oz_client" / "oz_client"
# pydantic: not shipped (bodies are read by json_bodies; the models only write the docs).
FORBIDDEN = (
    "oz_emulator",
    "stack",
    "tests",
    "support",
    "samples",
    "moto",
    "pytest",
    "werkzeug",
    "pydantic",
)


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("path", sorted(LAYER.rglob("*.py")), ids=lambda p: p.name)
def test_layer_module_imports_nothing_test_only(path):
    roots = {name.split(".")[0] for name in imported_modules(path)}
    assert not roots & set(FORBIDDEN)


def test_layer_requirements_are_pinned():
    lines = (ROOT / "layers" / "oz_client" / "requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line.strip() and not line.startswith("#")]
    assert requirements
    assert all("==" in line for line in requirements)
