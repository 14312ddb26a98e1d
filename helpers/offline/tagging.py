"""Resource Groups Tagging API paging as AWS does it.

moto applies a default TagsPerPage of 100 even when the caller sets only ResourcesPerPage, which
cuts a page of 100 tagged profiles short; AWS limits by tags only when TagsPerPage is given.
"""

from __future__ import annotations

from .moto_glue import (
    ActionResult,
    ResourceGroupsTaggingAPIError,
    ResourceGroupsTaggingAPIResponse,
    tagged_resources,
)

NO_TAG_LIMIT = 10**9


class StandinTaggingResponse(ResourceGroupsTaggingAPIResponse):
    def get_resources(self) -> ActionResult:
        params = self._get_params()
        if params.get("TagsPerPage") is not None:
            return super().get_resources()
        per_page = int(params.get("ResourcesPerPage") or 50)
        if not 1 <= per_page <= 100:
            raise ResourceGroupsTaggingAPIError(
                "InvalidParameterException", "ResourcesPerPage must be between 1 and 100"
            )
        arn_list = params.get("ResourceARNList") or []
        if arn_list and (params.get("TagFilters") or params.get("ResourceTypeFilters")):
            raise ResourceGroupsTaggingAPIError(
                "InvalidParameterException",
                "ResourceARNList cannot be combined with TagFilters or ResourceTypeFilters",
            )
        filters = params.get("TagFilters") or []
        if len(filters) > 50 or any(len(f.get("Values") or []) > 20 for f in filters):
            raise ResourceGroupsTaggingAPIError(
                "InvalidParameterException",
                "TagFilters can hold at most 50 keys with at most 20 values each",
            )
        token, resources = tagged_resources(
            self.backend,
            pagination_token=params.get("PaginationToken"),
            tag_filters=filters,
            resources_per_page=per_page,
            tags_per_page=NO_TAG_LIMIT,
            resource_type_filters=params.get("ResourceTypeFilters") or [],
            resource_arn_list=arn_list,
        )
        return ActionResult(
            {
                "ResourceTagMappingList": [
                    {
                        "ResourceARN": arn,
                        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
                    }
                    for arn, tags in resources
                ],
                "PaginationToken": token or "",
            }
        )
