"""template.yaml's Data Zoo parts: the identity-verify route, the two secrets, the rotation and
least privilege (test_template.py and test_sam_translation.py cover what every function shares).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfn_translation import translate
from cfn_yaml import load_template

ROOT = Path(__file__).resolve().parents[2]
VERIFY, ROTATE = "IdentityVerifyFunction", "RotateDataZooTokenFunction"
TOKEN, CREDENTIALS = "DataZooSessionTokenSecret", "DataZooCredentialsSecret"
ROTATION_ACTIONS = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
]
KEY_ARN = {"Fn::If": ["CreateStackKey", {"Fn::GetAtt": ["StackKey", "Arn"]}, {"Ref": "KmsKeyArn"}]}
KMS_VIA_SECRETS_MANAGER = {
    "StringEquals": {
        "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.${AWS::URLSuffix}"}
    }
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


def properties(resources: dict[str, Any], name: str) -> dict[str, Any]:
    return resources[name]["Properties"]


def statements(resources: dict[str, Any], name: str) -> list[Any]:
    """Its own role policy's statements, after its log group's and X-Ray's."""
    assert properties(resources, name)["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
    policy = properties(resources, f"{name}Policy")
    assert policy["RoleName"] == {"Ref": f"{name}Role"}
    logs, traces, *own = policy["PolicyDocument"]["Statement"]
    assert (logs["Sid"], traces["Sid"]) == ("WriteOwnLogs", "WriteTraces")
    return own


# ---------------------------------------------------------------- the route


def test_identity_verify_is_iam_authorized_on_the_api(resources):
    [event] = properties(resources, VERIFY)["Events"].values()
    assert event["Type"] == "Api"
    assert event["Properties"] == {
        "RestApiId": {"Ref": "OzApi"},
        "Path": "/v1/identity/verify",
        "Method": "post",
        "Auth": {"Authorizer": "AWS_IAM", "InvokeRole": "NONE"},
    }


def test_identity_verify_reads_only_the_token_secret(resources):
    read, kms = statements(resources, VERIFY)
    assert read == {
        "Sid": "ReadDataZooSessionToken",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": {"Ref": TOKEN},
    }
    assert kms["Action"] == "kms:Decrypt"
    assert kms["Resource"] == KEY_ARN
    assert kms["Condition"] == KMS_VIA_SECRETS_MANAGER


def test_identity_verify_environment_and_time_budget(resources):
    function = properties(resources, VERIFY)
    variables = function["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "identity-verify"
    assert variables["DATAZOO_API_URL"] == {"Ref": "DataZooApiUrl"}
    assert variables["DATAZOO_TOKEN_SECRET_ID"] == {"Ref": TOKEN}
    assert "DATAZOO_CREDENTIALS_SECRET_ID" not in variables  # it never signs in
    assert variables["DATAZOO_ALLOW_INSECURE_HTTP"] == "false"
    assert not [name for name in variables if name.startswith(("OZ_", "RECEIPT_", "MAX_"))]
    budget = float(variables["DATAZOO_CONNECT_TIMEOUT_SECONDS"]) + float(
        variables["DATAZOO_READ_TIMEOUT_SECONDS"]
    )
    # Data Zoo gives up before the function, which stops before API Gateway's 29 s.
    assert budget <= function["Timeout"] - 0.5
    assert function["Timeout"] <= 29
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "IdentityVerifyLogGroup"}}


def test_the_invoke_arn_is_an_output(template):
    value = template["Outputs"]["IdentityVerifyInvokeArn"]["Value"]["Fn::Sub"]
    assert value.endswith("${OzApi}/${StageName}/POST/v1/identity/verify")


# ---------------------------------------------------------------- secrets


def test_both_secrets_start_as_placeholders_under_the_stacks_key(resources):
    credentials, token = properties(resources, CREDENTIALS), properties(resources, TOKEN)
    assert json.loads(credentials["SecretString"]) == {"username": "", "password": ""}
    assert json.loads(token["SecretString"]) == {"session_token": ""}
    assert credentials["Name"] == {"Fn::Sub": "${AWS::StackName}/datazoo-credentials"}
    assert token["Name"] == {"Fn::Sub": "${AWS::StackName}/datazoo-session-token"}
    for secret in (credentials, token):
        assert secret["KmsKeyId"] == KEY_ARN
        assert "GenerateSecretString" not in secret


def test_only_the_rotation_function_may_read_the_credentials(resources):
    readers = {
        name
        for name, resource in resources.items()
        if resource["Type"] == "AWS::IAM::RolePolicy"
        and CREDENTIALS in json.dumps(resource["Properties"]["PolicyDocument"])
    }
    assert readers == {f"{ROTATE}Policy"}


# ---------------------------------------------------------------- rotation


def test_rotation_policy_is_the_four_steps_on_the_token_and_a_read_of_the_credentials(resources):
    token, credentials, kms = statements(resources, ROTATE)
    assert token == {
        "Sid": "RotateDataZooSessionToken",
        "Effect": "Allow",
        "Action": ROTATION_ACTIONS,
        "Resource": {"Ref": TOKEN},
    }
    assert credentials == {
        "Sid": "ReadDataZooCredentials",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": {"Ref": CREDENTIALS},
    }
    assert kms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Resource"] == KEY_ARN
    assert kms["Condition"] == KMS_VIA_SECRETS_MANAGER


