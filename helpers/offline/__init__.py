"""The offline stand-in for AWS: moto, extended with Bedrock inference profiles and runtime.

    from helpers.offline import Standin
    with Standin() as standin:          # loopback, a free port
        print(standin.endpoint)         # http://127.0.0.1:NNNNN

From a shell: ``python -m helpers.offline serve --port 4599``. Point boto3 or the AWS CLI at it
with ``AWS_ENDPOINT_URL=http://127.0.0.1:4599`` (and any dummy credentials).

Importing this package loads nothing else; moto is imported when a stand-in is started.
"""

from __future__ import annotations

from typing import Any

from .loopback import SERVICE_NAME, free_port, is_loopback

__all__ = ["SERVICE_NAME", "Standin", "free_port", "install", "is_loopback"]


def __getattr__(name: str) -> Any:
    if name in ("Standin", "install"):
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
