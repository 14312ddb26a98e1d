"""Model invocation logging: the configuration Bedrock keeps per region, and the record each call
writes while it is set.

PutModelInvocationLoggingConfiguration is checked as AWS checks it (the model's constraints,
then that the destinations exist: the log group and its role, the buckets), kept per account
and region in the stand-in's Bedrock backend, and read back by Get; Delete removes it. While a
configuration is set, every successful runtime call (Converse, ConverseStream, InvokeModel,
InvokeModelWithResponseStream) writes one record:

- to CloudWatch Logs, group ``cloudWatchConfig.logGroupName``, stream
  ``aws/bedrock/modelinvocations``, one event per call, the record as its JSON message;
- to S3, bucket ``s3Config.bucketName``, key
  ``{keyPrefix/}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/{time}_{id}.json.gz``,
  gzip-compressed JSON Lines (AWS batches several records in one object; the stand-in writes one
  object per call).

The record (AWS's ``ModelInvocationLog`` schema 1.0; exact keys the stand-in emits)::

    {
      "schemaType": "ModelInvocationLog",
      "schemaVersion": "1.0",
      "timestamp": "2026-11-29T03:04:05Z",            # UTC, seconds
      "accountId": "123456789012",
      "identity": {"arn": "<caller ARN>"},             # principals.resolve
      "region": "us-east-1",
      "requestId": "<uuid4>",                          # also the response's x-amzn-RequestId
      "operation": "Converse",                         # or ConverseStream, InvokeModel, ...
      "modelId": "<modelId as the caller sent it>",    # profile ARN, profile ID or model ID
      "input": {
        "inputContentType": "application/json",
        "inputBodyJson": {...},                        # the request body (text delivery only)
        "inputTokenCount": 12,                         # = usage.inputTokens
        "cacheReadInputTokenCount": 0,                 # only when the call read or wrote cache
        "cacheWriteInputTokenCount": 0                 #   (= usage.cacheRead/WriteInputTokens)
      },
      "output": {
        "outputContentType": "application/json",
        "outputBodyJson": {...},                       # the response body; a list of events or
                                                       # chunks for streams (text delivery only)
        "outputTokenCount": 34                         # = usage.outputTokens
      },
      "requestMetadata": {"team": "claims"}            # only when the call carried metadata
    }

``inputBodyJson`` and ``outputBodyJson`` appear only with ``textDataDeliveryEnabled``; the token
counts, identity and metadata always do. The service tier is not a record key in the sources
found: a Converse request's tier is in ``inputBodyJson`` (``serviceTier``), as sent. Bodies
larger than CloudWatch's event limit go to ``largeDataDeliveryS3Config`` on AWS; the stand-in's
bodies are small and always inline.
"""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import datetime
from typing import Any

from .errors import ValidationException

SCHEMA_TYPE = "ModelInvocationLog"
SCHEMA_VERSION = "1.0"
LOG_STREAM = "aws/bedrock/modelinvocations"
CONTENT_TYPE = "application/json"


# --- configuration -----------------------------------------------------------------------------
def check_config(config: dict[str, Any], account: str, region: str) -> None:
    """Refuse a configuration whose destinations Bedrock could not write to, in AWS's words."""
    from .moto_glue import iam_role_exists, log_group_exists, s3_bucket_exists

    cloudwatch = config.get("cloudWatchConfig")
    s3 = config.get("s3Config")
    if not cloudwatch and not s3:
        raise ValidationException(
            "The logging configuration must set a destination: cloudWatchConfig, s3Config or both."
        )
    if cloudwatch:
        group, role = cloudwatch["logGroupName"], cloudwatch["roleArn"]
        role_account = role.split(":")[4]
        if role_account and role_account != account:
            raise ValidationException(
                f"The role {role} is in another account; Bedrock delivers logs only with a role "
                "of this account."
            )
        if not log_group_exists(account, region, group) or not iam_role_exists(account, role):
            raise ValidationException(
                f"Failed to validate permissions for log group: {group}, with role: {role}. "
                "Verify the IAM role permissions are correct."
            )
        large = cloudwatch.get("largeDataDeliveryS3Config")
        if large and not s3_bucket_exists(account, large["bucketName"]):
            raise _no_bucket(large["bucketName"])
    if s3 and not s3_bucket_exists(account, s3["bucketName"]):
        raise _no_bucket(s3["bucketName"])


def _no_bucket(bucket: str) -> ValidationException:
    return ValidationException(
        f"Failed to validate permissions for the S3 bucket: {bucket}. Verify the bucket exists "
        "in this account and region and that its policy lets bedrock.amazonaws.com write to it."
    )


# --- records -----------------------------------------------------------------------------------
def new_request_id() -> str:
    return str(uuid.uuid4())


def record(
    *,
    account: str,
    region: str,
    caller_arn: str,
    request_id: str,
    operation: str,
    model_id: str,
    when: datetime,
    input_body: Any,
    output_body: Any,
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
    request_metadata: dict[str, str] | None = None,
    text: bool = True,
) -> dict[str, Any]:
    """One ``ModelInvocationLog`` record, as the module docstring lays it out."""
    given: dict[str, Any] = {"inputContentType": CONTENT_TYPE}
    if text:
        given["inputBodyJson"] = input_body
    given["inputTokenCount"] = input_tokens
    if cache_read_tokens or cache_write_tokens:
        given["cacheReadInputTokenCount"] = cache_read_tokens
        given["cacheWriteInputTokenCount"] = cache_write_tokens
    answered: dict[str, Any] = {"outputContentType": CONTENT_TYPE}
    if text:
        answered["outputBodyJson"] = output_body
    answered["outputTokenCount"] = output_tokens
    out: dict[str, Any] = {
        "schemaType": SCHEMA_TYPE,
        "schemaVersion": SCHEMA_VERSION,
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": account,
        "identity": {"arn": caller_arn},
        "region": region,
        "requestId": request_id,
        "operation": operation,
        "modelId": model_id,
        "input": given,
        "output": answered,
    }
    if request_metadata:
        out["requestMetadata"] = dict(request_metadata)
    return out


def s3_key(prefix: str | None, account: str, region: str, when: datetime, request_id: str) -> str:
    """Where AWS puts a delivery of invocation logs in the bucket."""
    head = f"{prefix.strip('/')}/" if prefix and prefix.strip("/") else ""
    return (
        f"{head}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/"
        f"{when:%Y/%m/%d/%H}/{when:%Y%m%dT%H%M%S}{when.microsecond // 1000:03d}Z_"
        f"{request_id.replace('-', '')[:16]}.json.gz"
    )


def deliver(config: dict[str, Any], entry: dict[str, Any], when: datetime) -> None:
    """Write one record to the configured CloudWatch Logs group and/or S3 bucket."""
    from .moto_glue import put_log_event, s3_bucket_exists, s3_put_object

    account, region = entry["accountId"], entry["region"]
    message = json.dumps(entry, ensure_ascii=False)
    cloudwatch = config.get("cloudWatchConfig")
    if cloudwatch:
        from .moto_glue import log_group_exists

        group = cloudwatch["logGroupName"]
        if log_group_exists(account, region, group):  # deleted since: AWS's delivery fails
            put_log_event(account, region, group, LOG_STREAM, int(when.timestamp() * 1000), message)
    s3 = config.get("s3Config")
    if s3 and s3_bucket_exists(account, s3["bucketName"]):
        key = s3_key(s3.get("keyPrefix"), account, region, when, entry["requestId"])
        s3_put_object(account, s3["bucketName"], key, gzip.compress((message + "\n").encode()))
