"""The stand-in's one page-token codec; each service answers a bad token in its own words."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from helpers.offline import paging
from tests.conftest import ACCOUNT, error_of

NOVA = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"


class Bad(Exception):
    pass


class Changed(Exception):
    pass


def raw(body: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


def test_a_token_holds_its_position_and_no_token_is_the_start():
    assert paging.decode(paging.encode(7), invalid=Bad()) == (7,)
    assert paging.decode(paging.encode(2, 30), invalid=Bad(), length=2) == (2, 30)
    assert paging.offset(None, invalid=Bad()) == 0
    assert paging.decode("", invalid=Bad(), length=2) == (0, 0)


@pytest.mark.parametrize(
    "token",
    [
        "garbage!",  # not base64
        base64.urlsafe_b64encode(b"offset:5").decode(),  # not JSON
        raw([5]),  # not an object
        raw({"o": 5}),  # no position
        raw({"p": [1, 2]}),  # two numbers where one is wanted
        raw({"p": [-1]}),
        raw({"p": [True]}),
        raw({"p": ["5"]}),
        raw({"p": [5], "r": 3}),
    ],
)
def test_a_token_the_codec_did_not_write_raises_the_callers_error(token):
    error = Bad("The nextToken provided is invalid.")
    with pytest.raises(Bad) as excinfo:
        paging.offset(token, invalid=error)
    assert excinfo.value is error


def test_a_request_bound_token_refuses_another_request():
    token = paging.encode(4, request="abc")
    assert paging.offset(token, invalid=Bad(), request="abc") == 4
    with pytest.raises(Changed):
        paging.offset(token, invalid=Bad(), request="xyz", changed=Changed())
    with pytest.raises(Bad):  # without a "changed" error, the service's own error
        paging.offset(token, invalid=Bad(), request="xyz")
    with pytest.raises(Bad):  # a request-bound token is no good where none is bound
        paging.offset(token, invalid=Bad())


def test_pages_cover_every_item_once_and_the_last_has_no_token():
    items = list(range(7))
    seen, token, pages = [], None, 0
    while True:
        page, token = paging.page(items, 3, token, invalid=Bad())
        seen += page
        pages += 1
        if token is None:
            break
    assert seen == items and pages == 3
    assert paging.page(items, 7, None, invalid=Bad()) == (items, None)


def test_the_fingerprint_leaves_out_paging_members_only():
    base = {"Metrics": ["UnblendedCost"], "Granularity": "DAILY"}
    same = paging.fingerprint({**base, "NextPageToken": "t"}, without=("NextPageToken",))
    assert same == paging.fingerprint(dict(reversed(base.items())), without=("NextPageToken",))
    other = paging.fingerprint({**base, "Granularity": "MONTHLY"}, without=("NextPageToken",))
    assert other != same


# --- each service answers a bad token in its own words ----------------------------------------
def test_cost_explorer_answers_a_bad_token_with_its_own_errors(client):
    ce = client("ce")
    request = {
        "TimePeriod": {"Start": "2026-11-01", "End": "2026-11-03"},
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost"],
    }
    with pytest.raises(ClientError) as excinfo:
        ce.get_cost_and_usage(**request, NextPageToken="garbage")
    assert error_of(excinfo)[0] == "InvalidNextTokenException"
    with pytest.raises(ClientError) as excinfo:
        ce.list_cost_allocation_tags(NextToken="garbage")
    assert error_of(excinfo)[0] == "InvalidNextTokenException"


def test_cost_allocation_tags_page_through_the_codec(client):
    ce, bedrock = client("ce"), client("bedrock")
    for n in range(3):
        bedrock.create_inference_profile(
            inferenceProfileName=f"p{n}",
            modelSource={"copyFrom": NOVA},
            tags=[{"key": f"key{n}", "value": "v"}],
        )
    first = ce.list_cost_allocation_tags(MaxResults=2)
    rest = ce.list_cost_allocation_tags(MaxResults=2, NextToken=first["NextToken"])
    keys = [t["TagKey"] for t in first["CostAllocationTags"] + rest["CostAllocationTags"]]
    assert keys == ["key0", "key1", "key2"] and "NextToken" not in rest


def test_budgets_and_athena_keep_their_answers_to_a_bad_token(client):
    with pytest.raises(ClientError) as excinfo:
        client("budgets").describe_budgets(AccountId=ACCOUNT, NextToken="garbage")
    assert error_of(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        client("athena").list_query_executions(NextToken="garbage")
    assert error_of(excinfo)[0] == "ValidationException"
