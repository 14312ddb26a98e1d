"""The workshop in a real browser: JupyterLab and its widgets, driven by Playwright.

Headless kernels never render widgets, so this is the only place the profile picker, the chat
panel and the period picker are seen working. Chromium comes from the operating system
(Debian's package: no browser download); without it, this whole module is skipped with one line
saying how to enable it. The Japanese edition is opened in a JupyterLab whose menus are in
Japanese (the language pack); Chromium is given the IPAex Gothic font matplotlib-fontja ships,
so the screenshots show the characters even where the system has no Japanese font.
Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)

if not CHROMIUM:
    pytest.skip(
        "browser tests skipped: Chromium is not installed. Enable them with "
        "`apt-get install chromium` (Debian/Ubuntu) or CHROMIUM=/path/to/chromium; "
        ".ci/run installs it.",
        allow_module_level=True,
    )
try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - a dev dependency; `make setup` installs it
    pytest.skip(
        "browser tests skipped: the playwright package is missing (make setup).",
        allow_module_level=True,
    )

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 90_000
# expect() waits 5 s by default: a notebook run while the other test worker runs notebooks too
# takes longer, so assertions wait as long as page actions do
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def workshop_state(standin, tmp_path_factory):
    """The stand-in with the workshop's profiles, a month of history and visible streaming."""
    from helpers import aws, config, costs, profiles
    from tests.conftest import control

    endpoint = standin.endpoint
    control(endpoint, "POST", "/moto-api/reset")
    os.environ["WORKSHOP_ENDPOINT_URL"] = endpoint
    cfg = config.load(ROOT / "config.json")
    conn = aws.connect(cfg)
    profiles.ensure(conn, cfg)
    conn.control("POST", "/_standin/backfill", {"days": 30, "seed": 7, "region": cfg.region})
    costs.activate_tag(conn, cfg.tag_key, backfill_from=costs.last_days(31).start)
    conn.control("POST", "/_standin/settings", {"stream_delay_ms": 25})
    yield {"endpoint": endpoint, "cfg": cfg}
    conn.control("POST", "/_standin/settings", {"stream_delay_ms": 0})


def lab_settings(tmp_path_factory, locale: str | None = None) -> Path:
    """A JupyterLab settings folder: no news, and the display language when ``locale`` is given
    (what Settings > Language writes)."""
    settings = tmp_path_factory.mktemp("lab-settings")
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (
        settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    ).write_text('{"fetchNews": "false", "checkForUpdates": false}')
    if locale:
        (settings / "@jupyterlab" / "translation-extension").mkdir(parents=True)
        (
            settings / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
        ).write_text(json.dumps({"locale": locale}))
    return settings


@pytest.fixture(scope="module")
def lab(workshop_state, tmp_path_factory):
    """JupyterLab on a free loopback port, with a token, on a copy of the notebooks."""
    folder = tmp_path_factory.mktemp("lab")
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(notebook, folder)  # Lab saves checkpoints; the repository stays clean
    yield from running_lab(folder, lab_settings(tmp_path_factory), workshop_state)


def running_lab(folder: Path, settings: Path, workshop_state):
    """Start JupyterLab on ``folder``; yield its address, token and config; stop it after."""
    from helpers.offline import free_port

    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "WORKSHOP_ENDPOINT_URL": workshop_state["endpoint"],
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
    }
    log = open(folder / "lab.log", "w")  # noqa: SIM115 - closed below
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={folder}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                log.flush()
                pytest.fail(
                    "JupyterLab did not start:\n" + (folder / "lab.log").read_text()[-2000:]
                )
            time.sleep(0.3)
    yield {"base": base, "token": token, "cfg": workshop_state["cfg"]}
    server.terminate()
    server.wait(timeout=20)
    log.close()


def fontconfig_with_japanese(folder: Path) -> dict[str, str]:
    """Chromium's environment with a fontconfig that adds matplotlib-fontja's IPAex Gothic to
    the system's fonts (a machine without a Japanese font would show empty boxes)."""
    from helpers.plots import japanese_font_file

    font = japanese_font_file()
    if font is None:
        return {}
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{Path(font).parent}</dir>\n"
        f"  <cachedir>{folder / 'cache'}</cachedir>\n"
        "</fontconfig>\n"
    )
    return {"FONTCONFIG_FILE": str(conf)}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    env = {**os.environ, **fontconfig_with_japanese(tmp_path_factory.mktemp("fonts"))}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, env=env
        )
        yield chromium
        chromium.close()


