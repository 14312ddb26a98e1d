"""Bedrock control plane: inference profiles, foundation models and tags, on moto's Bedrock backend.

moto 5.2.5 has no inference-profile or foundation-model operations. Here its backend class is
subclassed (state per account and region, cleared by ``/moto-api/reset``) and its response class
is subclassed with the missing actions; ``install`` in ``server.py`` swaps both in.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from helpers.catalog import END_OF_LIFE, END_OF_LIFE_MESSAGE, NOT_RELEASED, Lifecycle

from . import invocation_logs, paging, validation
from .catalog import FoundationModel, SystemProfile, load
from .errors import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    TooManyTagsException,
    ValidationException,
)
from .moto_glue import (
    ActionResult,
    BedrockBackend,
    BedrockResponse,
    StandinBackend,
    TaggableResourcesMixin,
    TaggedResource,
)

APPLICATION_PROFILE_QUOTA = 1000  # default per account and region
MAX_TAGS = 200  # TagList max in the Bedrock service model
RESOURCE_TYPE = "bedrock:application-inference-profile"
# System-defined profiles predate any account; AWS reports fixed dates for them.
SYSTEM_PROFILE_DATE = datetime(2024, 8, 27, tzinfo=timezone.utc)

_ID_ALPHABET = string.ascii_lowercase + string.digits
_COPY_FROM = re.compile(
    r"arn:aws(?:|-us-gov|-cn|-iso|-iso-b):bedrock:(?P<region>[0-9a-z-]*):(?P<account>[0-9]*):"
    r"(?P<kind>inference-profile|foundation-model)/(?P<id>[a-zA-Z0-9-:.]+)"
)
_PROFILE_ARN = re.compile(
    r"arn:aws(?:-[^:]+)?:bedrock:(?P<region>[0-9a-z-]*):(?P<account>[0-9]*):"
    r"(?P<kind>inference-profile|application-inference-profile)/(?P<id>[a-zA-Z0-9-:.]+)"
)
_MODEL_ARN = re.compile(
    r"arn:aws(?:-[^:]+)?:bedrock:(?P<region>[0-9a-z-]+)::foundation-model/(?P<id>.+)"
)


def invalid_model_identifier() -> ValidationException:
    return ValidationException("The provided model identifier is invalid.")


def end_of_life() -> ResourceNotFoundException:
    """Bedrock's answer for a model past its end of life, in the region of the call."""
    return ResourceNotFoundException(END_OF_LIFE_MESSAGE)


def check_lifecycle(model: FoundationModel, region: str) -> Lifecycle:
    """The model's lifecycle here; refuse it if not released yet (unknown) or past its end."""
    found = load().lifecycle(model, region)
    if found.status == NOT_RELEASED:
        raise invalid_model_identifier()
    if found.status == END_OF_LIFE:
        raise end_of_life()
    return found


@dataclass
class ApplicationProfile:
    profile_id: str
    name: str
    arn: str
    description: str | None
    copied_from: str
    model_arns: list[str]
    model_id: str  # the one foundation model it runs
    created_at: datetime
    updated_at: datetime
    tags: dict[str, str] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "inferenceProfileName": self.name,
            "inferenceProfileArn": self.arn,
            "inferenceProfileId": self.profile_id,
            "models": [{"modelArn": arn} for arn in self.model_arns],
            "status": "ACTIVE",
            "type": "APPLICATION",
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
        if self.description is not None:
            out["description"] = self.description
        return out


def describe_system_profile(profile: SystemProfile, region: str, account: str) -> dict[str, Any]:
    return {
        **load().describe_system(profile, region, account),
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
        "createdAt": SYSTEM_PROFILE_DATE,
        "updatedAt": SYSTEM_PROFILE_DATE,
    }


def describe_model(model: FoundationModel, region: str) -> dict[str, Any]:
    catalog = load()
    return {
        "modelArn": catalog.arn(model, region),
        "modelId": model.model_id,
        "modelName": model.name,
        "providerName": model.provider,
        "inputModalities": list(model.input_modalities),
        "outputModalities": list(model.output_modalities),
        "responseStreamingSupported": model.streaming,
        "customizationsSupported": list(model.customizations),
        "inferenceTypesSupported": ["ON_DEMAND"]
        if catalog.on_demand_in(model, region)
        else ["INFERENCE_PROFILE"],
        "modelLifecycle": catalog.lifecycle(model, region).api_shape(),
    }


