"""The DynamoDB tables a template declares, as the local stack creates them in moto.

Runs in the SAM CLI venv (imports samcli). Every ``AWS::DynamoDB::Table`` of every stack SAM reads,
and every ``AWS::Serverless::SimpleTable`` (which SAM CLI's local providers leave untransformed),
becomes a :class:`~stack.aws_emulator.DynamoTable`:

- the **name** is what ``{"Ref": <logical id>}`` resolves to with SAM CLI's own intrinsic resolver
  and the stack's parameter values: the same resolution that gives the functions'
  ``Environment`` their values (``SamBaseProvider.get_template``), so ``TABLE: !Ref MyTable`` in a
  function names the table created here. For a table SAM CLI resolves that Ref to the
  **logical id** (``IntrinsicsSymbolTable``'s default ``Ref`` resolver), even when the table
  sets ``TableName``, unless a parameter override of that name exists;
- ``KeySchema``, ``AttributeDefinitions``, ``BillingMode`` (CloudFormation's default
  ``PROVISIONED``), ``ProvisionedThroughput`` and the secondary indexes' keys, projections and
  throughput go to ``CreateTable``; ``TimeToLiveSpecification`` to ``UpdateTimeToLive`` when
  enabled. Only these properties are resolved; SSE/KMS, deletion protection, point-in-time
  recovery, streams, table class, tags and contributor insights are ignored (moto need not
  enforce them);
- a SimpleTable gets its ``PrimaryKey`` (default ``id``, String) as hash key, and
  ``PAY_PER_REQUEST`` unless it sets ``ProvisionedThroughput``, as SAM's transform would;
- a table whose resource ``Condition`` is false is not created (CloudFormation would not create
  it either).
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable, Mapping
from typing import Any

from samcli.lib.intrinsic_resolver.intrinsic_property_resolver import IntrinsicResolver
from samcli.lib.intrinsic_resolver.intrinsics_symbol_table import IntrinsicsSymbolTable
from samcli.lib.intrinsic_resolver.invalid_intrinsic_exception import (
    InvalidIntrinsicException,
    InvalidSymbolException,
)
from samcli.lib.providers.provider import Stack
from samcli.lib.providers.sam_base_provider import SamBaseProvider

from .aws_emulator import DynamoTable
from .procs import StackError

LOG = logging.getLogger(__name__)

TABLE_TYPE = "AWS::DynamoDB::Table"
SIMPLE_TABLE_TYPE = "AWS::Serverless::SimpleTable"
_SIMPLE_KEY_TYPES = {"String": "S", "Number": "N", "Binary": "B"}

_GSI_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
_LSI_KEYS = ("IndexName", "KeySchema", "Projection")


def template_tables(stacks: Iterable[Stack]) -> list[DynamoTable]:
    """Every DynamoDB table the stacks declare, in template order; names must be distinct."""
    tables: list[DynamoTable] = []
    for stack in stacks:
        resolver: _Resolver | None = None
        for logical_id, resource in stack.resources.items():
            if not isinstance(resource, Mapping):
                continue
            kind = resource.get("Type")
            if kind not in (TABLE_TYPE, SIMPLE_TABLE_TYPE):
                continue
            resolver = resolver or _Resolver(stack)
            path = posixpath.join(stack.stack_path, logical_id)
            condition = resource.get("Condition")
            if condition and not resolver.condition(condition, path):
                LOG.info("%s: condition %s is false, table not created", path, condition)
                continue
            props = resource.get("Properties") or {}
            if kind == SIMPLE_TABLE_TYPE:
                props = _simple_table_properties(resolver, path, props)
            tables.append(_table(resolver, path, logical_id, props))
    seen: dict[str, str] = {}
    for table in tables:
        if table.name in seen:
            raise StackError(
                f"tables {seen[table.name]} and {table.resource} would both be named "
                f"{table.name!r} in the local stack"
            )
        seen[table.name] = table.resource
    return tables


class _Resolver:
    """SAM CLI's intrinsic resolver, set up as ``SamBaseProvider.get_template`` sets it up."""

    def __init__(self, stack: Stack) -> None:
        template = {**stack.template_dict, "Resources": stack.resources}
        # pseudo parameters, then the template's defaults, then the stack's overrides: the
        # symbol table the function environments were resolved with
        parameters = SamBaseProvider._get_parameter_values(stack.template_dict, stack.parameters)
        self._conditions = template.get("Conditions") or {}
        self._resolver = IntrinsicResolver(
            template=template,
            symbol_resolver=IntrinsicsSymbolTable(
                logical_id_translator=parameters, template=template
            ),
        )

    def resolve(self, value: Any, where: str) -> Any:
        try:
            return self._resolver.intrinsic_property_resolver(
                value, ignore_errors=False, parent_function=where
            )
        except (InvalidIntrinsicException, InvalidSymbolException) as exc:
            raise StackError(f"{where}: cannot resolve {value!r}: {exc}") from exc

    def condition(self, name: str, where: str) -> bool:
        if name not in self._conditions:
            raise StackError(f"{where}: condition {name!r} is not in the template's Conditions")
        return _bool(self.resolve(self._conditions[name], f"{where} Condition {name}"))


