"""CloudWatch search expressions and the metric math dashboards wrap around them, offline.

Pure: parses ``SEARCH('{AWS/Bedrock,ModelId} MetricName="InputTokenCount"', 'Sum', 300)`` and
expressions such as ``SUM(SEARCH(...))``, ``METRICS('m')`` or ``m1 + m2 * 2``, and evaluates
them over series the caller supplies (``cloudwatch.py`` reads them from the metric store).
The matching rules follow CloudWatch's "search expression syntax" page: tokens split at camel
case, digits and non-alphanumeric characters; a one-token term matches any token regardless of
case, a multi-token term matches consecutive tokens (case-sensitive within a camel-case word);
double quotes ask for an exact, case-sensitive match; ``Name=value`` limits a term to a metric
name, namespace or dimension; AND (implicit), OR, NOT and parentheses combine terms.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from .errors import InvalidParameterValue

T = TypeVar("T")

MAX_SEARCH_LENGTH = 1024  # characters of the quoted query, as AWS documents
MAX_SEARCH_RESULTS = 500  # time series one SEARCH returns
MAX_SEARCHES = 100  # search expressions in one request (one graph), as AWS documents
SUPPORTED_FUNCTIONS = ("SEARCH", "METRICS", "SUM", "AVG", "MIN", "MAX")

Points = list[tuple[datetime, float]]
DimensionKey = tuple[tuple[str, str], ...]


class ExpressionError(InvalidParameterValue):
    """A math or search expression the stand-in cannot parse or does not evaluate."""


# ---------------------------------------------------------------- tokens

_ATOM = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_WORD = re.compile(r"[A-Za-z0-9]+")


def atoms(text: str) -> list[list[str]]:
    """The words of ``text`` (split at non-alphanumerics), each split into its tokens."""
    return [_ATOM.findall(word) for word in _WORD.findall(text)]


def tokens(text: str) -> set[str]:
    """The lower-case tokens CloudWatch generates for a name (its documented examples:
    ``CustomCount1`` gives customcount1, custom, count, 1)."""
    words = atoms(text)
    found = {atom.lower() for word in words for atom in word}
    if words:
        found.add("".join("".join(word) for word in words).lower())
    return found


def partial_match(term: str, name: str) -> bool:
    """Whether a partial (unquoted) search term matches the name."""
    term_words = atoms(term)
    if not term_words:
        return False
    joined = "".join("".join(word) for word in term_words).lower()
    if len(term_words) == 1 and len(term_words[0]) == 1:
        return joined in tokens(name)  # one token: any of the name's, without case
    if joined == "".join(_WORD.findall(name)).lower():
        return True  # the whole name's token (customcount1 finds CustomCount1)
    # A composite: the term's tokens appear one after another in the name. Within one word of
    # the term the case must agree (``CustomCount`` matches, ``customcount`` and ``couNT`` do
    # not); a word of one token compares without case (``network-errors`` finds NetworkErrors).
    wanted: list[tuple[str, bool]] = [(atom, len(word) > 1) for word in term_words for atom in word]
    have = [atom for word in atoms(name) for atom in word]
    for start in range(len(have) - len(wanted) + 1):
        if all(
            have[start + i] == atom if exact else have[start + i].lower() == atom.lower()
            for i, (atom, exact) in enumerate(wanted)
        ):
            return True
    return False


# ---------------------------------------------------------------- search query


@dataclass(frozen=True)
class Metric:
    """One series a search can find."""

    namespace: str
    name: str
    dimensions: DimensionKey

    def strings(self) -> list[str]:
        """Every string a free term is matched against."""
        return [self.namespace, self.name, *(s for pair in self.dimensions for s in pair)]


Matcher = Callable[[Metric], bool]


@dataclass
class SearchQuery:
    namespace: str | None
    dimension_names: frozenset[str] | None
    matcher: Matcher | None
    schema_order: tuple[str, ...] = ()

    def matches(self, metric: Metric) -> bool:
        if self.namespace is not None:
            if metric.namespace != self.namespace:
                return False
            names = frozenset(name for name, _ in metric.dimensions)
            if self.dimension_names is not None and names != self.dimension_names:
                return False
        return self.matcher is None or self.matcher(metric)


_SEARCH_TOKEN = re.compile(
    r"""\s*(?:
        (?P<quoted>"(?:\\.|[^"\\])*")
      | (?P<lparen>\()
      | (?P<rparen>\))
      | (?P<eq>=)
      | (?P<word>[^\s()="]+)
    )""",
    re.VERBOSE,
)


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _lex_search(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _SEARCH_TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(
                f"Unexpected character in the search term near '{text[position:]}'."
            )
        kind = match.lastgroup or ""
        value = match[kind]
        out.append((kind, _unquote(value) if kind == "quoted" else value))
        position = match.end()
    return out


def _value_matcher(kind: str, value: str) -> Callable[[str], bool]:
    if kind == "quoted":
        return lambda candidate: candidate == value
    return lambda candidate: partial_match(value, candidate)


class _Cursor:
    """The (kind, text) tokens a parser reads, and where it is; what is left over is an error."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items
        self.at = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.at + offset
        return self.items[index] if index < len(self.items) else None

    def finished(self, result: T, what: str) -> T:
        left = self.peek()
        if left is not None:
            raise ExpressionError(f"Unexpected '{left[1]}' in the {what}.")
        return result


class _SearchParser(_Cursor):
    """Recursive descent over the search term: OR < AND (explicit or implied) < NOT < atom."""

    def take(self) -> tuple[str, str]:
        item = self.peek()
        if item is None:
            raise ExpressionError(
                "The search term ends where a term or a closing parenthesis was expected."
            )
        self.at += 1
        return item

    def parse(self) -> Matcher:
        return self.finished(self.or_(), "search term")

    def or_(self) -> Matcher:
        parts = [self.and_()]
        while self.peek() == ("word", "OR"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else (lambda m: any(p(m) for p in parts))

    def and_(self) -> Matcher:
        parts = [self.not_()]
        while True:
            item = self.peek()
            if item is None or item == ("rparen", ")") or item == ("word", "OR"):
                break
            if item == ("word", "AND"):
                self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else (lambda m: all(p(m) for p in parts))

    def not_(self) -> Matcher:
        if self.peek() == ("word", "NOT"):
            self.take()
            inner = self.not_()
            return lambda m: not inner(m)
        return self.atom()

    def atom(self) -> Matcher:
        kind, value = self.take()
        if kind == "lparen":
            inner = self.or_()
            if self.take()[0] != "rparen":
                raise ExpressionError("A parenthesis in the search term is not closed.")
            return inner
        if kind not in ("word", "quoted") or value in ("AND", "OR"):
            raise ExpressionError(f"Unexpected '{value}' in the search term.")
        if self.peek() == ("eq", "="):
            self.take()
            return self.property_term(value)
        test = _value_matcher(kind, value)
        return lambda m: any(test(s) for s in m.strings())

    def property_term(self, key: str) -> Matcher:
        """``MetricName=x``, ``Namespace=x``, ``Dimension=x`` or ``Dimension=(x OR "y")``."""
        if key.startswith(":aws."):
            raise ExpressionError(
                f"'{key}' works only in a cross-account monitoring account; the offline "
                "stand-in has no linked accounts."
            )
        values = self.property_values()

        def pick(metric: Metric) -> list[str]:
            if key == "MetricName":
                return [metric.name]
            if key == "Namespace":
                return [metric.namespace]
            return [v for name, v in metric.dimensions if name == key]

        return lambda m: any(values(v) for v in pick(m))

    def property_values(self) -> Callable[[str], bool]:
        kind, value = self.take()
        if kind in ("word", "quoted"):
            return _value_matcher(kind, value)
        if kind != "lparen":
            raise ExpressionError(
                f"A value is missing after '=' in the search term (found '{value}')."
            )
        options = [self.property_values()]
        while self.peek() == ("word", "OR"):
            self.take()
            options.append(self.property_values())
        if self.take()[0] != "rparen":
            raise ExpressionError("A parenthesis in the search term is not closed.")
        return lambda candidate: any(option(candidate) for option in options)


_SCHEMA_PART = re.compile(r'\s*(?:"((?:\\.|[^"\\])*)"|([^,"}]+?))\s*(?:,|$)')


def parse_search_query(text: str) -> SearchQuery:
    """The quoted first argument of SEARCH: an optional ``{Namespace,Dim,...}`` and a term."""
    if len(text) > MAX_SEARCH_LENGTH:
        raise ExpressionError(
            f"The search query is {len(text)} characters long; the limit is {MAX_SEARCH_LENGTH}."
        )
    body = text.strip()
    namespace: str | None = None
    dimension_names: frozenset[str] | None = None
    order: tuple[str, ...] = ()
    if body.startswith("{"):
        close = body.find("}")
        if close < 0:
            raise ExpressionError("The metric schema's '{' is not closed by '}'.")
        parts = [
            (m[1] if m[1] is not None else m[2]).strip()
            for m in _SCHEMA_PART.finditer(body[1:close])
            if (m[1] or m[2] or "").strip()
        ]
        if not parts:
            raise ExpressionError("The metric schema needs a namespace: {Namespace,Dimension,...}.")
        namespace, order = parts[0], tuple(parts[1:])
        dimension_names = frozenset(order)
        # AWS's own examples put a comma between the schema and the term; it is not a term.
        body = body[close + 1 :].lstrip().removeprefix(",")
    matcher = _SearchParser(_lex_search(body)).parse() if body.strip() else None
    if namespace is None and matcher is None:
        raise ExpressionError("A search needs a metric schema, a search term, or both.")
    return SearchQuery(namespace, dimension_names, matcher, order)


def search(query: SearchQuery, metrics: Iterable[Metric]) -> list[Metric]:
    """The metrics the query finds, in a stable order."""
    return sorted((m for m in metrics if query.matches(m)), key=lambda m: (m.name, m.dimensions))


def search_label(metric: Metric, query: SearchQuery, several_names: bool) -> str:
    """A found series' label: its dimension values (in the schema's order, then by name), and
    its metric name when the search found more than one metric name."""
    values = dict(metric.dimensions)
    ordered = [values[n] for n in query.schema_order if n in values]
    ordered += [v for n, v in metric.dimensions if n not in query.schema_order]
    parts = ordered + ([metric.name] if several_names or not ordered else [])
    return " ".join(parts)


# ---------------------------------------------------------------- math expressions


@dataclass
class Series:
    label: str
    points: dict[datetime, float]
    metric: Metric | None = None
    stat: str | None = None
    period: int | None = None

    def sorted_points(self) -> Points:
        return sorted(self.points.items())


@dataclass
class Call:
    name: str
    args: list[Node]


@dataclass
class Ref:
    id: str


@dataclass
class Number:
    value: float


@dataclass
class Text:
    value: str


@dataclass
class Array:
    items: list[Node]


@dataclass
class Binary:
    op: str
    left: Node
    right: Node


@dataclass
class Negate:
    operand: Node


Node = Call | Ref | Number | Text | Array | Binary | Negate

_MATH_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")
      | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>[-+*/^(),\[\]])
    )""",
    re.VERBOSE,
)
_SELECT = re.compile(r"^\s*SELECT\b", re.IGNORECASE)


def _lex_math(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _MATH_TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(
                f"The offline stand-in cannot parse the expression near '{text[position:]}': "
                "it evaluates SEARCH, METRICS, SUM, AVG, MIN, MAX, query Ids, numbers and "
                "+ - * / ^."
            )
        kind = match.lastgroup or ""
        out.append((kind, match[kind]))
        position = match.end()
    return out


class _MathParser(_Cursor):
    """Arithmetic by precedence: + and - below * and /, below ^ (right-associative), below
    unary minus; then numbers, strings, Ids, calls, [arrays] and parentheses."""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        item = self.peek()
        if item is None or (expected is not None and item[1] != expected):
            found = "the end" if item is None else f"'{item[1]}'"
            want = f"'{expected}'" if expected else "more"
            raise ExpressionError(f"The expression has {found} where {want} was expected.")
        self.at += 1
        return item

    def parse(self) -> Node:
        return self.finished(self.expr(), "expression")

    def expr(self) -> Node:
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            node = Binary(self.take()[1], node, self.term())
        return node

    def term(self) -> Node:
        node = self.power()
        while self.peek() in (("op", "*"), ("op", "/")):
            node = Binary(self.take()[1], node, self.power())
        return node

    def power(self) -> Node:
        node = self.unary()
        if self.peek() == ("op", "^"):
            self.take()
            return Binary("^", node, self.power())
        return node

    def unary(self) -> Node:
        if self.peek() == ("op", "-"):
            self.take()
            return Negate(self.unary())
        return self.primary()

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return Number(float(value))
        if kind == "string":
            return Text(re.sub(r"\\(.)", r"\1", value[1:-1]))
        if value == "(":
            node = self.expr()
            self.take(")")
            return node
        if value == "[":
            items = [self.expr()]
            while self.peek() == ("op", ","):
                self.take()
                items.append(self.expr())
            self.take("]")
            return Array(items)
        if kind == "name":
            if self.peek() == ("op", "("):
                self.take()
                args: list[Node] = []
                if self.peek() != ("op", ")"):
                    args.append(self.expr())
                    while self.peek() == ("op", ","):
                        self.take()
                        args.append(self.expr())
                self.take(")")
                return Call(value, args)
            return Ref(value)
        raise ExpressionError(f"Unexpected '{value}' in the expression.")


def parse_expression(text: str) -> Node:
    """The expression's syntax tree; refuses what the stand-in does not evaluate, by name."""
    if _SELECT.match(text):
        raise ExpressionError(
            "The offline stand-in does not run CloudWatch Metrics Insights queries (SELECT ...); "
            "use SEARCH(...) or a MetricStat."
        )
    node = _MathParser(_lex_math(text)).parse()
    _check_functions(node)
    return node


