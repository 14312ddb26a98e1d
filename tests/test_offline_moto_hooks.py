"""The moto internals the stand-in extends. When a moto upgrade changes one, this fails by name.

helpers/offline/moto_glue.py is the one module that touches moto; its INTERNALS names every
internal it uses and every moto method a stand-in class overrides or reads. Each name is
checked here against the installed moto (that it exists, and for many, how it behaves), and
the glue and the stand-in's classes are read to make sure nothing they touch is left unnamed.
moto is pinned exactly in pyproject.toml; run this file first after changing the pin.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.offline import moto_glue

ACCOUNT = "123456789012"
OFFLINE = Path(moto_glue.__file__).parent
GLUE = Path(moto_glue.__file__)


def _split(path: str) -> tuple[str, list[str]]:
    module, _, qualified = path.partition(":")
    return module, qualified.split(".")


def _attr(path: str):
    module_name, parts = _split(path)
    target = importlib.import_module(module_name)
    for part in parts:
        target = getattr(target, part)
    return target


def _params(path: str) -> list[str]:
    return list(inspect.signature(_attr(path)).parameters)


def _missing(have, wanted):
    gone = [w for w in wanted if w not in have]
    return f"missing {gone}" if gone else None


def _expect(have, wanted):
    return None if list(have) == list(wanted) else f"expected {wanted}, found {list(have)}"


def exists(path: str) -> str | None:
    """None if ``module:Class.name`` exists: on the class, or set on ``self`` in moto's code."""
    module_name, parts = _split(path)
    target = importlib.import_module(module_name)
    for i, part in enumerate(parts):
        if hasattr(target, part):
            target = getattr(target, part)
            continue
        if inspect.isclass(target) and i == len(parts) - 1:
            source = "".join(
                inspect.getsource(c) for c in target.__mro__ if c.__module__.startswith("moto")
            )
            if re.search(rf"self\.{re.escape(part)}\s*[:=]", source):
                return None  # an instance attribute moto sets
        return f"{part} not found"
    return None


# --- checks of how an internal behaves, beyond its existence --------------------------------
def _alarm_backend():
    backend = moto_glue.CloudWatchBackend("us-east-1", ACCOUNT)
    alarm = backend.put_metric_alarm(
        name="a",
        namespace="N",
        metric_name="M",
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        period=60,
        threshold=1.0,
        statistic="Sum",
        description="",
        dimensions=[],
        alarm_actions=[],
    )
    return backend, alarm


def _alarm_state_is_what_moto_describes() -> str | None:
    backend, alarm = _alarm_backend()
    moto_glue.set_alarm_state(alarm, "INSUFFICIENT_DATA")
    if moto_glue.existing_alarm(backend, "a") is not alarm:
        return "alarms[name] is not the alarm put_metric_alarm returned"
    states = [a.name for a in backend.get_alarms_by_state_value("INSUFFICIENT_DATA")]
    return None if states == ["a"] else f"moto does not read state_value: {states}"


def _alarm_state_survives_a_replacement() -> str | None:
    backend, before = _alarm_backend()
    backend.set_alarm_state("a", "paged", "{}", "ALARM")
    _, after = _alarm_backend()
    moto_glue.keep_alarm_state(after, before)
    kept = (after.state_value, after.state_reason, len(after.history))
    return None if kept == ("ALARM", "paged", 1) else f"state not carried over: {kept}"


def _budget_dict_is_what_moto_describes() -> str | None:
    backend = moto_glue.BudgetsBackend("aws", ACCOUNT)
    limit = {"Amount": "5", "Unit": "USD"}
    budget = {"BudgetName": "b", "BudgetType": "COST", "TimeUnit": "MONTHLY", "BudgetLimit": limit}
    backend.create_budget(account_id=ACCOUNT, budget=budget, notifications=[])
    if not moto_glue.has_budget(backend, ACCOUNT, "b"):
        return "budgets[account][name] does not hold the budget"
    moto_glue.replace_budget(backend, ACCOUNT, {**budget, "BudgetLimit": {**limit, "Amount": "9"}})
    described = backend.describe_budget(account_id=ACCOUNT, budget_name="b")
    return None if described["BudgetLimit"]["Amount"] == "9" else "Budget.budget is not read"


