"""The moto internals the stand-in extends. When a moto upgrade changes one, this fails by name.

moto is pinned exactly in pyproject.toml; run this file first after changing the pin.
"""

from __future__ import annotations

import importlib
import inspect

import pytest


def _attr(path: str):
    module_name, _, name = path.rpartition(":")
    module = importlib.import_module(module_name)
    target = module
    for part in name.split("."):
        target = getattr(target, part)
    return target


def _params(path: str) -> list[str]:
    return list(inspect.signature(_attr(path)).parameters)


# (internal, used by, check) - each check returns None when the internal is as expected.
HOOKS = [
    (
        "moto version",
        "pyproject.toml pin",
        lambda: (
            None if importlib.import_module("moto").__version__ == "5.2.5" else "moto is not 5.2.5"
        ),
    ),
    (
        "BackendDict.backend is the class new backends are made from",
        "server.install",
        lambda: (
            None
            if _attr("moto.bedrock.models:bedrock_backends").backend.__name__
            in ("BedrockBackend", "StandinBedrockBackend")
            else "no .backend class"
        ),
    ),
    (
        "BaseBackend._url_module property",
        "bedrock/cloudwatch/costexplorer backends",
        lambda: (
            None
            if isinstance(
                inspect.getattr_static(_attr("moto.core.base_backend:BaseBackend"), "_url_module"),
                property,
            )
            else "_url_module is no longer a property"
        ),
    ),
    (
        "bedrock url_paths catch-all and tag routes",
        "server.install",
        lambda: _missing(
            _attr("moto.bedrock.urls:url_paths"),
            ["{0}/.*$", "{0}/tagResource$", "{0}/untagResource$", "{0}/listTagsForResource$"],
        ),
    ),
    (
        "bedrock-runtime url_paths catch-all",
        "server.install",
        lambda: _missing(_attr("moto.bedrockruntime.urls:url_paths"), ["{0}/.*$"]),
    ),
    (
        "cloudwatch, ce and tagging url_paths root",
        "server.install",
        lambda: (
            _missing(_attr("moto.cloudwatch.urls:url_paths"), ["{0}/$"])
            or _missing(_attr("moto.ce.urls:url_paths"), ["{0}/$"])
            or _missing(_attr("moto.resourcegroupstaggingapi.urls:url_paths"), ["{0}/$"])
        ),
    ),
    (
        "BedrockBackend tag methods and _list_arns",
        "bedrock.StandinBedrockBackend",
        lambda: (
            _expect(
                _params("moto.bedrock.models:BedrockBackend.tag_resource"),
                ["self", "resource_arn", "tags"],
            )
            or _expect(
                _params("moto.bedrock.models:BedrockBackend.untag_resource"),
                ["self", "resource_arn", "tag_keys"],
            )
            or _expect(_params("moto.bedrock.models:BedrockBackend._list_arns"), ["self"])
        ),
    ),
    (
        "BaseResponse.parse_parameters / _get_action / call_action",
        "validation.request_params",
        lambda: (
            _expect(
                _params("moto.core.responses:BaseResponse.parse_parameters"), ["self", "request"]
            )
            or _expect(_params("moto.core.responses:BaseResponse._get_action"), ["self"])
            or _expect(_params("moto.core.responses:BaseResponse.call_action"), ["self"])
        ),
    ),
    (
        "ActionResult wraps a dict for botocore-shape serialisation",
        "all responses",
        lambda: _expect(_params("moto.core.responses:ActionResult.__init__"), ["self", "result"]),
    ),
    (
        "event-stream encoding",
        "runtime._stream",
        lambda: (
            _expect(
                _params("moto.core.eventstream:EventStream.__init__"),
                ["self", "result", "output_shape", "serializer"],
            )
            or _expect(
                _params("moto.core.eventstream:EventStreamEncoder.encode_event"), ["self", "event"]
            )
            or _expect(
                _params("moto.core.serialize:EventStreamJSONSerializer.__init__")[:2],
                ["self", "operation_model"],
            )
        ),
    ),
    (
        "TaggableResourcesMixin and TaggedResource",
        "bedrock.StandinBedrockBackend",
        lambda: (
            _expect(
                _params("moto.core.resource_tagging:TaggedResource.__init__")[:4],
                ["self", "arn", "tags", "resource_type"],
            )
            or _expect(
                _params("moto.core.resource_tagging:TaggableResourcesMixin.iter_tagged_resources"),
                ["self"],
            )
        ),
    ),
    (
        "ServiceException(code, message)",
        "errors",
        lambda: (
            None
            if _attr("moto.core.exceptions:ServiceException")("X", "m").code == "X"
            else "code not set"
        ),
    ),
    (
        "werkzeug app pieces",
        "server.Standin.start",
        lambda: (
            _expect(
                _params("moto.moto_server.werkzeug_app:DomainDispatcherApplication.__init__"),
                ["self", "create_app"],
            )
            or (
                None
                if callable(_attr("moto.moto_server.werkzeug_app:create_backend_app"))
                and _attr("moto.moto_server.werkzeug_app:MotoRequestHandler")
                else "missing"
            )
        ),
    ),
    (
        "CloudWatchBackend.get_metric_data signature",
        "cloudwatch.super_backend_get_metric_data",
        lambda: _expect(
            _params("moto.cloudwatch.models:CloudWatchBackend.get_metric_data"),
            ["self", "queries", "start_time", "end_time", "scan_by"],
        ),
    ),
    (
        "tagging backend get_resources keyword arguments",
        "tagging.StandinTaggingResponse",
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
        ),
    ),
    (
        "response classes the stand-in subclasses",
        "bedrock/runtime/cloudwatch/ce/tagging",
        lambda: (
            _missing(dir(_attr("moto.bedrock.responses:BedrockResponse")), ["bedrock_backend"])
            or _missing(dir(_attr("moto.ce.responses:CostExplorerResponse")), ["ce_backend"])
            or _missing(
                dir(_attr("moto.cloudwatch.responses:CloudWatchResponse")),
                ["cloudwatch_backend", "get_metric_statistics", "list_metrics"],
            )
            or _missing(
                dir(
                    _attr(
                        "moto.resourcegroupstaggingapi.responses:ResourceGroupsTaggingAPIResponse"
                    )
                ),
                ["backend", "get_resources"],
            )
        ),
    ),
    (
        "moto.core.utils.get_service_model",
        "validation, runtime",
        lambda: (
            None
            if _attr("moto.core.utils:get_service_model")("bedrock").service_name == "bedrock"
            else "wrong model"
        ),
    ),
    (
        "Athena backend, response and url_paths root",
        "athena.StandinAthenaBackend / StandinAthenaResponse",
        lambda: (
            _missing(_attr("moto.athena.urls:url_paths"), ["{0}/$"])
            or _missing(dir(_attr("moto.athena.responses:AthenaResponse")), ["athena_backend"])
            or _expect(_params("moto.athena.models:AthenaBackend.get_work_group"), ["self", "name"])
        ),
    ),
    (
        "Glue backend tables: databases, get_tables(database, expression), as_dict()",
        "athena.run",
        lambda: (
            _expect(
                _params("moto.glue.models:GlueBackend.get_tables"),
                ["self", "database_name", "expression"],
            )
            or _missing(dir(_attr("moto.glue.models:FakeTable")), ["as_dict"])
        ),
    ),
    (
        "Budgets backend: budgets[account][name].budget, create/describe/delete signatures",
        "budgets.StandinBudgetsResponse",
        lambda: (
            _expect(
                _params("moto.budgets.models:BudgetsBackend.create_budget"),
                ["self", "account_id", "budget", "notifications"],
            )
            or _expect(
                _params("moto.budgets.models:BudgetsBackend.describe_budgets"),
                ["self", "account_id"],
            )
            or _missing(dir(_attr("moto.budgets.responses:BudgetsResponse")), ["backend"])
            or _missing(_attr("moto.budgets.urls:url_paths"), ["{0}/$"])
        ),
    ),
    (
        "CloudWatch alarms: backend.alarms[name].state_value / state_reason",
        "cloudwatch.StandinCloudWatchResponse.put_metric_alarm",
        lambda: (
            _missing(_params("moto.cloudwatch.models:Alarm.__init__"), ["self", "name"])
            or _missing(dir(_attr("moto.cloudwatch.models:Alarm")), ["update_state"])
        ),
    ),
    (
        "S3 backend: buckets, create_bucket, put_object, bucket.keys -> FakeKey.value",
        "cur.export, athena._s3_objects",
        lambda: (
            _expect(
                _params("moto.s3.models:S3Backend.create_bucket")[:3],
                ["self", "bucket_name", "region_name"],
            )
            or _expect(
                _params("moto.s3.models:S3Backend.put_object")[:4],
                ["self", "bucket_name", "key_name", "value"],
            )
            or _missing(dir(_attr("moto.s3.models:FakeKey")), ["value"])
        ),
    ),
]


