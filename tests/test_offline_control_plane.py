"""The stand-in's Bedrock control plane answers as AWS does: shapes, rules, codes, statuses."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from tests.conftest import ACCOUNT, error_of

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU_ARN = f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"
US_NOVA_LITE = "us.amazon.nova-lite-v1:0"
US_NOVA_LITE_ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{US_NOVA_LITE}"


def create(bedrock, name="claims", copy_from=HAIKU_ARN, **extra):
    return bedrock.create_inference_profile(
        inferenceProfileName=name, modelSource={"copyFrom": copy_from}, **extra
    )


def test_create_from_foundation_model(client, assert_shape):
    bedrock = client("bedrock")
    response = create(
        bedrock, description="Claims department", tags=[{"key": "dept", "value": "claims"}]
    )
    assert_shape("bedrock", "CreateInferenceProfile", response)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert response["status"] == "ACTIVE"
    arn = response["inferenceProfileArn"]
    match = re.fullmatch(
        rf"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/([a-z0-9]{{12}})", arn
    )
    assert match and not match[1].startswith("ip-")

    profile = bedrock.get_inference_profile(inferenceProfileIdentifier=arn)
    assert_shape("bedrock", "GetInferenceProfile", profile)
    assert profile["inferenceProfileId"] == match[1]
    assert profile["inferenceProfileName"] == "claims"
    assert profile["description"] == "Claims department"
    assert profile["type"] == "APPLICATION"
    assert profile["models"] == [{"modelArn": HAIKU_ARN}]
    # by bare ID too
    assert (
        bedrock.get_inference_profile(inferenceProfileIdentifier=match[1])["inferenceProfileArn"]
        == arn
    )


def test_create_from_system_profile_copies_its_regions(client):
    bedrock = client("bedrock")
    arn = create(bedrock, copy_from=US_NOVA_LITE_ARN)["inferenceProfileArn"]
    models = bedrock.get_inference_profile(inferenceProfileIdentifier=arn)["models"]
    regions = [m["modelArn"].split(":")[3] for m in models]
    assert regions == ["us-east-1", "us-east-2", "us-west-2"]
    assert all(m["modelArn"].endswith("foundation-model/amazon.nova-lite-v1:0") for m in models)


def test_list_without_type_returns_system_defined_only(client, assert_shape):
    bedrock = client("bedrock")
    create(bedrock)
    listed = bedrock.list_inference_profiles()
    assert_shape("bedrock", "ListInferenceProfiles", listed)
    summaries = listed["inferenceProfileSummaries"]
    assert summaries and {s["type"] for s in summaries} == {"SYSTEM_DEFINED"}
    assert {s["inferenceProfileId"].split(".")[0] for s in summaries} == {"us", "global"}
    applications = bedrock.list_inference_profiles(typeEquals="APPLICATION")
    assert [s["inferenceProfileName"] for s in applications["inferenceProfileSummaries"]] == [
        "claims"
    ]


@pytest.mark.parametrize(
    "region,prefixes",
    [
        ("eu-central-1", {"eu", "global"}),
        ("ap-northeast-1", {"apac", "jp", "global"}),
        ("ap-southeast-2", {"apac", "au", "global"}),
        ("ca-central-1", {"us", "global"}),
        ("ap-southeast-1", {"apac", "global"}),
    ],
)
def test_system_profiles_follow_the_region(client, region, prefixes):
    summaries = client("bedrock", region).list_inference_profiles()["inferenceProfileSummaries"]
    assert {s["inferenceProfileId"].split(".")[0] for s in summaries} == prefixes
    for summary in summaries:
        assert 1 <= len(summary["models"]) <= 5
        assert summary["inferenceProfileArn"].startswith(f"arn:aws:bedrock:{region}:{ACCOUNT}:")


def test_list_paginates(client):
    bedrock = client("bedrock")
    for i in range(5):
        create(bedrock, name=f"dept-{i}")
    first = bedrock.list_inference_profiles(typeEquals="APPLICATION", maxResults=2)
    assert len(first["inferenceProfileSummaries"]) == 2 and first["nextToken"]
    pages = bedrock.get_paginator("list_inference_profiles").paginate(
        typeEquals="APPLICATION", PaginationConfig={"PageSize": 2}
    )
    names = [s["inferenceProfileName"] for p in pages for s in p["inferenceProfileSummaries"]]
    assert names == [f"dept-{i}" for i in range(5)]
    with pytest.raises(ClientError) as excinfo:
        bedrock.list_inference_profiles(typeEquals="APPLICATION", nextToken="garbage")
    assert error_of(excinfo)[:2] == ("ValidationException", 400)


def test_max_results_is_bounded(client):
    with pytest.raises(ClientError) as excinfo:
        client("bedrock").list_inference_profiles(maxResults=1001)
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert "Member must have value less than or equal to 1000" in message


def test_delete(client, assert_shape):
    bedrock = client("bedrock")
    arn = create(bedrock)["inferenceProfileArn"]
    response = bedrock.delete_inference_profile(inferenceProfileIdentifier=arn)
    assert_shape("bedrock", "DeleteInferenceProfile", response)
    with pytest.raises(ClientError) as excinfo:
        bedrock.get_inference_profile(inferenceProfileIdentifier=arn)
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        bedrock.delete_inference_profile(inferenceProfileIdentifier=arn)
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        bedrock.delete_inference_profile(inferenceProfileIdentifier=US_NOVA_LITE)
    assert error_of(excinfo)[:2] == ("ValidationException", 400)


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (
            {"name": "claims dept!"},
            "at 'inferenceProfileName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ([0-9a-zA-Z][ _-]?)+",
        ),
        ({"name": "x" * 65}, "Member must have length less than or equal to 64"),
        ({"name": "-leading-dash"}, "regular expression pattern"),
        ({"description": "請求部門"}, "Value at 'description' failed to satisfy constraint"),
        ({"description": "Claims (pilot)"}, "regular expression pattern: ([0-9a-zA-Z:.][ _-]?)+"),
        ({"description": "x" * 201}, "Member must have length less than or equal to 200"),
        (
            {"tags": [{"key": f"k{i}", "value": "v"} for i in range(201)]},
            "at 'tags' failed to satisfy constraint: "
            "Member must have length less than or equal to 200",
        ),
        (
            {"tags": [{"key": "dept", "value": "a" * 257}]},
            "at 'tags.1.member.value' failed to satisfy constraint",
        ),
        ({"tags": [{"key": "aws:dept", "value": "x"}]}, "reserved for AWS use"),
        (
            {"copy_from": "arn:aws:bedrock:us-east-1::foundation-model/no.such-model-v1:0"},
            "The provided model identifier is invalid.",
        ),
        (
            {"copy_from": "arn:aws:bedrock:eu-west-1::foundation-model/" + HAIKU},
            "in region eu-west-1",
        ),
    ],
)
def test_create_rejects_what_aws_rejects(client, kwargs, fragment):
    args = {"name": kwargs.pop("name", "claims"), "copy_from": kwargs.pop("copy_from", HAIKU_ARN)}
    with pytest.raises(ClientError) as excinfo:
        create(client("bedrock"), **args, **kwargs)
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert fragment in message
    if "validation error" in message:
        assert re.match(r"\d+ validation errors? detected: ", message)


def test_copying_from_an_application_profile_is_refused(client):
    bedrock = client("bedrock")
    arn = create(bedrock)["inferenceProfileArn"]
    with pytest.raises(ClientError) as excinfo:
        create(bedrock, name="copy", copy_from=arn)
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert "at 'modelSource.copyFrom' failed to satisfy constraint" in message
    assert "(inference-profile|foundation-model)" in message


def test_model_not_in_region_is_refused(client):
    # Llama 3 70B is not offered in eu-central-1
    with pytest.raises(ClientError) as excinfo:
        create(
            client("bedrock", "eu-central-1"),
            copy_from="arn:aws:bedrock:eu-central-1::foundation-model/meta.llama3-70b-instruct-v1:0",
        )
    assert error_of(excinfo) == (
        "ValidationException",
        400,
        "The provided model identifier is invalid.",
    )


def test_duplicate_name_conflicts(client):
    bedrock = client("bedrock")
    create(bedrock)
    with pytest.raises(ClientError) as excinfo:
        create(bedrock)
    code, status, _ = error_of(excinfo)
    # Bedrock's service model gives ConflictException HTTP status 400 (not 409).
    assert (code, status) == ("ConflictException", 400)
    # the same name in another region is another profile
    create(
        client("bedrock", "us-west-2"),
        copy_from="arn:aws:bedrock:us-west-2::foundation-model/" + HAIKU,
    )


def test_client_request_token_makes_create_idempotent(client):
    bedrock = client("bedrock")
    first = create(bedrock, clientRequestToken="retry-1")["inferenceProfileArn"]
    again = create(bedrock, clientRequestToken="retry-1")["inferenceProfileArn"]
    assert first == again
    listed = bedrock.list_inference_profiles(typeEquals="APPLICATION")["inferenceProfileSummaries"]
    assert len(listed) == 1


def test_quota_of_application_profiles(client, monkeypatch):
    from helpers.offline import bedrock as standin_bedrock

    monkeypatch.setattr(standin_bedrock, "APPLICATION_PROFILE_QUOTA", 2)
    bedrock = client("bedrock")
    create(bedrock, name="a")
    create(bedrock, name="b")
    with pytest.raises(ClientError) as excinfo:
        create(bedrock, name="c")
    assert error_of(excinfo)[:2] == ("ServiceQuotaExceededException", 400)


def test_unknown_profile(client):
    bedrock = client("bedrock")
    for identifier in [
        "abcdefghijkl",
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/abcdefghijkl",
        "eu.amazon.nova-lite-v1:0",
    ]:
        with pytest.raises(ClientError) as excinfo:
            bedrock.get_inference_profile(inferenceProfileIdentifier=identifier)
        assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)


def test_system_profile_by_id_and_arn(client, assert_shape):
    bedrock = client("bedrock")
    by_id = bedrock.get_inference_profile(inferenceProfileIdentifier=US_NOVA_LITE)
    assert_shape("bedrock", "GetInferenceProfile", by_id)
    assert by_id["type"] == "SYSTEM_DEFINED"
    assert by_id["inferenceProfileArn"] == US_NOVA_LITE_ARN
    by_arn = bedrock.get_inference_profile(inferenceProfileIdentifier=US_NOVA_LITE_ARN)
    assert by_arn["inferenceProfileId"] == US_NOVA_LITE


def test_tags(client, assert_shape):
    bedrock = client("bedrock")
    arn = create(bedrock, tags=[{"key": "dept", "value": "claims"}])["inferenceProfileArn"]
    assert_shape(
        "bedrock",
        "TagResource",
        bedrock.tag_resource(
            resourceARN=arn,
            tags=[{"key": "team", "value": "ops"}, {"key": "dept", "value": "legal"}],
        ),
    )
    listed = bedrock.list_tags_for_resource(resourceARN=arn)
    assert_shape("bedrock", "ListTagsForResource", listed)
    assert listed["tags"] == [{"key": "dept", "value": "legal"}, {"key": "team", "value": "ops"}]
    assert_shape(
        "bedrock", "UntagResource", bedrock.untag_resource(resourceARN=arn, tagKeys=["team"])
    )
    assert bedrock.list_tags_for_resource(resourceARN=arn)["tags"] == [
        {"key": "dept", "value": "legal"}
    ]


def test_tag_errors(client):
    bedrock = client("bedrock")
    arn = create(bedrock)["inferenceProfileArn"]
    missing = arn[:-12] + "zzzzzzzzzzzz"
    with pytest.raises(ClientError) as excinfo:
        bedrock.tag_resource(resourceARN=missing, tags=[{"key": "a", "value": "b"}])
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)
    bedrock.tag_resource(resourceARN=arn, tags=[{"key": f"k{i}", "value": "v"} for i in range(150)])
    with pytest.raises(ClientError) as excinfo:
        bedrock.tag_resource(
            resourceARN=arn, tags=[{"key": f"x{i}", "value": "v"} for i in range(51)]
        )
    assert error_of(excinfo)[:2] == ("TooManyTagsException", 400)
    with pytest.raises(ClientError) as excinfo:
        bedrock.tag_resource(resourceARN=arn, tags=[{"key": "bad#key", "value": "v"}])
    assert error_of(excinfo)[:2] == ("ValidationException", 400)


def test_foundation_models(client, assert_shape):
    bedrock = client("bedrock")
    listed = bedrock.list_foundation_models()
    assert_shape("bedrock", "ListFoundationModels", listed)
    models = listed["modelSummaries"]
    assert len(models) >= 6
    assert {"Anthropic", "Meta", "Amazon"} <= {m["providerName"] for m in models}
    by_provider = bedrock.list_foundation_models(byProvider="meta")["modelSummaries"]
    assert by_provider and {m["providerName"] for m in by_provider} == {"Meta"}
    on_demand = {
        m["modelId"]
        for m in bedrock.list_foundation_models(byInferenceType="ON_DEMAND")["modelSummaries"]
    }
    assert HAIKU in on_demand
    assert "anthropic.claude-sonnet-4-6" not in on_demand  # profile only
    sonnet_46 = next(m for m in models if m["modelId"] == "anthropic.claude-sonnet-4-6")
    assert sonnet_46["inferenceTypesSupported"] == ["INFERENCE_PROFILE"]
    detail = bedrock.get_foundation_model(modelIdentifier=HAIKU)
    assert_shape("bedrock", "GetFoundationModel", detail)
    assert detail["modelDetails"]["modelArn"] == HAIKU_ARN
    assert (
        bedrock.get_foundation_model(modelIdentifier=HAIKU_ARN)["modelDetails"]["modelId"] == HAIKU
    )
    with pytest.raises(ClientError) as excinfo:
        bedrock.get_foundation_model(modelIdentifier="anthropic.claude-9-v1:0")
    assert error_of(excinfo)[:2] == ("ValidationException", 400)


def test_tagging_api_lists_application_profiles(client, assert_shape):
    bedrock = client("bedrock")
    tagging = client("resourcegroupstaggingapi")
    for dept in ["claims", "underwriting", "claims-2"]:
        create(
            bedrock,
            name=dept,
            tags=[
                {"key": "dept", "value": dept.split("-")[0]},
                {"key": "owner", "value": "workshop"},
            ],
        )
    response = tagging.get_resources(
        ResourceTypeFilters=["bedrock:application-inference-profile"],
        TagFilters=[{"Key": "dept", "Values": ["claims"]}],
    )
    assert_shape("resourcegroupstaggingapi", "GetResources", response)
    found = response["ResourceTagMappingList"]
    assert len(found) == 2
    assert all({"Key": "dept", "Value": "claims"} in r["Tags"] for r in found)
    everything = tagging.get_resources(ResourceTypeFilters=["bedrock"])["ResourceTagMappingList"]
    assert len(everything) == 3
    # tags changed through the tagging API show in Bedrock
    tagging.tag_resources(ResourceARNList=[found[0]["ResourceARN"]], Tags={"team": "ops"})
    tags = bedrock.list_tags_for_resource(resourceARN=found[0]["ResourceARN"])["tags"]
    assert {"key": "team", "value": "ops"} in tags


def test_tagging_api_pages_by_resources(client):
    bedrock = client("bedrock")
    for i in range(250):
        create(
            bedrock,
            name=f"p{i:03d}",
            tags=[{"key": k, "value": "x"} for k in ("dept", "team", "app")],
        )
    pages = list(
        client("resourcegroupstaggingapi")
        .get_paginator("get_resources")
        .paginate(
            ResourceTypeFilters=["bedrock:application-inference-profile"], ResourcesPerPage=100
        )
    )
    assert [len(p["ResourceTagMappingList"]) for p in pages] == [100, 100, 50]