def invalid_next_token() -> ValidationException:
    """Bedrock's answer for a nextToken it did not write."""
    return ValidationException("The nextToken provided is invalid.")


class StandinBedrockBackend(StandinBackend, BedrockBackend, TaggableResourcesMixin):
    """moto's Bedrock backend plus inference profiles, the model catalog and the tagging API."""

    MOTO_SERVICE = "bedrock"
    SERVICE_NAMESPACE = "bedrock"

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.application_profiles: dict[str, ApplicationProfile] = {}
        self.request_tokens: dict[str, str] = {}  # clientRequestToken -> profile id
        self.invocation_logging: dict[str, Any] | None = None  # the region's LoggingConfig

    # --- lookups shared with the runtime -------------------------------------------------
    def find_application_profile(self, identifier: str) -> ApplicationProfile | None:
        match = _PROFILE_ARN.fullmatch(identifier)
        if match:
            if match["kind"] != "application-inference-profile":
                return None
            if match["region"] != self.region_name or match["account"] != self.account_id:
                return None
            identifier = match["id"]
        return self.application_profiles.get(identifier)

    def find_system_profile(self, identifier: str) -> SystemProfile | None:
        """A system profile callable from this region, whatever its model's lifecycle."""
        match = _PROFILE_ARN.fullmatch(identifier)
        if match:
            if match["kind"] != "inference-profile" or match["region"] != self.region_name:
                return None
            if match["account"] not in ("", self.account_id):
                return None
            identifier = match["id"]
        return load().system_profile(identifier, self.region_name)

    def find_model(self, identifier: str) -> FoundationModel | None:
        """A model offered in this region, whatever its lifecycle (callers check it)."""
        match = _MODEL_ARN.fullmatch(identifier)
        if match:
            if match["region"] != self.region_name:
                return None
            identifier = match["id"]
        return load().model_in(identifier, self.region_name)

    # --- inference profiles --------------------------------------------------------------
    def _resolve_copy_from(self, copy_from: str) -> tuple[list[str], str]:
        match = _COPY_FROM.fullmatch(copy_from)
        if match is None:  # the service-model pattern was checked before; this is belt and braces
            raise invalid_model_identifier()
        if match["region"] not in ("", self.region_name):
            raise ValidationException(
                f"The model source {copy_from} is in region {match['region']}; an inference "
                f"profile in {self.region_name} can only copy from a model or profile in "
                f"{self.region_name}."
            )
        if match["kind"] == "foundation-model":
            model = self.find_model(match["id"])
            if model is None:
                raise invalid_model_identifier()
            check_lifecycle(model, self.region_name)
            return [load().arn(model, self.region_name)], model.model_id
        system = self.find_system_profile(match["id"])
        if system is None:
            raise ResourceNotFoundException(
                f"The inference profile {match['id']} does not exist in {self.region_name}."
            )
        check_lifecycle(load().models[system.model_id], self.region_name)
        described = describe_system_profile(system, self.region_name, self.account_id)
        return [m["modelArn"] for m in described["models"]], system.model_id

    def create_inference_profile(
        self,
        name: str,
        description: str | None,
        copy_from: str,
        tags: list[dict[str, str]],
        client_request_token: str | None,
    ) -> ApplicationProfile:
        check_tag_keys(tags)
        if len(tags) > MAX_TAGS:
            raise TooManyTagsException(f"The number of tags exceeds the limit of {MAX_TAGS}.")
        with self.lock:
            if client_request_token and client_request_token in self.request_tokens:
                existing = self.application_profiles.get(self.request_tokens[client_request_token])
                if existing is not None:  # a retried request: same answer, nothing created twice
                    return existing
            if any(p.name == name for p in self.application_profiles.values()):
                raise ConflictException(f"An inference profile named {name} already exists.")
            if len(self.application_profiles) >= APPLICATION_PROFILE_QUOTA:
                raise ServiceQuotaExceededException(
                    f"You have reached the quota of {APPLICATION_PROFILE_QUOTA} application "
                    f"inference profiles in {self.region_name}."
                )
            model_arns, model_id = self._resolve_copy_from(copy_from)
            profile_id = self._new_profile_id()
            now = datetime.now(timezone.utc)
            profile = ApplicationProfile(
                profile_id=profile_id,
                name=name,
                arn=f"arn:{self.partition}:bedrock:{self.region_name}:{self.account_id}:"
                f"application-inference-profile/{profile_id}",
                description=description,
                copied_from=copy_from,
                model_arns=model_arns,
                model_id=model_id,
                created_at=now,
                updated_at=now,
                tags={t["key"]: t["value"] for t in tags},
            )
            self.application_profiles[profile_id] = profile
            if client_request_token:
                self.request_tokens[client_request_token] = profile_id
            return profile

    def _new_profile_id(self) -> str:
        while True:
            candidate = "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))
            if candidate not in self.application_profiles:
                return candidate

    def get_inference_profile(self, identifier: str) -> dict[str, Any]:
        profile = self.find_application_profile(identifier)
        if profile is not None:
            return profile.describe()
        system = self.find_system_profile(identifier)
        if system is not None:
            check_lifecycle(load().models[system.model_id], self.region_name)
            return describe_system_profile(system, self.region_name, self.account_id)
        raise ResourceNotFoundException(f"The inference profile {identifier} does not exist.")

    def list_inference_profiles(self, type_equals: str | None) -> list[dict[str, Any]]:
        if type_equals == "APPLICATION":
            with self.lock:
                return [p.describe() for p in self.application_profiles.values()]
        # AWS lists SYSTEM_DEFINED when typeEquals is absent, never both types at once.
        catalog = load()
        return [
            describe_system_profile(p, self.region_name, self.account_id)
            for p in catalog.system_profiles_in(self.region_name)
        ]

    def delete_inference_profile(self, identifier: str) -> None:
        with self.lock:
            profile = self.find_application_profile(identifier)
            if profile is None:
                if self.find_system_profile(identifier) is not None:
                    raise ValidationException(
                        "Only application inference profiles can be deleted; "
                        f"{identifier} is a system-defined inference profile."
                    )
                raise ResourceNotFoundException(
                    f"The inference profile {identifier} does not exist."
                )
            del self.application_profiles[profile.profile_id]

    # --- tags (Bedrock's own API and the Resource Groups Tagging API) ---------------------
    def _list_arns(self) -> list[str]:
        return super()._list_arns() + [p.arn for p in self.application_profiles.values()]

    def _profile_by_arn(self, arn: str) -> ApplicationProfile | None:
        """The application profile an ARN names; None for other kinds of Bedrock resource."""
        match = _PROFILE_ARN.fullmatch(arn)
        if not match:
            return None
        profile = (
            self.find_application_profile(arn)
            if (match["kind"] == "application-inference-profile")
            else None
        )
        if profile is None:
            raise ResourceNotFoundException(f"The resource {arn} was not found.")
        return profile

    def tag_resource(self, resource_arn: str, tags: Any) -> None:
        pairs = _as_pairs(tags)
        profile = self._profile_by_arn(resource_arn)
        if profile is None:
            super().tag_resource(resource_arn, pairs)
            return
        check_tag_keys(pairs)
        with self.lock:
            merged = dict(profile.tags)
            merged.update({t["key"]: t["value"] for t in pairs})
            if len(merged) > MAX_TAGS:
                raise TooManyTagsException(f"The number of tags exceeds the limit of {MAX_TAGS}.")
            profile.tags = merged

    def untag_resource(self, resource_arn: str, tag_keys: list[str]) -> None:
        profile = self._profile_by_arn(resource_arn)
        if profile is None:
            super().untag_resource(resource_arn, tag_keys)
            return
        with self.lock:
            for key in tag_keys:
                profile.tags.pop(key, None)

    def list_tags_for_resource(self, resource_arn: str) -> list[dict[str, str]]:
        profile = self._profile_by_arn(resource_arn)
        if profile is None:
            return super().list_tags_for_resource(resource_arn)
        return [{"key": k, "value": v} for k, v in profile.tags.items()]

    def iter_tagged_resources(self) -> Iterator[TaggedResource]:
        with self.lock:
            profiles = list(self.application_profiles.values())
        for profile in profiles:
            yield TaggedResource(
                arn=profile.arn, tags=dict(profile.tags), resource_type=RESOURCE_TYPE
            )


