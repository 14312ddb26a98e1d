"""The helpers' messages in English and Japanese: the catalog is complete and in step with the
code, every message to a person goes through _(), and the language setting is obeyed."""

from __future__ import annotations

import ast
import json
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import config, errors, i18n

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "helpers" / "locale" / "ja" / "LC_MESSAGES" / "workshop.po"
POT = ROOT / "helpers" / "locale" / "workshop.pot"
# What `make messages` extracts (the Makefile's MESSAGE_SOURCES): the helpers, and of the
# stand-in only its launcher (its AWS error texts are AWS's, never translated).
SOURCES = sorted((ROOT / "helpers").glob("*.py")) + [ROOT / "helpers" / "offline" / "launcher.py"]
ERROR_CLASSES = {
    "WorkshopError",
    "ConfigError",
    "InputError",
    "StandinError",
    "AwsError",
    "ControlRefused",
}
# Functions whose first argument is a phrase shown to a person ("Could not <doing>: ...").
DOING = {"explained", "explain", "incomplete_answer", "unreadable_answer"}


@pytest.fixture(autouse=True)
def _language_restored(monkeypatch):
    """Each test starts in the default language and leaves it there (it is process-wide)."""
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    i18n.set_language(None)
    i18n.set_default_language(None)
    yield
    i18n.set_language(None)
    i18n.set_default_language(None)


def extracted() -> set[str | tuple[str, str]]:
    """Every message the code marks with _(), N_() or ngettext(), as `make messages` sees them."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

    found: set[str | tuple[str, str]] = set()
    for path in SOURCES:
        for _line, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=DEFAULT_KEYWORDS
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def catalog(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as source:
        return read_po(source, locale="ja" if path == PO else None)


def key(message_id) -> str | tuple[str, str]:
    return message_id if isinstance(message_id, str) else tuple(message_id)


def fields(text: str) -> set[str]:
    """The replacement fields of a str.format template, each with its conversion and spec."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:  # not a template (its braces are literal): compare the braces instead
        return {f"braces:{text.count('{')}/{text.count('}')}"}
    return {
        "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        for _literal, name, spec, conversion in parsed
        if name is not None
    }


def test_every_message_has_a_japanese_translation():
    translated = {key(m.id): m for m in catalog(PO) if m.id}
    lacking = []
    for message_id in sorted(extracted(), key=str):
        entry = translated.get(message_id)
        strings = (
            [] if entry is None else list(entry.string if entry.pluralizable else [entry.string])
        )
        if entry is None or entry.fuzzy or not all(s and s.strip() for s in strings):
            lacking.append(message_id)
    assert not lacking, (
        f"{len(lacking)} message(s) without a Japanese translation in {PO.relative_to(ROOT)} "
        f"(run `make messages`, then fill in their msgstr): {lacking[:10]}"
    )


def test_the_template_is_in_step_with_the_code():
    in_template = {key(m.id) for m in catalog(POT) if m.id}
    assert in_template == extracted(), "run `make messages`: helpers/locale/workshop.pot is stale"


def test_translations_keep_the_placeholders():
    wrong = []
    for entry in catalog(PO):
        if not entry.id or not entry.string:
            continue
        ids = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        wanted = fields(ids[0])
        wrong += [(ids[0], s) for s in strings if fields(s) != wanted]
    assert not wrong, wrong[:5]


def test_fields_sees_a_changed_placeholder():
    assert fields("{name} at {when:%H:%M}") != fields("{name} at {when}")
    assert fields("{value!r} is not") != fields("{value} ではありません")


# --- every message to a person is wrapped in _() -------------------------------------------


def _called(node: ast.Call) -> str | None:
    function = node.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None


def _message_arguments(node: ast.Call) -> list[ast.expr]:
    name = _called(node)
    if name in ERROR_CLASSES:
        positions = {0, 1}
    elif name == "fail":  # config's reader.fail(key, problem, fix)
        positions = {1, 2}
    elif name in DOING:
        positions = {0}
    else:
        return []
    chosen = [argument for i, argument in enumerate(node.args) if i in positions]
    return chosen + [k.value for k in node.keywords if k.arg in ("problem", "fix", "doing")]


