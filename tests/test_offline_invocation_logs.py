"""Per request: requestMetadata as AWS validates it, and model invocation logs (stand-in).

While a logging configuration is set, each runtime call writes AWS's ModelInvocationLog record
to the configured CloudWatch Logs group and S3 bucket; without one, nothing is written.
"""

from __future__ import annotations

import gzip
import json

import pytest
from botocore.exceptions import ClientError

from tests.conftest import ACCOUNT, error_of, user

GROUP = "/workshop/bedrock/invocations"
BUCKET = "workshop-invocation-logs"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bedrock-logging"
LLAMA = "meta.llama3-70b-instruct-v1:0"


@pytest.fixture
def destinations(client):
    client("logs").create_log_group(logGroupName=GROUP)
    client("s3").create_bucket(Bucket=BUCKET)
    client("iam").create_role(
        RoleName="bedrock-logging",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "bedrock.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )


def config(text: bool = True) -> dict:
    return {
        "cloudWatchConfig": {"logGroupName": GROUP, "roleArn": ROLE},
        "s3Config": {"bucketName": BUCKET, "keyPrefix": "bedrock"},
        "textDataDeliveryEnabled": text,
    }


def cloudwatch_records(client) -> list[dict]:
    logs = client("logs")
    streams = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    out = []
    for stream in streams:
        assert stream["logStreamName"] == "aws/bedrock/modelinvocations"
        events = logs.get_log_events(
            logGroupName=GROUP, logStreamName=stream["logStreamName"], startFromHead=True
        )["events"]
        out += [json.loads(e["message"]) for e in events]
    return out


def s3_records(client) -> tuple[list[str], list[dict]]:
    s3 = client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    records = []
    for key in keys:
        raw = gzip.decompress(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        records += [json.loads(line) for line in raw.decode().splitlines() if line]
    return keys, records


# --- the configuration -------------------------------------------------------------------------
def test_put_get_delete_logging_configuration(client, destinations):
    bedrock = client("bedrock")
    assert "loggingConfig" not in bedrock.get_model_invocation_logging_configuration()
    bedrock.put_model_invocation_logging_configuration(loggingConfig=config())
    got = bedrock.get_model_invocation_logging_configuration()["loggingConfig"]
    assert got == config()
    bedrock.delete_model_invocation_logging_configuration()
    assert "loggingConfig" not in bedrock.get_model_invocation_logging_configuration()


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"cloudWatchConfig": {"logGroupName": "/nope", "roleArn": ROLE}}, "log group: /nope"),
        (
            {"cloudWatchConfig": {"logGroupName": GROUP, "roleArn": "arn:aws:iam::1:user/x"}},
            "regular expression pattern",
        ),
        (
            {
                "cloudWatchConfig": {
                    "logGroupName": GROUP,
                    "roleArn": f"arn:aws:iam::{ACCOUNT}:role/missing",
                }
            },
            "with role",
        ),
        ({"s3Config": {"bucketName": "no-such-bucket"}}, "S3 bucket: no-such-bucket"),
        ({"textDataDeliveryEnabled": True}, "destination"),
    ],
)
def test_bad_logging_configurations_are_refused(client, destinations, bad, words):
    with pytest.raises(ClientError) as excinfo:
        client("bedrock").put_model_invocation_logging_configuration(loggingConfig=bad)
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert words in message
    assert "loggingConfig" not in client("bedrock").get_model_invocation_logging_configuration()


