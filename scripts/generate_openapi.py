"""Write docs/openapi.json: the public API, generated from the handlers' own routes and models.

Each function has its own resolver; their OpenAPI documents are merged into one. Run:
`make openapi`. tests/unit/test_generated_files.py fails when the committed file is stale.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = (
    "session_token",
    "capsule_relay",
    "liveness_upload",
    "upload_check",
    "biometry",
    "redeem_receipt",
    "health",
    "identity_verify",
)
TARGET = ROOT / "docs" / "openapi.json"
# Powertools documents JSON bodies from the models; the raw container body is declared here.
RAW_BODIES = {
    ("/v1/liveness", "post"): {
        "required": True,
        "description": "The OzCapsula container exactly as the Oz SDK produced it.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def build() -> dict[str, Any]:
    for path in (ROOT, ROOT / "layers" / "idv", ROOT / "scripts"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from idv import __version__  # noqa: PLC0415
    from idv.api.responses import RESPONSE_MODELS  # noqa: PLC0415

    document: dict[str, Any] = {}
    for name in FUNCTIONS:
        module = importlib.import_module(f"functions.{name}.app")
        app = module.app
        schema = json.loads(
            app.get_openapi_json_schema(
                title="Oz liveness back end",
                version=__version__,
                description=(
                    "Session tokens, OzCapsula liveness relay, face matching, and identity "
                    "data checks (Data Zoo)."
                ),
            )
        )
        # Query parameters a non-validating function reads itself (api.inputs).
        parameters = [parameter.openapi() for parameter in getattr(module, "QUERY_PARAMETERS", ())]
        if parameters:
            for operation in (op for item in schema["paths"].values() for op in item.values()):
                # Path parameters stay as Powertools documents them (the upload id).
                path_parameters = [p for p in operation.get("parameters", []) if p["in"] == "path"]
                operation["parameters"] = path_parameters + parameters
        # A JSON body a non-validating function reads itself (api.json_body.JsonBody).
        body = getattr(module, "BODY", None)
        if body is not None:
            for operation in (op for item in schema["paths"].values() for op in item.values()):
                operation["requestBody"] = body.openapi()
            schema.setdefault("components", {}).setdefault("schemas", {})[body.title] = (
                body.schema()
            )
        if not document:
            document = schema
            document.setdefault("components", {}).setdefault("schemas", {})
        else:
            document["paths"].update(schema["paths"])
            document["components"]["schemas"].update(
                schema.get("components", {}).get("schemas", {})
            )
    document["components"]["schemas"].update(response_components(RESPONSE_MODELS))
    for (path, method), body in RAW_BODIES.items():
        document["paths"][path][method]["requestBody"] = body
    document["paths"] = dict(sorted(document["paths"].items()))
    document["components"]["schemas"] = dict(sorted(document["components"]["schemas"].items()))
    return document


def response_components(names: tuple[str, ...]) -> dict[str, Any]:
    """OpenAPI schemas of the error envelope and of every response model routes refer to."""
    import openapi_models  # noqa: PLC0415 - beside this script

    components: dict[str, Any] = {}
    for name in ("ErrorResponse", *names):
        model = getattr(openapi_models, name)
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[name] = schema
    return components


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(ROOT)}")