def _check_functions(node: Node) -> None:
    if isinstance(node, Call):
        if node.name not in SUPPORTED_FUNCTIONS:
            raise ExpressionError(
                f"The offline stand-in does not evaluate the function {node.name}; it evaluates "
                f"{', '.join(SUPPORTED_FUNCTIONS)}, query Ids, numbers and + - * / ^."
            )
        for arg in node.args:
            _check_functions(arg)
    elif isinstance(node, Array):
        for item in node.items:
            _check_functions(item)
    elif isinstance(node, Binary):
        _check_functions(node.left)
        _check_functions(node.right)
    elif isinstance(node, Negate):
        _check_functions(node.operand)


def count_searches(node: Node) -> int:
    if isinstance(node, Call):
        return (node.name == "SEARCH") + sum(count_searches(a) for a in node.args)
    if isinstance(node, Array):
        return sum(count_searches(i) for i in node.items)
    if isinstance(node, Binary):
        return count_searches(node.left) + count_searches(node.right)
    if isinstance(node, Negate):
        return count_searches(node.operand)
    return 0


def references(node: Node) -> set[str]:
    """The query Ids an expression names."""
    if isinstance(node, Ref):
        return {node.id}
    if isinstance(node, Call):
        return set().union(*(references(a) for a in node.args)) if node.args else set()
    if isinstance(node, Array):
        return set().union(*(references(i) for i in node.items))
    if isinstance(node, Binary):
        return references(node.left) | references(node.right)
    if isinstance(node, Negate):
        return references(node.operand)
    return set()