def _bare_texts(node: ast.expr) -> list[ast.expr]:
    """String literals and f-strings with words in them that reach the message unwrapped."""
    if isinstance(node, ast.JoinedStr):
        words = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return [node] if re.search(r"[A-Za-z]{2}", words) else []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node] if re.search(r"[A-Za-z]{2}", node.value) else []
    if isinstance(node, ast.BinOp):
        return _bare_texts(node.left) + _bare_texts(node.right)
    if isinstance(node, ast.IfExp):
        return _bare_texts(node.body) + _bare_texts(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [found for value in node.values for found in _bare_texts(value)]
    return []


def unwrapped(source: str, name: str = "<source>") -> list[str]:
    """Messages given to WorkshopErrors (and doing phrases) outside _(), and _() misused."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        for argument in _message_arguments(node):
            problems += [
                f"{name}:{text.lineno}: {ast.unparse(text)[:70]}" for text in _bare_texts(argument)
            ]
        if _called(node) in ("_", "N_") and isinstance(node.func, ast.Name):
            argument = node.args[0] if node.args else None
            if isinstance(argument, ast.JoinedStr):  # an f-string: its text never matches
                problems.append(f"{name}:{node.lineno}: f-string inside _(): use .format()")
            elif not isinstance(argument, (ast.Constant, ast.Name)):
                problems.append(f"{name}:{node.lineno}: _() of an expression, not a literal")
    return problems


def test_every_message_to_a_person_is_wrapped():
    problems = [
        problem
        for path in SOURCES
        if path.name != "i18n.py"  # its one English-only message names the bad language itself
        for problem in unwrapped(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not problems, "wrap these in _() (README > Translating messages):\n" + "\n".join(
        problems
    )


def test_the_wrapping_check_finds_an_unwrapped_message():
    bare = 'raise InputError(f"No profile {name}.", "pass a name.")\n'
    assert len(unwrapped(bare)) == 2
    inside = 'raise InputError(_(f"No profile {name}."), _("pass a name."))\n'
    assert unwrapped(inside) == ["<source>:1: f-string inside _(): use .format()"]
    doing = 'with explained("list the profiles"):\n    pass\n'
    assert len(unwrapped(doing)) == 1
    wrapped = 'raise InputError(_("No profile {name}.").format(name=name), _("pass a name."))\n'
    assert unwrapped(wrapped) == []


# --- the language in force -----------------------------------------------------------------

BAD_MODE = {"mode": "offlin", "profile_names": ["claims_dept"]}


def write(tmp_path: Path, content: dict) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(errors.ConfigError) as caught:
        config.load(path)
    return str(caught.value)


def test_english_by_default_and_unchanged(tmp_path):
    message = load_error(write(tmp_path, BAD_MODE))
    assert message == (
        f"{tmp_path / 'config.json'}: key 'mode' is \"offlin\"\n"
        'Fix: use "offline" (the local stand-in, the default) or "aws".'
    )
    assert i18n.language() == "en"


def test_config_language_ja_shows_config_errors_in_japanese(tmp_path):
    message = load_error(write(tmp_path, {**BAD_MODE, "language": "ja"}))
    assert message == (
        f"{tmp_path / 'config.json'}: キー 'mode' が \"offlin\" です\n"
        '対処: "offline" (ローカルのスタンドイン、既定) か "aws" を使ってください。'
    )


def test_config_language_is_tolerant_and_sets_the_language(tmp_path):
    loaded = config.load(write(tmp_path, {"profile_names": ["claims_dept"], "language": " JA "}))
    assert loaded.language == "ja"
    assert i18n.language() == "ja"
    assert errors.InputError("x", "y").args[0] == "x\n対処: y"
    # a config without the key goes back to the default
    assert config.load(write(tmp_path, {"profile_names": ["claims_dept"]})).language is None
    assert i18n.language() == "en"


@pytest.mark.parametrize(
    ("value", "hint"), [("jp", 'did you mean "ja"?'), ("english", 'did you mean "en"?'), (3, "")]
)
def test_a_language_typo_names_the_allowed_values(tmp_path, value, hint):
    message = load_error(write(tmp_path, {"profile_names": ["claims_dept"], "language": value}))
    assert "key 'language' is not a language the workshop's messages are in" in message
    assert 'use "en" or "ja" (English, Japanese).' in message
    assert hint in message


def test_workshop_lang_wins_over_config(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_LANG", "ja_JP.UTF-8")
    message = load_error(write(tmp_path, {**BAD_MODE, "language": "en"}))
    assert "キー 'mode' が \"offlin\" です" in message
    monkeypatch.setenv("WORKSHOP_LANG", "EN")
    assert "key 'mode' is \"offlin\"" in load_error(write(tmp_path, {**BAD_MODE, "language": "ja"}))


def test_a_bad_workshop_lang_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_LANG", "klingon")
    message = load_error(write(tmp_path, {"profile_names": ["claims_dept"]}))
    assert message.startswith("WORKSHOP_LANG (environment) is not a language")
    assert 'use "en" or "ja"' in message


def test_the_japanese_edition_folder_defaults_to_japanese(tmp_path, monkeypatch):
    edition = tmp_path / "notebooks" / "ja"
    edition.mkdir(parents=True)
    monkeypatch.setattr(i18n, "EDITION_FOLDERS", {edition.resolve(): "ja"})
    monkeypatch.chdir(edition)
    assert i18n.default_language() == "ja"
    assert i18n._("choose another key.") == "別のキーを選んでください。"
    monkeypatch.chdir(tmp_path)
    assert i18n.language() == "en"
    i18n.set_default_language("ja")  # what an edition may call instead
    assert i18n.language() == "ja"
    i18n.set_language("en")  # config.json's choice beats the edition's
    assert i18n.language() == "en"


def test_the_project_edition_folder_is_notebooks_ja():
    assert {ROOT.resolve() / "notebooks" / "ja": "ja"} == i18n.EDITION_FOLDERS


def test_plural_messages(monkeypatch):
    one = ("{n} text piece", "{n} text pieces")
    assert i18n.ngettext(*one, 1) == one[0] and i18n.ngettext(*one, 2) == one[1]
    monkeypatch.setenv("WORKSHOP_LANG", "ja")
    shown = i18n.ngettext(
        "{pieces} text piece ({text} characters: {shown!r}){tail}",
        "{pieces} text pieces ({text} characters: {shown!r}){tail}",
        3,
    )
    assert shown.startswith("テキスト {pieces} 個")


def test_importing_i18n_reads_no_catalog():
    code = "import sys, helpers.i18n, helpers.errors, helpers.config; print('babel' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "False"


# --- real errors, in Japanese, with AWS's text intact ----------------------------------------


def test_unknown_profile_in_japanese(conn, monkeypatch):
    from helpers import profiles

    monkeypatch.setenv("WORKSHOP_LANG", "ja")
    with pytest.raises(errors.InputError) as caught:
        profiles.resolve(conn, "経理部")
    message = str(caught.value)
    assert message.startswith(
        "us-east-1 に、名前または ID が '経理部' の推論プロファイルはありません。\n対処: "
    )
    assert "01_create_profiles を実行してください" in message
    assert "\\u" not in message


def test_standin_not_running_in_japanese(monkeypatch):
    import socket

    import boto3
    from botocore.config import Config

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = boto3.client(
        "bedrock",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    monkeypatch.setenv("WORKSHOP_LANG", "ja")
    with (
        pytest.raises(errors.StandinError) as caught,
        errors.explained(i18n._("list inference profiles")),
    ):
        client.list_inference_profiles()
    assert str(caught.value) == (
        f"推論プロファイルの一覧取得 に失敗しました: http://127.0.0.1:{port} "
        "のオフラインスタンドインが"
        "応答しません (停止したか、マシンが再起動しました)。\n"
        "対処: ノートブックのセットアップセルをもう一度実行する (スタンドインを起動します) か、"
        "`make standin` で自分で起動してください。停止前に作成したプロファイルは消えています。"
        "01_create_profiles をもう一度実行してください。"
    )


def test_aws_error_in_japanese_keeps_aws_text(conn, cfg, monkeypatch):
    from botocore.exceptions import ClientError

    from helpers import profiles

    profiles.ensure(conn, cfg)
    arn = profiles.analysed(conn, cfg)[0].arn
    with pytest.raises(ClientError) as raw:  # what AWS says, straight from botocore
        conn.bedrock.tag_resource(resourceARN=arn, tags=[{"key": "dept", "value": "経理部"}])
    aws_text = raw.value.response["Error"]["Message"]
    assert "'経理部'" in aws_text

    monkeypatch.setenv("WORKSHOP_LANG", "ja")
    with pytest.raises(errors.AwsError) as caught:
        profiles.tag(conn, arn, {"dept2": "経理部"}, cfg.owner_tag)
    message = str(caught.value)
    problem, fix = message.split("\n", 1)
    assert problem.endswith(" に失敗しました: AWS の応答 ValidationException: " + aws_text)
    assert "failed to satisfy constraint" in problem
    assert fix.startswith("対処: 変更すべき点は上の AWS のメッセージに示されています。")
    assert "\\u" not in message


# --- non-ASCII values are shown as characters -----------------------------------------------


def test_non_ascii_config_values_are_shown_as_characters(tmp_path):
    content = {
        "profiles": [
            {"name": "claims", "copy_from": "us.amazon.nova-lite-v1:0", "tags": {"dept": "経理部"}}
        ]
    }
    message = load_error(write(tmp_path, content))
    assert 'has a value AWS would refuse: "経理部"' in message
    content["profiles"][0] = {"name": "経理部", "copy_from": "us.amazon.nova-lite-v1:0"}
    message = load_error(write(tmp_path, {**content, "language": "ja"}))
    assert "経理部" in message and "\\u" not in message
    message = load_error(write(tmp_path, {"profile_names": ["claims"], "region": "経理部"}))
    assert 'is not an AWS region: "経理部"' in message


def test_non_ascii_inputs_are_shown_as_characters():
    from helpers import budgets

    with pytest.raises(errors.InputError) as caught:
        budgets.positive_number("経理部", "The budget for 経理部", " USD", "fix")
    assert str(caught.value).startswith("The budget for 経理部 must be a number, not '経理部'.")


def test_catalog_is_compiled_from_the_po_not_a_mo():
    assert not list((ROOT / "helpers" / "locale").rglob("*.mo"))
    assert os.path.getsize(PO) > 0


def test_notebooks_print_json_as_characters():
    """A Japanese prompt or name in a request a notebook prints shows as 経理部, not \\u7d4c...:
    every json.dumps in a code cell passes ensure_ascii=False."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            code = "\n".join(
                "pass" if line.lstrip().startswith(("%", "!")) else line
                for line in source.split("\n")
            )
            for node in ast.walk(ast.parse(code)):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "dumps"
                    and not any(k.arg == "ensure_ascii" for k in node.keywords)
                ):
                    found.append(f"{path.name} cell {cell.get('id')}: {ast.unparse(node)[:60]}")
    assert not found, "json.dumps without ensure_ascii=False:\n" + "\n".join(found)