def _action_result_holds_its_dict() -> str | None:
    answer = moto_glue.ActionResult({"SubscriptionArn": "x"})
    return None if moto_glue.action_result(answer) == {"SubscriptionArn": "x"} else "no .result"


def _aws_key_names_the_backend_moto_answers_from() -> str | None:
    """moto's responses pick a global service's backend by partition: "aws" in AWS regions."""
    from moto.utilities.utils import get_partition

    response = moto_glue.CostExplorerResponse()
    response.current_account, response.region = ACCOUNT, "us-east-1"
    response.partition = get_partition(response.region)
    if response.ce_backend is not moto_glue.ce_backend(ACCOUNT):
        return "Cost Explorer's responses use another backend than ce_backend(account)"
    budgets = moto_glue.BudgetsResponse()
    budgets.current_account, budgets.region = ACCOUNT, "us-east-1"
    budgets.partition = response.partition
    if budgets.backend is not moto_glue.budgets_backends[ACCOUNT][moto_glue.GLOBAL]:
        return "Budgets' responses use another key than 'aws'"
    return None


def _backend_dict_builds_the_swapped_class() -> str | None:
    from moto.core.base_backend import BackendDict

    class Probe(moto_glue.StandinBackend, moto_glue.CostExplorerBackend):
        MOTO_SERVICE = "ce"

    backends = BackendDict(
        moto_glue.CostExplorerBackend, "ce", use_boto3_regions=False, additional_regions=["aws"]
    )
    backends.backend = Probe
    made = backends[ACCOUNT]["aws"]
    if type(made) is not Probe:
        return f"BackendDict built {type(made).__name__}, not .backend"
    return None


def _url_module_routes_to_moto_service() -> str | None:
    if not isinstance(
        inspect.getattr_static(_attr("moto.core.base_backend:BaseBackend"), "_url_module"),
        property,
    ):
        return "_url_module is no longer a property"

    class Probe(moto_glue.StandinBackend, moto_glue.CostExplorerBackend):
        MOTO_SERVICE = "ce"

    paths = Probe("aws", ACCOUNT).flask_paths
    return None if any("/" in p for p in paths) else f"no routes from ce's urls: {paths}"


def _url_paths(service: str, patterns: list[str]) -> Callable[[], str | None]:
    return lambda: _missing(_attr(f"moto.{service}.urls:url_paths"), patterns)


