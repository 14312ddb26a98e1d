"""Errors the stand-in answers with.

Each class carries the AWS error code; moto serialises it and takes the HTTP status from the
botocore error shape of the service being called (Bedrock's ConflictException is 400 there, not
409). The module name must not start with ``moto``: moto would then look the code up in the
wrong service model.
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class ValidationException(ServiceException):
    code = "ValidationException"


class SerializationException(ServiceException):
    """A body AWS's deserializer cannot read: not JSON, or a member of the wrong JSON type.

    Not in botocore's models (AWS's front end answers it before the service): HTTP 400, with
    the error type in ``x-amzn-ErrorType`` as Bedrock sends it.
    """

    code = "SerializationException"


class ResourceNotFoundException(ServiceException):
    code = "ResourceNotFoundException"


class ConflictException(ServiceException):
    code = "ConflictException"


class TooManyTagsException(ServiceException):
    code = "TooManyTagsException"


class ServiceQuotaExceededException(ServiceException):
    code = "ServiceQuotaExceededException"


class AccessDeniedException(ServiceException):
    code = "AccessDeniedException"


class ThrottlingException(ServiceException):
    code = "ThrottlingException"


class ServiceUnavailableException(ServiceException):
    code = "ServiceUnavailableException"


class InternalServerException(ServiceException):
    code = "InternalServerException"


class ModelNotReadyException(ServiceException):
    code = "ModelNotReadyException"


class ModelTimeoutException(ServiceException):
    code = "ModelTimeoutException"


# Cost Explorer
class DataUnavailableException(ServiceException):
    code = "DataUnavailableException"


class InvalidNextTokenException(ServiceException):
    code = "InvalidNextTokenException"


class RequestChangedException(ServiceException):
    code = "RequestChangedException"


class BackfillLimitExceededException(ServiceException):
    code = "BackfillLimitExceededException"


# CloudWatch (query protocol codes)
class InvalidParameterValue(ServiceException):
    code = "InvalidParameterValue"


class InvalidNextToken(ServiceException):
    code = "InvalidNextToken"


# Errors the fault injector may raise on runtime calls, by code.
INJECTABLE = {
    cls.code: cls
    for cls in (
        ThrottlingException,
        ServiceUnavailableException,
        InternalServerException,
        ModelNotReadyException,
        ModelTimeoutException,
        AccessDeniedException,
    )
}