Value = float | Series | list[Series]


@dataclass
class Context:
    """What evaluation needs from the request: the other queries' results and the store."""

    resolve: Callable[[str], list[Series]]
    metric_ids: Sequence[str]  # the Ids of MetricStat queries, in request order
    run_search: Callable[[SearchQuery, str, int], list[Series]]
    default_period: int | None
    messages: list[dict[str, str]] = field(default_factory=list)


def evaluate(node: Node, context: Context) -> Value:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Text):
        raise ExpressionError(f"A string ('{node.value}') is an argument, not a value.")
    if isinstance(node, Ref):
        found = context.resolve(node.id)
        return found[0] if len(found) == 1 else found
    if isinstance(node, Array):
        out: list[Series] = []
        for item in node.items:
            value = evaluate(item, context)
            if isinstance(value, float):
                raise ExpressionError("An array [...] holds time series, not numbers.")
            out.extend([value] if isinstance(value, Series) else value)
        return out
    if isinstance(node, Negate):
        return _arith("*", -1.0, evaluate(node.operand, context))
    if isinstance(node, Binary):
        return _arith(node.op, evaluate(node.left, context), evaluate(node.right, context))
    return _call(node, context)


def _call(node: Call, context: Context) -> Value:
    if node.name == "SEARCH":
        return _search_call(node, context)
    if node.name == "METRICS":
        if len(node.args) > 1:
            raise ExpressionError("METRICS takes no argument or one string: METRICS('errors').")
        part = _text(node.args[0], "METRICS' argument") if node.args else ""
        return [s for i in context.metric_ids if part in i for s in context.resolve(i)]
    if len(node.args) != 1:
        raise ExpressionError(f"{node.name} takes one argument (a time series or an array).")
    value = evaluate(node.args[0], context)
    if isinstance(value, float):
        raise ExpressionError(f"{node.name} takes a time series or an array, not a number.")
    if isinstance(value, Series):  # a scalar over one series' datapoints
        values = list(value.points.values())
        if not values:
            return math.nan
        return {
            "SUM": sum(values),
            "AVG": sum(values) / len(values),
            "MIN": min(values),
            "MAX": max(values),
        }[node.name]
    return _across(node.name, value)


