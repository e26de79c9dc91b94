"""What SAM makes of template.yaml: it translates, lints clean, and secures each route.

Runs the SAM CLI from .venv-sam (its own virtualenv, installed by `make setup` and in CI). A
missing .venv-sam fails these tests on purpose: skipping would hide a broken template.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfn_translation import resolve as _resolve

ROOT = Path(__file__).resolve().parents[2]
SAM_VENV = ROOT / ".venv-sam"
SAM = SAM_VENV / "bin" / "sam"
SAM_PYTHON = SAM_VENV / "bin" / "python"
TRANSLATE = Path(__file__).with_name("sam_translate.py")

ROUTES = {
    ("/v1/session-token", "post"): "SessionTokenFunction",
    ("/v1/liveness", "post"): "CapsuleRelayFunction",
    ("/v1/liveness/uploads", "post"): "LivenessUploadFunction",
    ("/v1/liveness/uploads/{upload_id}/check", "post"): "UploadCheckFunction",
    ("/v1/biometry", "post"): "BiometryFunction",
    ("/v1/health", "get"): "HealthFunction",
    ("/v1/health/deep", "get"): "HealthFunction",
    ("/v1/identity/verify", "post"): "IdentityVerifyFunction",
    ("/v1/receipts/redeem", "post"): "RedeemReceiptFunction",
}
FRONT_END_PATHS = (
    "/v1/session-token",
    "/v1/liveness",
    "/v1/liveness/uploads",
    "/v1/liveness/uploads/{upload_id}/check",
)


def _sam_environment() -> dict[str, str]:
    if not SAM.exists():
        pytest.fail(f"{SAM} not found: run `make setup` to install the SAM CLI virtualenv")
    return {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # check=False: the tests assert on the exit code and show SAM's output when it fails.
    return subprocess.run(
        args,
        check=False,
        cwd=ROOT,
        env=_sam_environment(),
        capture_output=True,
        text=True,
        timeout=110,
    )


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    result = _run(str(SAM_PYTHON), str(TRANSLATE), "template.yaml", "OzApiUrl=https://oz.invalid")
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def _body(translated: dict[str, Any], *, cognito: bool) -> dict[str, Any]:
    body = translated["Resources"]["OzApi"]["Properties"]["Body"]
    return _resolve(body, {"HasCognito": cognito, "HasScopes": False})


# ---------------------------------------------------------------- SAM CLI


def test_sam_validate_translates_the_template():
    # Plain `sam validate` runs the SAM translator; `--lint` alone does not report its errors.
    result = _run(str(SAM), "validate")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_sam_validate_lint_reports_nothing():
    result = _run(str(SAM), "validate", "--lint")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "is a valid SAM Template" in output


# ---------------------------------------------------------------- the translated API


@pytest.mark.parametrize("cognito", [False, True], ids=["no-cognito", "cognito"])
def test_every_route_integrates_its_function(translated: dict[str, Any], cognito: bool):
    paths = _body(translated, cognito=cognito)["paths"]
    found = {
        (path, method) for path, item in paths.items() for method in item if method != "options"
    }
    assert found == set(ROUTES)
    for (path, method), function in ROUTES.items():
        integration = paths[path][method]["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        assert f"${{{function}.Arn}}" in integration["uri"]["Fn::Sub"]
        # No integration credentials: API Gateway invokes through the function's permission.
        assert "credentials" not in integration


def test_without_cognito_front_end_routes_are_public(translated: dict[str, Any]):
    body = _body(translated, cognito=False)
    for path in (*FRONT_END_PATHS, "/v1/health"):
        method = "get" if path == "/v1/health" else "post"
        assert "security" not in body["paths"][path][method], path
    assert set(body["components"]["securitySchemes"]) == {"AWS_IAM"}


def test_with_cognito_front_end_routes_require_the_user_pool(translated: dict[str, Any]):
    body = _body(translated, cognito=True)
    for path in FRONT_END_PATHS:
        assert body["paths"][path]["post"]["security"] == [{"CognitoAuthorizer": []}], path
    assert "security" not in body["paths"]["/v1/health"]["get"]
    scheme = body["components"]["securitySchemes"]["CognitoAuthorizer"]
    assert scheme["x-amazon-apigateway-authorizer"]["providerARNs"] == [
        {"Ref": "CognitoUserPoolArn"}
    ]


@pytest.mark.parametrize("cognito", [False, True], ids=["no-cognito", "cognito"])
def test_biometry_always_requires_sigv4(translated: dict[str, Any], cognito: bool):
    body = _body(translated, cognito=cognito)
    assert body["paths"]["/v1/biometry"]["post"]["security"] == [{"AWS_IAM": []}]
    assert body["components"]["securitySchemes"]["AWS_IAM"]["x-amazon-apigateway-authtype"] == (
        "awsSigv4"
    )


@pytest.mark.parametrize("cognito", [False, True], ids=["no-cognito", "cognito"])
def test_cors_preflight_needs_no_credentials(translated: dict[str, Any], cognito: bool):
    paths = _body(translated, cognito=cognito)["paths"]
    for path, item in paths.items():
        assert item["options"]["x-amazon-apigateway-integration"]["type"] == "mock", path
        assert "security" not in item["options"], path


def test_only_octet_stream_is_binary(translated: dict[str, Any]):
    body = _body(translated, cognito=False)
    assert body["x-amazon-apigateway-binary-media-types"] == ["application/octet-stream"]


def _own_statements(resources: dict[str, Any], function: str, conditions: dict[str, bool]):
    """A function's role policy statements after its logs' and X-Ray's (test_keys_and_roles.py)."""
    role = resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    [policy] = [
        r["Properties"]["PolicyDocument"]
        for r in resources.values()
        if r["Type"] == "AWS::IAM::RolePolicy" and r["Properties"]["RoleName"] == {"Ref": role}
    ]
    logs, traces, *own = _resolve(policy["Statement"], conditions)
    assert (logs["Sid"], traces["Sid"]) == ("WriteOwnLogs", "WriteTraces")
    return own


