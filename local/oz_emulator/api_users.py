"""Companies, users and service tokens (the seed-002 flow), API 5 and API 6 shapes."""

from __future__ import annotations

from typing import Any

from werkzeug import Response

from oz_emulator import errors
from oz_emulator.accounts import ADMIN, CLIENT, CLIENT_SERVICE, PERMISSION_KINDS, User
from oz_emulator.errors import OzError
from oz_emulator.state import Call, EmulatorState
from oz_emulator.web import field, json_object, json_response

USER_TYPES = {
    5: {ADMIN, CLIENT, "CLIENT_ADMIN", "CLIENT_OPERATOR", "OPERATOR"},
    6: {ADMIN, CLIENT, "CLIENT_ADMIN", "CLIENT_OPERATOR", CLIENT_SERVICE, "OPERATOR"},
}
# API 5 reads can_start_analyse_*; API 6 also reads the can_start_analysis_* of its examples.
PERMISSION_PREFIXES = {5: ("can_start_analyse_",), 6: ("can_start_analyse_", "can_start_analysis_")}


def _invalid(message: str) -> OzError:
    return OzError(400, errors.INVALID_VALUE, message)


def _optional(profile: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    value = profile.get(key, default)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise OzError(400, errors.INVALID_TYPE, f"Field profile.{key} must be {kind.__name__}")
    return value


def _account_type(profile: dict[str, Any], version: int) -> tuple[str, bool]:
    """(user_type, is_service) from a profile, refusing the other API version's shape."""
    user_type = _optional(profile, "user_type", str, CLIENT)
    is_service = _optional(profile, "is_service", bool, False)
    if user_type not in USER_TYPES[version]:
        hint = " (API 5 marks service users with is_service)" if user_type == CLIENT_SERVICE else ""
        raise _invalid(f"Invalid user_type {user_type!r} for API {version}{hint}")
    if version >= 6:
        if is_service:
            raise _invalid(
                "API 6 marks service users with user_type CLIENT_SERVICE, not is_service"
            )
        return user_type, user_type == CLIENT_SERVICE
    if is_service and user_type != CLIENT:
        raise _invalid("is_service applies to user_type CLIENT only")
    return user_type, is_service


def _permissions(profile: dict[str, Any], version: int) -> dict[str, bool]:
    granted = dict.fromkeys(PERMISSION_KINDS, False)
    for prefix in PERMISSION_PREFIXES[version]:
        for kind in PERMISSION_KINDS:
            granted[kind] = _optional(profile, prefix + kind, bool, False) or granted[kind]
    return granted


def create_company(call: Call) -> Response:
    """``POST /api/companies/`` (admin)."""
    name = field(json_object(call.request), "name")
    return json_response(call.state.store.create_company(name).to_json(), 201)


def create_user(call: Call) -> Response:
    """``POST /api/users/`` (admin)."""
    store, version = call.state.store, call.state.options.api_version
    body = json_object(call.request)
    email = field(body, "credentials.email")
    password = field(body, "credentials.password")
    profile = field(body, "profile", dict)
    if "@" not in email:
        raise _invalid("Invalid email")
    user_type, is_service = _account_type(profile, version)
    company_id = _optional(profile, "company_id", str, None)
    if company_id is not None and not store.has_company(company_id):
        raise OzError(400, errors.DOES_NOT_EXIST, f"Company {company_id} does not exist")
    user = store.create_user(
        email,
        password,
        user_type=user_type,
        is_service=is_service,
        permissions=_permissions(profile, version),
        company_id=company_id,
        first_name=_optional(profile, "first_name", str, ""),
        last_name=_optional(profile, "last_name", str, ""),
    )
    return json_response(user.to_json(version), 201)


def _existing_user(state: EmulatorState, user_id: str) -> User:
    user = state.store.user(user_id)
    if user is None:
        raise OzError(404, errors.DOES_NOT_EXIST, f"User {user_id} does not exist")
    return user


def get_user(call: Call, user_id: str) -> Response:
    """``GET /api/users/{user_id}``: admins read anyone, others themselves."""
    caller = call.caller.user
    if caller is not None and not caller.is_admin and caller.user_id != user_id:
        raise OzError(403, errors.FORBIDDEN, "You do not have permission to perform this action")
    return json_response(
        _existing_user(call.state, user_id).to_json(call.state.options.api_version)
    )


def service_token(call: Call, user_id: str | None = None) -> Response:
    """API 6 ``/api/authorize/service_token/{user_id}``; API 5 ``/api/authorize/service_token``
    for ``?user_id=`` or else the most recently created service user (ASSUMPTION)."""
    user_id = user_id or call.request.args.get("user_id")
    if user_id:
        user = _existing_user(call.state, user_id)
    else:
        latest = call.state.store.latest_service_user()
        if latest is None:
            raise OzError(404, errors.DOES_NOT_EXIST, "No service user exists")
        user = latest
    if not user.is_service:
        raise _invalid(f"User {user.user_id} is not a service user")
    session = call.state.store.issue_service_token(user)
    return json_response({"token_id": session.token_id, **session.to_json()})
