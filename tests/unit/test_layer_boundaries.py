"""The layer ships to Lambda: it must not depend on tests, the emulators, dev-only packages or
the operator tools, and each function loads only its own part (Oz or Data Zoo)."""

import ast

import pytest

from support import (
    ALL_FUNCTIONS,
    DATAZOO_FUNCTIONS,
    LAYER_LOCK,
    OZ_FUNCTIONS,
    RECEIPT_FUNCTIONS,
    ROOT,
    UPLOAD_FUNCTIONS,
    locked_versions,
    modules_loaded_by,
    top_level_requirements,
)

LAYER = ROOT / "layers" / "idv" / "idv"
# pydantic: not shipped (bodies are read by api.json_body; the models only write the docs).
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
    "tools",
    "datazoo_emulator",
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


def test_the_layer_lock_holds_no_package_only_the_app_and_tests_need():
    # (Each requirement set is pinned, hashed and locked: test_requirements_locked.)
    layer = {line.name for line in top_level_requirements(LAYER_LOCK.with_suffix(".in"))}
    dev_only = {line.name for line in top_level_requirements(ROOT / "requirements-dev.in")} - layer
    assert {"moto", "pytest", "pydantic", "werkzeug"} <= dev_only
    assert not dev_only & set(locked_versions(LAYER_LOCK))


# --- which part each function loads ----------------------------------------------------------


@pytest.mark.parametrize("function", OZ_FUNCTIONS)
def test_an_oz_function_loads_no_data_zoo_module(function):
    loaded = modules_loaded_by(function)
    assert "idv.oz.client" in loaded
    assert not {m for m in loaded if m.startswith("idv.datazoo")}


@pytest.mark.parametrize("function", DATAZOO_FUNCTIONS)
def test_a_data_zoo_function_loads_no_oz_module(function):
    loaded = modules_loaded_by(function)
    assert "idv.datazoo.client" in loaded
    assert not {m for m in loaded if m.startswith("idv.oz") or m == "idv.receipts"}


@pytest.mark.parametrize("function", RECEIPT_FUNCTIONS)
def test_a_receipt_function_loads_neither_upstreams_client(function):
    loaded = modules_loaded_by(function)
    assert loaded & {"idv.receipts.store", "idv.receipts.rotation"}
    assert not {m for m in loaded if m.startswith(("idv.oz", "idv.datazoo"))}


@pytest.mark.parametrize("function", UPLOAD_FUNCTIONS)
def test_the_upload_function_loads_no_upstream_client_and_no_receipt(function):
    loaded = modules_loaded_by(function)
    assert "idv.aws.uploads" in loaded
    assert not {m for m in loaded if m.startswith(("idv.oz", "idv.datazoo", "idv.receipts"))}


@pytest.mark.parametrize("function", ALL_FUNCTIONS)
def test_no_function_loads_the_operator_tools(function):
    assert not {m for m in modules_loaded_by(function) if m.startswith("tools")}


def test_the_operator_tools_are_not_in_the_layer():
    assert not (LAYER / "tools").exists()
    assert not list(LAYER.rglob("bootstrap.py"))
    assert not list(LAYER.rglob("provisioning.py"))


# --- what every function sets up on import ---------------------------------------------------

PINNED_CHECK = """
import json, logging, sys
sys.path[:0] = {path!r}
logging.getLogger().setLevel(logging.DEBUG)  # ApplicationLogLevel: DEBUG
import app
for name in ("botocore", "boto3", "urllib3", "requests", "s3transfer", "botocore.parsers"):
    logging.getLogger(name).setLevel(logging.DEBUG)
names = ("botocore.parsers", "botocore.endpoint", "urllib3.connectionpool", "boto3.later")
print(json.dumps([logging.getLogger(n).isEnabledFor(logging.DEBUG) for n in names]))
"""


@pytest.mark.parametrize("function", ALL_FUNCTIONS)
def test_every_function_pins_the_sdk_loggers_on_import(function):
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    path = [str(ROOT / "layers" / "idv"), str(ROOT / "functions" / function)]
    env = {"POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-I", "-c", PINNED_CHECK.format(path=path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "functions" / function,
    )
    assert out.stdout.strip() == "[false, false, false, false]"