def test_function_roles_get_only_logs_xray_and_their_own_statements(
    translated: dict[str, Any],
):
    resources = translated["Resources"]
    for function in ROUTES.values():
        role = resources[f"{function}Role"]["Properties"]
        assert "ManagedPolicyArns" not in role, function  # no AWSLambdaBasicExecutionRole
        assert "Policies" not in role, function
        statements = _own_statements(resources, function, {"CreateStackKey": True})
        actions = {a for s in statements for a in _actions(s)}
        # Secrets reads; the functions holding receipts also the store and its key, the upload
        # functions their objects (checked statement by statement in test_template.py).
        if function != "LivenessUploadFunction":
            assert "secretsmanager:GetSecretValue" in actions, function
        assert actions <= {"secretsmanager:GetSecretValue"} | STORE_ACTIONS | UPLOAD_ACTIONS, (
            function
        )


STORE_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
}


UPLOAD_ACTIONS = {"s3:PutObject", "s3:GetObject", "s3:DeleteObject"}


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_lambda_permissions_are_scoped_to_their_route(translated: dict[str, Any]):
    permissions = [
        r["Properties"]
        for r in translated["Resources"].values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    scoped = {
        (p["FunctionName"]["Ref"], p["SourceArn"]["Fn::Sub"][0].rsplit("}/", 1)[1])
        for p in permissions
    }
    # SAM writes a path parameter as a wildcard in the permission's SourceArn.
    assert scoped == {
        (function, f"{method.upper()}{path.replace('{upload_id}', '*')}")
        for (path, method), function in ROUTES.items()
    }


def test_one_stage_with_access_logs_tracing_and_throttling(translated: dict[str, Any]):
    stages = [
        r["Properties"]
        for r in translated["Resources"].values()
        if r["Type"] == "AWS::ApiGateway::Stage"
    ]
    [stage] = stages  # OpenApiVersion 3 avoids SAM's extra stage named "Stage"
    assert stage["StageName"] == {"Ref": "StageName"}
    assert stage["TracingEnabled"] is True
    assert stage["AccessLogSetting"]["DestinationArn"] == {
        "Fn::GetAtt": ["OzApiAccessLogGroup", "Arn"]
    }
    [setting] = stage["MethodSettings"]
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    assert setting["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}


def test_rotation_function_role_gets_only_the_rotation_actions(translated: dict[str, Any]):
    resources = translated["Resources"]
    role = resources["RotateServiceTokenFunctionRole"]
    assert role["Condition"] == "OzAuth"
    assert resources["RotateServiceTokenFunctionPolicy"]["Condition"] == "OzAuth"
    assert "ManagedPolicyArns" not in role["Properties"]
    function = "RotateServiceTokenFunction"
    bare = _own_statements(
        resources, function, {"HasCredentialsSecret": False, "CreateStackKey": True}
    )
    assert [(s["Action"], s["Resource"]) for s in bare[:1]] == [
        (
            [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
            {"Ref": "OzServiceTokenSecret"},
        )
    ]
    assert [(s["Action"], s["Resource"]) for s in bare[1:]] == [
        (["kms:Decrypt", "kms:GenerateDataKey"], {"Fn::GetAtt": ["StackKey", "Arn"]})
    ]
    full = _own_statements(
        resources, function, {"HasCredentialsSecret": True, "CreateStackKey": False}
    )
    assert [(s["Action"], s["Resource"]) for s in full[1:]] == [
        ("secretsmanager:GetSecretValue", {"Ref": "OzServiceCredentialsSecretArn"}),
        (["kms:Decrypt", "kms:GenerateDataKey"], {"Ref": "KmsKeyArn"}),
    ]


def test_only_secrets_manager_of_this_account_may_invoke_the_rotation(
    translated: dict[str, Any],
):
    resources = translated["Resources"]
    [permission] = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["Principal"] == "secretsmanager.amazonaws.com"
        and r.get("Condition") == "OzAuth"  # the Data Zoo rotation's: test_datazoo_template.py
    ]
    assert permission["Condition"] == "OzAuth"
    assert permission["Properties"]["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert permission["Properties"]["FunctionName"] == {
        "Fn::GetAtt": ["RotateServiceTokenFunction", "Arn"]
    }
    schedule = resources["OzServiceTokenRotationSchedule"]
    assert schedule["DependsOn"] == "RotateServiceTokenPermission"
    assert resources["RotateServiceTokenFunction"]["Condition"] == "OzAuth"
