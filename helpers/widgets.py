"""Widgets for the notebooks: a profile picker, a chat panel that streams, a period picker.

Each widget wraps a plain function the notebook also calls directly with its parameters, so a
headless run (papermill, nbval, CI) never needs a click: the widget is for people.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from .errors import WorkshopError
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from .costs import Period
    from .invoke import TextStream


def _show_error(output: Any, error: WorkshopError) -> None:
    import html

    from IPython.display import HTML, display

    with output:  # escaped: a message may quote markup, such as a page another program sent
        display(HTML(f"<pre style='color:#b00'>{html.escape(str(error))}</pre>"))


def _display_live(widget: Any, what: str) -> None:
    """Display a widget with a readable plain-text stand-in instead of its cut repr.

    Where widgets do not run (an HTML export, a headless run), a reader sees ``what``, not
    ipywidgets' ``VBox(children=(Dropdown(...`` cut at 110 characters.
    """
    from IPython.display import display

    bundle = dict(widget._repr_mimebundle_() or {})
    bundle["text/plain"] = _(
        "[{what}: interactive, shown when the notebook runs in JupyterLab]"
    ).format(what=what)
    display(bundle, raw=True)


class ProfilePicker:
    """A dropdown of profiles from an inventory; shows ``describe(name)`` for the one picked."""

    def __init__(
        self, inventory: pd.DataFrame, describe: Callable[[str], Any], value: str | None = None
    ) -> None:
        import ipywidgets as w

        names = list(inventory["name"])
        if not names:
            raise WorkshopError(
                _("There are no application profiles to pick from."),
                _("create them first (01_create_profiles)."),
            )
        self.describe = describe
        self.dropdown = w.Dropdown(
            options=names,
            value=value if value in names else names[0],
            description="Profile",
            layout=w.Layout(width="60%"),
        )
        self.dropdown.add_class("profile-picker")
        self.output = w.Output()
        self.output.add_class("profile-details")
        self.dropdown.observe(lambda change: self._show(change["new"]), names="value")
        self.widget = w.VBox([self.dropdown, self.output])
        self._show(self.dropdown.value)

    @property
    def value(self) -> str:
        return self.dropdown.value

    def _show(self, name: str) -> None:
        from IPython.display import display

        self.output.clear_output(wait=True)
        try:
            shown = self.describe(name)
        except WorkshopError as error:
            _show_error(self.output, error)
            return
        with self.output:
            display(shown)

    def _ipython_display_(self) -> None:
        _display_live(self.widget, "profile picker")


class ChatPanel:
    """Type a prompt, send it, watch the reply stream in, then its tokens and latency."""

    def __init__(self, send: Callable[[str], TextStream], title: str = "") -> None:
        import ipywidgets as w

        self.send = send
        self.prompt = w.Textarea(placeholder="Ask something...", layout=w.Layout(width="70%"))
        self.prompt.add_class("chat-prompt")
        self.button = w.Button(description="Send", button_style="primary")
        self.button.add_class("chat-send")
        self.reply = w.HTML(layout=w.Layout(width="90%"))
        self.reply.add_class("chat-reply")
        self.usage = w.HTML()
        self.usage.add_class("chat-usage")
        self.errors = w.Output()
        self.button.on_click(lambda _: self.ask(self.prompt.value))
        header = [w.HTML(f"<b>{title}</b>")] if title else []
        self.widget = w.VBox(
            [*header, w.HBox([self.prompt, self.button]), self.reply, self.usage, self.errors]
        )

    def ask(self, prompt: str) -> None:
        import html

        self.errors.clear_output()
        self.reply.value = ""
        self.usage.value = ""
        self.button.disabled = True
        try:
            streamed = self.send(prompt)
            text = ""
            for piece in streamed:
                text += piece
                self.reply.value = f"<div style='white-space:pre-wrap'>{html.escape(text)}</div>"
            reply = streamed.reply
            assert reply is not None  # set once the stream has been read to its end
            self.usage.value = _(
                "<small>{input_tokens} input + {output_tokens} output tokens, {latency_ms} "
                "ms, stop: {stop_reason}</small>"
            ).format(
                input_tokens=reply.input_tokens,
                output_tokens=reply.output_tokens,
                latency_ms=reply.latency_ms,
                stop_reason=reply.stop_reason,
            )
        except WorkshopError as error:
            _show_error(self.errors, error)
        finally:
            self.button.disabled = False

    def _ipython_display_(self) -> None:
        _display_live(self.widget, "chat panel")


class PeriodPicker:
    """Pick first and last day and a granularity; ``on_change(period)`` runs on Apply."""

    def __init__(
        self,
        on_change: Callable[[Period], Any],
        start: date,
        last_day: date,
        granularity: str = "DAILY",
    ) -> None:
        import ipywidgets as w

        from .costs import GRANULARITIES, granularity_of

        self.on_change = on_change
        self.start = w.DatePicker(description="First day", value=start)
        self.start.add_class("period-start")
        self.last = w.DatePicker(description="Last day", value=last_day)
        self.last.add_class("period-last")
        self.granularity = w.ToggleButtons(
            options=list(GRANULARITIES), value=granularity_of(granularity)
        )
        self.button = w.Button(description="Apply", button_style="primary")
        self.button.add_class("period-apply")
        self.output = w.Output()
        self.output.add_class("period-output")
        self.button.on_click(lambda _: self.apply())
        self.widget = w.VBox(
            [w.HBox([self.start, self.last]), self.granularity, self.button, self.output]
        )

    @property
    def period(self) -> Period:
        from .costs import period

        if self.start.value is None or self.last.value is None:
            raise WorkshopError(_("Pick both a first and a last day."))
        # the picker shows the last day; Cost Explorer wants the day after it (End is exclusive)
        return period(self.start.value, self.last.value + timedelta(days=1), self.granularity.value)

    def apply(self) -> None:
        from IPython.display import display

        self.output.clear_output(wait=True)
        try:
            shown = self.on_change(self.period)
        except WorkshopError as error:
            _show_error(self.output, error)
            return
        with self.output:
            if isinstance(shown, (list, tuple)):
                for item in shown:
                    display(item)
            elif shown is not None:
                display(shown)

    def _ipython_display_(self) -> None:
        _display_live(self.widget, "period picker")