def _table(
    resolver: _Resolver, path: str, logical_id: str, props: Mapping[str, Any]
) -> DynamoTable:
    def prop(key: str, default: Any = None) -> Any:
        if key not in props:
            return default
        return resolver.resolve(props[key], f"{path}.{key}")

    name = resolver.resolve({"Ref": logical_id}, f"{path} (Ref)")
    if not isinstance(name, str) or not name:
        raise StackError(f"{path}: Ref resolves to {name!r}, not a table name")
    for required in ("KeySchema", "AttributeDefinitions"):
        if not props.get(required):
            raise StackError(f"{path}: no {required}")
    definition: dict[str, Any] = {
        "KeySchema": prop("KeySchema"),
        "AttributeDefinitions": prop("AttributeDefinitions"),
        "BillingMode": prop("BillingMode", "PROVISIONED"),
    }
    if "ProvisionedThroughput" in props:
        definition["ProvisionedThroughput"] = _throughput(prop("ProvisionedThroughput"))
    if props.get("GlobalSecondaryIndexes"):
        definition["GlobalSecondaryIndexes"] = [
            _index(index, _GSI_KEYS) for index in prop("GlobalSecondaryIndexes")
        ]
    if props.get("LocalSecondaryIndexes"):
        definition["LocalSecondaryIndexes"] = [
            _index(index, _LSI_KEYS) for index in prop("LocalSecondaryIndexes")
        ]
    ttl = prop("TimeToLiveSpecification") or {}
    ttl_attribute = ttl.get("AttributeName") if _bool(ttl.get("Enabled", False)) else None
    return DynamoTable(
        name=name, resource=path, definition=definition, ttl_attribute=ttl_attribute or None
    )


def _simple_table_properties(
    resolver: _Resolver, path: str, props: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``AWS::DynamoDB::Table`` properties SAM's transform makes of a SimpleTable."""
    key = resolver.resolve(props.get("PrimaryKey") or {}, f"{path}.PrimaryKey")
    name, kind = key.get("Name", "id"), key.get("Type", "String")
    if kind not in _SIMPLE_KEY_TYPES:
        raise StackError(f"{path}.PrimaryKey.Type: {kind!r} is not String, Number or Binary")
    result: dict[str, Any] = {
        "KeySchema": [{"AttributeName": name, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": _SIMPLE_KEY_TYPES[kind]}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if "ProvisionedThroughput" in props:
        result["BillingMode"] = "PROVISIONED"
        result["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    return result


def _index(index: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    result = {key: index[key] for key in keys if key in index}
    if "ProvisionedThroughput" in result:
        result["ProvisionedThroughput"] = _throughput(result["ProvisionedThroughput"])
    return result


def _throughput(value: Mapping[str, Any]) -> dict[str, int]:
    # a parameter resolves to a string ("5"); CreateTable wants integers
    return {key: int(units) for key, units in value.items()}


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)
