"""Oz failing, every way: each Oz call a function makes, against each way Oz can fail.

The calls: session token (``get_session_token``), capsule relay (``analyze_capsule``, octet
stream), biometry (``match_faces``, multipart) and deep health (``version``). The handlers run
as Lambda runs them (``support.invoke``, events/ files), against the Oz emulator, a closed port,
a port that never accepts, or a raw server that aborts with a TCP RST.

Every case checks:

- the design's status and code, in the design's envelope (health: its ``checks`` body, 503);
- the total time, below the function's timeout. The functions run with the template's Oz
  timeouts scaled by ``fault_template.SCALE``; the time an invocation would take with the
  template's own timeouts is the measured time with each timeout that expired counted at full
  length (the rest, our own work, is counted as measured), and must stay below the template's
  ``Timeout`` of the function;
- how many requests reached Oz: a capsule that was sent is never sent again; other calls are
  retried at most once (only when nothing reached Oz, or once after an auth rejection with
  another token version to try); and how many connections were attempted;
- a signal an operator can alarm on: the ``Error.<CODE>`` EMF metric and an ERROR log line with
  the code (health: a WARNING log line with the code, and the API's 5XXError alarm); a call
  bridged with AWSPENDING emits the ``Secrets.PendingFallback`` EMF metric.

The one re-send of a capsule: after Oz answered 401/403 and another version of the token secret
exists (the design's rotation bridge). This assumes Oz checks the service token before it reads
the container, so the capsule's session token is still unspent, as the emulator does; the cases
show the re-sent bytes are the same and that the second request succeeds.

Each case is also recorded for docs/RELIABILITY.md (``reliability.record("faults", ...)``).
test_upload_check_faults.py runs the same faults, with these checks, behind the upload check.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fault_servers import LOOPBACK, ConnectionSpy, RawOz, closed_port
from fault_template import SCALE, Timeouts, template_alarms, template_timeouts
from reliability import record

from idv.aws import secrets
from idv.oz.client import OzApi
from idv.receipts.store import ReceiptStore
from idv.receipts.tokens import ReceiptTokens
from oz_emulator import OzEmulator, make_capsule, make_face_jpeg
from oz_emulator.recorder import token_sha256
from support import invoke, load_event

TOKEN_SECRET = "oz-liveness/oz-service-token"  # as the `deployed` fixture names them
RECEIPT_SECRET = "oz-liveness/receipt-signing-key"
ENVELOPE_KEYS = {"code", "message", "retryable", "oz_error_code", "request_id"}
# The design's error table, for the codes an Oz failure can end in.
DESIGN_STATUS = {
    "UPSTREAM_ERROR": 502,
    "UPSTREAM_UNAVAILABLE": 503,
    "UPSTREAM_TIMEOUT": 504,
    "CONFIGURATION_ERROR": 500,
}
RETRYABLE = {
    "UPSTREAM_ERROR": True,
    "UPSTREAM_UNAVAILABLE": True,
    "UPSTREAM_TIMEOUT": True,
    "CONFIGURATION_ERROR": False,
}
RETRY_LOG = "Oz rejected the cached token; retrying once"
PENDING_METRIC = "Secrets.PendingFallback"


# --- the calls ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OzCall:
    name: str  # the OzApi method
    function: str  # functions/<function>/app.py
    resource: str  # its template.yaml resource
    path: str  # the Oz path it calls
    event: str  # the events/ file that drives it
    sends_token: bool
    success_metric: str | None = None
    capsule: bool = False

    @property
    def envelope(self) -> bool:
        """Whether the function answers an Oz failure with the error envelope (not health)."""
        return self.function != "health"


CALLS = (
    OzCall(
        "get_session_token",
        "session_token",
        "SessionTokenFunction",
        "/api/authorize/session_token",
        "session_token/post.json",
        sends_token=True,
        success_metric="SessionTokens.Issued",
    ),
    OzCall(
        "analyze_capsule",
        "capsule_relay",
        "CapsuleRelayFunction",
        "/api/instant/folders/",
        "liveness/post_capsule.json",
        sends_token=True,
        success_metric="Liveness.ACCEPT",
        capsule=True,
    ),
    OzCall(
        "match_faces",
        "biometry",
        "BiometryFunction",
        "/api/instant/folders/",
        "biometry/post.json",
        sends_token=True,
        success_metric="Biometry.MATCH",
    ),
    OzCall(
        "version",
        "health",
        "HealthFunction",
        "/api/version",
        "health/get_deep.json",
        sends_token=False,
    ),
)


# --- one case's world -----------------------------------------------------------------------


@dataclass
class Case:
    call: OzCall
    oz: OzEmulator
    api: OzApi
    service_user: Any
    secretsmanager: Any
    timeouts: Timeouts  # scaled
    event: dict[str, Any] = field(default_factory=dict)
    capsule: bytes | None = None
    # Tokens by role: "old" (AWSCURRENT when the case starts), "new" (a rotation's pair).
    tokens: dict[str, str] = field(default_factory=dict)
    # Which token each request to Oz is expected to carry, in order (None: no token header).
    expected_tokens: tuple[str | None, ...] = ()
    # The secret stage the token source falls back to, when the case expects a retry.
    retry_stage: str | None = None
    # The Oz service token's secret (the upload route's deployment names its own).
    token_secret: str = TOKEN_SECRET

    def rotate(self, *, stage: str, used: bool) -> None:
        """Refresh the service token into a new pair and store it under ``stage``.

        ``used``: authenticate once with the new pair, which makes Oz delete the old one (as
        the rotation's testSecret step does): from then the old token gets a real 401 code 7.
        """
        user = self.service_user
        new = self.api.refresh(user.access_token, user.expire_token)
        self.tokens["new"] = new.access_token
        value = json.dumps(
            {
                "access_token": new.access_token,
                "expire_token": new.expire_token,
                "user_id": user.user_id,
                "expire_date": new.expire_date,
                "api_version": "6",
            }
        )
        if stage == secrets.PENDING:
            self.secretsmanager.put_secret_value(
                SecretId=self.token_secret,
                ClientRequestToken=str(uuid.uuid4()),
                SecretString=value,
                VersionStages=[secrets.PENDING],
            )
        else:
            self.secretsmanager.put_secret_value(SecretId=self.token_secret, SecretString=value)
        if used:
            self.api.get_user(user.user_id, access_token=new.access_token)


# --- the faults -----------------------------------------------------------------------------

Inject = Callable[[Case], None]


def _always(_: OzCall) -> bool:
    return True


@dataclass(frozen=True)
class Fault:
    name: str
    # "emulator"; "refused" (closed port); "blackhole" (connect timeout); or a RawOz behaviour.
    where: str
    # The public code; None: the call succeeds (after the one retry the fault allows).
    code: str | None
    # Requests that reach Oz on the call's path.
    received: int
    inject: Inject | None = None
    oz_error_code: int | None = None
    # The Retry-After the function answers with (envelope functions); None: no such header.
    retry_after: str | None = None
    # Connection attempts, when the fault fixes them (never-connected faults: exactly two).
    connects: int | None = None
    applies: Callable[[OzCall], bool] = _always
    # Which timeout each attempt waits out: "connect" (per connection attempt) or "read" (per
    # request Oz received); "" for faults that fail at once.
    expires: str = ""

    @property
    def never_connected(self) -> bool:
        return self.where in {"refused", "blackhole"}


def emulator(kind: str, **params: Any) -> Inject:
    """A switched emulator fault on the call's path: every request to it fails alike, so a
    retry could not hide behind a fault that was used up."""

    def inject(case: Case) -> None:
        case.oz.faults.add(case.call.path, kind, count=None, **params)

    return inject


def latency_beyond_read_timeout(case: Case) -> None:
    case.oz.faults.add(case.call.path, "latency", count=None, seconds=case.timeouts.read + 0.5)


def missing_fields(case: Case) -> None:
    # The folder calls lose what a decision needs; the session token call its token.
    fields = ["session_token"] if case.call.name == "get_session_token" else None
    params = {"fields": fields} if fields else {}
    case.oz.faults.add(case.call.path, "missing_fields", count=None, **params)


def auth_everywhere(status: int, error_code: int) -> Inject:
    def inject(case: Case) -> None:
        case.oz.faults.add(case.call.path, "auth", count=None, status=status, error_code=error_code)

    return inject


def rotation_pending_old_deleted(case: Case) -> None:
    """Mid-rotation: AWSPENDING holds the refreshed pair, already used, so Oz deleted the old
    pair the instance reads from AWSCURRENT: a real 401 (code 7), no injected fault."""
    case.rotate(stage=secrets.PENDING, used=True)
    case.expected_tokens = ("old", "new")
    case.retry_stage = secrets.PENDING


def rotation_pending_403(case: Case) -> None:
    """Mid-rotation, and Oz answers the old token once with 403 code 9."""
    case.rotate(stage=secrets.PENDING, used=False)
    case.oz.faults.add(case.call.path, "auth", count=1, status=403, error_code=9)
    case.expected_tokens = ("old", "new")
    case.retry_stage = secrets.PENDING


def rotation_finished_stale_cache(case: Case) -> None:
    """The rotation finished (a new AWSCURRENT, the old pair deleted) while this warm instance
    still holds the old token in its secret cache."""
    secrets.read_current(case.token_secret, max_age=300)  # an earlier invocation cached it
    case.rotate(stage=secrets.CURRENT, used=True)
    case.expected_tokens = ("old", "new")
    case.retry_stage = secrets.CURRENT


def rotated_token_also_rejected(case: Case) -> None:
    """AWSPENDING holds another token, and Oz rejects that one too: one retry, then give up."""
    case.rotate(stage=secrets.PENDING, used=False)
    case.oz.faults.add(case.call.path, "auth", count=None, status=401, error_code=7)
    case.expected_tokens = ("old", "new")


def _token_sender(call: OzCall) -> bool:
    return call.sends_token


def _not_health(call: OzCall) -> bool:
    return call.envelope


UNAVAILABLE, ERROR, TIMEOUT = "UPSTREAM_UNAVAILABLE", "UPSTREAM_ERROR", "UPSTREAM_TIMEOUT"
CONFIG = "CONFIGURATION_ERROR"

FAULTS = (
    # Nothing reached Oz: retried once, then 503 with the default Retry-After.
    Fault("connect_refused", "refused", UNAVAILABLE, 0, retry_after="5", connects=2),
    Fault(
        "connect_timeout",
        "blackhole",
        UNAVAILABLE,
        0,
        retry_after="5",
        connects=2,
        expires="connect",
    ),
    # The request was sent: never retried.
    Fault(
        "read_timeout_after_sent",
        "emulator",
        TIMEOUT,
        1,
        latency_beyond_read_timeout,
        expires="read",
    ),
    Fault("closed_before_answer", "emulator", ERROR, 1, emulator("reset", when="before")),
    Fault("closed_mid_response", "emulator", ERROR, 1, emulator("reset", when="mid")),
    Fault("rst_before_answer", "rst_before_answer", ERROR, 1),
    Fault("rst_mid_headers", "rst_mid_headers", ERROR, 1),
    Fault("rst_mid_body", "rst_mid_body", ERROR, 1),
    Fault("http_500", "emulator", ERROR, 1, emulator("status", status=500), oz_error_code=0),
    Fault(
        "http_500_retry_after",
        "emulator",
        ERROR,
        1,
        emulator("status", status=500, retry_after=7),
        oz_error_code=0,
    ),
    Fault("http_502", "emulator", ERROR, 1, emulator("status", status=502), oz_error_code=0),
    Fault(
        "http_502_retry_after",
        "emulator",
        ERROR,
        1,
        emulator("status", status=502, retry_after=7),
        oz_error_code=0,
    ),
    Fault(
        "http_503",
        "emulator",
        UNAVAILABLE,
        1,
        emulator("status", status=503),
        oz_error_code=0,
        retry_after="5",
    ),
    Fault(
        "http_503_retry_after",
        "emulator",
        UNAVAILABLE,
        1,
        emulator("status", status=503, retry_after=7),
        oz_error_code=0,
        retry_after="7",
    ),
    Fault(
        "http_503_retry_after_capped",
        "emulator",
        UNAVAILABLE,
        1,
        emulator("status", status=503, retry_after=3600),
        oz_error_code=0,
        retry_after="60",
    ),
    Fault("html_instead_of_json_200", "emulator", ERROR, 1, emulator("html", status=200)),
    Fault("html_instead_of_json_502", "emulator", ERROR, 1, emulator("html", status=502)),
    Fault("malformed_json", "emulator", ERROR, 1, emulator("malformed_json")),
    Fault("truncated_json", "emulator", ERROR, 1, emulator("truncated_json")),
    # A 201 folder (200 session token) without the fields the product needs. Health only reads
    # that Oz answers a JSON object, so the fault does not apply to it.
    Fault("answer_missing_fields", "emulator", ERROR, 1, missing_fields, applies=_not_health),
    # Oz refuses our token and no other version of the secret exists: no retry.
    Fault("auth_401_no_other_token", "emulator", CONFIG, 1, auth_everywhere(401, 7), 7),
    Fault("auth_403_no_other_token", "emulator", CONFIG, 1, auth_everywhere(403, 9), 9),
    # A rotated token is available: exactly one retry, with it, and success. Health sends no
    # token to Oz, so these do not apply to it.
    Fault(
        "auth_401_rotated_pending",
        "emulator",
        None,
        2,
        rotation_pending_old_deleted,
        applies=_token_sender,
    ),
    Fault(
        "auth_403_rotated_pending",
        "emulator",
        None,
        2,
        rotation_pending_403,
        applies=_token_sender,
    ),
    Fault(
        "auth_401_rotated_current_stale_cache",
        "emulator",
        None,
        2,
        rotation_finished_stale_cache,
        applies=_token_sender,
    ),
    Fault(
        "auth_401_rotated_token_also_rejected",
        "emulator",
        CONFIG,
        2,
        rotated_token_also_rejected,
        oz_error_code=7,
        applies=_token_sender,
    ),
)

MATRIX = [
    pytest.param(call, fault, id=f"{call.name}-{fault.name}")
    for call in CALLS
    for fault in FAULTS
    if fault.applies(call)
]


# --- reading what came out ------------------------------------------------------------------


def emf_metrics(stdout: str) -> dict[str, Any]:
    """Metric name -> value of every EMF document the invocation printed."""
    metrics: dict[str, Any] = {}
    for line in stdout.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                metrics[metric["Name"]] = document[metric["Name"]]
    return metrics


def logged(caplog: pytest.LogCaptureFixture, message: str, **fields: Any) -> list[Any]:
    return [
        r
        for r in caplog.records
        if r.getMessage() == message
        and all(getattr(r, name, None) == value for name, value in fields.items())
    ]


def settle(oz: OzEmulator) -> None:
    """Wait until the emulator has finished every request it got (a latency fault keeps
    sleeping after the client gave up), so nothing spills into the next case."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if all(r.status is not None or r.fault == "reset" for r in oz.requests):
            return
        time.sleep(0.02)


def prepare_event(case: Case) -> dict[str, Any]:
    """The API Gateway event for the call, with what it needs minted before any fault."""
    call = case.call
    event = load_event(call.event)
    if call.function == "capsule_relay":
        session_token = case.api.get_session_token(access_token=case.tokens["old"])
        case.capsule = make_capsule(session_token, scenario="success", person="alice", size=16384)
        event["body"] = base64.b64encode(case.capsule).decode()
    elif call.function == "biometry":
        # A receipt as the relay issues one: signed, its best shot in the store.
        receipts = ReceiptTokens.from_environment()
        claims = receipts.new_claims(
            folder_id="faults-folder", event_session_id="faults-session", subject=None
        )
        ReceiptStore.from_environment().put_issued(
            claims, base64.b64encode(make_face_jpeg("alice")).decode()
        )
        event["body"] = json.dumps(
            {
                "receipt": receipts.sign(claims),
                "reference_photo": base64.b64encode(make_face_jpeg("alice")).decode(),
            }
        )
    return event


# --- the matrix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reached:
    """What reached Oz during the invocation."""

    received: int  # requests on the call's path
    bodies: list[bytes | None]
    tokens: list[str | None]  # SHA-256 of the token header of each request
    first_status: int | None  # the emulator's answer to the first request


def what_reached_oz(case: Case, fault: Fault, raw: RawOz | None) -> Reached:
    path = case.call.path
    if fault.where == "emulator":
        recorded = case.oz.requests
        assert [r.path for r in recorded] == [path] * len(recorded), "only the call's path"
        return Reached(
            len(recorded),
            [r.raw_body for r in recorded],
            [r.token_sha256 for r in recorded],
            recorded[0].status if recorded else None,
        )
    assert case.oz.requests == []
    if raw is None:  # refused or blackholed: nothing can have arrived
        return Reached(0, [], [], None)
    raw_requests = raw.received()
    assert [r.path for r in raw_requests] == [path] * len(raw_requests), "only the call's path"
    return Reached(
        len(raw_requests),
        [r.body for r in raw_requests],
        [r.token_sha256 for r in raw_requests],
        None,
    )


def check_requests(case: Case, fault: Fault, reached: Reached, attempts: int) -> None:
    """The request count, the connection attempts, the capsule's bytes and the tokens."""
    assert reached.received == fault.received, f"Oz received {reached.received} requests"
    if fault.connects is not None:
        assert attempts == fault.connects, f"{attempts} connection attempts"
    assert attempts <= 2, f"{attempts} connection attempts"
    if case.call.capsule:
        # Byte for byte, and a second time only after Oz refused the token (module docstring).
        assert all(body == case.capsule for body in reached.bodies)
        if reached.received > 1:
            assert fault.name.startswith("auth_")
            assert reached.first_status in (401, 403)
    if not fault.never_connected:
        expected = [
            token_sha256(case.tokens[role]) if role else None for role in case.expected_tokens
        ]
        assert reached.tokens == expected[: reached.received], "which token each request carried"


def production_seconds(
    case: Case, fault: Fault, reached: Reached, attempts: int, elapsed: float
) -> float:
    """The invocation's time with the template's timeouts: each timeout that expired counted
    at full length, the rest (our own work) as measured."""
    full = template_timeouts(case.call.resource)
    if fault.expires == "connect":
        waited, at_full_length = attempts * case.timeouts.connect, attempts * full.connect
    elif fault.expires == "read":
        waited = reached.received * case.timeouts.read
        at_full_length = reached.received * full.read
    else:
        waited = at_full_length = 0.0
    assert elapsed >= 0.98 * waited, f"{elapsed:.3f} s: the timeouts did not expire as modelled"
    return elapsed - waited + at_full_length


def check_answer_and_signal(
    case: Case,
    fault: Fault,
    answer: tuple[int, dict[str, Any], dict[str, str]],
    stdout: str,
    caplog: pytest.LogCaptureFixture,
) -> tuple[str, str]:
    """The status, body and headers, and the operator's signal; returns (code, alarm)."""
    status, body, headers = answer
    call = case.call
    metrics = emf_metrics(stdout)
    errors = {name for name in metrics if name.startswith("Error.")}
    if fault.code is None:  # bridged by the one retry
        assert status == 200, body
        if call.function == "session_token":
            assert body["session_token"]
        elif call.capsule:  # the direct relay and the upload check
            assert body["decision"] == "ACCEPT"
            assert body["receipt"]
        else:
            assert body["decision"] == "MATCH"
        assert metrics.get(call.success_metric) == [1.0], metrics
        assert errors == set()
        [line] = logged(caplog, RETRY_LOG, secret_stage=case.retry_stage)
        assert line.levelname == "WARNING"
        signal = f"log WARNING {RETRY_LOG!r} (secret_stage {case.retry_stage})"
        if case.retry_stage == secrets.PENDING:  # a rotation between testSecret and finishSecret
            assert metrics.get(PENDING_METRIC) == [1.0], metrics
            return "-", f"EMF metric {PENDING_METRIC}; {signal}"
        assert PENDING_METRIC not in metrics
        return "-", signal
    code = fault.code
    if call.envelope:
        assert status == DESIGN_STATUS[code]
        assert set(body) == {"error"}
        error = body["error"]
        assert set(error) == ENVELOPE_KEYS
        assert error["code"] == code
        assert error["retryable"] is RETRYABLE[code]
        assert error["oz_error_code"] == fault.oz_error_code
        assert error["request_id"] == case.event["requestContext"]["requestId"]
        assert isinstance(error["message"], str)
        assert error["message"]
        assert headers["Cache-Control"] == "no-store"
        assert headers.get("Retry-After") == fault.retry_after
        alarm = f"Error.{code}"
        assert metrics.get(alarm) == [1.0], f"EMF metric {alarm}: {metrics}"
        assert errors == {alarm}
        [line] = logged(caplog, "request failed", error_code=code)
        assert line.levelname == "ERROR"
        assert line.oz_error_code == fault.oz_error_code
        return code, alarm
    # Health answers its checks body with 503; it publishes no metric of its own: its alarm is
    # the API's 5XXError, and its log line carries the code.
    assert status == 503
    assert body == {
        "status": "fail",
        "checks": {
            "configuration": {"status": "ok"},
            "oz_token_secret": {"status": "ok"},
            "oz_api": {"status": "fail", "code": code},
        },
    }
    [line] = logged(caplog, "health check failed", error_code=code)
    assert line.levelname == "WARNING"
    assert errors == set()
    assert ("AWS/ApiGateway", "5XXError") in template_alarms()
    return code, f"AWS/ApiGateway 5XXError; log WARNING 'health check failed' error_code={code}"


@dataclass
class FaultedRun:
    """One invocation under a fault: the answer, what reached Oz, and the time it took."""

    answer: Any
    stdout: str
    reached: Reached
    attempts: int
    elapsed: float
    production: float
    budget: float


def run_under_fault(
    case: Case,
    fault: Fault,
    *,
    connections: ConnectionSpy,
    raw_oz: Callable[[str], RawOz],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> FaultedRun:
    """Point the function's Oz URL where ``fault`` lives, invoke it once with ``case.event``,
    and check what reached Oz and that the template's timeouts bound the time it took."""
    oz = case.oz
    # Where the function's Oz URL points.
    raw: RawOz | None = None
    if fault.where == "emulator":
        url = oz.url
    elif fault.where == "refused":
        url = f"http://{LOOPBACK}:{closed_port()}"
    elif fault.where == "blackhole":
        url = f"http://{LOOPBACK}:{request.getfixturevalue('blackhole').port}"
    else:
        raw = raw_oz(fault.where)
        url = raw.url
    monkeypatch.setenv("OZ_API_URL", url)
    monkeypatch.setenv("OZ_CONNECT_TIMEOUT_SECONDS", str(case.timeouts.connect))
    monkeypatch.setenv("OZ_READ_TIMEOUT_SECONDS", str(case.timeouts.read))
    if fault.inject is not None:
        fault.inject(case)
    oz.clear_requests()
    connections.reset()
    capsys.readouterr()
    caplog.clear()

    started = time.monotonic()
    answer = invoke(case.call.function, case.event)
    elapsed = time.monotonic() - started
    stdout = capsys.readouterr().out
    settle(oz)

    reached = what_reached_oz(case, fault, raw)
    attempts = connections.attempts(int(url.rsplit(":", 1)[1]))
    check_requests(case, fault, reached, attempts)
    production = production_seconds(case, fault, reached, attempts, elapsed)
    budget = template_timeouts(case.call.resource).function
    assert production < budget, (
        f"{production:.3f} s with the template's timeouts (measured {elapsed:.3f} s with "
        f"them x {SCALE}) is not below the function timeout {budget} s"
    )
    return FaultedRun(answer, stdout, reached, attempts, elapsed, production, budget)


@pytest.mark.parametrize(("call", "fault"), MATRIX)
def test_oz_fault(
    call: OzCall,
    fault: Fault,
    oz: OzEmulator,
    api: OzApi,
    service_user: Any,
    deployed: Any,
    connections: ConnectionSpy,
    raw_oz: Callable[[str], RawOz],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    case = Case(
        call=call,
        oz=oz,
        api=api,
        service_user=service_user,
        secretsmanager=deployed,
        timeouts=template_timeouts(call.resource).scaled(),
        tokens={"old": service_user.access_token},
        expected_tokens=("old",) if call.sends_token else (None,),
    )
    case.event = prepare_event(case)

    run = run_under_fault(
        case,
        fault,
        connections=connections,
        raw_oz=raw_oz,
        request=request,
        monkeypatch=monkeypatch,
        capsys=capsys,
        caplog=caplog,
    )
    answer, stdout, reached = run.answer, run.stdout, run.reached
    code, alarm = check_answer_and_signal(case, fault, answer, stdout, caplog)

    record(
        "faults",
        call=call.name,
        function=call.function,
        fault=fault.name,
        status=answer[0],
        code=code,
        seconds=round(run.elapsed, 3),
        production_seconds=round(run.production, 3),
        budget=run.budget,
        oz_requests=reached.received,
        connects=run.attempts,
        alarm=alarm,
    )
