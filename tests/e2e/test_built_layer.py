"""The layer as `sam build` leaves it: Lambda's packages and our own, with usable bytecode.

Lambda's /opt is read-only, so without shipped bytecode every cold start compiles every module
it imports. These checks read the built output (`make build` runs before the tests in CI).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ALL_FUNCTIONS, ROOT, modules_loaded_by

LAYER = ROOT / ".aws-sam" / "build" / "SharedLayer" / "python"
# PEP 552: flags word 0b01 = hash-based, source not checked at import.
UNCHECKED_HASH = (1).to_bytes(4, "little")


@pytest.fixture(scope="module")
def layer() -> Path:
    if not LAYER.is_dir():
        pytest.fail("no built layer: run `make build`")
    return LAYER


def _cached(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def test_every_module_of_the_layer_ships_unchecked_bytecode_for_python_3_13(layer: Path):
    sources = [path for path in layer.rglob("*.py") if "__pycache__" not in path.parts]
    assert len(sources) > 500, "the layer looks incomplete"
    missing, wrong = [], []
    for source in sources:
        cached = _cached(source)
        if not cached.is_file():
            missing.append(str(source.relative_to(layer)))
            continue
        header = cached.read_bytes()[:8]
        if header[:4] != importlib.util.MAGIC_NUMBER or header[4:8] != UNCHECKED_HASH:
            wrong.append(str(cached.relative_to(layer)))
    assert not missing, f"{len(missing)} modules without bytecode, e.g. {missing[:5]}"
    assert not wrong, f"{len(wrong)} bytecode files not 3.13 unchecked-hash, e.g. {wrong[:5]}"


def test_layer_holds_our_package_and_nothing_of_the_build(layer: Path):
    assert (layer / "idv" / "__init__.py").is_file()
    assert not (layer / "bin").exists(), "console scripts point at the build machine's Python"
    assert not list(layer.rglob("Makefile")), "build files do not belong in /opt/python"
    assert not list(layer.rglob("requirements.txt"))


def test_the_interpreter_runs_the_shipped_bytecode_not_the_source(layer: Path, tmp_path):
    # A copy of our package whose sources are all broken: it imports only if the interpreter
    # takes the shipped .pyc files as they are, as it must on Lambda's read-only /opt.
    shutil.copytree(layer / "idv", tmp_path / "idv")
    for source in (tmp_path / "idv").rglob("*.py"):
        source.write_text("raise SystemExit('the source was compiled instead of the bytecode')\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{layer}"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", "import idv.api.resolver, idv.usecases.check_liveness; print('ok')"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert (out.returncode, out.stdout.strip()) == (0, "ok"), out.stderr[-2000:]


def test_the_built_package_holds_only_what_a_function_imports(layer: Path):
    # Given every function imported from the built layer, as Lambda would import it
    loaded = set().union(*(modules_loaded_by(f, layer=layer) for f in ALL_FUNCTIONS))
    # Then every module the layer ships is one of them, and the operator tools are not shipped
    shipped = {
        ".".join(path.relative_to(layer).with_suffix("").parts).removesuffix(".__init__")
        for path in (layer / "idv").rglob("*.py")
    }
    assert shipped - loaded == set()
    assert not (layer / "tools").exists()
