"""``POST /api/instant/folders/``: an OzCapsula container, or a multipart biometry request."""

from __future__ import annotations

import json
import time
from typing import Any

from werkzeug import Request, Response

from oz_emulator import errors
from oz_emulator.capsule.format import SCENARIOS, CapsuleError, open_capsule, unpack_media
from oz_emulator.errors import OzError, invalid_container
from oz_emulator.faces import image_kind, person_in
from oz_emulator.folders import FolderMedia, biometry_folder, liveness_folder
from oz_emulator.options import MAX_FILE_BYTES, MAX_FILES
from oz_emulator.session_tokens import SessionTokenRejected
from oz_emulator.state import Call, EmulatorState
from oz_emulator.web import json_response

CONTAINER_TYPE = "application/octet-stream"
PHOTO_TAGS = {"photo_selfie", "photo_id", "photo_id_front", "photo_id_back", "video_selfie"}
TAG_PREFIXES = ("video_selfie_", "orientation_")
REQUEST_ANALYSES = {"biometry", "quality", "documents", "blacklist"}


def _forbidden(kind: str) -> OzError:
    return OzError(403, errors.FORBIDDEN, f"You have no permission to start {kind} analyses")


def instant_folder(call: Call) -> Response:
    """Multipart: biometry over the uploaded images; anything else: a container (liveness)."""
    if call.request.mimetype == "multipart/form-data":
        if not call.caller.may("biometry"):
            raise _forbidden("biometry")
        return json_response(_biometry(call.state, call.request), 201)
    if not call.caller.may("quality"):
        raise _forbidden("quality")
    return json_response(_liveness(call.state, call.request), 201)


def _liveness(state: EmulatorState, request: Request) -> dict[str, Any]:
    if request.mimetype != CONTAINER_TYPE:
        content_type = request.headers.get("Content-Type")
        raise invalid_container(errors.NO_CONTAINER, f"Content-Type {content_type!r}")
    body = request.get_data(cache=True)
    if not body:
        raise invalid_container(errors.NO_CONTAINER, "empty body")
    try:
        sealed = open_capsule(body)
        claims = state.session_tokens.verify(sealed.session_token)
        # Spent as soon as it passes: whatever follows, the same container is a replay.
        state.session_tokens.spend(claims["jti"])
        media = unpack_media(sealed.payload)
    except CapsuleError as error:
        raise invalid_container(error.error_code, error.reason) from None
    except SessionTokenRejected as error:
        raise invalid_container(errors.INVALID_CONTAINER, str(error)) from None
    scenario = sealed.header.get("scenario")
    if scenario not in SCENARIOS:
        raise invalid_container(errors.INVALID_TYPE, f"unknown scenario {scenario!r}")
    _analyse(state)
    return liveness_folder(
        str(scenario),
        [FolderMedia(item.name, item.tags, item.data) for item in media],
        sealed.header.get("event_session_id"),
        state.clock.now(),
    )


def _analyse(state: EmulatorState) -> None:
    if state.options.analysis_delay:
        time.sleep(state.options.analysis_delay)


def _structure(message: str) -> OzError:
    return OzError(400, errors.INVALID_STRUCTURE, message)


def _invalid(message: str) -> OzError:
    return OzError(400, errors.INVALID_VALUE, message)


def _payload(request: Request) -> dict[str, Any]:
    if "payload" not in request.form:
        where = " (sent as a file; it must be a text part)" if "payload" in request.files else ""
        raise _structure("Multipart request lacks the text part 'payload'" + where)
    extra = [name for name in request.form if name != "payload"]
    if extra:
        raise _structure(f"Unexpected text parts: {', '.join(extra)}")
    try:
        payload = json.loads(request.form["payload"])
    except ValueError:
        raise _structure("payload is not valid JSON") from None
    if not isinstance(payload, dict):
        raise _structure("payload must be a JSON object")
    for key, kind in (("media:tags", dict), ("analyses", list)):
        if key not in payload:
            raise errors.missing_field(key)
        if not isinstance(payload[key], kind):
            raise _structure(f"payload {key} must be a JSON {kind.__name__}")
    if not isinstance(payload.get("folder:meta_data", {}), dict):
        raise _structure("payload folder:meta_data must be a JSON object")
    return payload


def _check_analyses(analyses: list[Any]) -> None:
    if not analyses:
        raise _invalid("payload analyses is empty")
    for analysis in analyses:
        kind = analysis.get("type") if isinstance(analysis, dict) else None
        if not isinstance(kind, str):
            raise _structure("Every analysis needs a string 'type'")
        if kind != kind.lower():
            raise _invalid(f"Analysis type {kind!r}: request types are lowercase")
        if kind not in REQUEST_ANALYSES:
            raise _invalid(f"Unknown analysis type {kind!r}")
        if kind != "biometry":
            raise OzError(
                501, errors.NOT_IMPLEMENTED, f"The emulator runs only biometry, not {kind!r}"
            )


def _check_tags(key: str, tags: Any) -> tuple[str, ...]:
    if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
        raise _invalid(f"media:tags[{key!r}] must be a non-empty list of tags")
    for tag in tags:
        if tag not in PHOTO_TAGS and not tag.startswith(TAG_PREFIXES):
            raise _invalid(f"Unknown media tag {tag!r}")
    return tuple(tags)


def _media(request: Request, media_tags: dict[str, Any]) -> list[FolderMedia]:
    uploads = list(request.files.items(multi=True))
    if len(uploads) > MAX_FILES:
        raise _invalid(f"At most {MAX_FILES} files per request")
    names = [name for name, _ in uploads]
    if len(set(names)) != len(names):
        raise _invalid("Two file parts share one name")
    for key in media_tags:
        if key not in names:
            raise _invalid(f"media:tags names {key!r} but no file part has that name")
    media = []
    for name, upload in uploads:
        if upload.filename != name:
            raise _invalid(f"Media file key {name!r} and its filename {upload.filename!r} differ")
        if name not in media_tags:
            raise _invalid(f"Media file {name!r} has no entry in media:tags")
        tags = _check_tags(name, media_tags[name])
        data = upload.read()
        if len(data) > MAX_FILE_BYTES:
            raise _invalid(f"Media file {name!r} is larger than {MAX_FILE_BYTES} bytes")
        if image_kind(data) is None:
            raise OzError(400, errors.INVALID_TYPE, f"Media file {name!r} is not a JPEG or PNG")
        media.append(FolderMedia(name, tags, data, person=person_in(data)))
    if len(media) < 2:
        raise _invalid("Biometry needs at least two media")
    return media


def _biometry(state: EmulatorState, request: Request) -> dict[str, Any]:
    payload = _payload(request)
    _check_analyses(payload["analyses"])
    media = _media(request, payload["media:tags"])
    _analyse(state)
    return biometry_folder(media, payload.get("folder:meta_data", {}), state.clock.now())
