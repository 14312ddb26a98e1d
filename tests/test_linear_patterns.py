"""Every regular expression that sees what people type answers a long near-miss at once.

Each check runs in a subprocess with a deadline: a pattern that backtracks fails the test
instead of hanging it (Python's re cannot be interrupted from another thread).
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import config

ROOT = Path(__file__).resolve().parents[1]
DEADLINE_SECONDS = 120  # for a whole batch; each match must take well under a second
HAIKU_3 = "us.anthropic.claude-3-haiku-20240307-v1:0"


def isolated(code: str) -> object:
    """The JSON that ``code`` prints last, run in a fresh interpreter with a deadline."""
    try:
        done = subprocess.run(
            [sys.executable, "-"],
            input=code,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=DEADLINE_SECONDS,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still matching after {DEADLINE_SECONDS} s: a pattern backtracks")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def timed(setup: str, calls: dict[str, str]) -> dict[str, float]:
    """Seconds each expression takes, run after ``setup`` in a fresh interpreter."""
    body = "\n".join(
        f"t = time.perf_counter(); {expression}; out[{label!r}] = time.perf_counter() - t"
        for label, expression in calls.items()
    )
    return isolated(f"import json, time\n{setup}\nout = {{}}\n{body}\nprint(json.dumps(out))")


def assert_fast(seconds: dict[str, float], limit: float = 1.0) -> None:
    slow = {label: round(s, 2) for label, s in seconds.items() if s > limit}
    assert not slow, f"slower than {limit} s: {slow}"


def near_misses(good: str) -> list[str]:
    """Long strings that almost match: a pasted space, a wrong separator, a bad last character."""
    return [
        good + " ",
        " " + good,
        good + "\n",
        good.replace(":", "_"),
        good[:-1] + "!",
        (good.replace(".", "") * 6)[:200] + "_",
        "a" * 200 + "!",
        "a-" * 100 + "!",
        "a." + "b" * 200 + "!",
        "a.b" + ":c" * 100 + "::",
        "a" * 63 + "." + "b-" * 100 + ".",
    ]


CONFIG_PATTERNS = {
    "MODEL_ID_PATTERN": HAIKU_3,
    "NAME_PATTERN": "claims_dept_haiku",
    "DESCRIPTION_PATTERN": "Claims summaries v1.0",
    "TAG_PATTERN": "claims team",
    "SYSTEM_PROFILE_PATTERN": HAIKU_3,
    "REGION_PATTERN": "us-east-1",
}


@pytest.mark.parametrize("name", sorted(CONFIG_PATTERNS))
def test_config_patterns_answer_near_misses_at_once(name):
    calls = {
        f"{name} {value!r}": f"config.{name}.fullmatch({value!r})"
        for value in near_misses(CONFIG_PATTERNS[name])
    }
    assert_fast(timed("from helpers import config", calls))


def test_a_pasted_copy_from_is_read_at_once():
    """The issue's example: a trailing space took more than 240 s, '_0' for ':0' took 8 s."""
    values = [*near_misses(HAIKU_3), HAIKU_3.replace("-v1:0", "-v1_0"), "anthropic." + "x-" * 100]
    setup = textwrap.dedent(
        """
        from pathlib import Path
        from helpers import config
        from helpers.errors import ConfigError

        def parse(copy_from):
            raw = {"profiles": [{"name": "a", "copy_from": copy_from, "tags": {"dept": "x"}}]}
            try:
                config.parse(raw, Path("config.json"))
            except ConfigError:
                pass
        """
    )
    calls = {repr(value): f"parse({value!r})" for value in values}
    assert_fast(timed(setup, calls))


@pytest.mark.parametrize("pasted", [" ", "\n", "\t", " \u00a0", "  \r\n"], ids=repr)
def test_a_copy_from_with_pasted_whitespace_is_taken_without_it(pasted):
    code = textwrap.dedent(
        f"""
        import json
        from pathlib import Path
        from helpers import config

        profile = {{"name": "a", "copy_from": {HAIKU_3 + pasted!r}, "tags": {{"dept": "x"}}}}
        raw = {{"profiles": [profile]}}
        print(json.dumps(config.parse(raw, Path("config.json")).profiles[0].copy_from))
        """
    )
    assert isolated(code) == HAIKU_3


def test_the_model_id_pattern_keeps_its_meaning():
    """The linear form accepts exactly what the backtracking one did (every string up to 8
    characters over the characters that matter, and long cases)."""
    old = re.compile(r"[a-z0-9-]{1,63}[.][a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63})*")
    for length in range(9):
        for chars in itertools.product("a.:-", repeat=length):
            text = "".join(chars)
            assert bool(config.MODEL_ID_PATTERN.fullmatch(text)) == bool(old.fullmatch(text)), text
    for text in (
        "a" * 63 + ".b",
        "a" * 64 + ".b",
        "a.b" + "c" * 200,
        HAIKU_3,
        "openai.gpt-oss-1:0",
    ):
        assert bool(config.MODEL_ID_PATTERN.fullmatch(text)) == bool(old.fullmatch(text)), text


