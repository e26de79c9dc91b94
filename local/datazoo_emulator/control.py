"""The ``/_emulator/`` control surface: the Oz emulator's handlers, and this emulator's config.

GET    /_emulator/config          settings (no password), clock offset
GET    /_emulator/faults          active faults
POST   /_emulator/faults          {"path", "kind", "count"?, "method"?, ...kind parameters}
DELETE /_emulator/faults          remove all faults
DELETE /_emulator/faults/{id}     remove one fault
GET    /_emulator/requests        recorded requests (?path=prefix)
DELETE /_emulator/requests        forget recorded requests
POST   /_emulator/reset           faults, requests, clock; {"state": true} also issued tokens
POST   /_emulator/clock           {"advance": seconds}: move the emulator's time forward
"""

from __future__ import annotations

from werkzeug import Response
from werkzeug.routing import Map, Rule

from oz_emulator import control as oz
from oz_emulator.state import Call
from oz_emulator.web import json_response


def config(call: Call) -> Response:
    state = call.state
    return json_response(
        {"options": state.options.public(), "clock_offset": state.clock.offset}  # type: ignore[attr-defined]
    )


RULES = Map(
    [
        Rule("/_emulator/config", endpoint=config, methods=["GET"]),
        Rule("/_emulator/faults", endpoint=oz.list_faults, methods=["GET"]),
        Rule("/_emulator/faults", endpoint=oz.add_fault, methods=["POST"]),
        Rule("/_emulator/faults", endpoint=oz.clear_faults, methods=["DELETE"]),
        Rule("/_emulator/faults/<int:fault_id>", endpoint=oz.remove_fault, methods=["DELETE"]),
        Rule("/_emulator/requests", endpoint=oz.list_requests, methods=["GET"]),
        Rule("/_emulator/requests", endpoint=oz.clear_requests, methods=["DELETE"]),
        Rule("/_emulator/reset", endpoint=oz.reset, methods=["POST"]),
        Rule("/_emulator/clock", endpoint=oz.clock, methods=["POST"]),
    ]
)
