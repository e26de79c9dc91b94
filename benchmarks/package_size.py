"""Package size: the built layer and functions, zipped as SAM zips them, and what takes space.

Each file is attributed to the distribution whose ``*.dist-info/RECORD`` lists it, a ``.pyc``
to the distribution of its source (our own ``idv`` is listed by none). Zipped sizes are
the compressed sizes of the entries of a real ZIP_DEFLATED archive of the built directory, as
``sam package``/``sam deploy`` upload it.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from pathlib import Path

from benchmarks import dists
from benchmarks.cold_start import layer_without_bytecode
from benchmarks.context import Context
from benchmarks.environment import REPO
from benchmarks.report import Section, Table, Target

MB = 1_000_000
# The top-level pins, with the reasons (requirements.txt is their lock: every dependency pinned).
REQUIREMENTS = REPO / "layers" / "idv" / "requirements.in"
# What the Lambda Python runtime ships: the SDK with its dependencies, the runtime client.
RUNTIME_PROVIDED = {
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
    "awslambdaric",
    "simplejson",
}
STILL_NEEDED_WITHOUT_BOTO3 = {"urllib3"}  # requests needs it anyway


def _runtime_duplicates(present: set[str], site: Path) -> tuple[list[str], list[str]]:
    """Runtime-provided distributions in the layer: (explained, unexplained). Explained: pinned
    in requirements.in next to a comment saying why, or required by another distribution."""
    text = REQUIREMENTS.read_text()
    pinned = {
        dists.normalize(line.split("==")[0].split("[")[0])
        for line in text.splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    }
    on_purpose = "on purpose" in text
    needed_by = dists.requirers(site, dists.requested_extras(REQUIREMENTS))
    explained, unexplained = [], []
    for dist in sorted(present & RUNTIME_PROVIDED):
        if (dist in pinned and on_purpose) or needed_by.get(dist, set()) & (present - {dist}):
            explained.append(dist)
        else:
            unexplained.append(dist)
    return explained, unexplained


def _source_of(relative: Path) -> Path:
    """``pkg/__pycache__/mod.cpython-313.pyc`` -> ``pkg/mod.py`` (the layer's build writes
    bytecode after pip, so no RECORD lists it)."""
    if relative.suffix != ".pyc" or relative.parent.name != "__pycache__":
        return relative
    return relative.parent.parent / (relative.name.split(".", 1)[0] + ".py")


def _zip(root: Path, target: Path) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(root))
    with zipfile.ZipFile(target) as archive:
        return archive.infolist()


def _sizes(root: Path, work: Path) -> tuple[int, int]:
    entries = _zip(root, work / f"{root.parent.name}-{root.name}.zip")
    return sum(e.file_size for e in entries), (
        work / f"{root.parent.name}-{root.name}.zip"
    ).stat().st_size


def section(ctx: Context) -> Section:
    work = ctx.workdir
    archive = work / "layer.zip"
    entries = _zip(ctx.layer.parent, archive)
    owner = dists.file_owners(ctx.layer)
    raw: dict[str, int] = defaultdict(int)
    packed: dict[str, int] = defaultdict(int)
    bytecode_raw = bytecode_zip = 0
    for entry in entries:
        relative = _source_of(Path(entry.filename).relative_to("python"))
        top = relative.parts[0]
        dist = owner.get(str(relative)) or ("idv (ours)" if top == "idv" else top)
        raw[dist] += entry.file_size
        packed[dist] += entry.compress_size
        if entry.filename.endswith(".pyc"):
            bytecode_raw += entry.file_size
            bytecode_zip += entry.compress_size
    total_raw, total_zip = sum(raw.values()), archive.stat().st_size
    ranked = sorted(raw, key=lambda d: raw[d], reverse=True)
    rows = [
        [
            dist,
            f"{raw[dist] / MB:.1f}",
            f"{packed[dist] / MB:.1f}",
            f"{100 * raw[dist] / total_raw:.0f}%",
            "runtime has it" if dist in RUNTIME_PROVIDED else "",
        ]
        for dist in ranked[:12]
    ]
    rest = ranked[12:]
    rows.append(
        [
            f"{len(rest)} others",
            f"{sum(raw[d] for d in rest) / MB:.1f}",
            f"{sum(packed[d] for d in rest) / MB:.1f}",
            f"{100 * sum(raw[d] for d in rest) / total_raw:.0f}%",
            "",
        ]
    )
    provided = sorted(d for d in raw if d in RUNTIME_PROVIDED)
    removable = [d for d in provided if d not in STILL_NEEDED_WITHOUT_BOTO3]
    share_raw = sum(raw[d] for d in removable)
    share_zip = sum(packed[d] for d in removable)
    function_rows = []
    for folder in sorted(p for p in ctx.build.iterdir() if (p / "app.py").exists()):
        unzipped, zipped = _sizes(folder, work)
        function_rows.append([folder.name, f"{unzipped:,} B", f"{zipped:,} B"])
    unzipped, zipped = _sizes(layer_without_bytecode(ctx), work)
    sizes = [
        ["layer as built (with bytecode)", f"{total_raw / MB:.1f} MB", f"{total_zip / MB:.1f} MB"],
        ["layer without bytecode (what-if)", f"{unzipped / MB:.1f} MB", f"{zipped / MB:.1f} MB"],
    ]
    explained, unexplained = _runtime_duplicates(set(raw), ctx.layer)
    return Section(
        "package",
        "6. Package size",
        method=__doc__.split("\n\n", 1)[1] if __doc__ else "",
        targets=[
            Target(
                "Runtime-provided packages in the layer are pinned on purpose (with the reason "
                "in requirements.in) or required by what is",
                "none unexplained",
                f"unexplained: {', '.join(unexplained) or 'none'} "
                f"(explained: {', '.join(explained) or 'none'})",
                not unexplained,
            )
        ],
        tables=[
            Table("Sizes", ["artifact", "unzipped", "zipped"], sizes),
            Table(
                "Layer by distribution (MB)",
                ["distribution", "unzipped", "zipped", "share", ""],
                rows,
            ),
            Table(
                "Functions (the code only; the layer is shared)",
                ["function", "unzipped", "zipped"],
                function_rows,
            ),
        ],
        notes=[
            f"boto3 and what it pulls in that requests does not need ({', '.join(removable)}) "
            f"take {share_raw / MB:.1f} MB unzipped / {share_zip / MB:.1f} MB zipped "
            f"({100 * share_raw / total_raw:.0f}% / {100 * share_zip / total_zip:.0f}% of the "
            "layer). They are there because the Tracer extra's aws-xray-sdk requires botocore, "
            "so pip installs it anyway, and a layer's botocore shadows the runtime's: pinning "
            "boto3 with it keeps the pair matched and the code tested against the version that "
            "runs.",
            "The layer is built by `layers/idv/Makefile` (`BuildMethod: makefile`), which "
            "ships bytecode: the .pyc files take "
            f"{bytecode_raw / MB:.1f} MB unzipped / {bytecode_zip / MB:.1f} MB zipped of it "
            "(counted above with their sources' distributions), and in exchange no module the "
            "layer holds, boto3/botocore included, is compiled at a cold start (see Cold start).",
            "Alternative not taken: the Makefile could install aws-xray-sdk with --no-deps and "
            "leave boto3/botocore to the runtime, but they are pinned on purpose as a matched "
            "pair, so the code runs on the SDK version it was tested with rather than whatever "
            "the runtime carries that day. The space is not a limit (250 MB unzipped per "
            "function with its layers) and unused files cost no import time.",
        ],
        data={"layer_unzipped": total_raw, "layer_zipped": total_zip, "by_distribution": dict(raw)},
    )
