"""Sign-in, refresh, session tokens, version: ``/api/authorize/*`` and ``/api/version``."""

from __future__ import annotations

from werkzeug import Response

from oz_emulator import errors
from oz_emulator.errors import OzError
from oz_emulator.recorder import TOKEN_HEADER
from oz_emulator.state import Call
from oz_emulator.web import field, json_object, json_response

EMULATOR_NAME = "oz-emulator 1.0.0"


def not_provided() -> OzError:
    return OzError(401, errors.AUTH_NOT_PROVIDED, "Authentication credentials were not provided")


def authorize(call: Call) -> Response:
    """``POST /api/authorize/auth/``."""
    body = json_object(call.request)
    email = field(body, "credentials.email")
    password = field(body, "credentials.password")
    user, session = call.state.store.sign_in(email, password)
    version = call.state.options.api_version
    return json_response({**session.to_json(), "user": user.to_json(version)})


def refresh(call: Call) -> Response:
    """``POST /api/authorize/refresh/``: the old pair lives until the new one is first used."""
    body = json_object(call.request)
    expire_token = field(body, "expire_token")
    access_token = call.request.headers.get(TOKEN_HEADER)
    if not access_token:
        raise not_provided()
    session = call.state.store.refresh(access_token, expire_token)
    return json_response(session.to_json())


def session_token(call: Call) -> Response:
    """``GET /api/authorize/session_token``: one ES384 JWT per capture."""
    session = call.caller.session
    token = call.state.session_tokens.issue(
        session.user_id if session else None, session.session_id if session else None
    )
    return json_response({"session_token": token})


def version(call: Call) -> Response:
    """``GET /api/version`` (no auth)."""
    options = call.state.options
    return json_response(
        {
            "core": options.oz_version,
            "api": options.oz_version,
            "api_version": options.api_version,
            "mode": "instant",
            "emulator": EMULATOR_NAME,
        }
    )
