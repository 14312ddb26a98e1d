"""CloudWatch in the stand-in: AWS/Bedrock metrics through GetMetricData and friends."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from tests.conftest import control, error_of

HAIKU_ARN = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
METRICS = [
    "Invocations",
    "InputTokenCount",
    "OutputTokenCount",
    "InvocationLatency",
    "InvocationThrottles",
]


def make_profiles(client, count):
    bedrock = client("bedrock")
    ids = []
    for i in range(count):
        arn = bedrock.create_inference_profile(
            inferenceProfileName=f"dept-{i:03d}",
            modelSource={"copyFrom": HAIKU_ARN},
            tags=[{"key": "dept", "value": f"d{i % 4}"}],
        )["inferenceProfileArn"]
        ids.append(arn.rsplit("/", 1)[1])
    return ids


def query(profile_id, metric, index, period=86400, stat="Sum"):
    return {
        "Id": f"q{index}",
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/Bedrock",
                "MetricName": metric,
                "Dimensions": [{"Name": "ModelId", "Value": profile_id}],
            },
            "Period": period,
            "Stat": stat,
        },
    }


def window(days):
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days), today + timedelta(days=1)


def test_get_metric_data_matches_backfilled_history(client, endpoint, assert_shape):
    ids = make_profiles(client, 3)
    control(endpoint, "POST", "/_standin/backfill", {"days": 14, "seed": 1})
    start, end = window(14)
    queries = [query(pid, "Invocations", i) for i, pid in enumerate(ids)]
    result = client("cloudwatch").get_metric_data(
        MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
    )
    assert_shape("cloudwatch", "GetMetricData", result)
    for series in result["MetricDataResults"]:
        assert series["StatusCode"] == "Complete"
        assert 8 <= len(series["Values"]) <= 14  # weekend days may be quiet, never today
        assert series["Timestamps"] == sorted(series["Timestamps"])
        assert all(t.hour == 0 for t in series["Timestamps"])
    # the same figures one metric at a time
    for i, pid in enumerate(ids):
        stats = client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Bedrock",
            MetricName="Invocations",
            StartTime=start,
            EndTime=end,
            Period=86400,
            Statistics=["Sum"],
            Dimensions=[{"Name": "ModelId", "Value": pid}],
        )
        assert_shape("cloudwatch", "GetMetricStatistics", stats)
        assert sum(p["Sum"] for p in stats["Datapoints"]) == sum(
            result["MetricDataResults"][i]["Values"]
        )


def test_get_metric_data_paginates_on_max_datapoints(client, endpoint):
    ids = make_profiles(client, 4)
    control(endpoint, "POST", "/_standin/backfill", {"days": 10, "seed": 2})
    start, end = window(10)
    queries = [
        query(pid, m, i * 5 + j) for i, pid in enumerate(ids) for j, m in enumerate(METRICS[:4])
    ]
    cloudwatch = client("cloudwatch")
    whole = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)
    assert "NextToken" not in whole
    pages = list(
        cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries,
            StartTime=start,
            EndTime=end,
            PaginationConfig={"PageSize": 25},
        )
    )
    assert len(pages) > 1
    assert any(r["StatusCode"] == "PartialData" for p in pages[:-1] for r in p["MetricDataResults"])
    merged: dict[str, list] = {}
    for page in pages:
        assert sum(len(r["Values"]) for r in page["MetricDataResults"]) <= 25
        for r in page["MetricDataResults"]:
            merged.setdefault(r["Id"], []).extend(zip(r["Timestamps"], r["Values"], strict=True))
    assert merged == {
        r["Id"]: list(zip(r["Timestamps"], r["Values"], strict=True))
        for r in whole["MetricDataResults"]
    }
    with pytest.raises(ClientError) as excinfo:
        cloudwatch.get_metric_data(
            MetricDataQueries=queries[:2],
            StartTime=start,
            EndTime=end,
            NextToken=pages[0]["NextToken"],
        )
    assert error_of(excinfo)[0] == "InvalidNextToken"


def test_at_most_500_queries(client):
    start, end = window(1)
    with pytest.raises(ClientError) as excinfo:
        client("cloudwatch").get_metric_data(
            MetricDataQueries=[query("x", "Invocations", i) for i in range(501)],
            StartTime=start,
            EndTime=end,
        )
    assert error_of(excinfo)[:2] == ("InvalidParameterValue", 400)


def test_percentiles_from_real_calls(client):
    ids = make_profiles(client, 1)
    runtime = client("bedrock-runtime")
    profile_arn = client("bedrock").get_inference_profile(inferenceProfileIdentifier=ids[0])[
        "inferenceProfileArn"
    ]
    latencies = []
    for i in range(5):
        latencies.append(
            runtime.converse(
                modelId=profile_arn,
                messages=[{"role": "user", "content": [{"text": "x" * (i * 40 + 1)}]}],
            )["metrics"]["latencyMs"]
        )
    now = datetime.now(timezone.utc)
    stats = client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Bedrock",
        MetricName="InvocationLatency",
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=7200,
        Statistics=["Maximum", "Average"],
        ExtendedStatistics=["p50"],
        Dimensions=[{"Name": "ModelId", "Value": ids[0]}],
    )
    point = stats["Datapoints"][0]
    assert point["Maximum"] == max(latencies)
    assert point["ExtendedStatistics"]["p50"] == sorted(latencies)[2]
    assert point["Unit"] == "Milliseconds"


def test_statistics_datapoint_limit(client):
    start, end = window(3)
    with pytest.raises(ClientError) as excinfo:
        client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Bedrock",
            MetricName="Invocations",
            StartTime=start,
            EndTime=end,
            Period=60,
            Statistics=["Sum"],
            Dimensions=[{"Name": "ModelId", "Value": "x"}],
        )
    code, status, message = error_of(excinfo)
    assert (code, status) == ("InvalidParameterValue", 400)
    assert "exceeds the limit of 1,440" in message


def test_list_metrics(client, endpoint, assert_shape):
    ids = make_profiles(client, 2)
    control(endpoint, "POST", "/_standin/backfill", {"days": 3, "seed": 3})
    response = client("cloudwatch").list_metrics(Namespace="AWS/Bedrock")
    assert_shape("cloudwatch", "ListMetrics", response)
    listed = response["Metrics"]
    seen = {(m["MetricName"], m["Dimensions"][0]["Value"]) for m in listed}
    for pid in ids:
        assert ("InputTokenCount", pid) in seen
    one = client("cloudwatch").list_metrics(
        Namespace="AWS/Bedrock",
        MetricName="Invocations",
        Dimensions=[{"Name": "ModelId", "Value": ids[0]}],
    )["Metrics"]
    assert len(one) == 1


def test_other_namespaces_still_work(client):
    cloudwatch = client("cloudwatch")
    now = datetime.now(timezone.utc)
    cloudwatch.put_metric_data(
        Namespace="Workshop/Custom",
        MetricData=[{"MetricName": "Widgets", "Value": 5.0, "Unit": "Count", "Timestamp": now}],
    )
    result = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "w",
                "MetricStat": {
                    "Metric": {"Namespace": "Workshop/Custom", "MetricName": "Widgets"},
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
    )
    assert result["MetricDataResults"][0]["Values"] == [5.0]
