"""The stand-in's table of InvokeModel families, against the client side (helpers/invoke.py)."""

from __future__ import annotations

import json

import pytest

from helpers import invoke
from helpers.offline import families
from helpers.offline.catalog import FoundationModel, load

PROMPT = "How do I split the Bedrock bill by department?"


def model_of(family: str) -> FoundationModel:
    """A catalog model of the family (the first one listed)."""
    return next(m for m in load().models.values() if m.family == family)


def test_every_family_has_its_parts():
    for name, family in families.FAMILIES.items():
        assert callable(family.parse), name
        assert callable(family.respond), name
        assert family.stream is None or callable(family.stream), name
        assert callable(family.reply), name
        assert family.required <= family.allowed, name


def test_the_table_and_the_client_name_the_same_families():
    assert set(families.FAMILIES) == set(invoke.FAMILIES)
    # the families the stand-in streams are the ones the client reads chunks of
    streamed = {name for name, family in families.FAMILIES.items() if family.stream}
    assert streamed == set(invoke.CHUNK_TEXT) == set(invoke.STREAM_FAMILIES)
    assert families.INVOCATION_METRICS == invoke.INVOCATION_METRICS


def test_every_catalog_family_is_in_the_table_or_converse_only():
    for model in load().models.values():
        assert model.family in families.FAMILIES or model.family == "converse-only", model


@pytest.mark.parametrize("name", sorted(families.FAMILIES))
def test_a_client_body_round_trips(name):
    """The client's body parses to its prompt; the response and chunks read back its text."""
    family = families.FAMILIES[name]
    model = model_of(name)
    body = invoke.invoke_body(name, PROMPT, max_tokens=300)
    request = families.parse_body(json.dumps(body), model)
    assert PROMPT in request["prompt"]
    assert request["max_tokens"] == 300
    reply = family.reply(model, request["prompt"], 300, request["stop_sequences"])
    text, _, tokens_in, tokens_out = invoke.read_invoke_body(name, family.respond(model, reply))
    assert text and text in reply.text
    assert (tokens_in, tokens_out) == (reply.input_tokens, reply.output_tokens)
    if family.stream is not None:
        chunks = list(family.stream(model, reply))
        assert "".join(invoke.chunk_text(name, c) for c in chunks) == reply.text
        assert families.INVOCATION_METRICS in chunks[-1]


def test_a_converse_only_model_has_no_invoke_body():
    model = model_of("converse-only")
    with pytest.raises(families.ValidationException, match="through Converse and ConverseStream"):
        families.parse_body(b"{}", model)


def test_gpt_oss_answers_with_its_reasoning_first():
    model = model_of("openai-chat")
    family = families.FAMILIES["openai-chat"]
    body = family.respond(model, family.reply(model, PROMPT, 300, []))
    assert body["choices"][0]["message"]["content"].startswith(families.SIMULATED_REASONING)
