"""Every requirement set is locked: its top-level pins (``*.in``), and beside it the lock `make
lock` writes from them (``*.txt``), which pins every dependency with the hashes of its files.
Every pip install of the project reads a lock and requires those hashes."""

import re

import pytest

from support import LAYER_LOCK, REQUIREMENTS_IN, ROOT, read_requirements, top_level_requirements

LOCKS = tuple(path.with_suffix(".txt") for path in REQUIREMENTS_IN)
SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
SKIPPED_FOLDERS = {"build", "node_modules"}  # and every folder whose name starts with "."
# Where the project runs pip (the venvs, the layer's build) and where it might.
INSTALLERS = ("Makefile", "layers/*/Makefile", ".ci/*", "scripts/*.py", "local/**/*.py")


def shown(path):
    return str(path.relative_to(ROOT))


def test_every_requirement_file_of_the_project_is_a_locked_set():
    found = {
        path
        for path in ROOT.rglob("requirements*")
        if path.is_file()
        and not any(
            part.startswith(".") or part in SKIPPED_FOLDERS for part in path.relative_to(ROOT).parts
        )
    }
    assert found == {*REQUIREMENTS_IN, *LOCKS}, "each requirements set: a .in and its .txt lock"


@pytest.mark.parametrize("top", REQUIREMENTS_IN, ids=shown)
def test_top_level_requirements_are_exact_pins(top):
    lines, references = read_requirements(top)
    assert lines or references
    assert not [line.text for line in lines if line.pin is None or line.requirement.url]
    assert all(option in {"-r", "-c"} for option, _ in references)
    assert all(path.is_file() for _, path in references), references


@pytest.mark.parametrize("lock", LOCKS, ids=shown)
def test_a_lock_pins_every_package_with_the_hashes_of_its_files(lock):
    lines, references = read_requirements(lock)
    assert lines
    assert not references, "a lock is whole: it includes no other file"
    assert not [line.text for line in lines if line.pin is None or line.requirement.url]
    assert not [line.name for line in lines if not line.hashes], "packages without a hash"
    malformed = [h for line in lines for h in line.hashes if not SHA256.fullmatch(h)]
    assert not malformed
    assert not [o for line in lines for o in line.options if not o.startswith("--hash=")]
    # One pin per package (where a universal lock splits one, each pin holds for other markers).
    names = [(line.name, str(line.requirement.marker)) for line in lines]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("top", REQUIREMENTS_IN, ids=shown)
def test_a_lock_holds_each_top_level_pin_of_its_set_at_that_version(top):
    locked = {line.name: line for line in read_requirements(top.with_suffix(".txt"))[0]}
    mismatched = [
        (line.text, locked[line.name].text if line.name in locked else "missing")
        for line in top_level_requirements(top)
        if line.name not in locked
        or locked[line.name].pin != line.pin
        or not line.requirement.extras <= locked[line.name].requirement.extras
    ]
    assert not mismatched, "stale lock: run `make lock`"


@pytest.mark.parametrize("top", REQUIREMENTS_IN, ids=shown)
def test_a_lock_agrees_with_the_locks_its_set_is_constrained_by(top):
    locked = {line.name: line.pin for line in read_requirements(top.with_suffix(".txt"))[0]}
    constraints = [path for option, path in read_requirements(top)[1] if option == "-c"]
    for constraint in constraints:
        pins = {line.name: line.pin for line in read_requirements(constraint)[0]}
        differ = {
            name: (pin, locked.get(name)) for name, pin in pins.items() if pin != locked.get(name)
        }
        assert not differ, f"{shown(constraint)} vs its lock: run `make lock`"


def test_the_app_and_tests_run_what_the_layer_ships():
    dev = read_requirements(ROOT / "requirements-dev.in")[1]
    assert ("-r", LAYER_LOCK.with_suffix(".in")) in dev
    assert ("-c", LAYER_LOCK) in dev


def pip_installs():
    """Each ``pip install`` command of the project (continuation lines joined), where found."""
    for pattern in INSTALLERS:
        for path in sorted(ROOT.glob(pattern)):
            if not path.is_file():
                continue
            text = path.read_text().replace("\\\n", " ")
            for line in text.splitlines():
                if "pip install" in line and not line.lstrip().startswith("#"):
                    yield shown(path), " ".join(line.split())


def test_every_pip_install_reads_a_lock_and_requires_its_hashes():
    installs = list(pip_installs())
    locks = {shown(lock) for lock in LOCKS}
    # The venvs (app + tests, SAM CLI, scanners), and the layer's build for Lambda.
    assert len(installs) == 4, installs
    for where, command in installs:
        assert "--require-hashes" in command, (where, command)
        [file] = re.findall(r"-r (\S+)", command)
        folder = "" if where == "Makefile" else where.rsplit("/", 1)[0] + "/"
        assert folder + file in locks, (where, command)


def test_make_lock_writes_every_lock_from_its_top_level_pins():
    makefile = ROOT.joinpath("Makefile").read_text().replace("\\\n", " ")
    [recipe] = re.findall(r"^lock:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    written = re.findall(r"-o (\S+) (\S+)", recipe)
    assert written == [
        (shown(lock), shown(top)) for top, lock in zip(REQUIREMENTS_IN, LOCKS, strict=True)
    ]
    assert re.search(r"^LOCK :=.* --generate-hashes ", makefile, re.MULTILINE)
