"""One warm Lambda container under load, for test_rotation_under_load.py.

One thread calls the real session-token and capsule-relay handlers in a loop, as a container
does (one invocation at a time: Powertools' resolver keeps the current event on the module's
``app``, so handlers are not for concurrent threads). ``--layer-threads`` more threads call the
same use cases the handlers call (``issue_session_token``, ``check_liveness.check_capsule``)
concurrently, sharing the container's ``oz.calls.instance()``: one OzTokenSource under
contention. Runs until stdin closes, then writes every request it made to
``--result`` as JSON. The configuration is the environment a deployed function has; Secrets
Manager is reached through AWS_ENDPOINT_URL_SECRETS_MANAGER.

    python rotation_load_worker.py --layer-threads 2 --ready R --result OUT < pipe
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "layers" / "idv"),
    str(ROOT / "local"),
    str(ROOT / "tests"),
]

from idv.errors import ServiceError  # noqa: E402
from idv.oz import calls  # noqa: E402
from idv.oz.decisions import LivenessDecision  # noqa: E402
from idv.receipts import store, tokens  # noqa: E402
from idv.usecases import check_liveness, issue_session_token  # noqa: E402
from oz_emulator import make_capsule  # noqa: E402
from support import invoke, load_event  # noqa: E402


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []

    def add(self, route: str, start: float, error: tuple[str, str] | None) -> None:
        entry: dict[str, Any] = {"route": route, "start": start, "end": time.time()}
        entry["ok"] = error is None
        if error is not None:
            entry["code"], entry["message"] = error
        with self.lock:
            self.requests.append(entry)


def handler_call(recorder: Recorder, route: str, function: str, event: dict[str, Any]) -> Any:
    """Invoke one real handler; the JSON body when it answered 200, else None."""
    start = time.time()
    try:
        status, body, _ = invoke(function, event)
    except Exception as error:  # a crash is a failed request too
        status, body = 0, {"error": {"code": type(error).__name__, "message": ""}}
    failed = body.get("error") if status != 200 else None
    if failed is None and function == "capsule_relay" and body.get("decision") != "ACCEPT":
        failed = {"code": "NOT_ACCEPTED", "message": str(body.get("decision"))}
    recorder.add(route, start, (failed["code"], failed["message"]) if failed else None)
    return None if failed else body


def layer_call(recorder: Recorder, route: str, call: Any) -> Any:
    """Call one use case of the layer, as the handler would; its result, or None."""
    start = time.time()
    try:
        result = call()
    except ServiceError as error:
        recorder.add(route, start, (error.code, error.message))
        return None
    except Exception as error:
        recorder.add(route, start, (type(error).__name__, ""))
        return None
    recorder.add(route, start, None)
    return result


def capsule(token: str) -> bytes:
    return make_capsule(token, person="alice", size=4096)


def handler_round(recorder: Recorder) -> None:
    body = handler_call(
        recorder, "session-token", "session_token", load_event("session_token/post.json")
    )
    if body is None:
        return
    event = load_event("liveness/post_capsule.json")
    event["body"] = base64.b64encode(capsule(body["session_token"])).decode()
    handler_call(recorder, "liveness", "capsule_relay", event)


def layer_round(recorder: Recorder) -> None:
    oz, signer, kept = calls.instance(), tokens.instance(), store.instance()
    token = layer_call(
        recorder,
        "layer:session-token",
        lambda: issue_session_token.issue_session_token(
            oz, subject=None, quota=issue_session_token.quota()
        ),
    )
    if token is None:
        return
    result = layer_call(
        recorder,
        "layer:liveness",
        lambda: check_liveness.check_capsule(
            capsule(token.token),
            subject=None,
            oz=oz,
            receipts=signer,
            store=kept,
            idempotency=check_liveness.idempotency(),
        ),
    )
    if result is not None and result.decision is not LivenessDecision.ACCEPT:
        with recorder.lock:
            recorder.requests[-1].update(ok=False, code="NOT_ACCEPTED")


def work(round_: Any, recorder: Recorder, stop: threading.Event, warm: threading.Barrier) -> None:
    round_(recorder)  # the first round warms the container
    warm.wait()
    while not stop.is_set():
        round_(recorder)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layer-threads", type=int, default=0)
    parser.add_argument("--ready", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args()
    recorder, stop = Recorder(), threading.Event()
    rounds = [handler_round] + [layer_round] * args.layer_threads
    warm = threading.Barrier(len(rounds) + 1)
    threads = [
        threading.Thread(target=work, args=(round_, recorder, stop, warm), daemon=True)
        for round_ in rounds
    ]
    for thread in threads:
        thread.start()
    warm.wait(timeout=60)
    args.ready.write_text("ready")
    sys.stdin.read()  # until the test closes the pipe
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    args.result.write_text(json.dumps({"requests": recorder.requests}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
