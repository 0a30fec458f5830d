"""libkinesis.Client: boto3's Kinesis client API over the C library.

Every operation goes through kinesis_client_call_json, so requests are signed, retried and
classified by the C client; this module only converts boto3-style keyword arguments to the JSON
protocol and back. Replace ``boto3.client("kinesis")`` with ``libkinesis.Client()``.
"""
import ctypes
import json
import threading
import time
import types
from typing import Any, Callable, Dict, Iterator, List, Optional

from . import _ffi, _model
from ._convert import deserialize, serialize
from ._ffi import lib
from .errors import (
    KinesisError,
    ParamValidationError,
    WaiterError,
    error_class,
    raise_for_error,
)

__all__ = ["Client", "Paginator", "Waiter"]

_HTTP_VERSIONS = {None: 0, "default": 0, "1.1": 1, "http1.1": 1, "2": 2, "h2c": 2,
                  "prior-knowledge": 2}

_json_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_json_loads = json.loads
_call_json = lib.kinesis_client_call_json
_free = lib.kinesis_free
_byref = ctypes.byref
_string_at = ctypes.string_at


def _config_value(config: Any, name: str) -> Any:
    if config is None:
        return None
    if isinstance(config, dict):
        return config.get(name)
    return getattr(config, name, None)


class _Exceptions:
    """``client.exceptions.ResourceNotFoundException`` etc., as boto3 offers them."""

    def __init__(self) -> None:
        from . import errors

        self.ClientError = KinesisError
        for name in _model.ERRORS:
            setattr(self, name, error_class(name))
        for name in errors.__all__:
            setattr(self, name, getattr(errors, name))

    def from_code(self, code: str) -> type:
        """The exception class for an error code."""
        return error_class(code)