def _across(name: str, series: list[Series]) -> Series:
    """One series from an array, point by point (missing values count 0 for SUM and AVG)."""
    stamps = sorted({t for s in series for t in s.points})
    points: dict[datetime, float] = {}
    for t in stamps:
        present = [s.points[t] for s in series if t in s.points]
        if name == "SUM":
            points[t] = sum(present)
        elif name == "AVG":
            points[t] = sum(present) / len(series)
        elif name == "MIN":
            points[t] = min(present)
        else:
            points[t] = max(present)
    return Series(label=name, points=points)


def _apply(op: str, a: float, b: float) -> float | None:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return None if b == 0 else a / b  # AWS drops a datapoint that divides by zero
    try:
        value = a**b
    except (OverflowError, ZeroDivisionError):
        return None
    # a negative number to a fractional power has no real value: no datapoint, as for x/0
    return None if isinstance(value, complex) else float(value)


def _arith(op: str, left: Value, right: Value) -> Value:
    if isinstance(left, list) and isinstance(right, list):
        # how AWS pairs two arrays is not documented: refused rather than guessed (README)
        raise ExpressionError(
            f"The offline stand-in does not apply '{op}' between two arrays of time series; "
            "reduce one side to a single time series first (SUM, AVG, MIN or MAX)."
        )
    if isinstance(left, list):
        return [_arith(op, s, right) for s in left]  # type: ignore[misc]
    if isinstance(right, list):
        return [_arith(op, left, s) for s in right]  # type: ignore[misc]
    if isinstance(left, float) and isinstance(right, float):
        value = _apply(op, left, right)
        return math.nan if value is None else value
    if isinstance(left, Series) and isinstance(right, Series):
        stamps = sorted(set(left.points) | set(right.points))
        pairs = [(t, left.points.get(t, 0.0), right.points.get(t, 0.0)) for t in stamps]
        label = left.label
    else:
        series = left if isinstance(left, Series) else right
        assert isinstance(series, Series)
        scalar_left = isinstance(left, float)
        pairs = [
            (t, left if scalar_left else v, v if scalar_left else right)  # type: ignore[misc]
            for t, v in sorted(series.points.items())
        ]
        label = series.label
        # a series and a number: still that metric's series (its dynamic labels still apply)
        kept = (series.metric, series.stat, series.period)
    points: dict[datetime, float] = {}
    for t, a, b in pairs:
        value = _apply(op, a, b)
        if value is not None and not math.isnan(value):
            points[t] = value
    if isinstance(left, Series) and isinstance(right, Series):
        return Series(label=label, points=points)
    return Series(label, points, *kept)


