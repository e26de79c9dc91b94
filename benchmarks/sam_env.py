"""Print each built function's environment, and the template's DynamoDB tables, exactly as the
local stack computes them (JSON).

Runs in the SAM CLI venv (``.venv-sam``, with ``local`` on PYTHONPATH): the local stack's
``RieLambdaRunner.launch_spec`` gives the template's variables (Globals + the function's own),
``--env-vars``-style overrides for the variables the template declares, the AWS_* variables
``sam local`` sets (``AWS_SAM_LOCAL=true``, function name, memory, fake credentials) and the
stack's endpoint overrides. The tables are ``stack.tables.template_tables``: named as the
functions' ``!Ref <table>`` resolve, with their keys and TTL attribute.

Usage: ``python -m benchmarks.sam_env REQUEST_JSON`` where the request is
``{"template", "parameters": {...}, "stack_env": {...}, "parameter_overrides": {...}}``
(``parameter_overrides``: template parameters and logical ids, as the local stack passes
``UploadsBucket``); prints
``{"functions": {function: {"cwd", "handler", "env"}}, "tables": [{"name", "resource",
"definition", "ttl_attribute"}]}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

from stack.runner import RieLambdaRunner
from stack.tables import template_tables

ACCOUNT_ID = "123456789012"


def environments(request: dict[str, Any]) -> dict[str, Any]:
    template = Path(request["template"]).resolve()
    stacks, _ = SamLocalStackProvider.get_stacks(
        str(template),
        parameter_overrides=request.get("parameter_overrides", {}),
        global_parameter_overrides={"AWS::Region": "us-east-1", "AWS::AccountId": ACCOUNT_ID},
    )
    provider = SamFunctionProvider(stacks)
    runner = RieLambdaRunner(
        provider,
        cwd=str(template.parent),
        python=sys.executable,  # replaced by the benchmark's own interpreter
        pool_factory=lambda spec: spec,  # never called: no worker is started here
        env_vars_values={"Parameters": request.get("parameters", {})},
        stack_env=request.get("stack_env", {}),
    )
    functions = {}
    for function in provider.get_all():
        spec = runner.launch_spec(function)
        functions[function.name] = {
            "cwd": str(spec.cwd),
            "handler": function.handler,
            "env": dict(spec.env),
        }
    tables = [
        {
            "name": table.name,
            "resource": table.resource,
            "definition": dict(table.definition),
            "ttl_attribute": table.ttl_attribute,
        }
        for table in template_tables(stacks)
    ]
    return {"functions": functions, "tables": tables}


if __name__ == "__main__":
    print(json.dumps(environments(json.loads(sys.argv[1]))))
