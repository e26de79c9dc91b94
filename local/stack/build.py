"""``sam build`` with the interpreter it insists on (standard library only).

``sam build`` validates that an interpreter named like the runtime (``python3.13``) is on PATH,
whatever interpreter runs SAM CLI itself ("Binary validation failed for python" otherwise), so
the directory of one is put first on PATH: $LOCAL_STACK_BUILD_PYTHON's directory, else pyenv's
3.13, else whatever ``python3.13`` PATH already has.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .procs import REPO_ROOT, StackError


def default_sam() -> Path:
    return Path(os.environ.get("LOCAL_STACK_SAM", REPO_ROOT / ".venv-sam" / "bin" / "sam"))


def find_build_python(version: str = "3.13") -> Path | None:
    """An interpreter binary ``python<version>`` for ``sam build`` to find on PATH."""
    explicit = os.environ.get("LOCAL_STACK_BUILD_PYTHON")
    if explicit:
        return Path(explicit)
    roots: list[Path] = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(Path(os.environ["PYENV_ROOT"]))
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            out = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=10, check=False
            )
            if out.returncode == 0 and out.stdout.strip():
                roots.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    roots.append(Path.home() / ".pyenv")
    for root in roots:
        candidates = sorted((root / "versions").glob(f"{version}.*/bin/python{version}"))
        if candidates:
            return candidates[-1]
    found = shutil.which(f"python{version}")
    return Path(found) if found else None


def sam_build(
    project_dir: Path | str,
    *,
    template: Path | str | None = None,
    build_dir: Path | str | None = None,
    sam: Path | str | None = None,
    python_version: str = "3.13",
    region: str = "us-east-1",
    extra_args: Sequence[str] = (),
    timeout: float = 900,
) -> Path:
    """Run ``sam build`` for ``project_dir``; return the built template's path.

    ``template`` defaults to ``<project_dir>/template.yaml``, ``build_dir`` to
    ``<project_dir>/.aws-sam/build`` (sam's own default).
    """
    project_dir = Path(project_dir).resolve()
    sam = Path(sam) if sam else default_sam()
    if not sam.exists():
        raise StackError(f"no SAM CLI at {sam} (set LOCAL_STACK_SAM)")
    command = [str(sam), "build", "--template-file", str(template or project_dir / "template.yaml")]
    if build_dir:
        command += ["--build-dir", str(build_dir)]
    command += list(extra_args)
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", region)
    env["SAM_CLI_TELEMETRY"] = "0"
    python = find_build_python(python_version)
    if python is not None:
        env["PATH"] = os.pathsep.join([str(python.parent), env.get("PATH", "")])
    result = subprocess.run(
        command,
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(
            f"sam build failed ({result.returncode}) in {project_dir}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    built = (project_dir / (build_dir or Path(".aws-sam", "build"))).resolve() / "template.yaml"
    if not built.is_file():
        raise StackError(f"sam build succeeded but wrote no {built}")
    return built