def _text(node: Node, what: str) -> str:
    if not isinstance(node, Text):
        raise ExpressionError(f"{what} must be a quoted string.")
    return node.value


def _search_call(node: Call, context: Context) -> list[Series]:
    args = node.args
    if not 2 <= len(args) <= 3:
        raise ExpressionError(
            "SEARCH takes a quoted search query, a quoted statistic and an optional period: "
            "SEARCH('{AWS/Bedrock,ModelId} MetricName=\"Invocations\"', 'Sum', 300)."
        )
    query = parse_search_query(_text(args[0], "The search query"))
    stat = _text(args[1], "The statistic of SEARCH")
    if len(args) == 3:
        if not isinstance(args[2], Number):
            raise ExpressionError("The period of SEARCH is a number of seconds, such as 300.")
        period = int(args[2].value)
    elif context.default_period:
        period = context.default_period
    else:
        raise ExpressionError(
            "This SEARCH has no period: give one as its third argument, or the query's Period."
        )
    if (
        period < 1
        or (period >= 60 and period % 60)
        or (period < 60 and period not in (1, 5, 10, 30))
    ):
        raise ExpressionError("The period of SEARCH must be 1, 5, 10, 30 or a multiple of 60.")
    return context.run_search(query, stat, period)


def label_series(series: list[Series], label: str | None, query_id: str) -> list[Series]:
    """The labels an expression's results carry: a single series takes the query's Label (or
    its Id); each series of an array keeps its own, after the query's Label when it has one.
    ``${PROP('Dim.<name>')}``, ``${PROP('MetricName')}``, ``${PROP('Namespace')}``,
    ``${PROP('Stat')}``, ``${PROP('Period')}`` and ``${LABEL}`` are filled in per series."""
    if len(series) == 1 and series[0].metric is None:
        found = _PLACEHOLDER.search(label or "")
        if found:
            # what the properties of a computed series are is not documented: refused
            raise ExpressionError(
                f"The Label of '{query_id}' holds a dynamic label "
                f"({found[0]}), which the offline stand-in fills in only "
                "for the series a SEARCH returns, not for a computed one. Use plain text."
            )
        return [Series(label or query_id, series[0].points)]
    out = []
    for one in series:
        if label and "${" in label:
            text = fill_label(label, one, query_id)
        elif label:
            text = f"{label} {one.label}"
        else:
            text = one.label
        out.append(Series(text, one.points, one.metric, one.stat, one.period))
    return out