CHECKS: dict[str, Callable[[], str | None]] = {
    "moto.core.base_backend:BackendDict.backend": _backend_dict_builds_the_swapped_class,
    "moto.core.base_backend:AccountSpecificBackend['aws']": (
        _aws_key_names_the_backend_moto_answers_from
    ),
    "moto.core.base_backend:BaseBackend._url_module": _url_module_routes_to_moto_service,
    "moto.bedrock.urls:url_paths": _url_paths(
        "bedrock",
        [
            "{0}/.*$",
            "{0}/tagResource$",
            "{0}/untagResource$",
            "{0}/listTagsForResource$",
            "{0}/logging/modelinvocations$",
        ],
    ),
    "moto.bedrockruntime.urls:url_paths": _url_paths("bedrockruntime", ["{0}/.*$"]),
    "moto.cloudwatch.urls:url_paths": _url_paths("cloudwatch", ["{0}/$"]),
    "moto.ce.urls:url_paths": _url_paths("ce", ["{0}/$"]),
    "moto.resourcegroupstaggingapi.urls:url_paths": _url_paths(
        "resourcegroupstaggingapi", ["{0}/$"]
    ),
    "moto.athena.urls:url_paths": _url_paths("athena", ["{0}/$"]),
    "moto.budgets.urls:url_paths": _url_paths("budgets", ["{0}/$"]),
    "moto.sns.urls:url_paths": _url_paths("sns", ["{0}/$"]),
    "moto.sts.urls:url_paths": _url_paths("sts", ["{0}/$"]),
    "moto.bedrock.models:BedrockBackend.tag_resource": lambda: _expect(
        _params("moto.bedrock.models:BedrockBackend.tag_resource"),
        ["self", "resource_arn", "tags"],
    ),
    "moto.bedrock.models:BedrockBackend.untag_resource": lambda: _expect(
        _params("moto.bedrock.models:BedrockBackend.untag_resource"),
        ["self", "resource_arn", "tag_keys"],
    ),
    "moto.bedrock.models:BedrockBackend._list_arns": lambda: _expect(
        _params("moto.bedrock.models:BedrockBackend._list_arns"), ["self"]
    ),
    "moto.core.responses:BaseResponse.parse_parameters": lambda: _expect(
        _params("moto.core.responses:BaseResponse.parse_parameters"), ["self", "request"]
    ),
    "moto.core.responses:BaseResponse._get_action": lambda: _expect(
        _params("moto.core.responses:BaseResponse._get_action"), ["self"]
    ),
    "moto.core.responses:BaseResponse.call_action": lambda: _expect(
        _params("moto.core.responses:BaseResponse.call_action"), ["self"]
    ),
    "moto.core.responses:BaseResponse.setup_class": lambda: _expect(
        _params("moto.core.responses:BaseResponse.setup_class"),
        ["self", "request", "full_url", "headers", "use_raw_body"],
    ),
    "moto.core.parse:RequestParser.__init__": lambda: _missing(
        _params("moto.core.parse:RequestParser.__init__"), ["operation_model", "map_type"]
    ),
    "moto.core.responses:ActionResult": lambda: _expect(
        _params("moto.core.responses:ActionResult.__init__"), ["self", "result"]
    ),
    "moto.core.responses:ActionResult.result": _action_result_holds_its_dict,
    "moto.core.eventstream:EventStream.__init__": lambda: _expect(
        _params("moto.core.eventstream:EventStream.__init__"),
        ["self", "result", "output_shape", "serializer"],
    ),
    "moto.core.eventstream:EventStreamEncoder.encode_event": lambda: _expect(
        _params("moto.core.eventstream:EventStreamEncoder.encode_event"), ["self", "event"]
    ),
    "moto.core.serialize:EventStreamJSONSerializer.__init__": lambda: _expect(
        _params("moto.core.serialize:EventStreamJSONSerializer.__init__")[:2],
        ["self", "operation_model"],
    ),
    "moto.core.resource_tagging:TaggedResource.__init__": lambda: _expect(
        _params("moto.core.resource_tagging:TaggedResource.__init__")[:4],
        ["self", "arn", "tags", "resource_type"],
    ),
    "moto.core.resource_tagging:TaggableResourcesMixin.iter_tagged_resources": lambda: _expect(
        _params("moto.core.resource_tagging:TaggableResourcesMixin.iter_tagged_resources"),
        ["self"],
    ),
    "moto.moto_server.werkzeug_app:DomainDispatcherApplication.__init__": lambda: _expect(
        _params("moto.moto_server.werkzeug_app:DomainDispatcherApplication.__init__"),
        ["self", "create_app"],
    ),
    "moto.cloudwatch.models:CloudWatchBackend.get_metric_data": lambda: _expect(
        _params("moto.cloudwatch.models:CloudWatchBackend.get_metric_data"),
        ["self", "queries", "start_time", "end_time", "scan_by"],
    ),
    "moto.cloudwatch.models:CloudWatchBackend.alarms": _alarm_state_is_what_moto_describes,
    "moto.cloudwatch.models:Alarm.state_value": _alarm_state_is_what_moto_describes,
    "moto.cloudwatch.models:Alarm.state_reason": _alarm_state_survives_a_replacement,
    "moto.cloudwatch.models:Alarm.history": _alarm_state_survives_a_replacement,
    "moto.resourcegroupstaggingapi.models:ResourceGroupsTaggingAPIBackend.get_resources": (
        lambda: _missing(
            _params(
                "moto.resourcegroupstaggingapi.models:ResourceGroupsTaggingAPIBackend.get_resources"
            ),
            [
                "pagination_token",
                "resources_per_page",
                "tags_per_page",
                "tag_filters",
                "resource_type_filters",
                "resource_arn_list",
            ],
        )
    ),
    "moto.core.utils:get_service_model": lambda: (
        None
        if _attr("moto.core.utils:get_service_model")("bedrock").service_name == "bedrock"
        else "wrong model"
    ),
    "moto.athena.models:AthenaBackend.get_work_group": lambda: _expect(
        _params("moto.athena.models:AthenaBackend.get_work_group"), ["self", "name"]
    ),
    "moto.glue.models:GlueBackend.get_tables": lambda: _expect(
        _params("moto.glue.models:GlueBackend.get_tables"),
        ["self", "database_name", "expression"],
    ),
    "moto.budgets.models:BudgetsBackend.create_budget": lambda: _expect(
        _params("moto.budgets.models:BudgetsBackend.create_budget"),
        ["self", "account_id", "budget", "notifications"],
    ),
    "moto.budgets.models:BudgetsBackend.describe_budgets": lambda: _expect(
        _params("moto.budgets.models:BudgetsBackend.describe_budgets"), ["self", "account_id"]
    ),
    "moto.budgets.models:BudgetsBackend.budgets": _budget_dict_is_what_moto_describes,
    "moto.budgets.models:Budget.budget": _budget_dict_is_what_moto_describes,
    "moto.s3.models:S3Backend.create_bucket": lambda: _expect(
        _params("moto.s3.models:S3Backend.create_bucket")[:3],
        ["self", "bucket_name", "region_name"],
    ),
    "moto.s3.models:S3Backend.put_object": lambda: _expect(
        _params("moto.s3.models:S3Backend.put_object")[:4],
        ["self", "bucket_name", "key_name", "value"],
    ),
    "moto.sns.models:SNSBackend.list_subscriptions": lambda: _expect(
        _params("moto.sns.models:SNSBackend.list_subscriptions"), ["self", "next_token"]
    ),
    "moto.sns.models:SNSBackend.list_subscriptions_by_topic": lambda: _expect(
        _params("moto.sns.models:SNSBackend.list_subscriptions_by_topic"),
        ["self", "topic_arn", "next_token"],
    ),
}