class Client:
    """A Kinesis client with boto3's method names, parameter names and response shapes.

    Configuration is read as the C client (and the AWS SDKs) read it: region from
    ``AWS_REGION``/``AWS_DEFAULT_REGION``/the config file, endpoint from
    ``AWS_ENDPOINT_URL_KINESIS``/``AWS_ENDPOINT_URL``/the config file, credentials from the
    environment and the shared files. Keyword arguments override them:

    region_name, endpoint_url, aws_access_key_id, aws_secret_access_key, aws_session_token,
    profile_name, verify (False, or a CA bundle path), config (a botocore ``Config`` or a dict:
    connect_timeout, read_timeout, retries={"max_attempts"|"total_max_attempts": n}),
    connect_timeout, read_timeout (seconds), max_attempts, http_version ("1.1", "2"),
    max_record_bytes, user_agent_suffix.

    The client is thread-safe: share one across threads. Close it with ``close()`` (or use it as
    a context manager); the C client is also freed when the object is garbage-collected.
    """

    def __init__(
        self,
        region_name: Optional[str] = None,
        endpoint_url: Optional[str] = None,
        aws_access_key_id: Optional[str] = None,
        aws_secret_access_key: Optional[str] = None,
        aws_session_token: Optional[str] = None,
        profile_name: Optional[str] = None,
        verify: Any = None,
        config: Any = None,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        http_version: Optional[str] = None,
        max_record_bytes: Optional[int] = None,
        user_agent_suffix: Optional[str] = None,
        use_ssl: bool = True,
        _allocator: Any = None,
        **unknown: Any,
    ) -> None:
        self._handle: Optional[int] = None
        self._creds: Optional[int] = None
        if unknown:
            raise TypeError("Client() got unexpected keyword arguments: %s"
                            % ", ".join(sorted(unknown)))
        if (aws_access_key_id is None) != (aws_secret_access_key is None):
            raise ParamValidationError(
                "aws_access_key_id and aws_secret_access_key must be given together")
        opts = _ffi.ClientOptions()
        lib.kinesis_client_options_init(ctypes.byref(opts))
        keep: List[Any] = []  # strings must live until kinesis_client_new returns

        def s(v: Optional[str]) -> Optional[bytes]:
            if v is None:
                return None
            b = v.encode("utf-8")
            keep.append(b)
            return b

        opts.region = s(region_name)
        opts.endpoint_url = s(endpoint_url)
        opts.profile = s(profile_name)
        opts.user_agent_suffix = s(user_agent_suffix)
        connect_timeout = connect_timeout or _config_value(config, "connect_timeout")
        read_timeout = read_timeout or _config_value(config, "read_timeout")
        retries = _config_value(config, "retries") or {}
        if max_attempts is None:
            if "total_max_attempts" in retries:
                max_attempts = retries["total_max_attempts"]
            elif "max_attempts" in retries:  # botocore counts retries, not attempts
                max_attempts = retries["max_attempts"] + 1
        if connect_timeout:
            opts.connect_timeout_ms = int(connect_timeout * 1000)
        if read_timeout:
            opts.request_timeout_ms = int(read_timeout * 1000)
        if max_attempts is not None:
            opts.retry.max_attempts = int(max_attempts)
        if verify is False:
            opts.insecure_skip_verify = 1
        elif isinstance(verify, str):
            opts.ca_file = s(verify)
        if http_version not in _HTTP_VERSIONS:
            raise ParamValidationError("http_version must be one of %s"
                                       % sorted(k for k in _HTTP_VERSIONS if k))
        opts.http_version = _HTTP_VERSIONS[http_version]
        if max_record_bytes:
            opts.max_record_bytes = int(max_record_bytes)
        if _allocator is not None:
            opts.allocator = ctypes.pointer(_allocator)
            keep.append(opts.allocator)
        self._allocator_ref = _allocator
        if aws_access_key_id is not None:
            self._creds = lib.kinesis_credentials_provider_new_static(
                s(aws_access_key_id), s(aws_secret_access_key), s(aws_session_token or None),
                ctypes.cast(opts.allocator, ctypes.c_void_p) if _allocator is not None else None)
            if not self._creds:
                raise ParamValidationError("invalid static credentials")
            opts.credentials = self._creds
        handle = ctypes.c_void_p()
        err = _ffi.Error()
        st = lib.kinesis_client_new(ctypes.byref(opts), ctypes.byref(handle), ctypes.byref(err))
        if st != 0:
            self.close()
            raise_for_error(st, err)
        self._handle = handle.value
        self._alloc = lib.kinesis_client_allocator(self._handle)
        self._local = threading.local()
        self.exceptions = _Exceptions()
        self.meta = types.SimpleNamespace(
            region_name=lib.kinesis_client_region(self._handle).decode(),
            endpoint_url=lib.kinesis_client_endpoint(self._handle).decode(),
            service_model=types.SimpleNamespace(service_name="kinesis",
                                                api_version=_model.API_VERSION),
        )

    # ---- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Free the C client. No call may be running on it; later calls raise. Idempotent."""
        handle, self._handle = self._handle, None
        if handle:
            lib.kinesis_client_destroy(handle)
        creds, self._creds = self._creds, None
        if creds:
            lib.kinesis_credentials_provider_destroy(creds)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    @property
    def handle(self) -> int:
        """The C ``kinesis_client *`` (for other wrappers); raises once closed."""
        if not self._handle:
            raise KinesisError("the client is closed", "ClientClosed")
        return self._handle

    # ---- the generic call ----------------------------------------------------------------

    def call_json(self, operation: str, request: Any = None) -> Dict[str, Any]:
        """Call an operation by its wire name with a JSON-protocol request (dict or JSON text);
        returns the parsed JSON response without boto3 conversions."""
        if request is None:
            body = b"{}"
        elif isinstance(request, (bytes, str)):
            body = request.encode("utf-8") if isinstance(request, str) else request
        else:
            body = _json_dumps(request).encode("utf-8")
        text, _ = self._raw_call(operation.encode("ascii"), body, operation)
        return _json_loads(text)

    def _raw_call(self, wire: bytes, body: bytes, operation: str) -> Any:
        handle = self._handle
        if not handle:
            raise KinesisError("the client is closed", "ClientClosed", operation=operation)
        local = self._local
        try:
            err, out, n = local.bufs
        except AttributeError:
            err, out, n = local.bufs = (_ffi.Error(), ctypes.c_void_p(), ctypes.c_size_t())
        st = _call_json(handle, wire, body, len(body), _byref(out), _byref(n), _byref(err))
        if st != 0:
            raise_for_error(st, err, operation)
        try:
            text = _string_at(out.value, n.value)
        finally:
            _free(self._alloc, out.value)
        return text, err

    def _api_call(self, spec: Any, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        wire, members, required, in_tree, out_tree, wire_b = spec
        for key in kwargs:
            if key not in members:
                raise ParamValidationError(
                    'Parameter validation failed:\nUnknown parameter in input: "%s", must be one '
                    "of: %s" % (key, ", ".join(members)), operation=wire)
        for key in required:
            if key not in kwargs:
                raise ParamValidationError(
                    'Parameter validation failed:\nMissing required parameter in input: "%s"'
                    % key, operation=wire)
        try:
            request = serialize(kwargs, in_tree) if in_tree else kwargs
            body = _json_dumps(request).encode("utf-8")
        except (TypeError, ValueError) as e:
            raise ParamValidationError("Parameter validation failed:\n%s" % e,
                                       operation=wire) from None
        text, err = self._raw_call(wire_b, body, wire)
        response = _json_loads(text)
        if out_tree:
            deserialize(response, out_tree)
        response["ResponseMetadata"] = {
            "HTTPStatusCode": err.http_status,
            "RetryAttempts": max(err.attempts - 1, 0),
        }
        return response

    # ---- boto3 helpers ---------------------------------------------------------------------

    def can_paginate(self, operation_name: str) -> bool:
        """Whether ``get_paginator(operation_name)`` works."""
        return operation_name in _model.PAGINATORS

    def get_paginator(self, operation_name: str) -> "Paginator":
        """A boto3-style paginator for list_shards, list_streams, list_stream_consumers and
        describe_stream."""
        if operation_name not in _model.PAGINATORS:
            raise ValueError("Operation cannot be paginated: %s" % operation_name)
        return Paginator(self, operation_name, _model.PAGINATORS[operation_name])

    def get_waiter(self, waiter_name: str) -> "Waiter":
        """boto3's waiters: "stream_exists" and "stream_not_exists"."""
        if waiter_name not in ("stream_exists", "stream_not_exists"):
            raise ValueError("Waiter does not exist: %s" % waiter_name)
        return Waiter(self, waiter_name)

    @property
    def waiter_names(self) -> List[str]:
        return ["stream_exists", "stream_not_exists"]

    def subscribe_to_shard(self, **kwargs: Any) -> Any:
        """SubscribeToShard is an HTTP/2 event stream; use ``libkinesis.Consumer`` with
        ``efo_consumer_name`` to read through enhanced fan-out."""
        raise KinesisError("subscribe_to_shard is not available through the JSON call; use "
                           "libkinesis.Consumer(efo_consumer_name=...)", "UnsupportedOperation",
                           operation="SubscribeToShard")


def _make_method(py_name: str, spec: Any) -> Callable[..., Dict[str, Any]]:
    wire = spec[0]
    full = spec[:5] + (wire.encode("ascii"),)

    def method(self: Client, **kwargs: Any) -> Dict[str, Any]:
        return self._api_call(full, kwargs)

    method.__name__ = py_name
    method.__qualname__ = "Client." + py_name
    req = ", ".join(spec[2]) or "none"
    method.__doc__ = ("Kinesis %s, as boto3's ``client.%s(**kwargs)``.\n\nParameters: %s "
                      "(required: %s). Returns the response dict with blobs as bytes and "
                      "timestamps as aware datetimes; raises a KinesisError subclass."
                      % (wire, py_name, ", ".join(spec[1]) or "none", req))
    return method


for _py, _spec in _model.OPERATIONS.items():
    if _spec[5] or hasattr(Client, _py):  # event streams have their own method
        continue
    setattr(Client, _py, _make_method(_py, _spec))


def _get_path(obj: Any, path: str) -> Any:
    """Tiny JMESPath subset for the paginator model: a.b, a[-1].b."""
    for part in path.split("."):
        idx = None
        if part.endswith("]"):
            part, _, rest = part.partition("[")
            idx = int(rest[:-1])
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
        if idx is not None:
            if not obj:
                return None
            obj = obj[idx]
    return obj


class Paginator:
    """boto3-style paginator: ``paginate(**kwargs)`` yields each page (response dict)."""

    def __init__(self, client: Client, operation: str, spec: Dict[str, Any]) -> None:
        self._client = client
        self._op = operation
        self._spec = spec

    def paginate(self, PaginationConfig: Optional[Dict[str, Any]] = None,
                 **kwargs: Any) -> Iterator[Dict[str, Any]]:
        """Yield pages. PaginationConfig: PageSize, MaxItems, StartingToken, as boto3."""
        cfg = PaginationConfig or {}
        spec = self._spec
        method = getattr(self._client, self._op)
        params = dict(kwargs)
        if cfg.get("PageSize"):
            params[spec["limit_key"]] = cfg["PageSize"]
        if cfg.get("StartingToken"):
            params[spec["input_token"]] = cfg["StartingToken"]
        max_items = cfg.get("MaxItems")
        keys = spec["result_key"] if isinstance(spec["result_key"], list) else [spec["result_key"]]
        seen = 0
        while True:
            page = method(**params)
            yield page
            n = len(_get_path(page, keys[0]) or [])
            seen += n
            if max_items is not None and seen >= max_items:
                return
            more = spec.get("more_results")
            if more is not None and not _get_path(page, more):
                return
            token = _get_path(page, spec["output_token"])
            if not token and self._op == "list_streams" and page.get("StreamNames"):
                # Servers that predate NextToken page by the last stream name instead.
                params.pop("NextToken", None)
                params["ExclusiveStartStreamName"] = page["StreamNames"][-1]
                continue
            if not token:
                return
            if self._op == "list_shards":  # NextToken replaces the stream name
                params.pop("StreamName", None)
                params.pop("StreamARN", None)
                params.pop("ExclusiveStartShardId", None)
                params.pop("ShardFilter", None)
            params[spec["input_token"]] = token


class Waiter:
    """boto3-style waiter: ``wait(StreamName=..., WaiterConfig={"Delay": s, "MaxAttempts": n})``."""

    def __init__(self, client: Client, name: str) -> None:
        self._client = client
        self.name = name

    def wait(self, WaiterConfig: Optional[Dict[str, Any]] = None, **kwargs: Any) -> None:
        cfg = WaiterConfig or {}
        delay = cfg.get("Delay", 10)
        attempts = cfg.get("MaxAttempts", 18)
        for i in range(attempts):
            try:
                desc = self._client.describe_stream_summary(**kwargs)
                if (self.name == "stream_exists"
                        and desc["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"):
                    return
            except error_class("ResourceNotFoundException"):
                if self.name == "stream_not_exists":
                    return
            if i + 1 < attempts:
                time.sleep(delay)
        raise WaiterError("Waiter %s failed: Max attempts exceeded" % self.name, "WaiterError")
