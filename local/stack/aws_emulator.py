"""moto in server mode on a loopback port, seeding it with secrets, creating DynamoDB tables in it
(and S3 buckets: ``stack.buckets``).

The server runs from the app venv (``<python> -m moto.server``, moto[server] pinned in
requirements-dev.txt), not from the SAM CLI venv. ``seed_secrets`` and ``create_tables`` need
boto3, imported lazily: both venvs have one.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .procs import LogSink, StackError, free_port, pump, spawn, stop_process, wait_for_port

#: Credentials the stack hands to everything that talks to moto (moto maps them to 123456789012).
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

#: The services whose ``AWS_ENDPOINT_URL_<SERVICE>`` every function gets, pointing at moto
#: (boto3's own service-specific endpoint variables).
DEFAULT_MOTO_ENDPOINTS = ("SECRETS_MANAGER", "DYNAMODB", "S3")


class MotoServer:
    """``python -m moto.server -H host -p port``, stopped with its whole process group."""

    START_ATTEMPTS = 3

    def __init__(
        self,
        python: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sink: LogSink,
        spawner: Any = spawn,
        start_timeout: float = 30.0,
    ) -> None:
        self.python = str(python)
        self.host = host
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self._sink = sink
        self._spawner = spawner
        self._start_timeout = start_timeout

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def launch(self) -> None:
        """Spawn moto_server on ``port`` (a free one if 0) without waiting for it."""
        self.port = self.port or free_port(self.host)
        self.proc = self._spawner(
            [self.python, "-m", "moto.server", "-H", self.host, "-p", str(self.port)],
            env=_moto_env(),
        )
        pump(self.proc, self._sink)

    def wait_ready(self) -> None:
        """Wait until moto answers HTTP (it takes ~1.5 s to import)."""
        if self.proc is None:
            raise StackError("moto_server was not launched")
        try:
            wait_for_port(self.host, self.port, timeout=self._start_timeout, proc=self.proc)
            _wait_http(f"{self.url}/moto-api/", timeout=self._start_timeout)
        except StackError as exc:
            raise StackError(f"moto_server did not start ({exc}); see {self._sink.path}") from exc

    def start(self) -> None:
        """launch() + wait_ready(), trying other free ports if ``port`` was 0 and got taken."""
        auto_port = self.port == 0
        for attempt in range(self.START_ATTEMPTS if auto_port else 1):
            self.launch()
            try:
                self.wait_ready()
            except StackError:
                if self.proc is not None:
                    stop_process(self.proc, grace=1.0)
                if attempt + 1 == (self.START_ATTEMPTS if auto_port else 1):
                    raise
                self.port = 0
            else:
                return

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        self._sink.close()


def _moto_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_DEFAULT_REGION="us-east-1", PYTHONUNBUFFERED="1")
    return env


def _wait_http(url: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            # bandit B310: a loopback http:// URL the stack built itself (moto's port).
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  # nosec B310
                return
        except (urllib.error.URLError, OSError) as exc:
            if time.monotonic() > deadline:
                raise StackError(f"{url} did not answer: {exc}") from exc
            time.sleep(0.05)


def seed_secrets(
    endpoint: str, secrets: Mapping[str, str | Mapping[str, Any]], *, region: str = "us-east-1"
) -> None:
    """Create (or give a new current value to) each secret ``name -> value`` in Secrets Manager.

    A value that is not a string (a dict, such as the Oz token secret) is stored as its JSON.
    Works against any Secrets Manager endpoint; the local stack points it at its moto server.
    """
    client = _client("secretsmanager", endpoint, region)
    for name, value in secrets.items():
        text = value if isinstance(value, str) else json.dumps(value)
        try:
            client.create_secret(Name=name, SecretString=text)
        except client.exceptions.ResourceExistsException:
            client.put_secret_value(SecretId=name, SecretString=text)


@dataclass(frozen=True)
class DynamoTable:
    """A DynamoDB table to create: ``CreateTable`` arguments, then ``UpdateTimeToLive``."""

    name: str  # TableName: what the functions' `!Ref <table>` resolves to in the local stack
    resource: str  # the resource's path in the template ("VerificationsTable", "Child/Table")
    definition: Mapping[str, Any] = field(default_factory=dict)  # CreateTable args but TableName
    ttl_attribute: str | None = None  # TimeToLiveSpecification.AttributeName, when Enabled


def _client(service: str, endpoint: str, region: str) -> Any:
    # Lazily: this module must import without boto3; both venvs that call this have it.
    import boto3  # noqa: PLC0415

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=FAKE_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=FAKE_CREDENTIALS["aws_secret_access_key"],
    )


def create_tables(
    endpoint: str, tables: Iterable[DynamoTable], *, region: str = "us-east-1"
) -> None:
    """Create each table (and switch its TTL on) in DynamoDB at ``endpoint``.

    A table that already exists is left as it is. The local stack points this at its moto server
    with the tables the template declares (``stack.tables``).
    """
    client = _client("dynamodb", endpoint, region)
    for table in tables:
        try:
            client.create_table(TableName=table.name, **table.definition)
        except client.exceptions.ResourceInUseException:
            continue
        if table.ttl_attribute:
            client.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
            )