def open_and_run_all(browser, lab, name: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    # a workspace of its own, reset: only this notebook is open
    page.goto(f"{lab['base']}/lab/workspaces/{name}/tree/{name}.ipynb?reset&token={lab['token']}")
    page.locator(".jp-NotebookPanel:visible .jp-Notebook").wait_for()
    expect(page.locator(".jp-Notebook-ExecutionIndicator, #jp-main-statusbar")).not_to_have_count(0)
    page.wait_for_function("document.body.innerText.includes('Idle')")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    return page


def shoot(page: Page, locator, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_profile_picker_shows_the_chosen_profile(browser, lab):
    names = [p.name for p in lab["cfg"].profiles]
    page = open_and_run_all(browser, lab, "02_inspect_profiles")
    picker = page.locator(".profile-picker select")
    details = page.locator(".profile-details")
    expect(details).to_contain_text(names[0])
    expect(details).to_contain_text("routes to")
    picker.select_option(label=names[2])
    expect(details).to_contain_text(names[2])
    expect(details).not_to_contain_text(names[0])
    expect(details).to_contain_text("us-east-1, us-east-2, us-west-2")  # a cross-region profile
    shoot(page, picker, "02_profile_picker")
    page.close()


def test_chat_panel_streams_a_reply_with_its_token_counts(browser, lab):
    page = open_and_run_all(browser, lab, "03_invoke_models")
    prompt = page.locator(".chat-prompt textarea")
    # Send is handled only once the kernel is free: wait for every cell to finish (03 also runs
    # the agent-framework examples when they are installed, which takes a while)
    prompt.wait_for(timeout=120_000)
    page.wait_for_function(
        "![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.innerText.includes('*'))",
        timeout=120_000,
    )
    prompt.fill("Which department spends the most?")
    reply = page.locator(".chat-reply")
    usage = page.locator(".chat-usage")
    page.locator("button.chat-send").click()
    # streamed: some text is there before the whole reply (and its usage line) is
    expect(reply).to_contain_text("Simulated reply from")
    partial = reply.inner_text()
    expect(usage).to_contain_text("output tokens")
    whole = reply.inner_text()
    assert len(partial) < len(whole), "the reply arrived in one piece, not streamed"
    assert 'You asked: "Which department spends the most?"' in whole
    expect(usage).to_contain_text(" ms, stop: end_turn")
    shoot(page, prompt, "03_chat_panel")
    page.close()


def test_period_picker_redoes_the_table_and_the_plot(browser, lab):
    page = open_and_run_all(browser, lab, "05_cost_analysis")
    output = page.locator(".period-output")
    start = page.locator(".period-start input")
    start.wait_for()
    expect(page.locator(".jp-OutputArea-output img").first).to_be_visible()  # Step 6's plot
    today = time.gmtime()
    for first_day in (
        f"{time.strftime('%Y-%m', today)}-01",
        time.strftime("%Y-%m-%d", time.gmtime(time.time() - 10 * 86400)),
    ):
        start.fill(first_day)
        start.dispatch_event("change")
        page.locator("button.period-apply").click()
        expect(output).to_contain_text(f"Cost by department, {first_day} to ")
        expect(output.locator("img")).to_have_count(1)
        expect(output.locator("table")).to_have_count(1)
        expect(output.locator("table")).to_contain_text("claims")
    shoot(page, output, "05_period_picker")
    page.close()


def shoot_element(locator, name: str) -> Path:
    """A screenshot of one element at its rendered size (the page is 1400 px wide), not a
    thumbnail of the whole window."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    path = SCREENSHOTS / f"{name}.png"
    locator.screenshot(path=str(path))
    return path


def test_chargeback_table_and_daily_plot_are_legible(browser, lab):
    """05's chargeback table shows every department with money as dollars, and the daily plot
    is rendered in full; both are saved as element screenshots a reader can check."""
    from helpers import aws, invoke

    conn = aws.connect(lab["cfg"])  # a call without a profile, as 00 and 03 make: (untagged)
    invoke.converse(conn, "us.amazon.nova-2-lite-v1:0", "Hello", max_tokens=4)
    page = open_and_run_all(browser, lab, "05_cost_analysis")
    chargeback_cell = page.locator(".jp-CodeCell").filter(has_text="chargeback.html").last
    table = chargeback_cell.locator(".jp-OutputArea-output table").first
    table.wait_for()
    page.keyboard.press("Control+b")  # close the file browser: the notebook takes the width
    page.locator("#jp-left-stack").wait_for(state="hidden")
    holder = chargeback_cell.locator(".jp-OutputArea-output").filter(has=page.locator("table"))
    assert holder.first.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), (
        "the chargeback table is wider than the notebook: columns are cut off on screen"
    )
    departments = {p.tags[lab["cfg"].tag_key] for p in lab["cfg"].profiles}
    for department in [*sorted(departments), "(untagged)"]:
        expect(table).to_contain_text(department)
    cost_cells = table.locator("tbody tr td:nth-child(2)")
    expect(cost_cells).to_have_count(len(departments) + 1)
    assert all(text.startswith("$") for text in cost_cells.all_inner_texts())
    assert "e-0" not in table.inner_text()
    plot_cell = page.locator(".jp-CodeCell").filter(has_text="daily_cost_by_department(").first
    plot = plot_cell.locator(".jp-OutputArea-output img").first
    expect(plot).to_be_visible()
    box = plot.bounding_box()
    assert box and box["width"] >= 800, f"the daily plot is shown {box} wide: too small to read"
    shots = [shoot_element(table, "05_chargeback_table"), shoot_element(plot, "05_daily_plot")]
    assert all(path.stat().st_size > 5_000 for path in shots)
    page.close()


JAPANESE_TITLE = "# 00 · セットアップ: 環境の確認"
JAPANESE_PROSE = "このノートブックでは、ワークショップの環境を確認します。"


@pytest.fixture(scope="module")
def japanese_lab(workshop_state, tmp_path_factory):
    """JupyterLab with its menus in Japanese (the language pack, locale ja_JP), on a folder with
    notebooks/ja/00_setup.ipynb as scripts/ja_notebooks.py makes it, its title translated (the
    test does not wait for the translators' notebooks)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("ja_notebooks", ROOT / "scripts/ja_notebooks.py")
    ja = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ja)
    folder = tmp_path_factory.mktemp("lab-ja")
    english = ja.read(ROOT / "notebooks" / "00_setup.ipynb")
    notebook = ja.synced(english, None)
    title = next(c for c in notebook["cells"] if c["cell_type"] == "markdown")
    title["source"] = ja.as_lines(f"{JAPANESE_TITLE}\n\n{JAPANESE_PROSE}\n")
    ja.write(folder / "ja" / "00_setup.ipynb", notebook)
    yield from running_lab(folder, lab_settings(tmp_path_factory, "ja_JP"), workshop_state)


def test_a_japanese_notebook_in_a_japanese_jupyterlab(browser, japanese_lab):
    """The notebook's Japanese text and JupyterLab's own Japanese menus, in one screenshot
    (build/screenshots/ja_00_setup.png)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    lab = japanese_lab
    page.goto(f"{lab['base']}/lab/workspaces/ja/tree/ja/00_setup.ipynb?reset&token={lab['token']}")
    notebook = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
    notebook.wait_for()
    heading = notebook.locator(".jp-RenderedMarkdown h1").first
    expect(heading).to_contain_text("セットアップ: 環境の確認")
    expect(notebook).to_contain_text(JAPANESE_PROSE)
    # the language pack: the menu bar is in Japanese (File is ファイル, Run is 実行)
    menu = page.locator("#jp-menu-panel, .lm-MenuBar").first
    expect(menu).to_contain_text("ファイル")
    expect(page.get_by_role("menuitem", name="ファイル", exact=True)).to_be_visible()
    expect(page.get_by_role("menuitem", name="File", exact=True)).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "ja_00_setup.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000
    page.close()
