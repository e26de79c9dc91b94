"""The emulator's own HTTP control surface under ``/_emulator/`` (never faulted or recorded).

GET    /_emulator/config          settings (no password), session-token public key, clock
GET    /_emulator/faults          active faults
POST   /_emulator/faults          {"path", "kind", "count"?, "method"?, ...kind parameters}
DELETE /_emulator/faults          remove all faults
DELETE /_emulator/faults/{id}     remove one fault
GET    /_emulator/requests        recorded requests (?path=prefix), without raw bodies
DELETE /_emulator/requests        forget recorded requests
POST   /_emulator/reset           faults, requests, clock; {"state": true} also users/sessions
POST   /_emulator/clock           {"advance": seconds}: move the emulator's time forward
"""

from __future__ import annotations

from typing import Any

from werkzeug import Response
from werkzeug.routing import Map, Rule

from oz_emulator import errors
from oz_emulator.errors import OzError
from oz_emulator.state import Call
from oz_emulator.web import json_object, json_response

PREFIX = "/_emulator/"
FAULT_KEYS = ("path", "kind", "count", "method")


def _invalid(message: str) -> OzError:
    return OzError(400, errors.INVALID_VALUE, message)


def config(call: Call) -> Response:
    state = call.state
    return json_response(
        {
            "options": state.options.public(),
            "session_token_public_key": state.session_tokens.public_key_pem,
            "clock_offset": state.clock.offset,
        }
    )


def list_faults(call: Call) -> Response:
    return json_response({"faults": [fault.to_json() for fault in call.state.faults.list()]})


def add_fault(call: Call) -> Response:
    body = json_object(call.request)
    if not isinstance(body.get("path"), str) or not isinstance(body.get("kind"), str):
        raise _invalid("a fault needs string 'path' and 'kind'")
    params = {key: value for key, value in body.items() if key not in FAULT_KEYS}
    try:
        fault = call.state.faults.add(
            body["path"], body["kind"], body.get("count", 1), method=body.get("method"), **params
        )
    except (TypeError, ValueError) as error:
        raise _invalid(str(error)) from None
    return json_response(fault.to_json(), 201)


def clear_faults(call: Call) -> Response:
    call.state.faults.clear()
    return list_faults(call)


def remove_fault(call: Call, fault_id: int) -> Response:
    if not call.state.faults.remove(fault_id):
        raise OzError(404, errors.DOES_NOT_EXIST, f"No fault {fault_id}")
    return list_faults(call)


def list_requests(call: Call) -> Response:
    prefix = call.request.args.get("path", "")
    records = [r.to_json() for r in call.state.log.all() if r.path.startswith(prefix)]
    return json_response({"requests": records})


def clear_requests(call: Call) -> Response:
    call.state.log.clear()
    return json_response({"requests": []})


def reset(call: Call) -> Response:
    body: dict[str, Any] = json_object(call.request) if call.request.get_data() else {}
    everything = body.get("state", False)
    if not isinstance(everything, bool):
        raise _invalid("'state' must be true or false")
    call.state.reset(state=everything)
    return json_response({"reset": True, "state": everything})


def clock(call: Call) -> Response:
    seconds = json_object(call.request).get("advance")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
        raise _invalid("'advance' must be a number of seconds >= 0")
    return json_response({"offset": call.state.clock.advance(float(seconds))})


RULES = Map(
    [
        Rule("/_emulator/config", endpoint=config, methods=["GET"]),
        Rule("/_emulator/faults", endpoint=list_faults, methods=["GET"]),
        Rule("/_emulator/faults", endpoint=add_fault, methods=["POST"]),
        Rule("/_emulator/faults", endpoint=clear_faults, methods=["DELETE"]),
        Rule("/_emulator/faults/<int:fault_id>", endpoint=remove_fault, methods=["DELETE"]),
        Rule("/_emulator/requests", endpoint=list_requests, methods=["GET"]),
        Rule("/_emulator/requests", endpoint=clear_requests, methods=["DELETE"]),
        Rule("/_emulator/reset", endpoint=reset, methods=["POST"]),
        Rule("/_emulator/clock", endpoint=clock, methods=["POST"]),
    ]
)
