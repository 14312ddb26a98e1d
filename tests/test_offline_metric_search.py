"""SEARCH expressions and the metric math around them, in GetMetricData on the stand-in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from helpers.offline import metric_search
from helpers.offline.metric_search import Metric, parse_search_query, partial_match, tokens
from tests.conftest import error_of, user

HAIKU_ARN = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
SEARCH_INPUT = "SEARCH('{AWS/Bedrock,ModelId} MetricName=\"InputTokenCount\"', 'Sum', 300)"


# ---------------------------------------------------------------- the documented matching rules


def test_tokens_are_the_documented_ones():
    assert tokens("CustomCount1") == {"customcount1", "custom", "count", "1"}
    assert tokens("SDBFailure") == {"sdbfailure", "sdb", "failure"}
    assert tokens("Project2-trial333") == {"project2trial333", "project", "2", "trial", "333"}


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("count", True),
        ("Count", True),
        ("COUNT", True),
        ("couNT", False),  # tokenized as cou + NT
        ("CustomCount", True),  # a composite, case-sensitive
        ("Count1", True),
        ("customcount", False),
        ("count1", False),
        ("customcount1", True),  # the whole name's token
        ("Custom", True),
        ("Coun", False),  # tokens match whole, not as prefixes
    ],
)
def test_partial_matches_follow_the_documented_examples(term, found):
    assert partial_match(term, "CustomCount1") is found


@pytest.mark.parametrize(
    "term", ["network/errors", "network+errors", "network-errors", "Network_Errors"]
)
def test_non_alphanumeric_characters_join_composite_terms(term):
    assert partial_match(term, "Network-Errors-2")
    assert partial_match(term, "NetworkErrors2")


def test_exact_terms_take_backslash_escapes():
    metric = Metric("My Namespace", r"Europe\France Traffic(Network)", ())
    query = parse_search_query(r'{"My Namespace"} "Europe\\France Traffic\(Network\)"')
    assert metric_search.search(query, [metric]) == [metric]
    assert metric_search.search(parse_search_query('"Europe"'), [metric]) == []


def bedrock(name, model_id, namespace="AWS/Bedrock"):
    return Metric(namespace, name, (("ModelId", model_id),))


METRICS = [
    bedrock("InputTokenCount", "ip-claims"),
    bedrock("OutputTokenCount", "ip-claims"),
    bedrock("InputTokenCount", "ip-marketing"),
    bedrock("Invocations", "ip-marketing"),
    Metric("AWS/Bedrock", "Invocations", ()),
    Metric("AWS/Bedrock", "Invocations", (("ModelId", "x"), ("ServiceTier", "priority"))),
]


def found(query: str) -> list[tuple[str, str]]:
    return [
        (m.name, dict(m.dimensions).get("ModelId", ""))
        for m in metric_search.search(parse_search_query(query), METRICS)
    ]


def test_the_schema_asks_for_exactly_its_dimension_names():
    assert found("{AWS/Bedrock,ModelId} Invocations") == [("Invocations", "ip-marketing")]
    assert found("{AWS/Bedrock} Invocations") == [("Invocations", "")]
    assert found('{"AWS/Bedrock", ModelId, ServiceTier}') == [("Invocations", "x")]
    assert found("{AWS/EC2,InstanceId}") == []


def test_property_terms_exact_terms_and_booleans():
    assert found('MetricName="InputTokenCount"') == [
        ("InputTokenCount", "ip-claims"),
        ("InputTokenCount", "ip-marketing"),
    ]
    assert found('"InputToken"') == []  # exact match is whole-string
    assert found("{AWS/Bedrock,ModelId} MetricName=Input ModelId=claims") == [
        ("InputTokenCount", "ip-claims")
    ]
    assert found('{AWS/Bedrock,ModelId} TokenCount NOT "ip-claims"') == [
        ("InputTokenCount", "ip-marketing")
    ]
    assert found('{AWS/Bedrock,ModelId} MetricName="Invocations" OR (Output AND claims)') == [
        ("Invocations", "ip-marketing"),
        ("OutputTokenCount", "ip-claims"),
    ]
    assert found('{AWS/Bedrock,ModelId} ModelId=("ip-claims" OR "ip-marketing") Input') == [
        ("InputTokenCount", "ip-claims"),
        ("InputTokenCount", "ip-marketing"),
    ]
    # AWS's own examples put a comma after the schema; NOT may stand alone
    assert found('{AWS/Bedrock,ModelId}, "ip-claims"') == [
        ("InputTokenCount", "ip-claims"),
        ("OutputTokenCount", "ip-claims"),
    ]
    assert found("NOT Namespace=Bedrock") == []
    assert found('{AWS/Bedrock} NOT MetricName="Invocations"') == []
    # Boolean operators are case-sensitive: "or" is a search term, which nothing matches.
    assert found("{AWS/Bedrock,ModelId} Output or Invocations") == []


@pytest.mark.parametrize(
    "query",
    ["", "{AWS/Bedrock", "{AWS/Bedrock} (Input", "{AWS/Bedrock} ModelId=", "x" * 1025],
)
def test_malformed_search_queries_are_refused(query):
    with pytest.raises(metric_search.ExpressionError):
        parse_search_query(query)


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("ANOMALY_DETECTION_BAND(m1)", "ANOMALY_DETECTION_BAND"),
        ("INSIGHT_RULE_METRIC('rule', 'UniqueContributors')", "INSIGHT_RULE_METRIC"),
        ("FILL(m1, 0)", "FILL"),
        ('SELECT SUM(Invocations) FROM "AWS/Bedrock"', "SELECT"),
    ],
)
def test_unsupported_functions_are_named_in_the_refusal(expression, named):
    with pytest.raises(metric_search.ExpressionError, match=named):
        metric_search.parse_expression(expression)


# ---------------------------------------------------------------- through boto3


def make_profiles(client, count):
    bedrock_client = client("bedrock")
    ids = []
    for i in range(count):
        arn = bedrock_client.create_inference_profile(
            inferenceProfileName=f"search-{i}",
            modelSource={"copyFrom": HAIKU_ARN},
        )["inferenceProfileArn"]
        ids.append(arn)
    return ids


def window():
    now = datetime.now(timezone.utc)
    return now - timedelta(hours=1), now + timedelta(minutes=5)


def get(client, queries, **extra):
    start, end = window()
    return client("cloudwatch").get_metric_data(
        MetricDataQueries=queries, StartTime=start, EndTime=end, **extra
    )


@pytest.fixture
def two_of_three(client):
    """Three profiles; the first two called (the first twice), the third never."""
    arns = make_profiles(client, 3)
    runtime = client("bedrock-runtime")
    for arn in (arns[0], arns[0], arns[1]):
        runtime.converse(modelId=arn, messages=user("Hello there, how are you today?"))
    return [arn.rsplit("/", 1)[1] for arn in arns]


def input_tokens(client, profile_id):
    result = get(
        client,
        [
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Bedrock",
                        "MetricName": "InputTokenCount",
                        "Dimensions": [{"Name": "ModelId", "Value": profile_id}],
                    },
                    "Period": 300,
                    "Stat": "Sum",
                },
            }
        ],
    )
    return sum(result["MetricDataResults"][0]["Values"])


def test_a_search_returns_one_series_per_profile_with_data(client, two_of_three, assert_shape):
    result = get(client, [{"Id": "s", "Expression": SEARCH_INPUT}])
    assert_shape("cloudwatch", "GetMetricData", result)
    series = result["MetricDataResults"]
    assert sorted(s["Label"] for s in series) == sorted(two_of_three[:2])
    assert {s["Id"] for s in series} == {"s"}
    assert all(s["StatusCode"] == "Complete" for s in series)
    by_label = {s["Label"]: sum(s["Values"]) for s in series}
    for profile_id in two_of_three[:2]:
        assert by_label[profile_id] == input_tokens(client, profile_id) > 0


def test_sum_of_a_search_is_the_sum_of_its_series(client, two_of_three):
    result = get(
        client,
        [
            {"Id": "s", "Expression": SEARCH_INPUT, "ReturnData": False},
            {"Id": "total", "Expression": "SUM(s)", "Label": "All profiles"},
            {"Id": "inline", "Expression": f"SUM({SEARCH_INPUT})"},
            {"Id": "doubled", "Expression": "total * 2 + 0"},
        ],
    )
    series = {s["Id"]: s for s in result["MetricDataResults"]}
    assert set(series) == {"total", "inline", "doubled"}  # s is not returned
    expected = sum(input_tokens(client, pid) for pid in two_of_three[:2])
    assert sum(series["total"]["Values"]) == expected > 0
    assert series["total"]["Label"] == "All profiles"
    assert series["inline"]["Values"] == series["total"]["Values"]
    assert sum(series["doubled"]["Values"]) == 2 * expected


def test_metrics_function_takes_the_metric_queries(client, two_of_three):
    def stat(query_id, profile_id):
        return {
            "Id": query_id,
            "ReturnData": False,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Bedrock",
                    "MetricName": "Invocations",
                    "Dimensions": [{"Name": "ModelId", "Value": profile_id}],
                },
                "Period": 300,
                "Stat": "Sum",
            },
        }

    result = get(
        client,
        [
            stat("calls_a", two_of_three[0]),
            stat("calls_b", two_of_three[1]),
            stat("other", two_of_three[2]),
            {"Id": "all", "Expression": "SUM(METRICS())"},
            {"Id": "calls", "Expression": "SUM(METRICS('calls'))"},
        ],
    )
    series = {s["Id"]: sum(s["Values"]) for s in result["MetricDataResults"]}
    assert series == {"all": 3, "calls": 3}


def test_a_dynamic_label_is_filled_per_series(client, two_of_three):
    result = get(
        client,
        [{"Id": "s", "Expression": SEARCH_INPUT, "Label": "${PROP('Dim.ModelId')} tokens"}],
    )
    labels = sorted(s["Label"] for s in result["MetricDataResults"])
    assert labels == sorted(f"{pid} tokens" for pid in two_of_three[:2])


def test_search_results_page_on_max_datapoints(client, two_of_three):
    start, end = window()
    cloudwatch = client("cloudwatch")
    pages = []
    token = None
    while True:
        extra = {"NextToken": token} if token else {}
        page = cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "s", "Expression": SEARCH_INPUT.replace("300", "60")}],
            StartTime=start,
            EndTime=end,
            MaxDatapoints=1,
            **extra,
        )
        pages.append(page)
        token = page.get("NextToken")
        if not token:
            break
    returned = [s for p in pages for s in p["MetricDataResults"]]
    assert len(pages) >= 2
    assert {s["Label"] for s in returned} == set(two_of_three[:2])


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("ANOMALY_DETECTION_BAND(m1)", "ANOMALY_DETECTION_BAND"),
        ('SELECT SUM(InputTokenCount) FROM "AWS/Bedrock"', "SELECT"),
        ("SUM(nothing)", "nothing"),
        ("SUM(SEARCH('{AWS/Bedrock,ModelId}', 'Sum', 300))", None),
        (f"SUM({SEARCH_INPUT.replace(', 300', '')})", "period"),
        ("SEARCH('{AWS/Bedrock,ModelId} (Input', 'Sum', 300)", "parenthesis"),
        ("SEARCH('{AWS/Bedrock,ModelId}', 'Total', 300)", "Total"),
        ("SUM(s2)", "itself"),
    ],
)
def test_bad_or_unsupported_expressions_answer_a_clear_error(client, expression, words):
    queries = [{"Id": "s2", "Expression": expression}]
    if words is None:  # the one that works: an empty account sums to no datapoints
        assert get(client, queries)["MetricDataResults"][0]["Values"] == []
        return
    with pytest.raises(ClientError) as caught:
        get(client, queries)
    code, status, message = error_of(caught)
    assert (code, status) == ("InvalidParameterValue", 400)
    assert words in message


def test_more_than_100_searches_in_one_request_are_refused(client):
    query = "SEARCH('{AWS/Bedrock,ModelId}', 'Sum', 300)"
    queries = [{"Id": f"s{i}", "Expression": query} for i in range(101)]
    with pytest.raises(ClientError) as caught:
        get(client, queries)
    assert "100" in error_of(caught)[2]


def test_arithmetic_treats_missing_values_as_zero_and_drops_divisions_by_zero():
    t0, t1, t2 = (datetime(2026, 11, 28, h, tzinfo=timezone.utc) for h in (0, 1, 2))
    series = {
        "a": metric_search.Series("a", {t0: 4.0, t1: 6.0}),
        "b": metric_search.Series("b", {t1: 2.0, t2: 0.0}),
    }
    context = metric_search.Context(
        resolve=lambda i: [series[i]],
        metric_ids=["a", "b"],
        run_search=lambda *_: [],
        default_period=300,
    )

    def run(expression):
        value = metric_search.evaluate(metric_search.parse_expression(expression), context)
        return value.points if isinstance(value, metric_search.Series) else value

    assert run("a + b") == {t0: 4.0, t1: 8.0, t2: 0.0}
    assert run("a / b") == {t1: 3.0}  # t0 and t2 divide by zero (missing b counts 0)
    assert run("-a * 2 ^ 2") == {t0: -16.0, t1: -24.0}
    assert run("SUM(METRICS())") == {t0: 4.0, t1: 8.0, t2: 0.0}
    assert run("AVG([a, b])") == {t0: 2.0, t1: 4.0, t2: 0.0}
    assert run("MAX(a)") == 6.0
    assert run("a - AVG(a)") == {t0: -1.0, t1: 1.0}


def test_an_expression_may_name_a_later_query_but_ids_must_be_unique(client, two_of_three):
    later = get(
        client,
        [
            {"Id": "total", "Expression": "SUM(s)"},
            {"Id": "s", "Expression": SEARCH_INPUT, "ReturnData": False},
        ],
    )
    assert [r["Id"] for r in later["MetricDataResults"]] == ["total"]
    assert sum(later["MetricDataResults"][0]["Values"]) > 0
    with pytest.raises(ClientError) as caught:
        get(client, [{"Id": "s", "Expression": SEARCH_INPUT}] * 2)
    assert "not unique" in error_of(caught)[2]