def _as_pairs(tags: Any) -> list[dict[str, str]]:
    """Bedrock passes [{key, value}]; the tagging API passes {key: value}."""
    if isinstance(tags, Mapping):
        return [{"key": k, "value": v} for k, v in tags.items()]
    return list(tags or [])


def check_tag_keys(tags: list[dict[str, str]]) -> None:
    keys = [t["key"] for t in tags]
    reserved = [k for k in keys if k.lower().startswith("aws:")]
    if reserved:
        raise ValidationException(
            f"Tag keys starting with 'aws:' are reserved for AWS use: {', '.join(reserved)}."
        )
    if len(set(keys)) != len(keys):
        raise ValidationException("Duplicate tag keys are not allowed in one request.")


class StandinBedrockResponse(BedrockResponse):
    """Adds the inference-profile and foundation-model actions to moto's Bedrock responses."""

    @property
    def bedrock_backend(self) -> StandinBedrockBackend:
        return super().bedrock_backend

    def validated_params(self) -> dict[str, Any]:
        return validation.request_params(self, "bedrock")

    def create_inference_profile(self) -> ActionResult:
        params = self.validated_params()
        profile = self.bedrock_backend.create_inference_profile(
            name=params["inferenceProfileName"],
            description=params.get("description"),
            copy_from=params["modelSource"]["copyFrom"],
            tags=params.get("tags") or [],
            client_request_token=params.get("clientRequestToken"),
        )
        return ActionResult({"inferenceProfileArn": profile.arn, "status": "ACTIVE"})

    def get_inference_profile(self) -> ActionResult:
        params = self.validated_params()
        identifier = unquote(params["inferenceProfileIdentifier"])
        return ActionResult(self.bedrock_backend.get_inference_profile(identifier))

    def list_inference_profiles(self) -> ActionResult:
        params = self.validated_params()
        items = self.bedrock_backend.list_inference_profiles(params.get("typeEquals"))
        return ActionResult(
            paging.listing(
                "inferenceProfileSummaries",
                items,
                params.get("maxResults") or 1000,
                params.get("nextToken"),
                invalid=invalid_next_token(),
                token_member="nextToken",
            )
        )

    def delete_inference_profile(self) -> ActionResult:
        params = self.validated_params()
        self.bedrock_backend.delete_inference_profile(unquote(params["inferenceProfileIdentifier"]))
        return ActionResult({})

    def list_foundation_models(self) -> ActionResult:
        params = self.validated_params()
        region = self.region
        provider = (params.get("byProvider") or "").casefold()
        modality = params.get("byOutputModality")
        inference_type = params.get("byInferenceType")
        customization = params.get("byCustomizationType")
        summaries = []
        for model in load().models_in(region):
            described = describe_model(model, region)
            if provider and model.provider.casefold() != provider:
                continue
            if modality and modality not in model.output_modalities:
                continue
            if inference_type and inference_type not in described["inferenceTypesSupported"]:
                continue
            if customization and customization not in model.customizations:
                continue
            summaries.append(described)
        return ActionResult({"modelSummaries": summaries})

    def get_foundation_model(self) -> ActionResult:
        params = self.validated_params()
        model = self.bedrock_backend.find_model(unquote(params["modelIdentifier"]))
        if model is None:
            raise invalid_model_identifier()
        check_lifecycle(model, self.region)
        return ActionResult({"modelDetails": describe_model(model, self.region)})

    def tag_resource(self) -> ActionResult:
        params = self.validated_params()
        self.bedrock_backend.tag_resource(params["resourceARN"], params.get("tags") or [])
        return ActionResult({})

    def untag_resource(self) -> ActionResult:
        params = self.validated_params()
        self.bedrock_backend.untag_resource(params["resourceARN"], params.get("tagKeys") or [])
        return ActionResult({})

    def list_tags_for_resource(self) -> ActionResult:
        params = self.validated_params()
        return ActionResult(
            {"tags": self.bedrock_backend.list_tags_for_resource(params["resourceARN"])}
        )

    # --- model invocation logging (invocation_logs.py writes the records) -----------------
    def put_model_invocation_logging_configuration(self) -> ActionResult:
        params = self.validated_params()
        config = params["loggingConfig"]
        invocation_logs.check_config(config, self.current_account, self.region)
        self.bedrock_backend.invocation_logging = config
        return ActionResult({})

    def get_model_invocation_logging_configuration(self) -> ActionResult:
        self.validated_params()
        config = self.bedrock_backend.invocation_logging
        return ActionResult({} if config is None else {"loggingConfig": config})

    def delete_model_invocation_logging_configuration(self) -> ActionResult:
        self.validated_params()
        self.bedrock_backend.invocation_logging = None
        return ActionResult({})
