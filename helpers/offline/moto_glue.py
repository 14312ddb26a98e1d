"""Every place the stand-in touches moto's internals, in one module.

moto is a test double for AWS, not a library with an API for extensions. The stand-in subclasses
its backends and responses, swaps its backend classes, adds routes, and reads or writes a few
attributes of its objects; all of that is here, behind plain names, and the other stand-in
modules import from this module, never from moto (``errors.py`` alone takes moto's public
``ServiceException``). ``INTERNALS`` names each internal used here or overridden by a subclass;
tests/test_offline_moto_hooks.py checks every one against the installed moto, and fails when
this module touches an internal that ``INTERNALS`` does not name.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from moto.athena import urls as athena_urls
from moto.athena.models import AthenaBackend, athena_backends
from moto.athena.responses import AthenaResponse
from moto.bedrock import urls as bedrock_urls
from moto.bedrock.models import BedrockBackend, bedrock_backends
from moto.bedrock.responses import BedrockResponse
from moto.bedrockruntime import urls as bedrockruntime_urls
from moto.bedrockruntime.responses import BedrockRuntimeResponse
from moto.budgets import urls as budgets_urls
from moto.budgets.models import BudgetsBackend, budgets_backends
from moto.budgets.responses import BudgetsResponse
from moto.ce import urls as ce_urls
from moto.ce.models import CostExplorerBackend, ce_backends
from moto.ce.responses import CostExplorerResponse
from moto.cloudwatch import urls as cloudwatch_urls
from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.eventstream import EventStream, EventStreamEncoder
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.request import determine_request_protocol
from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
from moto.core.responses import ActionResult
from moto.core.serialize import SERIALIZERS, EventStreamJSONSerializer
from moto.core.utils import get_service_model
from moto.glue.models import glue_backends
from moto.iam.models import iam_backends
from moto.logs.models import LogsBackend, logs_backends
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.resourcegroupstaggingapi import urls as tagging_urls
from moto.resourcegroupstaggingapi.exceptions import ResourceGroupsTaggingAPIError
from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse
from moto.s3.models import s3_backends
from moto.sns import urls as sns_urls
from moto.sns.responses import SNSResponse
from moto.sts import urls as sts_urls
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse

from . import validation
from .errors import SerializationException

__all__ = [
    "GLOBAL",
    "INTERNALS",
    "REQUEST_ID",
    "ActionResult",
    "AthenaBackend",
    "AthenaResponse",
    "BedrockBackend",
    "BedrockResponse",
    "BedrockRuntimeResponse",
    "BudgetsBackend",
    "BudgetsResponse",
    "CloudWatchBackend",
    "CloudWatchResponse",
    "CostExplorerBackend",
    "CostExplorerResponse",
    "MotoRequestHandler",
    "ResourceGroupsTaggingAPIError",
    "ResourceGroupsTaggingAPIResponse",
    "SNSResponse",
    "StandinBackend",
    "TokenResponse",
    "Subscription",
    "TaggableResourcesMixin",
    "TaggedResource",
    "access_key_of",
    "action_result",
    "assumed_role_key",
    "bedrock_backend",
    "bedrock_backends_of",
    "ce_backend",
    "default_caller_arn",
    "event_frames",
    "existing_alarm",
    "glue_databases",
    "glue_table_locations",
    "guard_parsing",
    "has_budget",
    "iam_role_exists",
    "iam_role_of_key",
    "iam_user_of_key",
    "install_backend",
    "keep_request_id",
    "keep_alarm_state",
    "log_group_exists",
    "mark_pending_confirmation",
    "moto_metric_data",
    "operation_model",
    "parsed_request",
    "forget_deleted_log_groups_tags",
    "put_log_event",
    "replace_budget",
    "route",
    "s3_bucket_exists",
    "session_access_key",
    "s3_create_bucket",
    "s3_objects",
    "s3_put_object",
    "set_alarm_state",
    "subscription",
    "subscriptions",
    "tagged_resources",
    "work_group_configuration",
    "wsgi_app",
]

# Each moto internal this module uses, and each moto method a stand-in subclass overrides or
# calls through super(): "module:qualified.name". The hook test checks every one.
INTERNALS = (
    # classes and functions imported above
    "moto.athena.models:AthenaBackend",
    "moto.athena.models:athena_backends",
    "moto.athena.responses:AthenaResponse",
    "moto.athena.urls:url_paths",
    "moto.athena.urls:url_bases",
    "moto.bedrock.models:BedrockBackend",
    "moto.bedrock.models:bedrock_backends",
    "moto.bedrock.responses:BedrockResponse",
    "moto.bedrock.urls:url_paths",
    "moto.bedrock.urls:url_bases",
    "moto.bedrockruntime.responses:BedrockRuntimeResponse",
    "moto.bedrockruntime.urls:url_paths",
    "moto.bedrockruntime.urls:url_bases",
    "moto.budgets.models:BudgetsBackend",
    "moto.budgets.models:budgets_backends",
    "moto.budgets.responses:BudgetsResponse",
    "moto.budgets.urls:url_paths",
    "moto.budgets.urls:url_bases",
    "moto.ce.models:CostExplorerBackend",
    "moto.ce.models:ce_backends",
    "moto.ce.responses:CostExplorerResponse",
    "moto.ce.urls:url_paths",
    "moto.ce.urls:url_bases",
    "moto.cloudwatch.models:CloudWatchBackend",
    "moto.cloudwatch.models:cloudwatch_backends",
    "moto.cloudwatch.responses:CloudWatchResponse",
    "moto.cloudwatch.urls:url_paths",
    "moto.cloudwatch.urls:url_bases",
    "moto.core.eventstream:EventStream",
    "moto.core.eventstream:EventStreamEncoder",
    "moto.core.parse:PROTOCOL_PARSERS",
    "moto.core.parse:RequestParser.__init__",
    "moto.core.parse:RequestParser.parse",
    "moto.core.request:determine_request_protocol",
    "moto.core.resource_tagging:TaggableResourcesMixin",
    "moto.core.resource_tagging:TaggedResource",
    "moto.core.responses:ActionResult",
    "moto.core.serialize:SERIALIZERS",
    "moto.core.serialize:EventStreamJSONSerializer",
    "moto.core.utils:get_service_model",
    "moto.glue.models:glue_backends",
    "moto.iam.models:iam_backends",
    "moto.logs.models:logs_backends",
    "moto.moto_server.werkzeug_app:DomainDispatcherApplication",
    "moto.moto_server.werkzeug_app:MotoRequestHandler",
    "moto.moto_server.werkzeug_app:create_backend_app",
    "moto.resourcegroupstaggingapi.exceptions:ResourceGroupsTaggingAPIError",
    "moto.resourcegroupstaggingapi.responses:ResourceGroupsTaggingAPIResponse",
    "moto.resourcegroupstaggingapi.urls:url_paths",
    "moto.resourcegroupstaggingapi.urls:url_bases",
    "moto.s3.models:s3_backends",
    "moto.sns.responses:SNSResponse",
    "moto.sns.urls:url_paths",
    "moto.sns.urls:url_bases",
    "moto.sts.models:sts_backends",
    "moto.sts.responses:TokenResponse",
    "moto.sts.urls:url_paths",
    "moto.sts.urls:url_bases",
    # backends: made per account and region from BackendDict.backend; "aws" is the global one
    "moto.core.base_backend:BackendDict.backend",
    "moto.core.base_backend:AccountSpecificBackend['aws']",
    "moto.core.base_backend:BaseBackend._url_module",
    "moto.core.base_backend:BaseBackend.region_name",
    "moto.core.base_backend:BaseBackend.account_id",
    "moto.core.base_backend:BaseBackend.partition",
    "moto.bedrock.models:BedrockBackend._list_arns",
    "moto.bedrock.models:BedrockBackend.tag_resource",
    "moto.bedrock.models:BedrockBackend.untag_resource",
    "moto.bedrock.models:BedrockBackend.list_tags_for_resource",
    "moto.core.resource_tagging:TaggableResourcesMixin.iter_tagged_resources",
    "moto.core.resource_tagging:TaggableResourcesMixin.SERVICE_NAMESPACE",
    "moto.core.resource_tagging:TaggedResource.__init__",
    "moto.cloudwatch.models:CloudWatchBackend.put_metric_alarm",
    "moto.cloudwatch.models:CloudWatchBackend.alarms",
    "moto.cloudwatch.models:CloudWatchBackend.get_metric_data",
    "moto.cloudwatch.models:Alarm.state_value",
    "moto.cloudwatch.models:Alarm.state_reason",
    "moto.cloudwatch.models:Alarm.state_reason_data",
    "moto.cloudwatch.models:Alarm.state_updated_timestamp",
    "moto.cloudwatch.models:Alarm.history",
    "moto.budgets.models:BudgetsBackend.budgets",
    "moto.budgets.models:Budget.budget",
    "moto.budgets.models:BudgetsBackend.create_budget",
    "moto.budgets.models:BudgetsBackend.describe_budget",
    "moto.budgets.models:BudgetsBackend.describe_budgets",
    "moto.budgets.models:BudgetsBackend.delete_budget",
    "moto.athena.models:AthenaBackend.get_work_group",
    "moto.glue.models:GlueBackend.databases",
    "moto.glue.models:GlueBackend.get_tables",
    "moto.glue.models:FakeTable.name",
    "moto.glue.models:FakeTable.as_dict",
    "moto.s3.models:S3Backend.buckets",
    "moto.s3.models:S3Backend.create_bucket",
    "moto.s3.models:S3Backend.put_object",
    "moto.s3.models:FakeBucket.keys",
    "moto.s3.models:FakeKey.value",
    "moto.sns.models:SNSBackend.subscriptions",
    "moto.sns.models:SNSBackend.list_subscriptions",
    "moto.sns.models:SNSBackend.list_subscriptions_by_topic",
    "moto.sns.models:Subscription.arn",
    "moto.sns.models:Subscription.owner",
    "moto.sns.models:Subscription.protocol",
    "moto.sns.models:Subscription.endpoint",
    "moto.sns.models:Subscription.topic",
    "moto.sns.models:Subscription.confirmed",
    "moto.sns.models:Subscription.attributes",
    "moto.sns.models:Topic.arn",
    "moto.resourcegroupstaggingapi.models:ResourceGroupsTaggingAPIBackend.get_resources",
    # callers: IAM users and their keys, roles, and sessions STS handed out
    "moto.iam.models:IAMBackend.get_user_from_access_key_id",
    "moto.iam.models:IAMBackend.list_user_tags",
    "moto.iam.models:IAMBackend.get_role_by_arn",
    "moto.iam.models:IAMBackend.get_roles",
    "moto.iam.models:IAMBackend.list_role_tags",
    "moto.iam.models:User.arn",
    "moto.iam.models:User.name",
    "moto.iam.models:Role.arn",
    "moto.iam.models:Role.name",
    "moto.sts.models:STSBackend.get_assumed_role_from_access_key",
    "moto.sts.models:STSBackend.get_caller_identity",
    "moto.sts.models:AssumedRole.arn",
    "moto.sts.models:AssumedRole.role_arn",
    "moto.sts.models:AssumedRole.access_key_id",
    "moto.sts.responses:TokenResponse.assume_role",
    "moto.core.responses:BaseResponse.get_access_key",
    # CloudWatch Logs: where invocation logs go
    "moto.logs.models:LogsBackend.groups",
    "moto.logs.models:LogsBackend.create_log_stream",
    "moto.logs.models:LogsBackend.put_log_events",
    "moto.logs.models:LogGroup.streams",
    "moto.logs.models:LogGroup.arn",
    "moto.logs.models:LogsBackend",
    "moto.logs.models:LogsBackend.delete_log_group",
    "moto.logs.models:LogsBackend.tagger",
    "moto.utilities.tagging_service:TaggingService.delete_all_tags_for_resource",
    # responses: what the stand-in's response classes read, call, override or replace
    "moto.core.responses:ActionResult.result",
    "moto.core.responses:BaseResponse.dispatch",
    "moto.core.responses:BaseResponse.setup_class",
    "moto.core.responses:BaseResponse.parse_parameters",
    "moto.core.responses:BaseResponse.call_action",
    "moto.core.responses:BaseResponse._enrich_response",
    "moto.core.responses:BaseResponse.determine_response_protocol",
    "moto.core.responses:BaseResponse.serialized",
    "moto.core.responses:BaseResponse._get_action",
    "moto.core.responses:BaseResponse._get_param",
    "moto.core.responses:BaseResponse._get_params",
    "moto.core.responses:BaseResponse._get_bool_param",
    "moto.core.responses:BaseResponse.boto3_service_name",
    "moto.core.responses:BaseResponse.PROTOCOL_PARSER_MAP_TYPE",
    "moto.core.responses:BaseResponse.current_account",
    "moto.core.responses:BaseResponse.region",
    "moto.core.responses:BaseResponse.headers",
    "moto.core.responses:BaseResponse.response_headers",
    "moto.core.responses:BaseResponse.normalized_request",
    "moto.core.responses:BaseResponse.uri_match",
    "moto.core.responses:BaseResponse.params",
    "moto.core.responses:BaseResponse.request_json",
    "moto.bedrock.responses:BedrockResponse.bedrock_backend",
    "moto.ce.responses:CostExplorerResponse.ce_backend",
    "moto.cloudwatch.responses:CloudWatchResponse.cloudwatch_backend",
    "moto.cloudwatch.responses:CloudWatchResponse.get_metric_data",
    "moto.cloudwatch.responses:CloudWatchResponse.get_metric_statistics",
    "moto.cloudwatch.responses:CloudWatchResponse.list_metrics",
    "moto.athena.responses:AthenaResponse.athena_backend",
    "moto.budgets.responses:BudgetsResponse.backend",
    "moto.sns.responses:SNSResponse.backend",
    "moto.sns.responses:SNSResponse.subscribe",
    "moto.resourcegroupstaggingapi.responses:ResourceGroupsTaggingAPIResponse.backend",
    "moto.resourcegroupstaggingapi.responses:ResourceGroupsTaggingAPIResponse.get_resources",
    "moto.core.eventstream:EventStream.__init__",
    "moto.core.eventstream:EventStreamEncoder.encode_event",
    "moto.core.serialize:EventStreamJSONSerializer.__init__",
    "moto.moto_server.werkzeug_app:DomainDispatcherApplication.__init__",
)

GLOBAL = "aws"  # moto keeps a global service's backend (and S3's) under the partition's name

_BACKENDS = {
    "athena": athena_backends,
    "bedrock": bedrock_backends,
    "budgets": budgets_backends,
    "ce": ce_backends,
    "cloudwatch": cloudwatch_backends,
}
# moto's urls module of each service: its url_bases and url_paths (pattern -> handler)
_URLS = {
    "athena": athena_urls,
    "bedrock": bedrock_urls,
    "bedrock-runtime": bedrockruntime_urls,
    "budgets": budgets_urls,
    "ce": ce_urls,
    "cloudwatch": cloudwatch_urls,
    "resourcegroupstaggingapi": tagging_urls,
    "sns": sns_urls,
    "sts": sts_urls,
}


class StandinBackend:
    """Mixed into each stand-in backend class, before the moto class it extends.

    moto finds a backend's routes in the urls module next to its class's module, which is the
    stand-in's now: ``MOTO_SERVICE`` names moto's instead. moto's reset (``/moto-api/reset``)
    builds every backend anew with ``__init__``, so state set there is cleared with moto's.
    """

    MOTO_SERVICE: ClassVar[str]

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)  # type: ignore[call-arg]
        self.lock = threading.RLock()  # guards the stand-in's own state in this backend

    @property
    def _url_module(self) -> Any:
        return _URLS[self.MOTO_SERVICE]


# --- installing --------------------------------------------------------------------------------
def install_backend(cls: type[StandinBackend]) -> None:
    """Make moto build ``cls`` for its service from now on (drops any backend made before)."""
    backends = _BACKENDS[cls.MOTO_SERVICE]
    backends.backend = cls
    backends.clear()


def route(service: str, pattern: str, response_cls: Any) -> None:  # a moto response class
    """Send requests whose path matches ``pattern`` (moto's form, "{0}/...") to ``response_cls``."""
    _URLS[service].url_paths[pattern] = response_cls.dispatch


def wsgi_app() -> Any:
    """moto's WSGI application: it routes each request to its service's responses."""
    return DomainDispatcherApplication(create_backend_app)


# --- backends ----------------------------------------------------------------------------------
def bedrock_backend(account: str, region: str) -> Any:
    return bedrock_backends[account][region]


def bedrock_backends_of(account: str) -> list[Any]:
    """The account's Bedrock backends made so far, one per region used."""
    return list(bedrock_backends[account].values())


def ce_backend(account: str) -> Any:
    """The account's Cost Explorer backend (a global service)."""
    return ce_backends[account][GLOBAL]


# --- requests and responses --------------------------------------------------------------------
def action_result(answer: ActionResult) -> dict[str, Any]:
    """The dict a moto action answered with."""
    return answer.result


def operation_model(service: str, action: str) -> Any:
    """botocore's model of one operation, as moto loads it."""
    return get_service_model(service).operation_model(action)


def parsed_request(response: Any, service: str) -> tuple[dict[str, Any], Any]:
    """A request's parameters, parsed with botocore's model, and the operation's input shape.

    Raises the SerializationException kept for a body that could not be read.
    """
    operation = operation_model(service, response._get_action())
    response.parse_parameters(response.normalized_request)
    unreadable = getattr(response, "unreadable", None)
    if unreadable is not None:
        raise unreadable
    return dict(response.params), operation.input_shape


def event_frames(service: str, operation: str, events: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """Each event as an ``application/vnd.amazon.eventstream`` frame, encoded as it comes."""
    model = operation_model(service, operation)
    serializer = EventStreamJSONSerializer(model)
    member = model.output_shape.event_stream_name
    stream = EventStream({member: events}, model.output_shape, serializer)
    encoder = EventStreamEncoder()
    return (encoder.encode_event(event) for event in stream)


def _request_protocol(service_model: Any, content_type: str | None) -> str:
    """moto's choice by Content-Type, or the service's own protocol for a type it does not speak."""
    try:
        return determine_request_protocol(service_model, content_type)
    except NotImplementedError:
        supported = service_model.metadata.get("protocols", [service_model.protocol])
        return next((p for p in supported if p in SERIALIZERS), service_model.protocol)


def guard_parsing(cls: Any) -> None:  # a moto response class
    """Make a moto response class answer an unreadable body with AWS's 400, never a 500.

    moto parses while setting up a request, before the action runs, and raises (HTTP 500) on a
    body it cannot read or a Content-Type the service does not speak. Here the body is checked
    as AWS's JSON deserializer does, the failure is kept, and the action answers it with
    SerializationException; errors are serialised in the service's own protocol.
    """
    original_call_action = cls.call_action
    original_setup_class = cls.setup_class

    def setup_class(
        self: Any,
        request: Any,
        full_url: Any = None,
        headers: Any = None,
        use_raw_body: Any = False,
    ) -> None:
        # moto decodes every body as UTF-8 while setting up: bytes that are not are kept raw
        self.undecodable = None
        try:
            request.get_data().decode("utf-8")
        except UnicodeDecodeError as exc:
            self.undecodable = SerializationException(
                f"The request body is not valid UTF-8 (byte {exc.start})."
            )
            use_raw_body = True
        original_setup_class(self, request, full_url, headers, use_raw_body=use_raw_body)

    def _operation(self: Any) -> tuple[Any, Any]:
        service_model = get_service_model(self.boto3_service_name)
        return service_model, service_model.operation_model(self._get_action())

    def parse_parameters(self: Any, request: Any) -> None:
        self.unreadable = None
        try:
            service_model, operation = _operation(self)
            undecodable = getattr(self, "undecodable", None)
            if undecodable is not None and validation.body_shape(operation.input_shape):
                raise undecodable  # a JSON body; raw payloads (InvokeModel) go to the model
            if validation.speaks_json(service_model, request.content_type):
                validation.check_json_body(request.get_data(), operation.input_shape)
            protocol = _request_protocol(service_model, request.content_type)
            parser = PROTOCOL_PARSERS[protocol](operation, map_type=self.PROTOCOL_PARSER_MAP_TYPE)
            self.params = parser.parse(
                {
                    "method": request.method,
                    "values": request.values,
                    "headers": request.headers,
                    "body": request.data,
                    "url_path": request.path,
                    "url_params": self.uri_match,
                }
            )
        except SerializationException as exc:
            self.params, self.unreadable = {}, exc
        except Exception as exc:  # what a client sent, not a fault of the stand-in: a 400
            self.params = {}
            self.unreadable = SerializationException(
                f"The request could not be read ({type(exc).__name__}: {exc})."
            )

    def call_action(self: Any) -> Any:
        unreadable = getattr(self, "unreadable", None)
        if unreadable is None and self._get_action():
            try:  # handlers that never parse through the model still get the check
                service_model, operation = _operation(self)
                if validation.speaks_json(service_model, self.headers.get("Content-Type")):
                    validation.check_json_body(
                        self.normalized_request.get_data(), operation.input_shape
                    )
            except SerializationException as exc:
                unreadable = exc
            except Exception:  # noqa: S110 - no model for this action: moto answers as it does
                pass
        if unreadable is not None:
            status, headers, body = self.serialized(ActionResult(unreadable))
            headers["status"] = status
            return status, headers, body
        return original_call_action(self)

    def determine_response_protocol(self: Any, service_model: Any) -> str:
        protocol = _request_protocol(service_model, self.headers.get("Content-Type", ""))
        return "query-json" if protocol == "query" and self.request_json else protocol

    cls.setup_class = setup_class
    cls.parse_parameters = parse_parameters
    cls.call_action = call_action
    cls.determine_response_protocol = determine_response_protocol


REQUEST_ID = "x-amzn-requestid"


def keep_request_id(cls: Any) -> None:  # a moto response class
    """Let an action choose its response's request ID (``response_headers[REQUEST_ID]``).

    moto draws a new ID for every response, after the action ran; a model invocation log
    record must carry the ID the caller saw, so an ID the action set is put back.
    """
    original = cls._enrich_response

    def _enrich_response(headers: Any, body: Any) -> tuple[Any, Any]:
        chosen = headers.get(REQUEST_ID)
        headers, body = original(headers, body)
        if chosen:
            headers[REQUEST_ID] = chosen
        return headers, body

    cls._enrich_response = staticmethod(_enrich_response)


# --- CloudWatch --------------------------------------------------------------------------------
def existing_alarm(backend: CloudWatchBackend, name: str) -> Any:
    """The alarm of that name, or None."""
    return backend.alarms.get(name)


def set_alarm_state(alarm: Any, value: str) -> None:
    """Put an alarm in a state without an evaluation (moto's history is left alone)."""
    alarm.state_value = value


def keep_alarm_state(alarm: Any, before: Any) -> None:
    """Give a re-created alarm the state and history of the one it replaces."""
    alarm.history = before.history
    alarm.state_value = before.state_value
    alarm.state_reason = before.state_reason
    alarm.state_reason_data = before.state_reason_data
    alarm.state_updated_timestamp = before.state_updated_timestamp


def moto_metric_data(
    backend: CloudWatchBackend, query: dict[str, Any], start: datetime, end: datetime
) -> dict[str, Any]:
    """One MetricStat query answered by moto's own (unindexed) implementation."""
    naive_start, naive_end = start.replace(tzinfo=None), end.replace(tzinfo=None)  # moto's own
    found = CloudWatchBackend.get_metric_data(
        backend, [query], naive_start, naive_end, "TimestampAscending"
    )
    return found[0] if found else {"timestamps": [], "values": []}


# --- Budgets -----------------------------------------------------------------------------------
def has_budget(backend: BudgetsBackend, account_id: str, name: str) -> bool:
    return name in backend.budgets[account_id]


def replace_budget(backend: BudgetsBackend, account_id: str, new: dict[str, Any]) -> None:
    """Update a stored budget's fields from ``new`` (its BudgetName picks the budget)."""
    backend.budgets[account_id][new["BudgetName"]].budget.update(new)


# --- Athena, Glue and S3 -----------------------------------------------------------------------
def work_group_configuration(backend: AthenaBackend, name: str) -> dict[str, Any] | None:
    """A work group's Configuration (AWS's shape; {} if it has none), or None if none exists."""
    found = backend.get_work_group(name)
    if found is None:
        return None
    return found.get("Configuration") or {}


def glue_databases(account: str, region: str) -> set[str]:
    return set(glue_backends[account][region].databases)


def glue_table_locations(account: str, region: str, database: str) -> list[tuple[str, str]]:
    """(name, S3 location) of each table in a Glue database."""
    tables = glue_backends[account][region].get_tables(database, None)
    return [(t.name, t.as_dict()["StorageDescriptor"]["Location"]) for t in tables]


def s3_bucket_exists(account: str, bucket: str) -> bool:
    return bucket in s3_backends[account][GLOBAL].buckets


def s3_create_bucket(account: str, bucket: str, region: str) -> None:
    s3_backends[account][GLOBAL].create_bucket(bucket, region)


def s3_put_object(account: str, bucket: str, key: str, body: bytes) -> None:
    s3_backends[account][GLOBAL].put_object(bucket, key, body)


def s3_object(account: str, bucket: str, key: str) -> bytes | None:
    """One object's body, or None when the bucket or the key does not exist."""
    found = s3_backends[account][GLOBAL].buckets.get(bucket)
    stored = found.keys.get(key) if found is not None and key else None
    return None if stored is None else bytes(stored.value)


def s3_objects(account: str, bucket: str, prefix: str, suffix: str) -> list[bytes]:
    """The bodies of a bucket's objects under ``prefix`` ending in ``suffix``, by key."""
    stored = s3_backends[account][GLOBAL].buckets[bucket].keys
    return [
        key.value
        for name, key in sorted(stored.items())
        if name.startswith(prefix) and name.endswith(suffix)
    ]


# --- SNS ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Subscription:
    arn: str
    owner: str
    protocol: str
    endpoint: str
    topic_arn: str
    confirmed: bool


def _view(found: Any) -> Subscription:
    return Subscription(
        arn=found.arn,
        owner=found.owner,
        protocol=found.protocol,
        endpoint=found.endpoint,
        topic_arn=found.topic.arn,
        confirmed=found.confirmed,
    )


def subscription(backend: Any, arn: str) -> Subscription | None:
    found = backend.subscriptions.get(arn)
    return None if found is None else _view(found)


def subscriptions(
    backend: Any, topic_arn: str | None, next_token: str | None
) -> tuple[list[Subscription], Any]:
    """A page of the account's subscriptions (of one topic, if given) and moto's next token."""
    if topic_arn is None:
        found, token = backend.list_subscriptions(next_token=next_token)
    else:
        found, token = backend.list_subscriptions_by_topic(topic_arn, next_token=next_token)
    return [_view(s) for s in found], token


def mark_pending_confirmation(backend: Any, arn: str) -> None:
    """Give a subscription the attributes SNS shows until its owner confirms it."""
    attributes = backend.subscriptions[arn].attributes
    attributes["PendingConfirmation"] = "true"
    attributes["ConfirmationWasAuthenticated"] = "false"


# --- Resource Groups Tagging API ---------------------------------------------------------------
def tagged_resources(
    backend: Any, **request: Any
) -> tuple[str | None, list[tuple[str, dict[str, str]]]]:
    """moto's GetResources with the stand-in's limits: (next token, [(ARN, tags)])."""
    token, found = backend.get_resources(**request)
    return token, [(r.arn, dict(r.tags)) for r in found]


# --- IAM and STS: who called ------------------------------------------------------------------
def access_key_of(response: Any) -> str:
    """The access key ID a request was signed with (SigV4 ``Credential=AKID/...``)."""
    return response.get_access_key()


def _tags(pairs: Iterable[dict[str, str]]) -> dict[str, str]:
    return {pair["Key"]: pair.get("Value", "") for pair in pairs}


def iam_user_of_key(account: str, access_key: str) -> tuple[str, dict[str, str]] | None:
    """(ARN, tags) of the IAM user that owns an access key, or None."""
    iam = iam_backends[account][GLOBAL]
    user = iam.get_user_from_access_key_id(access_key)
    if user is None:
        return None
    return user.arn, _tags(iam.list_user_tags(user.name))


def assumed_role_key(account: str, access_key: str) -> tuple[str, str] | None:
    """(assumed-role ARN, role ARN) of an STS session's access key, or None."""
    session = sts_backends[account][GLOBAL].get_assumed_role_from_access_key(access_key)
    if session is None:
        return None
    return session.arn, session.role_arn


def session_access_key(answer: ActionResult) -> str:
    """The access key ID of the session an AssumeRole answer hands out."""
    return answer.result["Credentials"].access_key_id


def iam_role_of_key(account: str, role_arn: str) -> dict[str, str]:
    """The tags of the role with this ARN ({} when moto holds no such role)."""
    iam = iam_backends[account][GLOBAL]
    found = [r for r in iam.get_roles() if r.arn == role_arn]
    if not found:
        return {}
    tags, _ = iam.list_role_tags(found[0].name, None, 100)
    return _tags(tags)


def iam_role_exists(account: str, role_arn: str) -> bool:
    return any(r.arn == role_arn for r in iam_backends[account][GLOBAL].get_roles())


def default_caller_arn(account: str, access_key: str, region: str) -> str:
    """The ARN moto's sts GetCallerIdentity answers for this key."""
    _, arn, _ = sts_backends[account][GLOBAL].get_caller_identity(access_key, region)
    return arn


# --- CloudWatch Logs ---------------------------------------------------------------------------
def log_group_exists(account: str, region: str, group: str) -> bool:
    return group in logs_backends[account][region].groups


def forget_deleted_log_groups_tags() -> None:
    """DeleteLogGroup drops the group's tags too, as on AWS (moto keeps them, so a group made
    later under the same name, by anyone, would inherit them: the workshop's ownership tag)."""
    moto_delete = LogsBackend.delete_log_group
    if getattr(moto_delete, "standin", False):
        return

    def delete_log_group(self: Any, log_group_name: str) -> None:
        group = self.groups.get(log_group_name)
        moto_delete(self, log_group_name)
        if group is not None:
            self.tagger.delete_all_tags_for_resource(group.arn)

    delete_log_group.standin = True  # type: ignore[attr-defined]
    LogsBackend.delete_log_group = delete_log_group


def put_log_event(
    account: str, region: str, group: str, stream: str, when_ms: int, message: str
) -> None:
    """Append one event to a log stream (made on first use) of an existing group."""
    backend = logs_backends[account][region]
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    backend.put_log_events(group, stream, [{"timestamp": when_ms, "message": message}])
