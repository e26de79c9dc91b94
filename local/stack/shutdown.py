"""When ``make local`` should stop: a signal to this process, or to the ``make`` that runs it.

A terminal's Ctrl-C reaches the whole foreground process group, this process included. An IDE's
task runner or a script signals only the process it started, ``make``, and GNU make passes
neither signal on (checked with make 4.3): on SIGTERM it dies and leaves its child running; on
SIGINT it waits, inside its handler, for its child to exit. So besides its own signal handlers
this process watches its parent: gone (SIGTERM killed it), or a ``make`` blocking SIGINT,
SIGTERM or SIGHUP (the kernel blocks a signal while its handler runs: make is waiting for us to
stop). Linux only (``/proc``); elsewhere only the process's own signals stop it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_POLL_SECONDS = 0.2


def stop_requested() -> threading.Event:
    """An event set by SIGINT/SIGTERM/SIGHUP to this process, or to the ``make`` that runs it.

    Call from the main thread (signal handlers can only be installed there).
    """
    stop = threading.Event()
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda *_: stop.set())
    parent = os.getppid()
    watch = threading.Thread(
        target=_watch_parent, args=(parent, _is_make(parent), stop), name="parent", daemon=True
    )
    watch.start()
    return stop


def _watch_parent(parent: int, parent_is_make: bool, stop: threading.Event) -> None:
    seen = 0  # a handler's block lasts; two polls in a row rule out a passing sigprocmask
    while not stop.wait(_POLL_SECONDS):
        if os.getppid() != parent:
            stop.set()
            return
        seen = seen + 1 if parent_is_make and _blocks_stop_signal(parent) else 0
        if seen >= 2:
            stop.set()
            return


def _is_make(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() in {"make", "gmake"}
    except OSError:
        return False


def _blocks_stop_signal(pid: int) -> bool:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigBlk:"):
                blocked = int(line.split(":", 1)[1].strip(), 16)
                return any(blocked & (1 << (signum - 1)) for signum in STOP_SIGNALS)
    return False