# --- the records -------------------------------------------------------------------------------
def test_each_call_writes_one_record_with_metadata_and_usage(client, destinations, haiku_profile):
    client("bedrock").put_model_invocation_logging_configuration(loggingConfig=config())
    runtime = client("bedrock-runtime")
    metadata = {"team": "claims", "ticket": "CLM-42"}
    response = runtime.converse(
        modelId=haiku_profile, messages=user("Summarise the claim"), requestMetadata=metadata
    )
    streamed = runtime.converse_stream(modelId=haiku_profile, messages=user("and stream it"))
    stream_usage = [e["metadata"]["usage"] for e in streamed["stream"] if "metadata" in e][0]

    records = cloudwatch_records(client)
    keys, in_s3 = s3_records(client)
    assert len(records) == 2
    assert sorted(in_s3, key=lambda r: r["operation"]) == sorted(
        records, key=lambda r: r["operation"]
    )
    first, second = sorted(records, key=lambda r: r["operation"])
    assert set(first) == {
        "schemaType",
        "schemaVersion",
        "timestamp",
        "accountId",
        "identity",
        "region",
        "requestId",
        "operation",
        "modelId",
        "input",
        "output",
        "requestMetadata",
    }
    assert (first["schemaType"], first["schemaVersion"]) == ("ModelInvocationLog", "1.0")
    assert (first["operation"], first["modelId"]) == ("Converse", haiku_profile)
    assert (first["accountId"], first["region"]) == (ACCOUNT, "us-east-1")
    assert first["identity"]["arn"] == client("sts").get_caller_identity()["Arn"]
    assert first["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert first["requestMetadata"] == metadata
    assert first["input"]["inputTokenCount"] == response["usage"]["inputTokens"]
    assert first["output"]["outputTokenCount"] == response["usage"]["outputTokens"]
    assert first["input"]["inputBodyJson"]["messages"] == user("Summarise the claim")
    assert first["output"]["outputBodyJson"]["output"] == response["output"]
    assert second["operation"] == "ConverseStream" and "requestMetadata" not in second
    assert second["input"]["inputTokenCount"] == stream_usage["inputTokens"]
    assert second["output"]["outputTokenCount"] == stream_usage["outputTokens"]
    for key in keys:
        assert key.startswith(f"bedrock/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/us-east-1/")
        assert key.endswith(".json.gz")


def test_invoke_model_logs_its_header_metadata(client, destinations):
    client("bedrock").put_model_invocation_logging_configuration(loggingConfig=config(text=False))
    body = json.dumps({"prompt": "Hello", "max_gen_len": 20})
    answer = client("bedrock-runtime").invoke_model(
        modelId=LLAMA, body=body, requestMetadata=json.dumps({"team": "claims"})
    )
    headers = answer["ResponseMetadata"]["HTTPHeaders"]
    (entry,) = cloudwatch_records(client)
    assert entry["operation"] == "InvokeModel"
    assert entry["requestMetadata"] == {"team": "claims"}
    assert entry["input"]["inputTokenCount"] == int(headers["x-amzn-bedrock-input-token-count"])
    assert entry["output"]["outputTokenCount"] == int(headers["x-amzn-bedrock-output-token-count"])
    # without text delivery, the bodies stay out of the record
    assert "inputBodyJson" not in entry["input"] and "outputBodyJson" not in entry["output"]


def test_invoke_model_stream_logs_its_chunks(client, destinations):
    client("bedrock").put_model_invocation_logging_configuration(loggingConfig=config())
    answer = client("bedrock-runtime").invoke_model_with_response_stream(
        modelId=LLAMA, body=json.dumps({"prompt": "Hello", "max_gen_len": 20})
    )
    chunks = [json.loads(e["chunk"]["bytes"]) for e in answer["body"] if "chunk" in e]
    (entry,) = cloudwatch_records(client)
    assert entry["operation"] == "InvokeModelWithResponseStream"
    assert entry["requestId"] == answer["ResponseMetadata"]["RequestId"]
    assert entry["input"]["inputBodyJson"] == {"prompt": "Hello", "max_gen_len": 20}
    assert entry["output"]["outputBodyJson"] == chunks
    counts = chunks[-1]["amazon-bedrock-invocationMetrics"]  # the stream's own totals
    assert entry["input"]["inputTokenCount"] == counts["inputTokenCount"]
    assert entry["output"]["outputTokenCount"] == counts["outputTokenCount"]


def test_cache_token_counts_are_logged(client, destinations):
    client("bedrock").put_model_invocation_logging_configuration(loggingConfig=config())
    system = [{"text": "You are a claims assistant. " * 1500}, {"cachePoint": {"type": "default"}}]
    runtime = client("bedrock-runtime")
    profile = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    usages = [
        runtime.converse(modelId=profile, system=system, messages=user("q"))["usage"]
        for _ in range(2)
    ]
    records = sorted(cloudwatch_records(client), key=lambda r: r["timestamp"])
    assert len(records) == 2
    for usage, entry in zip(usages, records, strict=True):
        assert entry["input"]["cacheReadInputTokenCount"] == usage.get("cacheReadInputTokens", 0)
        assert entry["input"]["cacheWriteInputTokenCount"] == usage.get("cacheWriteInputTokens", 0)
    assert sum(r["input"]["cacheWriteInputTokenCount"] for r in records) > 0
    assert sum(r["input"]["cacheReadInputTokenCount"] for r in records) > 0


def test_nothing_is_written_without_a_configuration(client, destinations, haiku_profile):
    runtime = client("bedrock-runtime")
    runtime.converse(modelId=haiku_profile, messages=user("before: not logged"))
    assert client("logs").describe_log_streams(logGroupName=GROUP)["logStreams"] == []
    assert s3_records(client) == ([], [])
    client("bedrock").put_model_invocation_logging_configuration(loggingConfig=config())
    runtime.converse(modelId=haiku_profile, messages=user("while configured: logged"))
    client("bedrock").delete_model_invocation_logging_configuration()
    runtime.converse(modelId=haiku_profile, messages=user("after: not logged"))
    logged = [r["input"]["inputBodyJson"]["messages"] for r in cloudwatch_records(client)]
    assert logged == [user("while configured: logged")]
    assert len(s3_records(client)[1]) == 1


# --- requestMetadata -----------------------------------------------------------------------------
GOOD = {"team": "claims", "user@example.com": "a b:c_d@e$f#g=h/i+j,k-l.m", "empty": ""}


def test_request_metadata_good_values_are_accepted(client, destinations, haiku_profile):
    client("bedrock").put_model_invocation_logging_configuration(loggingConfig=config())
    runtime = client("bedrock-runtime")
    runtime.converse(modelId=haiku_profile, messages=user("ok"), requestMetadata=GOOD)
    runtime.converse(
        modelId=haiku_profile,
        messages=user("ok"),
        requestMetadata={f"k{i}": "v" for i in range(16)},
    )
    runtime.invoke_model(
        modelId=LLAMA, body=json.dumps({"prompt": "hi"}), requestMetadata=json.dumps(GOOD)
    )
    logged = [r.get("requestMetadata") for r in cloudwatch_records(client)]
    assert GOOD in logged and {f"k{i}": "v" for i in range(16)} in logged
    assert logged.count(GOOD) == 2


@pytest.mark.parametrize(
    "metadata, words",
    [
        ({}, "length greater than or equal to 1"),
        ({f"k{i}": "v" for i in range(17)}, "length less than or equal to 16"),
        ({"k" * 257: "v"}, "length less than or equal to 256"),
        ({"k": "v" * 257}, "length less than or equal to 256"),
        ({"bad!key": "v"}, "regular expression pattern"),
        ({"k": "bad<value>"}, "regular expression pattern"),
    ],
)
def test_request_metadata_bad_values_are_refused(client, haiku_profile, metadata, words):
    runtime = client("bedrock-runtime")
    with pytest.raises(ClientError) as excinfo:
        runtime.converse(modelId=haiku_profile, messages=user("x"), requestMetadata=metadata)
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert words in message and "requestMetadata" in message
    with pytest.raises(ClientError) as excinfo:
        runtime.invoke_model(
            modelId=LLAMA, body=json.dumps({"prompt": "x"}), requestMetadata=json.dumps(metadata)
        )
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert words in message and "requestMetadata" in message


@pytest.mark.parametrize("header", ["not json", '["a"]', '{"k": 1}'])
def test_request_metadata_header_must_be_a_json_object_of_strings(client, header):
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").invoke_model(
            modelId=LLAMA, body=json.dumps({"prompt": "x"}), requestMetadata=header
        )
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert "X-Amzn-Bedrock-Request-Metadata" in message
