"""`make demo`: drive the whole flow against the local stack, as a front end and its server would.

Uses the stack `make local` started (it leaves its URLs in .local-stack/product.json), or starts
one for the length of the demo. Each step prints what it sent and what came back.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from oz_emulator import make_capsule, make_face_jpeg
from stack.product import ROOT, STATE_FILE, run_product

TIMEOUT = 30
LARGE_CAPTURE_BYTES = 12 * 1024 * 1024  # above what a Lambda event can carry (4.4 MiB)


def show(step: str, response: requests.Response, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    body = response.json()
    shown = {k: v for k, v in body.items() if not keep or k in keep}
    for secret_field in ("session_token", "receipt", "best_shot"):
        if isinstance(shown.get(secret_field), str):
            shown[secret_field] = shown[secret_field][:16] + "..."
    print(f"\n== {step}\n   HTTP {response.status_code} {json.dumps(shown, indent=2)}")
    return body


def flow(api: str) -> None:
    http = requests.Session()

    def session_token() -> requests.Response:
        return http.post(f"{api}/v1/session-token", timeout=TIMEOUT)

    def liveness(capsule: bytes, query: str = "") -> requests.Response:
        return http.post(
            f"{api}/v1/liveness{query}",
            data=capsule,
            headers={"Content-Type": "application/octet-stream"},
            timeout=TIMEOUT,
        )

    def capture(person: str = "alice", scenario: str = "success") -> bytes:
        token = session_token().json()["session_token"]
        return make_capsule(token, person=person, scenario=scenario, size=512 * 1024)

    show("1. session token (front end)", session_token())
    capsule = capture()
    print(f"\n== 2. the SDK stand-in captures 'alice' into a {len(capsule)}-byte container")
    accepted = show("3. liveness (front end posts the raw container)", liveness(capsule))
    show(
        "4. the same container again (a retry after a lost answer: same answer, no Oz call)",
        liveness(capsule),
        keep=("decision", "folder_id", "receipt"),
    )
    # The browser hands the receipt to its own server; the server (IAM-signed when deployed)
    # either trusts the liveness result as it is, or face-matches with it. Either uses it up.
    receipt = {"receipt": accepted["receipt"]}
    show(
        "5. redeem (your server)",
        http.post(f"{api}/v1/receipts/redeem", json=receipt, timeout=TIMEOUT),
    )
    show(
        "6. redeem the same receipt again (refused: single use)",
        http.post(f"{api}/v1/receipts/redeem", json=receipt, timeout=TIMEOUT),
    )
    for step, person in (
        ("7. biometry with a new receipt, same person (your server)", "alice"),
        ("8. biometry with a new receipt, someone else", "bob"),
    ):
        fresh = liveness(capture()).json()["receipt"]
        reference = base64.b64encode(make_face_jpeg(person)).decode()
        body = {"receipt": fresh, "reference_photo": reference}
        show(step, http.post(f"{api}/v1/biometry", json=body, timeout=TIMEOUT))
    show(
        "9. a capture Oz declines (a spoof): no receipt",
        liveness(capture(scenario="declined")),
        keep=("decision", "receipt"),
    )
    large = make_capsule(
        session_token().json()["session_token"], person="alice", size=LARGE_CAPTURE_BYTES
    )
    print(f"\n== 10. a high-resolution capture: {len(large)} bytes, too large for /v1/liveness")
    ticket = show(
        "11. ask for an upload (front end): a presigned POST to S3",
        http.post(f"{api}/v1/liveness/uploads", timeout=TIMEOUT),
        keep=("upload_id", "url", "expires_at", "max_bytes"),
    )
    posted = requests.post(
        ticket["url"],
        data=ticket["fields"],
        files={"file": ("capsule", large, "application/octet-stream")},
        timeout=TIMEOUT,
    )
    print(f"\n== 12. the front end posts the container to S3\n   HTTP {posted.status_code}")
    check = f"{api}/v1/liveness/uploads/{ticket['upload_id']}/check"
    show("13. check the upload (streamed from S3 to Oz)", http.post(check, timeout=TIMEOUT))
    show(
        "14. check it again (a lost answer: same answer and receipt; the upload is gone)",
        http.post(check, timeout=TIMEOUT),
        keep=("decision", "folder_id", "receipt"),
    )
    services = ["Australia Residential", "Australia Credit Bureau"]
    person = {
        "country_code": "AU",
        "services": services,
        "client_reference": "demo-0001",
        "first_name": "John",
        "last_name": "Smith",
        "date_of_birth": "1980-01-31",
        "address_element1": "1 Example Street",
        "consent_obtained": dict.fromkeys(services, True),
    }
    # The Data Zoo emulator chooses its answer by last name (local/datazoo_emulator/README.md).
    for step, last_name in (
        ("15. identity data check with Data Zoo (your server, IAM-signed when deployed)", "Smith"),
        ("16. identity data check, a person no data source knows", "NotFound"),
    ):
        response = http.post(
            f"{api}/v1/identity/verify", json={**person, "last_name": last_name}, timeout=TIMEOUT
        )
        show(step, response, keep=("outcome", "services", "reporting_reference"))


@contextmanager
def api_url(explicit: str | None) -> Iterator[str]:
    if explicit:
        yield explicit
        return
    if STATE_FILE.exists():
        url = json.loads(STATE_FILE.read_text())["api_url"]
        try:
            requests.get(f"{url}/v1/health", timeout=5)
        except requests.RequestException:
            pass
        else:
            print(f"using the running local stack at {url}")
            yield url
            return
    print("no local stack running: starting one for the demo")
    with run_product(port=0, oz_port=0) as running:
        yield running.api_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    parser.add_argument("--api-url", help="an API to drive instead of the local stack")
    args = parser.parse_args(argv)
    if args.api_url is None and not (ROOT / ".aws-sam" / "build" / "template.yaml").exists():
        print("no built template: run `make build`", file=sys.stderr)
        return 2
    with api_url(args.api_url) as url:
        flow(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
