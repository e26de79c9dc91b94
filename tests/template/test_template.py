"""template.yaml declares the routes, auth, least privilege and settings the design asks for.

These read the template as written (before the SAM transform). test_sam_translation.py checks
what SAM and cfn-lint make of it.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import scan
import yaml
from cfn_yaml import load_template

from idv.aws.quota import HourlyQuota
from idv.aws.uploads import UploadBucket
from idv.datazoo.calls import DataZooCalls
from idv.datazoo.rotation import DataZooRotator
from idv.oz.rotation import Rotator
from idv.oz.settings import OzSettings
from idv.receipts.store import ReceiptStore
from idv.receipts.tokens import ReceiptTokens
from idv.usecases import check_liveness

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

NO_VALUE = {"Ref": "AWS::NoValue"}

ROUTES = {
    ("POST", "/v1/session-token"): "SessionTokenFunction",
    ("POST", "/v1/liveness"): "CapsuleRelayFunction",
    ("POST", "/v1/liveness/uploads"): "LivenessUploadFunction",
    ("POST", "/v1/liveness/uploads/{upload_id}/check"): "UploadCheckFunction",
    ("POST", "/v1/biometry"): "BiometryFunction",
    ("GET", "/v1/health"): "HealthFunction",
    ("GET", "/v1/health/deep"): "HealthFunction",
    ("POST", "/v1/identity/verify"): "IdentityVerifyFunction",
    ("POST", "/v1/receipts/redeem"): "RedeemReceiptFunction",
}
FRONT_END_ROUTES = [
    "/v1/session-token",
    "/v1/liveness",
    "/v1/liveness/uploads",
    "/v1/liveness/uploads/{upload_id}/check",
]
FRONT_END_FUNCTIONS = [
    "SessionTokenFunction",
    "CapsuleRelayFunction",
    "LivenessUploadFunction",
    "UploadCheckFunction",
]
API_FUNCTIONS = sorted(set(ROUTES.values()))
ROTATION_FUNCTION = "RotateServiceTokenFunction"
DATAZOO_ROTATION_FUNCTION = "RotateDataZooTokenFunction"  # test_datazoo_template.py
RECEIPT_KEY_ROTATION_FUNCTION = "RotateReceiptKeyFunction"
FUNCTIONS = [
    *API_FUNCTIONS,
    ROTATION_FUNCTION,
    DATAZOO_ROTATION_FUNCTION,
    RECEIPT_KEY_ROTATION_FUNCTION,
]
# The template's parts: each gets its own settings, and none the other's.
OZ_FUNCTIONS = [
    "SessionTokenFunction",
    "CapsuleRelayFunction",
    "UploadCheckFunction",
    "BiometryFunction",
    "HealthFunction",
    ROTATION_FUNCTION,
]
DATAZOO_FUNCTIONS = ["IdentityVerifyFunction", DATAZOO_ROTATION_FUNCTION]
RECEIPT_FUNCTIONS = ["RedeemReceiptFunction", RECEIPT_KEY_ROTATION_FUNCTION]
UPLOAD_FUNCTIONS = ["LivenessUploadFunction"]  # signs presigned POSTs: no Oz, no receipt
CODE_DIRS = {
    "SessionTokenFunction": "functions/session_token/",
    "CapsuleRelayFunction": "functions/capsule_relay/",
    "LivenessUploadFunction": "functions/liveness_upload/",
    "UploadCheckFunction": "functions/upload_check/",
    "BiometryFunction": "functions/biometry/",
    "HealthFunction": "functions/health/",
    ROTATION_FUNCTION: "functions/rotate_service_token/",
    "IdentityVerifyFunction": "functions/identity_verify/",
    DATAZOO_ROTATION_FUNCTION: "functions/rotate_datazoo_token/",
    "RedeemReceiptFunction": "functions/redeem_receipt/",
    RECEIPT_KEY_ROTATION_FUNCTION: "functions/rotate_receipt_key/",
}
TIMEOUTS = {
    "SessionTokenFunction": 10,
    "CapsuleRelayFunction": 29,
    "LivenessUploadFunction": 10,
    "UploadCheckFunction": 29,
    "BiometryFunction": 29,
    "HealthFunction": 10,
    ROTATION_FUNCTION: 60,
    "IdentityVerifyFunction": 29,
    DATAZOO_ROTATION_FUNCTION: 30,
    "RedeemReceiptFunction": 10,
    RECEIPT_KEY_ROTATION_FUNCTION: 30,
}
# Exactly the secrets each function may read.
SECRETS_READ = {
    "SessionTokenFunction": {"OzServiceTokenSecret"},
    "CapsuleRelayFunction": {"OzServiceTokenSecret", "ReceiptSigningKeySecret"},
    "LivenessUploadFunction": set(),
    "UploadCheckFunction": {"OzServiceTokenSecret", "ReceiptSigningKeySecret"},
    "BiometryFunction": {"OzServiceTokenSecret", "ReceiptSigningKeySecret"},
    "HealthFunction": {"OzServiceTokenSecret"},
    "IdentityVerifyFunction": {"DataZooSessionTokenSecret"},
    "RedeemReceiptFunction": {"ReceiptSigningKeySecret"},
}
# Every function's Powertools settings (Globals, and its own service name).
POWERTOOLS_ENV = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_PARAMETERS_MAX_AGE",
    "POWERTOOLS_LOG_LEVEL",
}
OZ_ENV = {
    "OZ_API_URL",
    "OZ_TOKEN_SECRET_ID",
    "OZ_CONNECT_TIMEOUT_SECONDS",
    "OZ_READ_TIMEOUT_SECONDS",
    "OZ_ALLOW_INSECURE_HTTP",
}
DATAZOO_ENV = {
    "DATAZOO_API_URL",
    "DATAZOO_CONNECT_TIMEOUT_SECONDS",
    "DATAZOO_READ_TIMEOUT_SECONDS",
    "DATAZOO_ALLOW_INSECURE_HTTP",
}
API_ENV = {"CORS_ALLOWED_ORIGINS"}  # the functions behind a route answer CORS
RECEIPT_ENV = {"RECEIPT_SECRET_ID", "RECEIPT_TTL_SECONDS", "VERIFICATIONS_TABLE_NAME"}
UPLOAD_ENV = {"UPLOADS_BUCKET_NAME", "MAX_UPLOAD_BYTES"}
# Read by glibc's malloc at start-up (the relay's large bodies stay in a heap it keeps).
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"}
# Exactly what each function reads: no function gets a variable it does not read.
ENV_BY_FUNCTION = {
    "SessionTokenFunction": POWERTOOLS_ENV
    | API_ENV
    | OZ_ENV
    | {"VERIFICATIONS_TABLE_NAME", "SESSION_TOKENS_PER_USER_PER_HOUR"},
    "CapsuleRelayFunction": POWERTOOLS_ENV
    | API_ENV
    | OZ_ENV
    | RECEIPT_ENV
    | MALLOC_ENV
    | {"MAX_CAPSULE_BYTES", "LIVENESS_CHECKS_PER_USER_PER_HOUR"},
    "LivenessUploadFunction": POWERTOOLS_ENV | API_ENV | UPLOAD_ENV,
    "UploadCheckFunction": POWERTOOLS_ENV
    | API_ENV
    | OZ_ENV
    | RECEIPT_ENV
    | UPLOAD_ENV
    | {"LIVENESS_CHECKS_PER_USER_PER_HOUR"},
    "BiometryFunction": POWERTOOLS_ENV | API_ENV | OZ_ENV | RECEIPT_ENV,
    "HealthFunction": POWERTOOLS_ENV | API_ENV | OZ_ENV,
    ROTATION_FUNCTION: POWERTOOLS_ENV | OZ_ENV | {"OZ_CREDENTIALS_SECRET_ID"},
    # Data Zoo's values are test_datazoo_template.py's.
    "IdentityVerifyFunction": POWERTOOLS_ENV | API_ENV | DATAZOO_ENV | {"DATAZOO_TOKEN_SECRET_ID"},
    DATAZOO_ROTATION_FUNCTION: POWERTOOLS_ENV | DATAZOO_ENV | {"DATAZOO_CREDENTIALS_SECRET_ID"},
    "RedeemReceiptFunction": POWERTOOLS_ENV | API_ENV | RECEIPT_ENV,
    RECEIPT_KEY_ROTATION_FUNCTION: {"POWERTOOLS_SERVICE_NAME"}
    | (POWERTOOLS_ENV - {"POWERTOOLS_SERVICE_NAME"}),
}
# Everything that exists only to rotate the token, hence only when Oz auth is on.
ROTATION_RESOURCES = {
    ROTATION_FUNCTION: "AWS::Serverless::Function",
    "RotateServiceTokenLogGroup": "AWS::Logs::LogGroup",
    "RotateServiceTokenPermission": "AWS::Lambda::Permission",
    "OzServiceTokenRotationSchedule": "AWS::SecretsManager::RotationSchedule",
    "RotateServiceTokenErrorsAlarm": "AWS::CloudWatch::Alarm",
}
ROTATION_ACTIONS = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
]
# Response type -> (status, code) of the errors API Gateway itself answers.
GATEWAY_RESPONSES = {
    "DEFAULT_4XX": (None, "REQUEST_REJECTED"),
    "DEFAULT_5XX": (None, "INTERNAL_ERROR"),
    "UNAUTHORIZED": ("401", "UNAUTHORIZED"),
    "ACCESS_DENIED": ("403", "FORBIDDEN"),
    "MISSING_AUTHENTICATION_TOKEN": ("403", "FORBIDDEN"),
    "INVALID_SIGNATURE": ("403", "FORBIDDEN"),
    "EXPIRED_TOKEN": ("403", "FORBIDDEN"),
    "REQUEST_TOO_LARGE": ("413", "PAYLOAD_TOO_LARGE"),
    "UNSUPPORTED_MEDIA_TYPE": ("415", "UNSUPPORTED_MEDIA_TYPE"),
    "THROTTLED": ("429", "THROTTLED"),
    "WAF_FILTERED": ("403", "FORBIDDEN"),
    "INTEGRATION_FAILURE": ("502", "INTERNAL_ERROR"),
    "INTEGRATION_TIMEOUT": ("504", "UPSTREAM_TIMEOUT"),
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


@pytest.fixture(scope="module")
def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each function's properties with Globals.Function merged in, as SAM merges them."""
    merged = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            merged[name] = _merge_globals(
                template.get("Globals", {}).get("Function", {}), resource["Properties"]
            )
    return merged


