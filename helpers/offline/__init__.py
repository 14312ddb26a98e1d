"""The offline stand-in for AWS: moto, extended with Bedrock inference profiles and runtime.

    from helpers.offline import Standin
    with Standin() as standin:          # loopback, a free port
        print(standin.endpoint)         # http://127.0.0.1:NNNNN

From a shell: ``python -m helpers.offline serve --port 4599``. Point boto3 or the AWS CLI at it
with ``AWS_ENDPOINT_URL=http://127.0.0.1:4599`` (and any dummy credentials).
"""

from .server import Standin, install, is_loopback

__all__ = ["Standin", "install", "is_loopback"]
