"""Docker-free local stack for the SAM app: SAM CLI's API Gateway emulator in front of the functions
running under the real Lambda Runtime Interface Emulator, moto for Secrets Manager and DynamoDB
(the template's tables are created in it).

Importable from any venv (standard library only at import time); the server part
(``stack.server``, ``stack.runner``, ``stack.tables``) imports samcli and runs in the SAM CLI venv.
See README.md in this folder.
"""

from .aws_emulator import DynamoTable, create_tables, seed_secrets
from .build import find_build_python, sam_build
from .launcher import LocalStack
from .procs import StackError

LocalStackError = StackError

__all__ = [
    "DynamoTable",
    "LocalStack",
    "LocalStackError",
    "StackError",
    "create_tables",
    "find_build_python",
    "sam_build",
    "seed_secrets",
]