def test_rotation_function_environment(resources):
    function = properties(resources, ROTATE)
    variables = function["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "rotate-datazoo-token"
    assert variables["DATAZOO_CREDENTIALS_SECRET_ID"] == {"Ref": CREDENTIALS}
    assert "DATAZOO_TOKEN_SECRET_ID" not in variables  # the event names the secret
    assert variables["DATAZOO_ALLOW_INSECURE_HTTP"] == "false"
    assert not [name for name in variables if name.startswith(("OZ_", "RECEIPT_", "MAX_", "CORS_"))]
    assert "Events" not in function  # only Secrets Manager invokes it
    budget = float(variables["DATAZOO_CONNECT_TIMEOUT_SECONDS"]) + float(
        variables["DATAZOO_READ_TIMEOUT_SECONDS"]
    )
    assert budget <= function["Timeout"] - 0.5


def test_secrets_manager_may_invoke_the_rotation_for_this_account_only(resources):
    assert properties(resources, "RotateDataZooTokenPermission") == {
        "FunctionName": {"Fn::GetAtt": [ROTATE, "Arn"]},
        "Action": "lambda:InvokeFunction",
        "Principal": "secretsmanager.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
        "SourceArn": {"Ref": "DataZooSessionTokenSecret"},
    }


def test_the_schedule_is_a_parameter_and_waits_for_the_permission(template, resources):
    schedule = resources["DataZooTokenRotationSchedule"]
    assert schedule["DependsOn"] == "RotateDataZooTokenPermission"
    assert schedule["Properties"] == {
        "SecretId": {"Ref": TOKEN},
        "RotationLambdaARN": {"Fn::GetAtt": [ROTATE, "Arn"]},
        # The credentials are a placeholder on the first deploy.
        "RotateImmediatelyOnUpdate": False,
        "RotationRules": {"ScheduleExpression": {"Ref": "DataZooRotationScheduleExpression"}},
    }
    parameter = template["Parameters"]["DataZooRotationScheduleExpression"]
    assert parameter["Default"] == "rate(4 hours)"
    for accepted in ("rate(4 hours)", "rate(1 day)", "cron(0 */4 * * ? *)"):
        assert re.fullmatch(parameter["AllowedPattern"], accepted), accepted
    for refused in ("rate(0 hours)", "every 4 hours", "rate(4 hours) "):
        assert not re.fullmatch(parameter["AllowedPattern"], refused), refused


def test_the_data_zoo_url_defaults_to_the_sandbox_and_must_be_absolute(template):
    parameter = template["Parameters"]["DataZooApiUrl"]
    assert parameter["Default"] == "https://idu-test.datazoo.com/api/v2"
    assert re.fullmatch(parameter["AllowedPattern"], "https://idu.datazoo.com/api/v2")
    for refused in ("idu.datazoo.com", "https://idu.datazoo.com/api/v2?x=1"):
        assert not re.fullmatch(parameter["AllowedPattern"], refused), refused


def test_both_functions_have_an_errors_alarm_and_a_log_group(resources):
    for name, group in ((VERIFY, "IdentityVerifyLogGroup"), (ROTATE, "RotateDataZooTokenLogGroup")):
        alarms = [
            r["Properties"]
            for r in resources.values()
            if r["Type"] == "AWS::CloudWatch::Alarm"
            and r["Properties"].get("Dimensions", [{}])[0].get("Value") == {"Ref": name}
        ]
        assert len(alarms) == 1, name
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_parameters_are_grouped(template):
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    [group] = [g for g in groups if g["Label"]["default"] == "Data Zoo KYC data checks"]
    assert group["Parameters"] == ["DataZooApiUrl", "DataZooRotationScheduleExpression"]


# ---------------------------------------------------------------- what SAM makes of it


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return translate("OzApiUrl=https://oz.invalid")


def test_the_translated_route_requires_sigv4(translated):
    body = translated["Resources"]["OzApi"]["Properties"]["Body"]
    method = body["paths"]["/v1/identity/verify"]["post"]
    assert method["security"] == [{"AWS_IAM": []}]
    integration = method["x-amazon-apigateway-integration"]
    assert f"${{{VERIFY}.Arn}}" in integration["uri"]["Fn::Sub"]
    assert "credentials" not in integration


def test_the_translated_roles_get_logs_xray_and_their_statements_only(translated):
    resources = translated["Resources"]
    for name in (VERIFY, ROTATE):
        assert resources[name]["Properties"]["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
        role = resources[f"{name}Role"]["Properties"]
        assert "ManagedPolicyArns" not in role, name  # no AWSLambdaBasicExecutionRole
        logs, traces, *own = resources[f"{name}Policy"]["Properties"]["PolicyDocument"]["Statement"]
        assert logs["Resource"]["Fn::Sub"].endswith(
            resources[f"{name}".replace("Function", "LogGroup")]["Properties"]["LogGroupName"][
                "Fn::Sub"
            ]
            + ":*"
        ), name
        assert traces["Resource"] == "*", name  # X-Ray's put actions take no resource
        assert '"*"' not in json.dumps(own), name
