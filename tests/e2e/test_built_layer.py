"""The layer as `sam build` leaves it: Lambda's packages and our own, with usable bytecode.

Lambda's /opt is read-only, so without shipped bytecode every cold start compiles every module
it imports. These checks read the built output (`make build` runs before the tests in CI).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from support import ALL_FUNCTIONS, LAYER_LOCK, ROOT, locked_versions, modules_loaded_by

LAYER = ROOT / ".aws-sam" / "build" / "SharedLayer" / "python"
# PEP 552: flags word 0b01 = hash-based, source not checked at import.
UNCHECKED_HASH = (1).to_bytes(4, "little")
# Wheels Lambda's python3.13 x86_64 runtime can load (glibc 2.34 there; the layer's build asks
# for manylinux2014, glibc 2.17, and older): CPython 3.13 or pure Python.
LAMBDA_TAG = re.compile(
    r"(cp313-cp313|cp3\d*-abi3|py3-none|py2\.py3-none)-"
    r"(any|manylinux(1|2010|2014)_x86_64|manylinux_2_(\d+)_x86_64)"
)


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
    assert not list(layer.rglob("requirements.in"))


def test_the_layer_holds_exactly_what_its_lock_pins_built_for_lambda(layer: Path):
    named = (
        info.name.removesuffix(".dist-info").rsplit("-", 1) for info in layer.glob("*.dist-info")
    )
    installed = {canonicalize_name(name): version for name, version in named}
    assert installed == {
        name: version for name, version in locked_versions(LAYER_LOCK).items() if version
    }
    for wheel in layer.glob("*.dist-info/WHEEL"):
        tags = re.findall(r"^Tag: (\S+)$", wheel.read_text(), re.MULTILINE)
        fits = [m for tag in tags if (m := LAMBDA_TAG.fullmatch(tag))]
        assert any(int(m.group(4) or 17) <= 17 for m in fits), (wheel.parent.name, tags)


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
