"""The S3 buckets a template declares, as the local stack creates them in moto.

Runs in the SAM CLI venv (imports samcli, through ``stack.tables``' resolver). Every
``AWS::S3::Bucket`` of every stack SAM reads becomes a bucket in moto, named as the functions'
``!Ref <bucket>`` resolves with SAM CLI's intrinsic resolver and the stack's parameter values
(the resolution that gives the functions' ``Environment`` its values). SAM CLI resolves such a
``Ref`` to the **logical id** (``UploadsBucket``), which S3 refuses as a bucket name (upper
case): the local stack then passes a parameter override of that name (``product.py``:
``UploadsBucket=local-uploads``), which both the functions and this module see. Only the name
and the CORS rules are used; encryption, public access blocks, lifecycle and policies are
ignored (moto need not enforce them). A bucket whose resource ``Condition`` is false is not
created.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from samcli.lib.providers.provider import Stack

from .aws_emulator import FAKE_CREDENTIALS
from .procs import StackError
from .tables import _Resolver

BUCKET_TYPE = "AWS::S3::Bucket"
# S3's rule for a bucket name: 3-63 characters, lower case letters, digits, dots and hyphens.
_VALID_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class S3Bucket:
    name: str  # what the functions' `!Ref <bucket>` resolves to in the local stack
    resource: str  # the resource's path in the template
    cors_rules: list[Mapping[str, Any]] = field(default_factory=list)


def template_buckets(stacks: Iterable[Stack]) -> list[S3Bucket]:
    """Every S3 bucket the stacks declare, in template order."""
    buckets: list[S3Bucket] = []
    for stack in stacks:
        resolver: _Resolver | None = None
        for logical_id, resource in stack.resources.items():
            if not isinstance(resource, Mapping) or resource.get("Type") != BUCKET_TYPE:
                continue
            resolver = resolver or _Resolver(stack)
            path = posixpath.join(stack.stack_path, logical_id)
            condition = resource.get("Condition")
            if condition and not resolver.condition(condition, path):
                continue
            name = resolver.resolve({"Ref": logical_id}, f"{path} (Ref)")
            if not isinstance(name, str) or not _VALID_NAME.fullmatch(name):
                raise StackError(
                    f"{path}: Ref resolves to {name!r}, not an S3 bucket name; pass a parameter "
                    f"override {logical_id}=<lower-case name>"
                )
            props = resource.get("Properties") or {}
            cors = props.get("CorsConfiguration", {}).get("CorsRules", [])
            rules = resolver.resolve(cors, f"{path}.CorsConfiguration") if cors else []
            buckets.append(
                S3Bucket(name=name, resource=path, cors_rules=[_cors_rule(r) for r in rules])
            )
    return buckets


# CloudFormation's CorsRule keys that the S3 API spells differently.
_CORS_KEYS = {"MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders", "Id": "ID"}


def _cors_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    converted = {_CORS_KEYS.get(key, key): value for key, value in rule.items()}
    if "MaxAgeSeconds" in converted:
        converted["MaxAgeSeconds"] = int(converted["MaxAgeSeconds"])
    return converted


def create_buckets(
    endpoint: str, buckets: Iterable[S3Bucket], *, region: str = "us-east-1"
) -> None:
    """Create each bucket (with its CORS rules) in the S3 at ``endpoint``; keep existing ones."""
    import boto3  # noqa: PLC0415 - both venvs that call this have it

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=FAKE_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=FAKE_CREDENTIALS["aws_secret_access_key"],
    )
    for bucket in buckets:
        try:
            client.create_bucket(Bucket=bucket.name)
        except client.exceptions.BucketAlreadyOwnedByYou:
            continue
        if bucket.cors_rules:
            client.put_bucket_cors(
                Bucket=bucket.name, CORSConfiguration={"CORSRules": list(bucket.cors_rules)}
            )
