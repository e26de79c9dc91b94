"""One customer managed key, secret resource policies and one role per function, as CloudFormation
gets them (the SAM-translated template): who may write which log group, read which secret, and
use the key for what.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import pytest
from cfn_translation import resolve, translate

# The one way the template names its key's ARN: StackKey's, unless KmsKeyArn names another.
KEY_ARN = {"Fn::If": ["CreateStackKey", {"Fn::GetAtt": ["StackKey", "Arn"]}, {"Ref": "KmsKeyArn"}]}
ROOT_PRINCIPAL = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
VIA_SECRETS_MANAGER = {"Fn::Sub": "secretsmanager.${AWS::Region}.${AWS::URLSuffix}"}
VIA_DYNAMODB = {"Fn::Sub": "dynamodb.${AWS::Region}.${AWS::URLSuffix}"}
VIA_S3 = {"Fn::Sub": "s3.${AWS::Region}.${AWS::URLSuffix}"}
LOG_GROUP_ARN = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
# Every condition of the template that a role, a key statement or a secret policy depends on.
ALL_ON = {
    "OzAuth": True,
    "HasCredentialsSecret": True,
    "HasOperatorRole": True,
    "HasKeyAdminRole": True,
    "CreateStackKey": True,
}
DEFAULTS = {**ALL_ON, "HasCredentialsSecret": False, "HasOperatorRole": False}
DEFAULTS["HasKeyAdminRole"] = False


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return translate("OzApiUrl=https://oz.invalid")


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = template["Resources"]
    return resources


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def _functions(resources: dict[str, Any]) -> dict[str, Any]:
    return _of_type(resources, "AWS::Lambda::Function")


def _role_of(function: dict[str, Any]) -> str:
    role = function["Properties"]["Role"]
    assert set(role) == {"Fn::GetAtt"}, role
    assert role["Fn::GetAtt"][1] == "Arn", role
    return str(role["Fn::GetAtt"][0])


def _policies_of(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [
        r
        for r in _of_type(resources, "AWS::IAM::RolePolicy").values()
        if r["Properties"]["RoleName"] == {"Ref": role}
    ]


def _statements(resources: dict[str, Any], function: str, conditions=DEFAULTS) -> list[Any]:
    role = _role_of(resources[function])
    [policy] = _policies_of(resources, role)
    return list(resolve(policy["Properties"]["PolicyDocument"]["Statement"], conditions))


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _key_statements(resources: dict[str, Any], conditions=DEFAULTS) -> dict[str, Any]:
    policy = resolve(resources["StackKey"]["Properties"]["KeyPolicy"], conditions)
    return {s["Sid"]: s for s in policy["Statement"]}


def _role_arn(role: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [role, "Arn"]}


# ---------------------------------------------------------------- one role per function


def test_each_function_has_its_own_role_that_only_lambda_assumes(resources: dict[str, Any]):
    functions = _functions(resources)
    roles = {name: _role_of(function) for name, function in functions.items()}
    assert len(set(roles.values())) == len(functions)  # no role shared by two functions
    for name, role in roles.items():
        properties = resources[role]["Properties"]
        assert resources[role]["Type"] == "AWS::IAM::Role", name
        [trust] = properties["AssumeRolePolicyDocument"]["Statement"]
        assert trust == {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
        # Its permissions are its own policy's only: no managed policy, nothing inline.
        assert "ManagedPolicyArns" not in properties, name
        assert "Policies" not in properties, name
        assert len(_policies_of(resources, role)) == 1, name
        # The function waits for its policy: it could not log or read its secrets otherwise.
        [policy] = [p for p, r in resources.items() if r in _policies_of(resources, role)]
        assert policy in _listed(functions[name].get("DependsOn", [])), name
        assert resources[role].get("Condition") == functions[name].get("Condition"), name


def test_no_role_gets_lambdas_basic_execution_role_or_logs_on_everything(
    resources: dict[str, Any],
):
    text = json.dumps(_of_type(resources, "AWS::IAM::Role"))
    assert "AWSLambdaBasicExecutionRole" not in text
    for name in _functions(resources):
        for statement in _statements(resources, name, ALL_ON):
            actions = _listed(statement["Action"])
            assert not [a for a in actions if a.startswith("logs:") and "*" in a], name
            if any(a.startswith("logs:") for a in actions):
                assert "*" not in _listed(statement["Resource"]), name


def test_each_function_writes_only_to_its_own_log_group(resources: dict[str, Any]):
    for name, function in _functions(resources).items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        group_name = resources[group]["Properties"]["LogGroupName"]["Fn::Sub"]
        logs = [
            s
            for s in _statements(resources, name, ALL_ON)
            if any(a.startswith("logs:") for a in _listed(s["Action"]))
        ]
        assert logs == [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                # Its streams: log-group:NAME:log-stream:STREAM.
                "Resource": {"Fn::Sub": f"{LOG_GROUP_ARN}{group_name}:*"},
            }
        ], name


def test_traces_are_the_only_statement_on_every_resource(resources: dict[str, Any]):
    # X-Ray's put actions take no resource: "*" is the only value IAM accepts for them.
    for name, function in _functions(resources).items():
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}, name
        everywhere = [
            s for s in _statements(resources, name, ALL_ON) if "*" in _listed(s["Resource"])
        ]
        assert everywhere == [
            {
                "Sid": "WriteTraces",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            }
        ], name


def test_every_key_use_in_a_role_policy_names_the_one_key_through_a_service(
    resources: dict[str, Any],
):
    for stack_key in (True, False):
        conditions = {**ALL_ON, "CreateStackKey": stack_key}
        for name in _functions(resources):
            _uses_the_one_key(_statements(resources, name, conditions), conditions, name)


def _uses_the_one_key(statements: list[Any], conditions: dict[str, bool], name: str) -> None:
    for statement in statements:
        if any(a.startswith("kms:") for a in _listed(statement["Action"])):
            assert statement["Resource"] == resolve(KEY_ARN, conditions), name
            via = statement["Condition"]["StringEquals"]["kms:ViaService"]
            assert via in (VIA_SECRETS_MANAGER, VIA_DYNAMODB, VIA_S3), name


# ---------------------------------------------------------------- one key


def test_every_secret_the_store_and_every_log_group_use_the_one_key(resources: dict[str, Any]):
    secrets = _of_type(resources, "AWS::SecretsManager::Secret")
    groups = _of_type(resources, "AWS::Logs::LogGroup")
    assert len(secrets) == 4
    assert len(groups) == len(_functions(resources)) + 1  # and the access log
    for name, resource in {**secrets, **groups}.items():
        assert resource["Properties"]["KmsKeyId"] == KEY_ARN, name
    for name, table in _of_type(resources, "AWS::DynamoDB::Table").items():
        assert table["Properties"]["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": KEY_ARN,
        }, name
    keys = _of_type(resources, "AWS::KMS::Key")
    assert list(keys) == ["StackKey"]
    assert keys["StackKey"]["Condition"] == "CreateStackKey"
    assert keys["StackKey"]["Properties"]["EnableKeyRotation"] is True


def test_the_key_is_the_stacks_unless_a_parameter_names_another(template: dict[str, Any]):
    assert template["Outputs"]["KeyArn"]["Value"] == KEY_ARN
    assert template["Conditions"]["CreateStackKey"] == {"Fn::Equals": [{"Ref": "KmsKeyArn"}, ""]}
    parameters = template["Parameters"]
    assert "SecretsKmsKeyArn" not in parameters  # replaced by KmsKeyArn
    for name in ("KmsKeyArn", "KeyAdminRoleArn", "OperatorRoleArn"):
        assert parameters[name]["Default"] == "", name
    assert re.fullmatch(
        parameters["KmsKeyArn"]["AllowedPattern"],
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )
    assert not re.fullmatch(parameters["KmsKeyArn"]["AllowedPattern"], "alias/mine")
    assert re.fullmatch(
        parameters["KeyAdminRoleArn"]["AllowedPattern"], "arn:aws:iam::123456789012:role/kms-admin"
    )
    assert not re.fullmatch(
        parameters["KeyAdminRoleArn"]["AllowedPattern"], "arn:aws:iam::123456789012:user/someone"
    )


@pytest.mark.parametrize("admin", [False, True], ids=["account-administers", "admin-role"])
def test_the_key_is_administered_by_the_admin_role_or_else_the_account(
    resources: dict[str, Any], admin: bool
):
    statements = _key_statements(resources, {**DEFAULTS, "HasKeyAdminRole": admin})
    administer = statements["Administer"]
    expected = {"Ref": "KeyAdminRoleArn"} if admin else ROOT_PRINCIPAL
    assert administer["Principal"] == {"AWS": expected}
    actions = set(administer["Action"])
    # KMS refuses a policy its creator could not change later.
    assert [a for a in actions if fnmatch.fnmatchcase("kms:PutKeyPolicy", a)]
    # Administration never includes using the key.
    for use in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"):
        assert not [a for a in actions if fnmatch.fnmatchcase(use, a)], use
    assert "kms:*" not in json.dumps(statements)


def test_the_account_may_only_encrypt_through_dynamodb_and_secrets_manager(
    resources: dict[str, Any],
):
    account = [
        s for s in _key_statements(resources).values() if s["Principal"] == {"AWS": ROOT_PRINCIPAL}
    ]
    administer, deploy = account
    assert administer["Sid"] == "Administer"
    assert not [a for a in deploy["Action"] if fnmatch.fnmatchcase("kms:Decrypt", a)]
    assert deploy["Condition"]["StringEquals"] == {
        "kms:CallerAccount": {"Ref": "AWS::AccountId"},
        "kms:ViaService": [VIA_DYNAMODB, VIA_SECRETS_MANAGER],
    }


def _uses(resources: dict[str, Any], name: str, via: dict[str, Any]) -> set[str]:
    return {
        action
        for s in _statements(resources, name, ALL_ON)
        if s.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService") == via
        for action in _listed(s["Action"])
    }


def _granted_by_key(resources: dict[str, Any], role: str, via: dict[str, Any]) -> set[str]:
    return {
        action
        for s in _key_statements(resources, ALL_ON).values()
        if _role_arn(role) in _listed(s["Principal"].get("AWS", []))
        and s.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService") == via
        for action in _listed(s["Action"])
    }


def test_the_key_policy_gives_each_role_exactly_the_use_its_policy_asks_for(
    resources: dict[str, Any],
):
    for name, function in _functions(resources).items():
        role = _role_of(function)
        for via in (VIA_SECRETS_MANAGER, VIA_DYNAMODB, VIA_S3):
            assert _granted_by_key(resources, role, via) == _uses(resources, name, via), (
                name,
                via,
            )
    # Every function reads a secret or writes uploads, so every role is named.
    text = json.dumps(resources["StackKey"]["Properties"]["KeyPolicy"])
    for function in _functions(resources).values():
        assert json.dumps(_role_arn(_role_of(function))) in text


def test_the_operator_may_decrypt_only_through_secrets_manager(resources: dict[str, Any]):
    operator = {"Ref": "OperatorRoleArn"}
    with_operator = _key_statements(resources, {**DEFAULTS, "HasOperatorRole": True})
    naming = [s for s in with_operator.values() if operator in _listed(s["Principal"].get("AWS"))]
    assert [(s["Action"], s["Condition"]) for s in naming] == [
        ("kms:Decrypt", {"StringEquals": {"kms:ViaService": VIA_SECRETS_MANAGER}})
    ]
    without = _key_statements(resources, DEFAULTS)
    assert json.dumps(operator) not in json.dumps(without)


def test_cloudwatch_logs_may_use_the_key_for_this_stacks_log_groups_only(
    resources: dict[str, Any],
):
    statement = _key_statements(resources)["LogsEncryptThisStacksLogGroups"]
    service = {"Fn::Sub": "logs.${AWS::Region}.${AWS::URLSuffix}"}
    assert statement["Principal"] == {"Service": service}
    arns = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    patterns = [arn["Fn::Sub"] for arn in arns]
    for name, group in _of_type(resources, "AWS::Logs::LogGroup").items():
        arn = LOG_GROUP_ARN + group["Properties"]["LogGroupName"]["Fn::Sub"]
        assert [p for p in patterns if fnmatch.fnmatchcase(arn, p)], name
    # Not another stack's groups, nor the account's.
    other = LOG_GROUP_ARN + "/aws/lambda/another-stack/session-token"
    assert not [p for p in patterns if fnmatch.fnmatchcase(other, p)]


# ---------------------------------------------------------------- secret resource policies

SECRETS = [
    "OzServiceTokenSecret",
    "ReceiptSigningKeySecret",
    "DataZooCredentialsSecret",
    "DataZooSessionTokenSecret",
]


def _readers(resources: dict[str, Any], secret: str) -> set[str]:
    """The roles whose policy lets them GetSecretValue on ``secret``."""
    return {
        _role_of(function)
        for name, function in _functions(resources).items()
        for s in _statements(resources, name, ALL_ON)
        if "secretsmanager:GetSecretValue" in _listed(s["Action"])
        and {"Ref": secret} in _listed(s["Resource"])
    }


@pytest.mark.parametrize("secret", SECRETS)
def test_only_the_roles_that_read_a_secret_may_get_its_value(
    resources: dict[str, Any], secret: str
):
    [policy] = [
        r["Properties"]
        for r in _of_type(resources, "AWS::SecretsManager::ResourcePolicy").values()
        if r["Properties"]["SecretId"] == {"Ref": secret}
    ]
    assert policy["BlockPublicPolicy"] is True
    [deny] = resolve(policy["ResourcePolicy"], ALL_ON)["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Resource"]) == ("Deny", "*", "*")
    assert deny["Action"] == "secretsmanager:GetSecretValue"
    [(operator, keys)] = deny["Condition"].items()
    assert operator == "ArnNotEquals"
    [(key, allowed)] = keys.items()
    assert key == "aws:PrincipalArn"  # a role's ARN for every session of it
    expected = [_role_arn(role) for role in sorted(_readers(resources, secret))]
    if secret == "OzServiceTokenSecret":  # the bootstrap reads it, when an operator is named
        expected.append({"Ref": "OperatorRoleArn"})
    assert sorted(map(json.dumps, allowed)) == sorted(map(json.dumps, expected))
    assert len(allowed) == len(expected)


def test_the_readers_are_who_the_design_says(resources: dict[str, Any]):
    # The test above lists exactly the roles these policies let read; here, that they are right.
    readers = {
        secret: {role.removesuffix("FunctionRole") for role in _readers(resources, secret)}
        for secret in SECRETS
    }
    assert readers == {
        "OzServiceTokenSecret": {
            "SessionToken",
            "CapsuleRelay",
            "UploadCheck",
            "Biometry",
            "Health",
            "RotateServiceToken",
        },
        "ReceiptSigningKeySecret": {
            "CapsuleRelay",
            "UploadCheck",
            "Biometry",
            "RedeemReceipt",
            "RotateReceiptKey",
        },
        "DataZooCredentialsSecret": {"RotateDataZooToken"},
        "DataZooSessionTokenSecret": {"IdentityVerify", "RotateDataZooToken"},
    }


def test_the_rotation_functions_role_is_allowed_only_while_it_exists(resources: dict[str, Any]):
    [policy] = [
        r["Properties"]["ResourcePolicy"]
        for r in _of_type(resources, "AWS::SecretsManager::ResourcePolicy").values()
        if r["Properties"]["SecretId"] == {"Ref": "OzServiceTokenSecret"}
    ]
    without_rotation = resolve(policy, {**ALL_ON, "OzAuth": False, "HasOperatorRole": False})
    [deny] = without_rotation["Statement"]
    allowed = deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    assert _role_arn("RotateServiceTokenFunctionRole") not in allowed
    assert len(allowed) == 5