@pytest.fixture(scope="module")
def api(resources: dict[str, Any]) -> dict[str, Any]:
    assert resources["OzApi"]["Type"] == "AWS::Serverless::Api"
    return resources["OzApi"]["Properties"]


def _merge_globals(globals_: dict[str, Any], local: dict[str, Any]) -> dict[str, Any]:
    # SAM: maps merge key by key (local wins), lists concatenate, scalars are replaced.
    merged = copy.deepcopy(globals_)
    for key, value in local.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_globals(merged[key], value)
        elif isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = merged[key] + value
        else:
            merged[key] = copy.deepcopy(value)
    return merged


# The one way the template names its key's ARN (test_keys_and_roles.py: everything uses it).
KEY_ARN = {"Fn::If": ["CreateStackKey", {"Fn::GetAtt": ["StackKey", "Arn"]}, {"Ref": "KmsKeyArn"}]}
KMS_VIA_SECRETS_MANAGER = {
    "StringEquals": {
        "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.${AWS::URLSuffix}"}
    }
}
# Every role policy's first two: its own log group, and X-Ray (test_keys_and_roles.py).
LOGS_AND_TRACES = {"WriteOwnLogs", "WriteTraces"}


def _statements(resources: dict[str, Any], function: str) -> list[Any]:
    """The statements of a function's own role policy (its role: ``<function>Role``)."""
    assert resources[function]["Properties"]["Role"] == {"Fn::GetAtt": [f"{function}Role", "Arn"]}
    policy = resources[f"{function}Policy"]
    assert policy["Type"] == "AWS::IAM::RolePolicy"
    assert policy["Properties"]["RoleName"] == {"Ref": f"{function}Role"}
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    return [s for s in statements if s.get("Sid") not in LOGS_AND_TRACES]


def _api_events(function: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["Properties"] for e in function.get("Events", {}).values() if e["Type"] == "Api"]


def _ref(value: Any) -> str:
    assert isinstance(value, dict), f"expected a Ref, got {value!r}"
    assert list(value) == ["Ref"], f"expected a Ref, got {value!r}"
    return str(value["Ref"])


