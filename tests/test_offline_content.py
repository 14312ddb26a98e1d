"""Images, documents and videos in the stand-in's Converse (and Anthropic's InvokeModel body):
which models take them, the refusals, S3 locations, and the tokens each block costs."""

from __future__ import annotations

import base64
import io
import json
import math

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from helpers.offline import content, simulate
from tests.conftest import error_of, metric_total

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
NOVA_LITE = "amazon.nova-lite-v1:0"
NOVA_MICRO = "amazon.nova-micro-v1:0"
QUESTION = "What does this show?"
# the question's tokens as the prompt holds it: its parts are joined by newlines, and a media
# block's tokens follow the question's
ASKED = simulate.count_tokens(QUESTION + "\n")


def picture(width: int, height: int, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, kind)
    return out.getvalue()


def asking(*blocks: dict) -> list[dict]:
    return [{"role": "user", "content": [{"text": QUESTION}, *blocks]}]


def image(data: bytes, kind: str = "png") -> dict:
    return {"image": {"format": kind, "source": {"bytes": data}}}


def document(name: str, data: bytes, kind: str = "txt") -> dict:
    return {"document": {"format": kind, "name": name, "source": {"bytes": data}}}


def refusal(call) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return error_of(caught)


# --- reading sizes and counting --------------------------------------------------------------
@pytest.mark.parametrize("kind", ["PNG", "JPEG", "GIF", "WEBP"])
def test_image_sizes_are_read_from_each_format_header(kind):
    assert content.image_size(picture(321, 123, kind)) == (321, 123)


def test_image_tokens_follow_anthropics_rule_with_the_long_edge_scaled():
    assert content.image_tokens(750, 100) == 100  # width * height / 750
    assert content.image_tokens(800, 600) == 640
    # 3136 x 1568 is scaled to 1568 x 784 first: 1,229,312 pixels / 750, rounded up
    assert content.image_tokens(3136, 1568) == math.ceil(1568 * 784 / 750)


# --- images in Converse ------------------------------------------------------------------------
def test_an_image_is_accepted_by_an_image_model_and_counted(client, assert_shape):
    runtime = client("bedrock-runtime")
    messages = asking(image(picture(800, 600)))
    response = runtime.converse(modelId=HAIKU, messages=messages)
    assert_shape("bedrock-runtime", "Converse", response)
    expected = ASKED + 640
    assert response["usage"]["inputTokens"] == expected
    counted = runtime.count_tokens(modelId=HAIKU, input={"converse": {"messages": messages}})
    assert counted["inputTokens"] == expected
    assert metric_total(client("cloudwatch"), "InputTokenCount", HAIKU)[0] == expected
    assert f'You asked: "{QUESTION}".' in response["output"]["message"]["content"][0]["text"]


def test_an_image_is_refused_by_a_text_only_model(client):
    code, status, message = refusal(
        lambda: client("bedrock-runtime").converse(
            modelId=NOVA_MICRO, messages=asking(image(picture(10, 10)))
        )
    )
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "This model doesn't support the image content block that you provided. Update the "
        "content block and try again."
    )


def test_an_image_that_is_not_an_image_is_refused(client):
    _, status, message = refusal(
        lambda: client("bedrock-runtime").converse(
            modelId=HAIKU, messages=asking(image(b"not a picture"))
        )
    )
    assert status == 400 and "could not be read as png" in message


def test_invoke_model_and_converse_count_an_anthropic_image_alike(client):
    runtime = client("bedrock-runtime")
    data = picture(640, 480)
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 100,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": QUESTION},
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": base64.b64encode(data).decode(),
                        },
                    },
                ],
            }
        ],
    }
    invoked = json.loads(runtime.invoke_model(modelId=HAIKU, body=json.dumps(body))["body"].read())
    conversed = runtime.converse(modelId=HAIKU, messages=asking(image(data)))
    assert invoked["usage"]["input_tokens"] == conversed["usage"]["inputTokens"]
    assert invoked["usage"]["input_tokens"] == ASKED + 410


def test_invoke_model_honours_an_anthropic_forced_tool_choice(client):
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 100,
        "tools": [
            {
                "name": "lookup",
                "input_schema": {
                    "type": "object",
                    "properties": {"id": {"type": "integer", "minimum": 7}},
                    "required": ["id"],
                },
            }
        ],
        "tool_choice": {"type": "tool", "name": "lookup"},
        "messages": [{"role": "user", "content": "hi"}],
    }
    answer = json.loads(
        client("bedrock-runtime").invoke_model(modelId=HAIKU, body=json.dumps(body))["body"].read()
    )
    assert answer["stop_reason"] == "tool_use"
    (block,) = answer["content"]
    assert block["type"] == "tool_use" and block["name"] == "lookup" and block["input"] == {"id": 7}
    assert block["id"].startswith("toolu_bdrk_")