def _missing(have, wanted):
    gone = [w for w in wanted if w not in have]
    return f"missing {gone}" if gone else None


def _expect(have, wanted):
    return None if list(have) == list(wanted) else f"expected {wanted}, found {list(have)}"


@pytest.mark.parametrize("internal,used_by,check", HOOKS, ids=[h[0] for h in HOOKS])
def test_moto_internal(internal, used_by, check):
    try:
        problem = check()
    except (AttributeError, ImportError, TypeError, ValueError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    assert problem is None, (
        f"moto internal changed: {internal} ({problem}). The stand-in uses it in "
        f"helpers/offline ({used_by}); adapt the stand-in before moving the moto pin."
    )


def test_install_puts_the_standin_classes_in_place():
    from moto.bedrock.models import bedrock_backends
    from moto.bedrock.urls import url_paths
    from moto.ce.models import ce_backends
    from moto.cloudwatch.models import cloudwatch_backends

    from helpers.offline import install

    install()
    assert bedrock_backends.backend.__name__ == "StandinBedrockBackend"
    assert cloudwatch_backends.backend.__name__ == "StandinCloudWatchBackend"
    assert ce_backends.backend.__name__ == "StandinCostExplorerBackend"
    from moto.athena.models import athena_backends

    assert athena_backends.backend.__name__ == "StandinAthenaBackend"
    from moto.budgets.models import budgets_backends

    assert budgets_backends.backend.__name__ == "StandinBudgetsBackend"
    assert url_paths["{0}/.*$"].__self__.__name__ == "StandinBedrockResponse"
    # the tagging API only sees backends whose class mixes in TaggableResourcesMixin
    from moto.core.resource_tagging import TaggableResourcesMixin

    assert issubclass(bedrock_backends.backend, TaggableResourcesMixin)
