"""helpers.widgets driven from Python, and helpers.errors' explanations."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from helpers import errors, invoke, profiles, widgets
from helpers.errors import AwsError, InputError, StandinError, WorkshopError


def client_error(code, message, operation, status=400):
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )


@pytest.mark.parametrize(
    "code,operation,action",
    [
        ("AccessDeniedException", "CreateInferenceProfile", "bedrock:CreateInferenceProfile"),
        ("AccessDeniedException", "Converse", "bedrock:InvokeModel"),
        ("AccessDeniedException", "ConverseStream", "bedrock:InvokeModelWithResponseStream"),
        ("AccessDeniedException", "GetCostAndUsage", "ce:GetCostAndUsage"),
        ("AccessDenied", "GetMetricData", "cloudwatch:GetMetricData"),
        ("AccessDeniedException", "GetResources", "tag:GetResources"),
    ],
)
def test_access_denied_names_the_iam_action(code, operation, action):
    error = errors.explain(client_error(code, "not authorized", operation, 403), "do it")
    assert isinstance(error, AwsError) and error.status == 403
    assert f"allow the IAM action {action}" in str(error)
    assert "iam-policy.json" in str(error)


def test_expired_and_missing_credentials():
    expired = errors.explain(client_error("ExpiredTokenException", "expired", "Converse"), "call")
    assert "have expired" in str(expired) and "aws sso login" in str(expired)
    missing = errors.explain(NoCredentialsError(), "list profiles")
    assert "no AWS credentials were found" in str(missing)
    assert '"mode": "offline"' in str(missing)


def test_stopped_standin_says_how_to_restart():
    error = errors.explain(
        EndpointConnectionError(endpoint_url="http://127.0.0.1:4599/x"), "list profiles"
    )
    assert isinstance(error, StandinError)
    assert "not answering" in str(error) and "make standin" in str(error)


def test_unknown_errors_keep_aws_words():
    error = errors.explain(client_error("SomethingNew", "odd", "Converse"), "call")
    assert "AWS answered SomethingNew: odd" in str(error)


def test_errors_render_as_one_message():
    rendered = WorkshopError("Broken.", "Mend it.")._render_traceback_()
    assert rendered == ["WorkshopError: Broken.", "Fix: Mend it."]


def test_explained_wraps_botocore_errors():
    with pytest.raises(AwsError) as excinfo, errors.explained("do a thing"):
        raise client_error("ThrottlingException", "slow down", "Converse", 429)
    assert excinfo.value.code == "ThrottlingException" and "retry" in str(excinfo.value)


def test_profile_picker_shows_the_chosen_profile():
    table = pd.DataFrame({"name": ["a", "b"]})
    shown = []
    picker = widgets.ProfilePicker(table, lambda name: shown.append(name) or name, value="b")
    assert picker.value == "b" and shown == ["b"]
    picker.dropdown.value = "a"
    assert shown == ["b", "a"]
    with pytest.raises(WorkshopError, match="no application profiles"):
        widgets.ProfilePicker(pd.DataFrame({"name": []}), str)


def test_chat_panel_streams_into_the_reply():
    def send(prompt):
        if not prompt.strip():
            raise InputError("The prompt is empty.")
        return invoke.TextStream(
            [
                {"contentBlockDelta": {"delta": {"text": "Hi "}, "contentBlockIndex": 0}},
                {"contentBlockDelta": {"delta": {"text": "there"}, "contentBlockIndex": 0}},
                {"messageStop": {"stopReason": "end_turn"}},
                {
                    "metadata": {
                        "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
                        "metrics": {"latencyMs": 9},
                    }
                },
            ],
            "m",
        )

    panel = widgets.ChatPanel(send)
    panel.ask("hello")
    assert "Hi there" in panel.reply.value
    assert "1 input + 2 output tokens, 9 ms" in panel.usage.value
    assert not panel.button.disabled
    panel.ask("  ")  # the error is shown in the panel, not raised
    assert panel.reply.value == ""


def test_period_picker_passes_an_exclusive_end():
    seen = []
    picker = widgets.PeriodPicker(lambda p: seen.append(p), date(2026, 11, 1), date(2026, 11, 7))
    assert picker.period.time_period() == {"Start": "2026-11-01", "End": "2026-11-08"}
    picker.apply()
    assert seen[0].granularity == "DAILY"
    picker.last.value = date(2026, 10, 1)
    picker.apply()  # an inverted period is reported in the output, not raised
    assert len(seen) == 1


def test_chat_panel_against_the_standin(conn, cfg):
    profiles.ensure(conn, cfg)
    target = profiles.resolve(conn, "claims_dept")
    panel = widgets.ChatPanel(lambda prompt: invoke.stream(conn, target, prompt))
    panel.ask("What is chargeback?")
    assert "Simulated reply from Claude Haiku 4.5" in panel.reply.value
    assert "output tokens" in panel.usage.value


def test_an_error_quoting_markup_is_shown_as_text(monkeypatch):
    import contextlib

    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    message = InputError("Port 4599 answered <html><b>It works!</b></html>", "stop it <now>")
    widgets._show_error(contextlib.nullcontext(), message)
    assert "&lt;html&gt;&lt;b&gt;It works!" in shown[0] and "<b>" not in shown[0]
    assert "stop it &lt;now&gt;" in shown[0]


def test_widgets_show_a_readable_plain_text_stand_in():
    """Where widgets do not run (HTML export, headless run), a reader sees what the widget is."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    inventory = pd.DataFrame({"name": ["claims_dept_haiku_4_5_global", "support_dept_nova"]})
    shown = [
        widgets.ProfilePicker(inventory, lambda name: name),
        widgets.PeriodPicker(lambda period: [], date(2026, 11, 1), date(2026, 11, 28)),
    ]
    for widget in shown:
        with capture_output() as captured:
            widget._ipython_display_()
        (bundle,) = [o.data for o in captured.outputs]
        assert "application/vnd.jupyter.widget-view+json" in bundle  # the live widget
        plain = bundle["text/plain"]
        assert "interactive" in plain and "..." not in plain and "\u2026" not in plain
        assert "picker" in plain