STANDIN_SERVICES = ("bedrock", "bedrock-runtime", "ce", "budgets", "athena")
SEEDS = (
    HAIKU_3,
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefghijkl",
    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    "claims_dept_haiku",
    "job-name.v1",
)


def standin_patterns() -> list[str]:
    """Every pattern in the service models the stand-in validates requests with."""
    import botocore.session

    session = botocore.session.get_session()
    found = set()
    for service in STANDIN_SERVICES:
        model = session.get_service_model(service)
        for name in model.shape_names:
            pattern = model.shape_for(name).metadata.get("pattern")
            if pattern:
                found.add(pattern)
    return sorted(found)


def test_the_standins_patterns_answer_near_misses_at_once():
    """AWS's own patterns nest repetitions (job names ``[a-zA-Z0-9](-*[a-zA-Z0-9+.-])*``
    backtracked for minutes on 'a-a-...-a!'); the stand-in must answer as fast as AWS does."""
    setup = textwrap.dedent(
        """
        import re
        from helpers.offline import validation

        def match(pattern, value):
            try:
                matcher = validation._compiled(pattern)
            except re.error:  # a pattern Python cannot read is never run
                return
            matcher.fullmatch(value)
        """
    )
    values = sorted({value for seed in SEEDS for value in near_misses(seed)})
    calls = {
        f"{pattern[:60]!r} {value[:30]!r}": f"match({pattern!r}, {value!r})"
        for pattern in standin_patterns()
        for value in values
    }
    assert_fast(timed(setup, calls))


def test_the_standins_backend_patterns_answer_near_misses_at_once():
    calls = {
        f"{name} {value[:30]!r}": f"bedrock.{name}.fullmatch({value!r})"
        for name in ("_COPY_FROM", "_PROFILE_ARN", "_MODEL_ARN")
        for seed in SEEDS
        for value in near_misses(seed) + ["arn:aws" + "-x" * 200, "arn:aws:bedrock:" + "a-" * 200]
    }
    assert_fast(timed("from helpers.offline import bedrock", calls))


def mutations(seed: str) -> set[str]:
    """Short strings near ``seed``: each character dropped, doubled or changed."""
    out = {seed, seed[:12], seed[-12:]}
    for i in range(min(len(seed), 20)):
        out |= {seed[:i] + seed[i + 1 :], seed[:i] + seed[i] + seed[i:]}
        out |= {seed[:i] + c + seed[i + 1 :] for c in ". :_-A/\n"}
    return out


def test_the_automaton_answers_as_pythons_re_does():
    """Linear time must not change the answer: compare with re where re is quick (short
    strings), for every pattern the automaton runs."""
    from helpers.offline import validation

    samples = set()
    for seed in (*SEEDS, "us-east-1", "2026-11-28", "a@example.com", "s3://bucket/key/", "ab"):
        samples |= {m for m in mutations(seed) if len(m) <= 24}
    checked = 0
    for pattern in standin_patterns():
        try:
            matcher = validation._compiled(pattern)
        except re.error:
            continue
        if isinstance(matcher, re.Pattern):
            continue
        expected = re.compile(matcher.pattern)
        for sample in samples:
            assert matcher.fullmatch(sample) == bool(expected.fullmatch(sample)), (pattern, sample)
            checked += 1
    assert checked > 10_000


@pytest.mark.parametrize(
    "pattern,yes,no",
    [
        (r"([0-9a-zA-Z][ _-]?)+", ["a", "a b", "a_b-c ", "A1"], ["", " a", "a  b", "a!"]),
        (r"^ab$\n?", ["ab", "ab\n"], ["abc", "ab\n\n"]),
        (r"(a|b){2,3}c?", ["ab", "aba", "bbbc"], ["a", "abbbb", "c"]),
        (r"[^:/]+(/[\d]{2})*", ["x", "x/12/34"], ["x/1", ":"]),
        (r"\w+\s?\S*", ["ab c", "ab", "é_1"], ["", " ab"]),
    ],
)
def test_the_automaton_reads_patterns_as_re_does(pattern, yes, no):
    from helpers.offline import validation

    for matcher in (validation._Automaton(pattern), re.compile(pattern)):
        assert [bool(matcher.fullmatch(v)) for v in yes] == [True] * len(yes)
        assert [bool(matcher.fullmatch(v)) for v in no] == [False] * len(no)


def test_the_automaton_leaves_look_arounds_to_re():
    from helpers.offline import validation

    with pytest.raises(validation._Unsupported):
        validation._Automaton(r"(?!a)b+")
    assert isinstance(validation._compiled(r"(?!a)[b-z]+"), re.Pattern)