def test_moto_is_the_pinned_version():
    assert importlib.import_module("moto").__version__ == "5.2.5", (
        "moto is not 5.2.5: run this file, adapt helpers/offline/moto_glue.py, then move the pin."
    )


def test_every_check_is_of_an_internal_the_glue_names():
    stale = sorted(set(CHECKS) - set(moto_glue.INTERNALS))
    assert not stale, f"checks of internals moto_glue.INTERNALS no longer names: {stale}"


@pytest.mark.parametrize("internal", moto_glue.INTERNALS)
def test_moto_internal(internal):
    problem = exists(internal) if "[" not in internal else None
    if problem is None and internal in CHECKS:
        try:
            problem = CHECKS[internal]()
        except (AttributeError, ImportError, KeyError, TypeError, ValueError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
    assert problem is None, (
        f"moto internal changed: {internal} ({problem}). helpers/offline/moto_glue.py uses it; "
        "adapt the stand-in before moving the moto pin."
    )


def test_the_errors_base_class_takes_a_message_and_a_code():
    from helpers.offline.errors import ServiceException

    assert ServiceException("X", "m").code == "X"


# --- what the stand-in touches, read from its source ------------------------------------------
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _named(name: str) -> bool:
    """Whether INTERNALS names an attribute or object called ``name`` (its last part)."""
    return any(re.split(r"[:.]", entry)[-1] == name for entry in moto_glue.INTERNALS)


def test_the_glue_names_every_moto_name_it_imports():
    unnamed = []
    for node in ast.walk(_tree(GLUE)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("moto"):
            for alias in node.names:
                prefixes = (f"{node.module}:{alias.name}", f"{node.module}.{alias.name}:")
                if not any(e.startswith(prefixes) for e in moto_glue.INTERNALS):
                    unnamed.append(f"{node.module}.{alias.name}")
    assert not unnamed, f"add these to moto_glue.INTERNALS (and a check here): {unnamed}"


def _defined_names(tree: ast.Module) -> set[str]:
    """Names the stand-in's own code defines: functions, classes, fields, ``self.x =``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    names.update(t.id for t in item.targets if isinstance(t, ast.Name))
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if (
                        isinstance(part, ast.Attribute)
                        and isinstance(part.value, ast.Name)
                        and part.value.id in ("self", "cls")
                    ):
                        names.add(part.attr)
    return names


def _standin_defined() -> set[str]:
    return set().union(*(_defined_names(_tree(p)) for p in OFFLINE.glob("*.py")))


def _plain_api() -> set[str]:
    """Attributes of what moto hands over that are not moto's: Python's types, botocore's
    models (which the stand-in validates against) and werkzeug's request."""
    from botocore.model import OperationModel, ServiceModel, StructureShape
    from werkzeug.test import create_environ
    from werkzeug.wrappers import Request

    kinds = (dict, list, str, bytes, set, tuple, type, ServiceModel, OperationModel)
    return set().union(*(dir(k) for k in (*kinds, StructureShape, Request(create_environ()))))


def test_the_glue_names_every_moto_attribute_it_uses():
    tree = _tree(GLUE)
    modules = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and not (getattr(node, "module", "") or "").startswith("moto")
        for alias in node.names
    }
    own = _standin_defined() | _plain_api()
    unnamed = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in modules:
            continue  # threading.RLock, validation.check_json_body: not moto
        if node.attr not in own and not _named(node.attr):
            unnamed.add(node.attr)
    assert not unnamed, f"moto attributes the glue uses that INTERNALS does not name: {unnamed}"


def _moto_subclasses() -> list[type]:
    """The stand-in's classes built on a moto class (errors on moto's public ServiceException
    aside: tested on their own)."""
    exception = _attr("moto.core.exceptions:ServiceException")
    found = []
    for path in sorted(OFFLINE.glob("*.py")):
        if path.stem in ("__main__", "moto_glue"):
            continue
        module = importlib.import_module(f"helpers.offline.{path.stem}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            if issubclass(cls, exception):
                continue
            if any(base.__module__.startswith("moto") for base in cls.__mro__):
                found.append(cls)
    return found


def _actions(cls: type) -> set[str]:
    """A response class's AWS operations, in moto's method names (not internals)."""
    from moto.core.utils import camelcase_to_underscores, get_service_model

    if not issubclass(cls, _attr("moto.core.responses:BaseResponse")):
        return set()
    model = get_service_model(cls().service_name)
    return {camelcase_to_underscores(name) for name in model.operation_names}


def _self_reads(cls: type) -> set[str]:
    """Attribute names a class reads through ``self`` or ``super()``, at any depth of a chain."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain, base = [node.attr], node.value
        while isinstance(base, ast.Attribute):
            chain.append(base.attr)
            base = base.value
        rooted = (isinstance(base, ast.Name) and base.id == "self") or (
            isinstance(base, ast.Call)
            and isinstance(base.func, ast.Name)
            and base.func.id == "super"
        )
        if rooted:
            names.update(chain)
    return names


def test_the_standin_classes_touch_only_named_moto_internals():
    """Overrides of moto methods (other than AWS actions) and reads through self or super()."""
    ours = _standin_defined() | _plain_api()
    problems = {}
    for cls in _moto_subclasses():
        moto_bases = [b for b in cls.__mro__[1:] if b.__module__.startswith("moto")]
        actions = _actions(cls)
        overrides = {
            name
            for name in vars(cls)
            if not name.startswith("__")
            and any(name in vars(b) for b in moto_bases)
            and name not in actions
        }
        reads = {n for n in _self_reads(cls) if n not in ours and n not in actions}
        unnamed = sorted(n for n in overrides | reads if not _named(n))
        if unnamed:
            problems[cls.__name__] = unnamed
    assert not problems, (
        f"moto internals the stand-in touches that INTERNALS does not name: {problems}"
    )


def test_only_the_glue_imports_moto():
    importers = []
    for path in sorted(OFFLINE.glob("*.py")):
        if path.name == GLUE.name:
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                allowed = path.name == "errors.py" and module == "moto.core.exceptions"
                if module.split(".")[0] == "moto" and not allowed:
                    importers.append(f"{path.name}: {module}")
    assert not importers, f"import these through helpers/offline/moto_glue.py: {importers}"


def test_install_puts_the_standin_classes_in_place():
    from helpers.offline import install

    install()
    for service, name in (
        ("bedrock", "StandinBedrockBackend"),
        ("cloudwatch", "StandinCloudWatchBackend"),
        ("ce", "StandinCostExplorerBackend"),
        ("athena", "StandinAthenaBackend"),
        ("budgets", "StandinBudgetsBackend"),
    ):
        assert _attr(f"moto.{service}.models:{service}_backends").backend.__name__ == name
    routes = _attr("moto.bedrock.urls:url_paths")
    assert routes["{0}/.*$"].__self__.__name__ == "StandinBedrockResponse"
    # the tagging API only sees backends whose class mixes in TaggableResourcesMixin
    bedrock = _attr("moto.bedrock.models:bedrock_backends").backend
    assert issubclass(bedrock, moto_glue.TaggableResourcesMixin)
    assert issubclass(bedrock, moto_glue.StandinBackend)