def _walk(value: Any) -> list[Any]:
    found = [value]
    if isinstance(value, dict):
        for item in value.values():
            found.extend(_walk(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_walk(item))
    return found


# ---------------------------------------------------------------- routes and auth


def test_each_route_maps_to_its_function_on_the_api(functions: dict[str, dict[str, Any]]):
    routes: dict[tuple[str, str], str] = {}
    for name, function in functions.items():
        for event in _api_events(function):
            assert _ref(event["RestApiId"]) == "OzApi", f"{name} has a route on another API"
            routes[(event["Method"].upper(), event["Path"])] = name
    assert routes == ROUTES


def test_binary_media_types_are_exactly_octet_stream(api: dict[str, Any]):
    assert api["BinaryMediaTypes"] == ["application~1octet-stream"]


def test_biometry_is_iam_authorized_and_invoked_without_caller_credentials(
    functions: dict[str, dict[str, Any]],
):
    [event] = _api_events(functions["BiometryFunction"])
    assert event["Auth"] == {"Authorizer": "AWS_IAM", "InvokeRole": "NONE"}


def test_front_end_routes_carry_cognito_security_only_under_has_cognito(
    template: dict[str, Any], api: dict[str, Any], functions: dict[str, dict[str, Any]]
):
    assert template["Conditions"]["HasCognito"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CognitoUserPoolArn"}, ""]}]
    }
    assert template["Parameters"]["CognitoUserPoolArn"]["Default"] == ""
    # SAM ignores events on an API with a DefinitionBody unless told to merge them.
    assert api["MergeDefinitions"] is True
    paths = api["DefinitionBody"]["paths"]
    for path in FRONT_END_ROUTES:
        assert paths[path]["post"]["security"] == {
            "Fn::If": [
                "HasCognito",
                [
                    {
                        "CognitoAuthorizer": {
                            "Fn::If": ["HasScopes", {"Ref": "CognitoAuthorizationScopes"}, []]
                        }
                    }
                ],
                NO_VALUE,
            ]
        }
    # No event-level Auth that would replace the conditional security when SAM merges.
    for name in FRONT_END_FUNCTIONS:
        [event] = _api_events(functions[name])
        assert "Auth" not in event


def test_cognito_scheme_exists_only_under_has_cognito_and_names_the_pool(api: dict[str, Any]):
    scheme = api["DefinitionBody"]["components"]["securitySchemes"]["CognitoAuthorizer"]
    condition, when_true, when_false = scheme["Fn::If"]
    assert condition == "HasCognito"
    assert when_false == NO_VALUE
    assert when_true["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert when_true["x-amazon-apigateway-authorizer"] == {
        "type": "cognito_user_pools",
        "providerARNs": [{"Ref": "CognitoUserPoolArn"}],
    }
    assert (when_true["in"], when_true["name"]) == ("header", "Authorization")


def test_cognito_change_always_reaches_the_stage(api: dict[str, Any]):
    # The OpenAPI text does not change with the condition, so SAM would not redeploy.
    assert api["AlwaysDeploy"] is True


def test_shallow_health_is_public_and_the_deep_check_needs_iam(
    api: dict[str, Any], functions: dict[str, dict[str, Any]]
):
    events = {e["Path"]: e for e in _api_events(functions["HealthFunction"])}
    assert "Auth" not in events["/v1/health"]
    # The deep check reads the token secret and calls Oz (billed, slow): signed callers only.
    assert events["/v1/health/deep"]["Auth"] == {"Authorizer": "AWS_IAM", "InvokeRole": "NONE"}
    assert "/v1/health" not in api["DefinitionBody"]["paths"]
    assert "DefaultAuthorizer" not in api["Auth"]  # none that would apply to the public route


# ---------------------------------------------------------------- the front door


def test_deploying_without_an_authorizer_is_an_explicit_choice(template: dict[str, Any]):
    parameter = template["Parameters"]["AllowUnauthenticatedFrontEnd"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("false", ["true", "false"])
    rule = template["Rules"]["FrontDoorClosedByDefault"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "CognitoUserPoolArn"}, ""]}
    [assertion] = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "AllowUnauthenticatedFrontEnd"}, "true"]}
    assert "AllowUnauthenticatedFrontEnd=true" in assertion["AssertDescription"]


def test_access_token_scopes_can_be_required(template: dict[str, Any]):
    assert template["Parameters"]["CognitoAuthorizationScopes"]["Type"] == "CommaDelimitedList"
    assert template["Conditions"]["HasScopes"] == {
        "Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "CognitoAuthorizationScopes"}]}, ""]}]
    }


def test_the_server_routes_answer_only_the_named_callers(api: dict[str, Any]):
    allow, deny = api["Auth"]["ResourcePolicy"]["CustomStatements"]
    assert (allow["Effect"], allow["Resource"]) == ("Allow", "execute-api:/*")
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"
    assert set(deny["Resource"]) == {
        "execute-api:/*/POST/v1/biometry",
        "execute-api:/*/POST/v1/receipts/redeem",
        "execute-api:/*/POST/v1/identity/verify",
        "execute-api:/*/GET/v1/health/deep",
    }
    assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": {"Ref": "ServerCallerArns"}}}


