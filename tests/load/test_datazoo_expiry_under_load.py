"""No verify fails while the Data Zoo token expires mid-traffic and the rotation renews it.

Warm containers are threads, each with its own Data Zoo client and token source (its own cache
age), each running the layer's identity-verify use case in a loop. Data Zoo is the emulator,
whose clock the test moves so that tokens really expire; Secrets Manager is moto. The test
drives the rotation through the real rotation handler, as Secrets Manager would, and lets the
old token expire at the two moments that matter: after the rotation finished (readers still
cache the old token), and between createSecret and finishSecret (the new token is only
AWSPENDING).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import pytest
from datazoo_fixtures import DATAZOO_TOKEN_SECRET
from datazoo_rotation_support import STEPS, enable_rotation, invoke_step
from rotation_support import start_rotation, value

from idv.datazoo.calls import DataZooCalls
from idv.datazoo.client import DataZooApi, KycQuery
from idv.datazoo.outcomes import KycOutcome
from idv.datazoo.token import DataZooTokenSource
from idv.usecases.verify_identity import verify_identity

# Bound by wall-clock time: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.load

HOURS = 3600.0
MAX_AGES = (0, 1, 5, 300, 300, 300)  # seconds each container caches the secret
PAUSE = 0.4
QUERY = KycQuery(
    country_code="AU",
    services=("Australia Residential",),
    consent={"Australia Residential": True},
    client_reference="load",
    first_name="John",
    last_name="Smith",
    date_of_birth="1980-01-31",
)


@dataclass
class Container:
    datazoo: DataZooCalls
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    times: list[tuple[float, float]] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            started = time.time()
            try:
                outcome = verify_identity(QUERY, self.datazoo).outcome
            except Exception as error:  # every failure is collected, then the test fails
                self.failures.append(f"{type(error).__name__}: {error}")
            else:
                if outcome is KycOutcome.VERIFIED:
                    self.ok += 1
                else:
                    self.failures.append(f"outcome {outcome}")
            self.times.append((started, time.time()))


@pytest.fixture
def secret_arn(kyc_deployed) -> str:
    arn = kyc_deployed.describe_secret(SecretId=DATAZOO_TOKEN_SECRET)["ARN"]
    enable_rotation(kyc_deployed, arn)
    return arn


def containers(datazoo_url: str, secret_arn: str) -> list[Container]:
    return [
        Container(
            DataZooCalls(
                DataZooApi(datazoo_url, connect_timeout=1, read_timeout=5),
                DataZooTokenSource(secret_arn, max_age=max_age),
            )
        )
        for max_age in MAX_AGES
    ]


def test_no_verify_fails_while_the_token_expires_and_rotates(datazoo, kyc_deployed, secret_arn):
    warm = containers(datazoo.api_url, secret_arn)
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in warm]
    windows: list[tuple[float, float]] = []  # from the old token's expiry to the next pause
    tokens_seen = [value(kyc_deployed, secret_arn)["session_token"]]
    try:
        for thread in threads:
            thread.start()
        time.sleep(PAUSE)

        # 1. Rotation four hours into the token's life; the old token expires four hours later,
        #    when every container still caches it.
        datazoo.clock.advance(4 * HOURS)
        token = start_rotation(secret_arn)
        for step in STEPS:
            invoke_step(step, secret_arn, token)
            time.sleep(PAUSE / 4)
        tokens_seen.append(value(kyc_deployed, secret_arn)["session_token"])
        time.sleep(PAUSE)
        expired = time.time()
        datazoo.clock.advance(4 * HOURS + 60)
        time.sleep(PAUSE)
        windows.append((expired, time.time()))

        # 2. The next rotation stores its token as AWSPENDING; the current token expires
        #    before finishSecret: readers must find the pending one.
        token = start_rotation(secret_arn)
        invoke_step("create_secret", secret_arn, token)
        pending = value(kyc_deployed, secret_arn, "AWSPENDING")["session_token"]
        time.sleep(PAUSE / 2)
        expired = time.time()
        datazoo.clock.advance(4 * HOURS)
        time.sleep(PAUSE)
        windows.append((expired, time.time()))
        for step in STEPS[1:]:
            invoke_step(step, secret_arn, token)
            time.sleep(PAUSE / 4)
        assert value(kyc_deployed, secret_arn)["session_token"] == pending
        tokens_seen.append(pending)
        time.sleep(PAUSE)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    failures = [f for c in warm for f in c.failures]
    calls = [t for c in warm for t in c.times]
    during = [t for t in calls if any(t[1] >= a and t[0] <= b for a, b in windows)]
    verifies = [r for r in datazoo.requests if r.path == "/api/v2/verify"]
    rejected = sum(1 for r in verifies if r.status == 401)
    summary = {
        "containers": len(warm),
        "verifies": sum(c.ok for c in warm),
        "verifies_after_an_expiry": len(during),
        "expired_token_rejections_bridged": rejected,
        "tokens": len(set(tokens_seen)),
        "failures": len(failures),
    }
    print("\ntoken expiry under load:", json.dumps(summary))
    assert failures == [], failures[:8]
    assert len(set(tokens_seen)) == 3
    assert summary["verifies"] > 100
    assert len(during) > 20
    # Cached tokens really expired in Data Zoo, and each rejection was bridged by one retry.
    assert rejected >= 2
    assert len(verifies) == summary["verifies"] + rejected
