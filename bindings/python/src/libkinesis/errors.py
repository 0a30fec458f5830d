"""Exceptions: one class per Kinesis service error type, all under KinesisError.

A failed call raises the class named after the service's error type (ResourceNotFoundException,
ProvisionedThroughputExceededException, ...). Failures without a service answer (connection
refused, timeout, bad argument caught before sending) raise a class named after what happened
(EndpointConnectionError, ReadTimeoutError, ParamValidationError, ...). Every one carries `code`
(the service error type, or the C status name such as "KINESIS_E_CONNECT"), `message`,
`http_status` (0 when no response arrived), `request_id` ("" when none), `status` (the C status
name) and `attempts`, plus a boto3-style `response` dict so code written for
botocore.exceptions.ClientError (`e.response["Error"]["Code"]`) keeps working.
"""
from typing import Any, Dict, Optional, Type

from . import _model

__all__ = ["KinesisError", "ParamValidationError", "error_class", "raise_for_error"]


class KinesisError(Exception):
    """Base of every error libkinesis raises."""

    code: str
    message: str
    http_status: int
    request_id: str
    status: str
    attempts: int

    def __init__(
        self,
        message: str = "",
        code: Optional[str] = None,
        http_status: int = 0,
        request_id: str = "",
        status: str = "",
        attempts: int = 0,
        operation: str = "",
    ) -> None:
        self.code = code or type(self).__name__
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        self.status = status
        self.attempts = attempts
        self.operation_name = operation
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = " when calling the %s operation" % self.operation_name if self.operation_name else ""
        return "An error occurred (%s)%s: %s" % (self.code, where, self.message)

    @property
    def response(self) -> Dict[str, Any]:
        """The error as botocore's ClientError.response shapes it."""
        return {
            "Error": {"Code": self.code, "Message": self.message},
            "ResponseMetadata": {
                "RequestId": self.request_id,
                "HTTPStatusCode": self.http_status,
                "RetryAttempts": max(self.attempts - 1, 0),
            },
        }

    def __reduce__(self):  # picklable across processes
        return (
            _rebuild,
            (type(self).__name__, self.message, self.code, self.http_status, self.request_id,
             self.status, self.attempts, self.operation_name),
        )


def _rebuild(name: str, *args: Any) -> "KinesisError":
    return error_class(name)(*args)


# Local (non-service) failures, by C status. Names follow botocore where it has one.
class ParamValidationError(KinesisError, ValueError):
    """Bad parameters, found before anything was sent."""


class EndpointConnectionError(KinesisError, ConnectionError):
    """Could not connect to the endpoint."""


class ReadTimeoutError(KinesisError, TimeoutError):
    """The request timed out."""


class SSLError(KinesisError, ConnectionError):
    """TLS handshake or certificate verification failed."""


class ConnectionClosedError(KinesisError, ConnectionError):
    """The connection failed or closed before a complete response."""


class NoCredentialsError(KinesisError):
    """No credentials were found."""


class NoRegionError(KinesisError):
    """No region is configured."""


class ConfigurationError(KinesisError):
    """Invalid client configuration."""


class CancelledError(KinesisError):
    """The operation was cancelled."""


class ResponseParserError(KinesisError):
    """Malformed or truncated response."""


class HTTPClientError(KinesisError):
    """HTTP error without a service error body."""


class AggregationError(KinesisError, ValueError):
    """An aggregated record could not be built or read."""


class QueueFullError(KinesisError):
    """A producer queue is full and the call was told not to wait (or waited too long)."""


class WaiterError(KinesisError):
    """A waiter gave up before the resource reached the wanted state."""


_BY_STATUS: Dict[str, Type[KinesisError]] = {
    "KINESIS_E_INVALID_ARGUMENT": ParamValidationError,
    "KINESIS_E_BUFFER_TOO_SMALL": ParamValidationError,
    "KINESIS_E_INVALID_PARTITION_KEY": ParamValidationError,
    "KINESIS_E_INVALID_EXPLICIT_HASH_KEY": ParamValidationError,
    "KINESIS_E_RECORD_TOO_LARGE": ParamValidationError,
    "KINESIS_E_TOO_MANY_RECORDS": ParamValidationError,
    "KINESIS_E_REQUEST_TOO_LARGE": ParamValidationError,
    "KINESIS_E_INVALID_STREAM": ParamValidationError,
    "KINESIS_E_NO_CREDENTIALS": NoCredentialsError,
    "KINESIS_E_NO_REGION": NoRegionError,
    "KINESIS_E_CONFIG": ConfigurationError,
    "KINESIS_E_CONNECT": EndpointConnectionError,
    "KINESIS_E_TIMEOUT": ReadTimeoutError,
    "KINESIS_E_TLS": SSLError,
    "KINESIS_E_TRANSPORT": ConnectionClosedError,
    "KINESIS_E_CANCELLED": CancelledError,
    "KINESIS_E_BAD_RESPONSE": ResponseParserError,
    "KINESIS_E_HTTP": HTTPClientError,
    "KINESIS_E_QUEUE_FULL": QueueFullError,
    "KINESIS_E_WAITER_TIMEOUT": WaiterError,
}

_classes: Dict[str, Type[KinesisError]] = {}


def error_class(name: str) -> Type[KinesisError]:
    """The exception class for a service error type (created on first use for types the model
    does not list, so an unexpected type still gets its own class under KinesisError)."""
    cls = _classes.get(name)
    if cls is None:
        cls = type(name, (KinesisError,), {"__doc__": "The service's %s error." % name,
                                           "__module__": __name__})
        _classes[name] = cls
    return cls


for _cls in set(_BY_STATUS.values()) | {KinesisError}:
    _classes[_cls.__name__] = _cls
for _name in _model.ERRORS:
    globals()[_name] = error_class(_name)
    __all__.append(_name)
for _cls in set(_BY_STATUS.values()):
    __all__.append(_cls.__name__)


def make_error(
    status_name: str, type_: str, message: str, http_status: int = 0, request_id: str = "",
    attempts: int = 0, operation: str = "",
) -> KinesisError:
    """Build the exception for a failed C call."""
    if type_:
        cls = error_class(type_)
        code = type_
    else:
        if status_name.startswith("KINESIS_E_AGG_"):
            cls = AggregationError
        else:
            cls = _BY_STATUS.get(status_name, KinesisError)
        code = status_name
    return cls(message, code, http_status, request_id, status_name, attempts, operation)


def raise_for_error(status: int, err: Any, operation: str = "") -> None:
    """Raise the exception for a nonzero C status and its kinesis_error (ctypes Error)."""
    from ._ffi import status_name, status_str

    name = status_name(status)
    if err is None:
        raise make_error(name, "", status_str(status), operation=operation)
    message = err.message.decode("utf-8", "replace") or status_str(status)
    raise make_error(
        name,
        err.type.decode("utf-8", "replace"),
        message,
        err.http_status,
        err.request_id.decode("utf-8", "replace"),
        err.attempts,
        operation,
    )