def test_a_web_acl_guards_the_stage_unless_switched_off(
    template: dict[str, Any], resources: dict[str, Any]
):
    acl = resources["WebAcl"]
    assert acl["Condition"] == "CreateWaf"
    properties = acl["Properties"]
    assert properties["Scope"] == "REGIONAL"
    rules = {rule["Name"]: rule for rule in properties["Rules"]}
    rate = rules["BrowserRoutesPerIp"]
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == {"Ref": "WafRateLimitPerIp"}
    searched = {
        s["ByteMatchStatement"]["SearchString"]
        for s in rate["Statement"]["RateBasedStatement"]["ScopeDownStatement"]["OrStatement"][
            "Statements"
        ]
    }
    assert searched == {"/v1/session-token", "/v1/liveness"}
    assert rate["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    body = json.loads(properties["CustomResponseBodies"]["rate_limited"]["Content"])
    assert body["error"]["code"] == "RATE_LIMITED"
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in properties["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert managed == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    # The common group's body-size rule only counts; it blocks everywhere but /v1/liveness.
    common = rules["Common"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}
    ]
    large = rules["LargeBodiesOnlyForLiveness"]["Statement"]["AndStatement"]["Statements"]
    assert large[0]["LabelMatchStatement"]["Key"].endswith("SizeRestrictions_Body")
    assert large[1]["NotStatement"]["Statement"]["ByteMatchStatement"]["SearchString"] == (
        "/v1/liveness"
    )
    association = resources["WebAclAssociation"]
    assert association["Condition"] == "UseWaf"
    assert association["Properties"]["WebACLArn"] == {
        "Fn::If": ["CreateWaf", {"Fn::GetAtt": ["WebAcl", "Arn"]}, {"Ref": "WafWebAclArn"}]
    }
    assert template["Parameters"]["EnableWaf"]["Default"] == "true"


@pytest.mark.parametrize("name", FRONT_END_FUNCTIONS)
def test_the_browser_functions_can_reserve_their_concurrency(
    functions: dict[str, dict[str, Any]], name: str
):
    assert functions[name]["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "HasReservedConcurrency",
            {"Ref": "FrontEndReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }


def test_quotas_per_user_come_from_parameters(functions: dict[str, dict[str, Any]]):
    session = functions["SessionTokenFunction"]["Environment"]["Variables"]
    assert _ref(session["SESSION_TOKENS_PER_USER_PER_HOUR"]) == "SessionTokensPerUserPerHour"
    # an upload's check is a liveness check: one quota for both routes
    for name in ("CapsuleRelayFunction", "UploadCheckFunction"):
        checks = functions[name]["Environment"]["Variables"]
        assert _ref(checks["LIVENESS_CHECKS_PER_USER_PER_HOUR"]) == "LivenessChecksPerUserPerHour"


# ---------------------------------------------------------------- API stage


def test_stage_throttling_comes_from_parameters(api: dict[str, Any]):
    assert api["MethodSettings"] == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"},
            "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
        }
    ]


def test_api_and_functions_are_traced(api: dict[str, Any], functions: dict[str, dict[str, Any]]):
    assert api["TracingEnabled"] is True
    for name, function in functions.items():
        assert function["Tracing"] == "Active", name


def test_access_log_goes_to_its_own_group_as_json_without_bodies(
    api: dict[str, Any], resources: dict[str, Any]
):
    setting = api["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["OzApiAccessLogGroup", "Arn"]}
    group = resources["OzApiAccessLogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert _ref(group["Properties"]["RetentionInDays"]) == "LogRetentionDays"
    fields = json.loads(setting["Format"])
    assert {"requestId", "ip", "caller", "routeKey", "status", "latency"} <= set(fields)
    assert fields["requestId"] == "$context.requestId"
    assert not re.search(r"\$input|body|header|authorizer", setting["Format"], re.IGNORECASE)


def test_cors_origin_is_the_pinned_parameter(api: dict[str, Any], template: dict[str, Any]):
    assert api["Cors"]["AllowOrigin"] == {"Fn::Sub": "'${AllowedOrigins}'"}
    pattern = template["Parameters"]["AllowedOrigins"]["AllowedPattern"]
    assert re.fullmatch(pattern, "https://app.example.com")
    assert re.fullmatch(pattern, "http://localhost:3000")
    for refused in ("*", "'*'", "https://a.example.com,https://b.example.com", "https://a.com/"):
        assert not re.fullmatch(pattern, refused), refused


@pytest.mark.parametrize("response_type", sorted(GATEWAY_RESPONSES))
def test_gateway_error_uses_the_envelope_with_a_stable_code(api: dict[str, Any], response_type):
    status, code = GATEWAY_RESPONSES[response_type]
    response = api["GatewayResponses"][response_type]
    assert response.get("StatusCode") == status
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "retryable", "oz_error_code", "request_id"}
    assert body["error"]["code"] == code
    assert re.fullmatch(r"[A-Z][A-Z_]+", code)
    assert body["error"]["oz_error_code"] is None
    assert body["error"]["request_id"] == "$context.requestId"
    assert body["error"]["retryable"] is (
        code in {"THROTTLED", "UPSTREAM_TIMEOUT"}
        or response_type in {"DEFAULT_5XX", "INTEGRATION_FAILURE"}
    )
    headers = response["ResponseParameters"]["Headers"]
    assert headers["Access-Control-Allow-Origin"] == {"Fn::Sub": "'${AllowedOrigins}'"}


def test_gateway_responses_are_exactly_the_documented_ones(api: dict[str, Any]):
    assert set(api["GatewayResponses"]) == set(GATEWAY_RESPONSES)
    doc = (ROOT / "docs" / "TEMPLATE.md").read_text()
    for response_type, (_, code) in GATEWAY_RESPONSES.items():
        assert f"`{response_type}`" in doc, response_type
        assert f"`{code}`" in doc, code


# ---------------------------------------------------------------- functions


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_runs_the_shared_layer_on_python_3_13(
    functions: dict[str, dict[str, Any]], name: str
):
    function = functions[name]
    assert function["Runtime"] == "python3.13"
    assert function["Handler"] == "app.lambda_handler"
    assert function["Architectures"] == ["x86_64"]
    assert function["CodeUri"] == CODE_DIRS[name]
    assert function["Layers"] == [{"Ref": "SharedLayer"}]
    assert function["Timeout"] == TIMEOUTS[name]
    assert _ref(function["MemorySize"]) == "FunctionMemorySize"


def test_every_function_logs_to_its_own_group_with_retention(
    functions: dict[str, dict[str, Any]], resources: dict[str, Any]
):
    groups = {name: _ref(f["LoggingConfig"]["LogGroup"]) for name, f in functions.items()}
    assert len(set(groups.values())) == len(FUNCTIONS)
    for name, group in groups.items():
        assert resources[group]["Type"] == "AWS::Logs::LogGroup", name
        properties = resources[group]["Properties"]
        assert _ref(properties["RetentionInDays"]) == "LogRetentionDays"
        assert properties["LogGroupName"]["Fn::Sub"].startswith("/aws/lambda/${AWS::StackName}/")


@pytest.mark.parametrize("name", API_FUNCTIONS)
def test_function_reads_exactly_its_secrets_and_nothing_else(
    resources: dict[str, Any], functions: dict[str, dict[str, Any]], name: str
):
    assert "Policies" not in functions[name]  # its role's policy is a resource of its own
    read: set[str] = set()
    statements = _statements(resources, name)
    for statement in statements:
        if statement["Sid"] == "DecryptSecrets":
            assert statement["Action"] == "kms:Decrypt"
            assert statement["Resource"] == KEY_ARN
            assert statement["Condition"] == KMS_VIA_SECRETS_MANAGER
            continue
        if statement["Sid"] in STORE_STATEMENTS:
            continue  # test_the_store_is_used_with_exactly_these_actions
        if statement["Sid"] in UPLOAD_STATEMENTS:
            continue  # test_only_the_upload_functions_touch_the_uploads
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == "secretsmanager:GetSecretValue"
        targets = statement["Resource"]
        targets = targets if isinstance(targets, list) else [targets]
        read |= {_ref(target) for target in targets}
    assert read == SECRETS_READ[name]
    # No wildcard but the uploads' key prefix (each object's key is made per upload).
    assert "*" not in json.dumps(statements).replace("${UploadsBucket.Arn}/uploads/*", "")


STORE_STATEMENTS = {
    "IdempotencyRecordsAndReceipts",
    "UseReceipts",
    "CountQuota",
    "UseKeyForStore",
}
STORE_ACTIONS = {
    # The hourly quota: one conditional update per session token.
    "SessionTokenFunction": {"UpdateItem"},
    # Powertools' idempotency records (conditional put, update, delete, get) and the receipt.
    "CapsuleRelayFunction": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
    "UploadCheckFunction": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
    # One conditional update per use of a receipt.
    "BiometryFunction": {"UpdateItem"},
    "RedeemReceiptFunction": {"UpdateItem"},
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_store_is_used_with_exactly_these_actions(resources: dict[str, Any], name: str):
    statements = {
        s["Sid"]: s
        for s in _statements(resources, name)
        if "Sid" in s and s["Sid"] in STORE_STATEMENTS
    }
    if name not in STORE_ACTIONS:
        assert statements == {}
        return
    (table,) = [s for sid, s in statements.items() if sid != "UseKeyForStore"]
    assert {a.removeprefix("dynamodb:") for a in table["Action"]} == STORE_ACTIONS[name]
    assert table["Resource"] == {"Fn::GetAtt": ["VerificationsTable", "Arn"]}
    key = statements["UseKeyForStore"]
    assert set(key["Action"]) == {
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:DescribeKey",
    }
    assert key["Resource"] == KEY_ARN
    assert "dynamodb." in json.dumps(key["Condition"]["StringEquals"]["kms:ViaService"])


UPLOAD_STATEMENTS = {"SignUploads", "EncryptUploads", "ReadAndDeleteUploads", "DecryptUploads"}
# Exactly the object actions each function needs, on the uploads prefix only.
UPLOAD_ACTIONS = {
    # A presigned POST acts with its signer's credentials: the signer may put, and encrypt.
    "LivenessUploadFunction": {
        "SignUploads": {"s3:PutObject"},
        "EncryptUploads": {"kms:GenerateDataKey"},
    },
    "UploadCheckFunction": {
        "ReadAndDeleteUploads": {"s3:GetObject", "s3:DeleteObject"},
        "DecryptUploads": {"kms:Decrypt"},
    },
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_only_the_upload_functions_touch_the_uploads(resources: dict[str, Any], name: str):
    statements = {
        s["Sid"]: s
        for s in _statements(resources, name)
        if "Sid" in s and s["Sid"] in UPLOAD_STATEMENTS
    }
    assert {sid: set(_list(s["Action"])) for sid, s in statements.items()} == UPLOAD_ACTIONS.get(
        name, {}
    )
    for statement in statements.values():
        if statement["Action"] == "kms:Decrypt" or "kms:GenerateDataKey" in statement["Action"]:
            assert statement["Resource"] == KEY_ARN
            assert "s3." in json.dumps(statement["Condition"]["StringEquals"]["kms:ViaService"])
        else:
            assert statement["Resource"] == {"Fn::Sub": "${UploadsBucket.Arn}/uploads/*"}
    assert "s3:ListBucket" not in json.dumps(_statements(resources, name))


def test_the_uploads_bucket_is_private_encrypted_tls_only_and_short_lived(
    template: dict[str, Any], resources: dict[str, Any]
):
    bucket = resources["UploadsBucket"]
    properties = bucket["Properties"]
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Delete", "Delete")
    assert properties["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"),
        True,
    )
    assert properties["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }
    [encryption] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": KEY_ARN,
    }
    assert "VersioningConfiguration" not in properties
    [rule] = properties["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["ExpirationInDays"]) == ("Enabled", 1)
    [cors] = properties["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedOrigins"] == [{"Ref": "AllowedOrigins"}]
    assert cors["AllowedMethods"] == ["POST"]  # the front end posts; it never reads
    policy = resources["UploadsBucketPolicy"]["Properties"]
    assert _ref(policy["Bucket"]) == "UploadsBucket"
    [tls] = policy["PolicyDocument"]["Statement"]
    assert (tls["Effect"], tls["Principal"], tls["Action"]) == ("Deny", "*", "s3:*")
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    parameter = template["Parameters"]["MaxUploadBytes"]
    assert (parameter["Type"], parameter["Default"]) == ("Number", 33554432)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_verification_store_keeps_short_lived_records_under_the_stacks_key(
    resources: dict[str, Any],
):
    table = resources["VerificationsTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": False}
    assert table["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": KEY_ARN,
    }
    assert table["DeletionProtectionEnabled"] == {"Fn::If": ["ProtectVerifications", True, False]}


def test_the_receipt_key_rotates_on_its_schedule(resources: dict[str, Any]):
    schedule = resources["ReceiptKeyRotationSchedule"]["Properties"]
    assert _ref(schedule["SecretId"]) == "ReceiptSigningKeySecret"
    assert schedule["RotationLambdaARN"] == {"Fn::GetAtt": ["RotateReceiptKeyFunction", "Arn"]}
    assert schedule["RotateImmediatelyOnUpdate"] is False
    assert _ref(schedule["RotationRules"]["ScheduleExpression"]) == (
        "ReceiptKeyRotationScheduleExpression"
    )
    assert resources["ReceiptKeyRotationSchedule"]["DependsOn"] == "RotateReceiptKeyPermission"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_environment_has_exactly_its_variables(
    functions: dict[str, dict[str, Any]], name: str
):
    variables = functions[name]["Environment"]["Variables"]
    assert set(variables) == ENV_BY_FUNCTION[name]
    assert isinstance(variables["POWERTOOLS_SERVICE_NAME"], str)


def test_the_parts_cover_every_function_once():
    parts = OZ_FUNCTIONS + DATAZOO_FUNCTIONS + RECEIPT_FUNCTIONS + UPLOAD_FUNCTIONS
    assert sorted(parts) == sorted(FUNCTIONS)
    assert set(API_FUNCTIONS) <= set(FUNCTIONS)


@pytest.mark.parametrize("name", DATAZOO_FUNCTIONS)
def test_a_data_zoo_function_gets_no_oz_setting(functions: dict[str, dict[str, Any]], name: str):
    variables = set(functions[name]["Environment"]["Variables"])
    assert not {v for v in variables if v.startswith("OZ_")}, name
    assert not variables & (RECEIPT_ENV | {"MAX_CAPSULE_BYTES"}), name
    assert {v for v in variables if v.startswith("DATAZOO_")} >= DATAZOO_ENV, name


@pytest.mark.parametrize("name", OZ_FUNCTIONS)
def test_an_oz_function_gets_no_data_zoo_setting(functions: dict[str, dict[str, Any]], name: str):
    variables = set(functions[name]["Environment"]["Variables"])
    assert not {v for v in variables if v.startswith("DATAZOO_")}, name
    assert variables >= OZ_ENV, name


def test_only_the_functions_behind_a_route_get_cors_and_only_the_relay_the_size_limit(
    functions: dict[str, dict[str, Any]],
):
    def having(variable: str) -> set[str]:
        return {n for n, f in functions.items() if variable in f["Environment"]["Variables"]}

    assert having("CORS_ALLOWED_ORIGINS") == set(API_FUNCTIONS)
    assert having("MAX_CAPSULE_BYTES") == {"CapsuleRelayFunction"}
    receipts = {
        "CapsuleRelayFunction",
        "UploadCheckFunction",
        "BiometryFunction",
        "RedeemReceiptFunction",
    }
    assert having("RECEIPT_SECRET_ID") == receipts
    assert having("VERIFICATIONS_TABLE_NAME") == receipts | {"SessionTokenFunction"}
    uploads = {"LivenessUploadFunction", "UploadCheckFunction"}
    assert having("UPLOADS_BUCKET_NAME") == having("MAX_UPLOAD_BYTES") == uploads
    for name in uploads:
        variables = functions[name]["Environment"]["Variables"]
        assert _ref(variables["UPLOADS_BUCKET_NAME"]) == "UploadsBucket"
        assert _ref(variables["MAX_UPLOAD_BYTES"]) == "MaxUploadBytes"


def test_globals_hold_only_what_every_function_reads(template: dict[str, Any]):
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    assert set(shared) == POWERTOOLS_ENV - {"POWERTOOLS_SERVICE_NAME"}


def test_environment_values(functions: dict[str, dict[str, Any]]):
    for name, function in functions.items():
        variables = function["Environment"]["Variables"]
        assert variables["POWERTOOLS_PARAMETERS_MAX_AGE"] == "300"
        assert _ref(variables["POWERTOOLS_LOG_LEVEL"]) == "LogLevel"
        assert _ref(variables["POWERTOOLS_METRICS_NAMESPACE"]) == "PowertoolsMetricsNamespace"
        if name in API_FUNCTIONS:
            assert _ref(variables["CORS_ALLOWED_ORIGINS"]) == "AllowedOrigins"
            assert function["Timeout"] <= 29, name  # API Gateway's integration timeout
        if name in OZ_FUNCTIONS:
            assert _ref(variables["OZ_API_URL"]) == "OzApiUrl"
            assert variables["OZ_TOKEN_SECRET_ID"] == {
                "Fn::If": ["OzAuth", {"Ref": "OzServiceTokenSecret"}, ""]
            }
            assert variables["OZ_ALLOW_INSECURE_HTTP"] == "false"
            assert variables["OZ_CONNECT_TIMEOUT_SECONDS"] == "3.05"
            # Oz must give up before the function and API Gateway (29 s) do, with headroom.
            oz_budget = float(variables["OZ_CONNECT_TIMEOUT_SECONDS"]) + float(
                variables["OZ_READ_TIMEOUT_SECONDS"]
            )
            assert oz_budget <= function["Timeout"] - 0.5, name
        if name in DATAZOO_FUNCTIONS:
            assert _ref(variables["DATAZOO_API_URL"]) == "DataZooApiUrl"
            assert variables["DATAZOO_ALLOW_INSECURE_HTTP"] == "false"
            assert variables["DATAZOO_CONNECT_TIMEOUT_SECONDS"] == "3.05"
        if "MAX_CAPSULE_BYTES" in variables:
            assert variables["MAX_CAPSULE_BYTES"] == "4613734"
            # The largest event body (the container base64-encoded) is served from the heap,
            # and the heap keeps at least two such bodies' worth of freed memory; within
            # glibc's limit for the mmap threshold (32 MiB on 64-bit).
            largest_body = 4 * (int(variables["MAX_CAPSULE_BYTES"]) // 3 + 1)
            mmap_threshold = int(variables["MALLOC_MMAP_THRESHOLD_"])
            assert largest_body < mmap_threshold <= 32 * 1024 * 1024, name
            assert int(variables["MALLOC_TRIM_THRESHOLD_"]) >= 2 * largest_body, name
        if "RECEIPT_SECRET_ID" in variables:
            assert _ref(variables["RECEIPT_SECRET_ID"]) == "ReceiptSigningKeySecret"
            assert _ref(variables["RECEIPT_TTL_SECONDS"]) == "ReceiptTtlSeconds"
    names = {f["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] for f in functions.values()}
    assert len(names) == len(FUNCTIONS)


class RecordingEnvironment(dict[str, str]):
    """An environment that remembers every variable a settings reader asks for."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        return super().get(name, default)


def _reads_oz(env: RecordingEnvironment) -> None:
    OzSettings.from_environment(env)


def _reads_receipts(env: RecordingEnvironment) -> None:
    ReceiptTokens.from_environment(env)
    ReceiptStore.from_environment(env)


def _reads_relay(env: RecordingEnvironment) -> None:
    _reads_oz(env)
    _reads_receipts(env)
    check_liveness.read_max_capsule_bytes(env)
    HourlyQuota.from_environment("liveness", "LIVENESS_CHECKS_PER_USER_PER_HOUR", env)


def _reads_upload(env: RecordingEnvironment) -> None:
    UploadBucket.from_environment(env)


def _reads_upload_check(env: RecordingEnvironment) -> None:
    _reads_oz(env)
    _reads_receipts(env)
    _reads_upload(env)
    HourlyQuota.from_environment("liveness", "LIVENESS_CHECKS_PER_USER_PER_HOUR", env)


def _reads_session_token(env: RecordingEnvironment) -> None:
    _reads_oz(env)
    HourlyQuota.from_environment("session-tokens", "SESSION_TOKENS_PER_USER_PER_HOUR", env)


def _reads_biometry(env: RecordingEnvironment) -> None:
    _reads_oz(env)
    _reads_receipts(env)


# What each function's code reads at run time (besides Powertools' own variables).
READERS = {
    "SessionTokenFunction": _reads_session_token,
    "HealthFunction": _reads_oz,
    "CapsuleRelayFunction": _reads_relay,
    "LivenessUploadFunction": _reads_upload,
    "UploadCheckFunction": _reads_upload_check,
    "BiometryFunction": _reads_biometry,
    "RotateServiceTokenFunction": Rotator.from_environment,
    "IdentityVerifyFunction": DataZooCalls.from_environment,
    "RotateDataZooTokenFunction": DataZooRotator.from_environment,
    "RedeemReceiptFunction": _reads_receipts,
    "RotateReceiptKeyFunction": lambda env: None,  # nothing but the event
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_each_function_gets_exactly_the_variables_its_code_reads(
    functions: dict[str, dict[str, Any]], name: str
):
    # Given an environment with every required value, recording what is asked of it
    env = RecordingEnvironment(
        {
            "OZ_API_URL": "https://oz.example.com",
            "DATAZOO_API_URL": "https://idu-test.datazoo.com/api/v2",
            "DATAZOO_TOKEN_SECRET_ID": "token",
            "DATAZOO_CREDENTIALS_SECRET_ID": "credentials",
            "VERIFICATIONS_TABLE_NAME": "verifications",
            "UPLOADS_BUCKET_NAME": "uploads",
        }
    )
    # When the function's settings are read
    READERS[name](env)
    read = env.read - {"POWERTOOLS_PARAMETERS_MAX_AGE"}
    if name in API_FUNCTIONS:
        read.add("CORS_ALLOWED_ORIGINS")  # the resolver reads it at import
    # Then the template sets each of them, and nothing else but Powertools' own (and the C
    # library's, which the Python runtime reads before our code runs)
    variables = set(functions[name]["Environment"]["Variables"]) - MALLOC_ENV
    assert read == {v for v in variables if not v.startswith("POWERTOOLS_")}


# ---------------------------------------------------------------- checkov skips

# Skipped on every Lambda function, in .checkov.yaml. Not CKV_AWS_158: every log group is
# encrypted with the stack's key.
SKIPPED_EVERYWHERE = {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"}


def test_checks_skipped_everywhere_are_listed_once_each_with_its_reason():
    config = ROOT / ".checkov.yaml"
    reasons = scan.checkov_config_skips(config)
    # What checkov reads (a YAML list) is what scripts/scan.py reports, reason by reason.
    assert list(reasons) == yaml.safe_load(config.read_text())["skip-check"]
    assert set(reasons) == SKIPPED_EVERYWHERE
    for check, reason in reasons.items():
        assert len(reason.split()) >= 8, check


def test_a_check_skipped_on_one_resource_carries_its_reason_there(resources: dict[str, Any]):
    skipped_on = {}
    for name, resource in resources.items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip["id"] not in SKIPPED_EVERYWHERE, (name, skip["id"])  # no second copy
            assert len(skip.get("comment", "").split()) >= 8, (name, skip["id"])
            skipped_on[skip["id"]] = name
    # API caching: every answer is per caller; point-in-time recovery would resurrect receipts.
    # The uploads bucket: neither versions nor access logs for objects that live minutes.
    assert skipped_on == {
        "CKV_AWS_120": "OzApi",
        "CKV_AWS_28": "VerificationsTable",
        "CKV_AWS_21": "UploadsBucket",
        "CKV_AWS_18": "UploadsBucket",
    }


# ---------------------------------------------------------------- layer and secrets


def test_layer_is_built_by_its_makefile_for_python_3_13(resources: dict[str, Any]):
    layer = resources["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"] == {"BuildMethod": "makefile"}
    makefile = (ROOT / "layers" / "idv" / "Makefile").read_text()
    assert "build-SharedLayer:" in makefile
    assert "--python-version 3.13" in makefile
    assert "--invalidation-mode unchecked-hash" in makefile
    properties = layer["Properties"]
    assert properties["ContentUri"] == "layers/idv/"
    assert properties["CompatibleRuntimes"] == ["python3.13"]
    assert properties["RetentionPolicy"] == "Delete"


def test_receipt_key_is_generated_by_cloudformation(resources: dict[str, Any]):
    secret = resources["ReceiptSigningKeySecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert "SecretString" not in secret["Properties"]
    assert secret["Properties"]["GenerateSecretString"] == {
        "PasswordLength": 64,
        "ExcludePunctuation": True,
    }


def test_service_token_secret_starts_as_an_empty_placeholder(resources: dict[str, Any]):
    secret = resources["OzServiceTokenSecret"]["Properties"]
    assert json.loads(secret["SecretString"]) == {"access_token": ""}
    assert secret["Name"] == {"Fn::Sub": "${AWS::StackName}/oz-service-token"}
    assert "bootstrap" in secret["Description"]


def test_secrets_use_the_stacks_key(resources: dict[str, Any]):
    for name in ("OzServiceTokenSecret", "ReceiptSigningKeySecret"):
        assert resources[name]["Properties"]["KmsKeyId"] == KEY_ARN


# ---------------------------------------------------------------- parameters, alarms, outputs


def test_parameter_defaults(template: dict[str, Any]):
    parameters = template["Parameters"]
    assert "Default" not in parameters["OzApiUrl"]
    assert parameters["OzAuthEnabled"]["Default"] == "true"
    assert parameters["LogRetentionDays"]["Default"] == 30
    assert parameters["FunctionMemorySize"]["Default"] == 512
    assert parameters["ReceiptTtlSeconds"]["Default"] == 300
    assert parameters["ReceiptTtlSeconds"]["MaxValue"] == 900
    assert parameters["ReceiptKeyRotationScheduleExpression"]["Default"] == "rate(30 days)"
    assert parameters["VerificationsDeletionProtection"]["Default"] == "true"
    assert parameters["PowertoolsMetricsNamespace"]["Default"] == "OzLiveness"
    assert parameters["LogLevel"]["Default"] == "INFO"
    assert parameters["AlarmTopicArn"]["Default"] == ""
    assert parameters["KmsKeyArn"]["Default"] == ""  # the stack creates its key
    assert parameters["KeyAdminRoleArn"]["Default"] == ""  # the account administers it
    assert parameters["OperatorRoleArn"]["Default"] == ""  # no one but the functions reads
    assert parameters["ConfigureApiGatewayAccount"]["Default"] == "false"


def test_every_parameter_is_documented(template: dict[str, Any]):
    doc = (ROOT / "docs" / "TEMPLATE.md").read_text()
    for name in template["Parameters"]:
        assert f"`{name}`" in doc, name


def test_oz_url_must_be_an_absolute_url(template: dict[str, Any]):
    pattern = template["Parameters"]["OzApiUrl"]["AllowedPattern"]
    assert re.fullmatch(pattern, "https://oz.example.com")
    for refused in ("oz.example.com", "ftp://oz.example.com", "https://oz.example.com/?a=1"):
        assert not re.fullmatch(pattern, refused), refused


def test_alarms_watch_api_5xx_and_every_function(resources: dict[str, Any]):
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    api_alarms = [a for a in alarms if a.get("Namespace") == "AWS/ApiGateway"]
    assert [a["MetricName"] for a in api_alarms] == ["5XXError"]
    watched = {
        _ref(a["Dimensions"][0]["Value"])
        for a in alarms
        if a.get("Namespace") == "AWS/Lambda" and a["MetricName"] == "Errors"
    }
    assert watched == set(FUNCTIONS)
    # A reader living on AWSPENDING (a stuck rotation) or Data Zoo's AWSPREVIOUS alarms too.
    fallbacks = {
        "SecretsPendingFallbackAlarm": "Secrets.PendingFallback",
        "DataZooPreviousFallbackAlarm": "Secrets.PreviousFallback",
    }
    for name, metric in fallbacks.items():
        assert metric in json.dumps(resources[name]["Properties"]), name
    for alarm in alarms:
        assert alarm["AlarmActions"] == {
            "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], NO_VALUE]
        }


def test_outputs(template: dict[str, Any]):
    outputs = template["Outputs"]
    assert outputs["ApiUrl"]["Value"] == {
        "Fn::Sub": "https://${OzApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${StageName}"
    }
    for name in FUNCTIONS:
        assert outputs[f"{name}Arn"]["Value"] == {"Fn::GetAtt": [name, "Arn"]}
    for name in ("OzServiceTokenSecret", "ReceiptSigningKeySecret", "SharedLayer"):
        assert _ref(outputs[f"{name}Arn"]["Value"]) == name
    assert "BiometryInvokeArn" in outputs


def test_no_wildcard_resource_in_any_statement(resources: dict[str, Any]):
    for name, resource in resources.items():
        properties = dict(resource.get("Properties", {}))
        # A key policy's "*" is the key itself, a secret resource policy's the secret itself:
        # test_keys_and_roles.py checks their principals and conditions.
        properties.pop("KeyPolicy", None)
        properties.pop("ResourcePolicy", None)
        for node in _walk(properties):
            if isinstance(node, dict) and "Resource" in node and "Effect" in node:
                targets = node["Resource"]
                if node.get("Sid") == "WriteTraces":
                    # X-Ray's put actions take no resource; nothing else may share that.
                    assert node["Action"] == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
                    continue
                assert "*" not in (targets if isinstance(targets, list) else [targets]), name


# ---------------------------------------------------------------- token rotation


def test_rotation_resources_exist_only_when_oz_auth_is_on(
    template: dict[str, Any], resources: dict[str, Any]
):
    assert template["Conditions"]["OzAuth"] == {"Fn::Equals": [{"Ref": "OzAuthEnabled"}, "true"]}
    for name, kind in ROTATION_RESOURCES.items():
        assert resources[name]["Type"] == kind, name
        assert resources[name]["Condition"] == "OzAuth", name
    assert template["Outputs"][f"{ROTATION_FUNCTION}Arn"]["Condition"] == "OzAuth"


def test_rotation_policy_is_the_four_steps_on_the_token_secret_only(resources: dict[str, Any]):
    assert resources[f"{ROTATION_FUNCTION}Policy"]["Condition"] == "OzAuth"
    token, credentials, kms = _statements(resources, ROTATION_FUNCTION)
    assert token == {
        "Sid": "RotateOzServiceToken",
        "Effect": "Allow",
        "Action": ROTATION_ACTIONS,
        "Resource": {"Ref": "OzServiceTokenSecret"},
    }
    # The fallback credentials: read only, and only when a secret is configured.
    assert credentials == {
        "Fn::If": [
            "HasCredentialsSecret",
            {
                "Sid": "ReadFallbackCredentials",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": {"Ref": "OzServiceCredentialsSecretArn"},
            },
            NO_VALUE,
        ]
    }
    # Writing AWSPENDING under a customer managed key needs a data key, not only Decrypt.
    assert kms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Resource"] == KEY_ARN
    assert kms["Condition"] == KMS_VIA_SECRETS_MANAGER


def test_rotation_function_reads_the_credentials_secret_from_the_parameter(
    template: dict[str, Any], functions: dict[str, dict[str, Any]]
):
    variables = functions[ROTATION_FUNCTION]["Environment"]["Variables"]
    assert _ref(variables["OZ_CREDENTIALS_SECRET_ID"]) == "OzServiceCredentialsSecretArn"
    assert variables["POWERTOOLS_SERVICE_NAME"] == "rotate-service-token"
    assert template["Conditions"]["HasCredentialsSecret"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "OzServiceCredentialsSecretArn"}, ""]}]
    }
    parameter = template["Parameters"]["OzServiceCredentialsSecretArn"]
    assert parameter["Default"] == ""
    pattern = parameter["AllowedPattern"]
    assert re.fullmatch(pattern, "")
    assert re.fullmatch(
        pattern, "arn:aws:secretsmanager:us-east-1:123456789012:secret:oz/service-user-AbCdEf"
    )
    assert not re.fullmatch(pattern, "oz/service-user")  # a name: IAM needs the ARN


def test_secrets_manager_may_invoke_the_rotation_function_for_this_account_only(
    resources: dict[str, Any],
):
    for permission_name, function, secret in (
        ("RotateServiceTokenPermission", ROTATION_FUNCTION, "OzServiceTokenSecret"),
        ("RotateReceiptKeyPermission", RECEIPT_KEY_ROTATION_FUNCTION, "ReceiptSigningKeySecret"),
        ("RotateDataZooTokenPermission", DATAZOO_ROTATION_FUNCTION, "DataZooSessionTokenSecret"),
    ):
        permission = resources[permission_name]["Properties"]
        assert permission == {
            "FunctionName": {"Fn::GetAtt": [function, "Arn"]},
            "Action": "lambda:InvokeFunction",
            "Principal": "secretsmanager.amazonaws.com",
            "SourceAccount": {"Ref": "AWS::AccountId"},
            # Only the rotation of its own secret may invoke it.
            "SourceArn": {"Ref": secret},
        }


def test_rotation_schedule_comes_from_the_parameter_and_waits_for_the_permission(
    template: dict[str, Any], resources: dict[str, Any]
):
    schedule = resources["OzServiceTokenRotationSchedule"]
    # Without it, deploys fail intermittently: Secrets Manager checks it may invoke.
    assert schedule["DependsOn"] == "RotateServiceTokenPermission"
    properties = schedule["Properties"]
    assert _ref(properties["SecretId"]) == "OzServiceTokenSecret"
    assert properties["RotationLambdaARN"] == {"Fn::GetAtt": [ROTATION_FUNCTION, "Arn"]}
    assert properties["RotationRules"] == {
        "ScheduleExpression": {"Ref": "RotationScheduleExpression"}
    }
    # The secret is a placeholder until the bootstrap command runs.
    assert properties["RotateImmediatelyOnUpdate"] is False


def test_rotation_schedule_parameter(template: dict[str, Any]):
    parameter = template["Parameters"]["RotationScheduleExpression"]
    assert parameter["Default"] == "rate(7 days)"
    pattern = parameter["AllowedPattern"]
    for accepted in ("rate(7 days)", "rate(4 hours)", "rate(1 day)", "cron(0 4 ? * MON *)"):
        assert re.fullmatch(pattern, accepted), accepted
    for refused in ("7 days", "rate(0 days)", "rate(7 weeks)", "every week"):
        assert not re.fullmatch(pattern, refused), refused


def test_rotation_events_are_one_per_step_in_secrets_manager_shape():
    steps = {}
    for path in sorted((ROOT / "events" / "rotation").glob("*.json")):
        event = json.loads(path.read_text())
        assert set(event) == {"Step", "SecretId", "ClientRequestToken", "RotationToken"}, path
        assert event["SecretId"].startswith("arn:aws:secretsmanager:"), path
        steps[path.stem] = event["Step"]
    assert steps == {
        "create_secret": "createSecret",
        "set_secret": "setSecret",
        "test_secret": "testSecret",
        "finish_secret": "finishSecret",
    }
