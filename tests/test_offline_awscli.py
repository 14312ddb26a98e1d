"""The seed README's AWS CLI commands, run unchanged against the stand-in with --endpoint-url.

AWS CLI v1 from PyPI carries its own copy of botocore, so it is a client independent of the
boto3 the rest of the project uses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

AWS = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")


def aws(endpoint, *args, use_env=False):
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "offline",
        "AWS_SECRET_ACCESS_KEY": "offline",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }
    command = [AWS, *args, "--output", "json"]
    if use_env:
        env["AWS_ENDPOINT_URL"] = endpoint
    else:
        command += ["--endpoint-url", endpoint]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout, result.stderr


def create_profile(endpoint, region, name, model_id):
    """The seed's create-inference-profile command, with a model of our choosing."""
    return aws(
        endpoint,
        "bedrock",
        "create-inference-profile",
        "--region",
        region,
        "--inference-profile-name",
        name,
        "--description",
        "your-description",
        "--model-source",
        json.dumps({"copyFrom": f"arn:aws:bedrock:{region}::foundation-model/{model_id}"}),
        "--tags",
        json.dumps([{"key": "BedrockCostAllocateTag", "value": name}]),
    )


def test_seed_cli_walkthrough(endpoint):
    assert AWS, "the AWS CLI (awscli, a dev dependency) is not installed"
    region, name = "us-east-1", "infra"
    # The seed copies Claude 3.5 Sonnet, past its end of life since 2026-07-30: AWS refuses it.
    code, _, err = create_profile(
        endpoint, region, name, "anthropic.claude-3-5-sonnet-20240620-v1:0"
    )
    assert code == 255
    assert "ResourceNotFoundException" in err and "reached the end of its life" in err
    # The same command with today's model works.
    code, out, err = create_profile(
        endpoint, region, name, "anthropic.claude-haiku-4-5-20251001-v1:0"
    )
    assert code == 0, err
    created = json.loads(out)
    assert created["status"] == "ACTIVE"
    arn = created["inferenceProfileArn"]

    code, out, err = aws(
        endpoint,
        "bedrock",
        "list-inference-profiles",
        "--region",
        region,
        "--type-equals",
        "APPLICATION",
    )
    assert code == 0, err
    summaries = json.loads(out)["inferenceProfileSummaries"]
    assert [s["inferenceProfileArn"] for s in summaries] == [arn]

    # the seed's --query to pick the ARN, as text
    code, out, err = aws(
        endpoint,
        "bedrock",
        "list-inference-profiles",
        "--region",
        region,
        "--type-equals",
        "APPLICATION",
        "--query",
        "inferenceProfileSummaries[0].inferenceProfileArn",
    )
    assert code == 0 and json.loads(out) == arn, err

    code, out, err = aws(
        endpoint, "bedrock", "get-inference-profile", "--inference-profile-identifier", arn
    )
    assert code == 0, err
    profile = json.loads(out)
    assert profile["inferenceProfileName"] == name and profile["type"] == "APPLICATION"

    code, out, err = aws(
        endpoint,
        "bedrock-runtime",
        "converse",
        "--region",
        region,
        "--model-id",
        arn,
        "--messages",
        json.dumps([{"role": "user", "content": [{"text": "こんにちは！"}]}]),
    )
    assert code == 0, err
    reply = json.loads(out)
    assert reply["output"]["message"]["role"] == "assistant"
    assert reply["usage"]["inputTokens"] == 6  # six non-ASCII characters, one token each

    code, out, err = aws(
        endpoint,
        "resourcegroupstaggingapi",
        "get-resources",
        "--tag-filters",
        "Key=BedrockCostAllocateTag,Values=infra",
        "--region",
        region,
    )
    assert code == 0, err
    assert [r["ResourceARN"] for r in json.loads(out)["ResourceTagMappingList"]] == [arn]


def test_aws_endpoint_url_variable_points_the_cli_at_the_standin(endpoint):
    code, out, err = aws(endpoint, "bedrock", "list-inference-profiles", use_env=True)
    assert code == 0, err
    assert all(s["type"] == "SYSTEM_DEFINED" for s in json.loads(out)["inferenceProfileSummaries"])


def test_cli_shows_aws_errors(endpoint):
    code, _, err = aws(
        endpoint,
        "bedrock",
        "create-inference-profile",
        "--inference-profile-name",
        "bad name!",
        "--model-source",
        json.dumps(
            {"copyFrom": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"}
        ),
    )
    assert code != 0
    assert "ValidationException" in err and "inferenceProfileName" in err