def fill_label(label: str, series: Series, query_id: str) -> str:
    """A Label's dynamic parts filled in for one series with a metric, or InvalidParameterValue
    naming the first the stand-in does not fill."""
    if series.metric is None and "${PROP(" in label:
        raise ExpressionError(  # a computed series' properties are not documented
            f"The Label of '{query_id}' holds a dynamic label ({_PROP.search(label)[0]}), "  # type: ignore[index]
            "which the offline stand-in fills in only for a metric's own series, not for a "
            "computed one. Use plain text."
        )
    text = _dynamic(label, series)
    left = _PLACEHOLDER.search(text)
    if left:
        # ${SUM}, ${LAST_TIME} and the like: AWS's number and time formats are not
        # documented, so they are refused rather than guessed (README)
        raise ExpressionError(
            f"The Label of '{query_id}' holds the dynamic label {left[0]}, which the "
            "offline stand-in does not fill in; it fills ${PROP('Dim.<name>')}, "
            "${PROP('MetricName')}, ${PROP('Namespace')}, ${PROP('Stat')}, "
            "${PROP('Period')} and ${LABEL}."
        )
    return text


_PROP = re.compile(r"\$\{PROP\('([^']*)'\)\}|\$\{LABEL\}")
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def _dynamic(label: str, series: Series) -> str:
    def fill(match: re.Match[str]) -> str:
        key = match[1]
        if key is None:
            return series.label
        metric = series.metric
        if metric is None:
            return ""
        if key.startswith("Dim."):
            return dict(metric.dimensions).get(key[4:], "")
        return {
            "MetricName": metric.name,
            "Namespace": metric.namespace,
            "Stat": series.stat or "",
            "Period": str(series.period or ""),
        }.get(key, match[0])

    return _PROP.sub(fill, label)