# --- documents --------------------------------------------------------------------------------
def test_a_text_document_is_counted_as_its_text(client):
    text = "Claim 42: a scratched bumper, repaired for 30,000 yen."
    response = client("bedrock-runtime").converse(
        modelId=HAIKU, messages=asking(document("claim notes (v2)", text.encode()))
    )
    expected = ASKED + simulate.count_tokens(text)
    assert response["usage"]["inputTokens"] == expected


def test_a_binary_document_is_counted_at_four_bytes_a_token(client):
    response = client("bedrock-runtime").converse(
        modelId=HAIKU, messages=asking(document("report", b"%PDF" + b"\0" * 396, "pdf"))
    )
    assert response["usage"]["inputTokens"] == ASKED + 100


@pytest.mark.parametrize("name", ["report.pdf", "two  spaces", "under_score"])
def test_document_names_follow_aws_rule(client, name):
    _, status, message = refusal(
        lambda: client("bedrock-runtime").converse(
            modelId=HAIKU, messages=asking(document(name, b"text"))
        )
    )
    assert status == 400
    assert message.startswith("The document file name can only contain alphanumeric characters")


def test_a_document_is_refused_by_nova_micro(client):
    _, _, message = refusal(
        lambda: client("bedrock-runtime").converse(
            modelId=NOVA_MICRO, messages=asking(document("notes", b"text"))
        )
    )
    assert "doesn't support the document content block" in message


# --- videos and S3 locations ------------------------------------------------------------------
def test_a_video_is_taken_by_nova_lite_and_refused_by_claude(client):
    runtime = client("bedrock-runtime")
    video = {"video": {"format": "mp4", "source": {"bytes": b"\0\0\0\x18ftypmp42"}}}
    usage = runtime.converse(modelId=NOVA_LITE, messages=asking(video))["usage"]
    assert usage["inputTokens"] == ASKED + content.VIDEO_TOKENS
    _, _, message = refusal(lambda: runtime.converse(modelId=HAIKU, messages=asking(video)))
    assert "doesn't support the video content block" in message


def s3_image(uri: str) -> dict:
    return {"image": {"format": "png", "source": {"s3Location": {"uri": uri}}}}


def test_nova_reads_an_image_from_s3(client):
    s3 = client("s3")
    s3.create_bucket(Bucket="claims-media")
    s3.put_object(Bucket="claims-media", Key="car.png", Body=picture(750, 300))
    usage = client("bedrock-runtime").converse(
        modelId=NOVA_LITE, messages=asking(s3_image("s3://claims-media/car.png"))
    )["usage"]
    assert usage["inputTokens"] == ASKED + 300


def test_a_missing_s3_object_is_refused(client):
    client("s3").create_bucket(Bucket="claims-media")
    _, status, message = refusal(
        lambda: client("bedrock-runtime").converse(
            modelId=NOVA_LITE, messages=asking(s3_image("s3://claims-media/none.png"))
        )
    )
    assert status == 400 and "s3://claims-media/none.png could not be read" in message


def test_claude_takes_no_s3_location(client):
    _, _, message = refusal(
        lambda: client("bedrock-runtime").converse(
            modelId=HAIKU, messages=asking(s3_image("s3://claims-media/car.png"))
        )
    )
    assert "doesn't support Amazon S3 locations" in message


def test_an_image_request_is_written_to_the_invocation_log_in_base64(client):
    client("logs").create_log_group(logGroupName="bedrock-calls")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "bedrock.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    client("iam").create_role(
        RoleName="bedrock-logging", AssumeRolePolicyDocument=json.dumps(trust)
    )
    client("bedrock").put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {
                "logGroupName": "bedrock-calls",
                "roleArn": "arn:aws:iam::123456789012:role/bedrock-logging",
            },
            "textDataDeliveryEnabled": True,
            "imageDataDeliveryEnabled": True,
        }
    )
    data = picture(20, 20)
    client("bedrock-runtime").converse(modelId=HAIKU, messages=asking(image(data)))
    events = client("logs").filter_log_events(logGroupName="bedrock-calls")["events"]
    (entry,) = [json.loads(e["message"]) for e in events]
    sent = entry["input"]["inputBodyJson"]["messages"][0]["content"][1]["image"]["source"]
    assert base64.b64decode(sent["bytes"]) == data
