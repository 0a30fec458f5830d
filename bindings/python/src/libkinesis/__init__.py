"""libkinesis: a thin, fast Python layer over the libkinesis C SDK for Amazon Kinesis.

- ``Client(**config)``: boto3's Kinesis client methods, parameters and responses.
- ``aggregate``/``deaggregate``/``deaggregate_lambda_event``: KPL aggregation.
- Errors: ``KinesisError`` and one subclass per service error type.

The shared library is found through ``LIBKINESIS_LIBRARY``, the system loader, or the build
tree of the checkout the package came from.
"""
from . import errors
from ._ffi import LibraryNotFoundError, lib as _lib
from .aggregation import UserRecord, aggregate, deaggregate, deaggregate_lambda_event
from .client import Client, Paginator, Waiter
from .errors import *  # noqa: F401,F403  (one class per service error type)
from .errors import KinesisError, ParamValidationError



def __getattr__(name: str):
    """Producer and Consumer load their C declarations on first use, so a library built
    without them still serves the client and aggregation."""
    if name in ("Producer", "DeliveryReport", "FlushTimeoutError"):
        from . import producer

        return getattr(producer, name)
    if name in ("Consumer",):
        from . import consumer

        return getattr(consumer, name)
    raise AttributeError("module 'libkinesis' has no attribute %r" % name)


__version__ = "0.1.0"
library_version: str = _lib.kinesis_version().decode()

__all__ = [
    "Client",
    "Producer",
    "DeliveryReport",
    "Consumer",
    "Paginator",
    "Waiter",
    "UserRecord",
    "aggregate",
    "deaggregate",
    "deaggregate_lambda_event",
    "KinesisError",
    "ParamValidationError",
    "LibraryNotFoundError",
    "library_version",
    "errors",
] + [n for n in errors.__all__ if n not in ("KinesisError", "ParamValidationError")]
