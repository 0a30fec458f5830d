"""Errors: exceptions named after the service error types under KinesisError."""
import pickle

import pytest

import libkinesis
from libkinesis import KinesisError
from conftest import create_stream, make_client, unique


def test_resource_not_found(client):
    with pytest.raises(libkinesis.ResourceNotFoundException) as ei:
        client.describe_stream(StreamName=unique("missing"))
    e = ei.value
    assert isinstance(e, KinesisError)
    assert e.code == "ResourceNotFoundException"
    assert e.http_status == 400
    assert e.message
    assert isinstance(e.request_id, str)
    assert e.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.operation_name == "DescribeStream"
    # boto3's client.exceptions namespace catches the same class
    assert isinstance(e, client.exceptions.ResourceNotFoundException)
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is type(e) and e2.code == e.code and e2.http_status == 400


def test_resource_in_use(client):
    name = create_stream(client)
    with pytest.raises(libkinesis.ResourceInUseException) as ei:
        client.create_stream(StreamName=name, ShardCount=1)
    assert ei.value.http_status == 400


def test_service_validation_error(kinesalite):
    name = create_stream(kinesalite)
    with pytest.raises(KinesisError) as ei:
        kinesalite.put_record(StreamName=name, Data=b"x", PartitionKey="k",
                              ExplicitHashKey="not-a-number")
    # rejected by the C validation before sending, or by the service
    assert ei.value.code in ("KINESIS_E_INVALID_EXPLICIT_HASH_KEY", "InvalidArgumentException",
                             "ValidationException", "SerializationException")


def test_expired_or_bad_iterator(kinesalite):
    with pytest.raises(KinesisError) as ei:
        kinesalite.get_records(ShardIterator="AAAAAAAAAAGarbage==")
    assert ei.value.http_status == 400


def test_param_validation():
    c = libkinesis.Client(region_name="us-east-1", endpoint_url="http://127.0.0.1:1",
                          aws_access_key_id="a", aws_secret_access_key="b")
    with pytest.raises(libkinesis.ParamValidationError, match="Unknown parameter.*Strem"):
        c.put_record(Strem="x", Data=b"", PartitionKey="k")
    with pytest.raises(libkinesis.ParamValidationError, match="Missing required.*PartitionKey"):
        c.put_record(StreamName="x", Data=b"")
    with pytest.raises(libkinesis.ParamValidationError):
        c.put_record(StreamName="x", Data=12345, PartitionKey="k")
    with pytest.raises(ValueError):  # ParamValidationError is also a ValueError
        c.list_shards(Bogus=1)
    c.close()
    with pytest.raises(KinesisError, match="closed"):
        c.list_streams()


def test_connection_refused():
    c = libkinesis.Client(region_name="us-east-1", endpoint_url="http://127.0.0.1:1",
                          aws_access_key_id="a", aws_secret_access_key="b", max_attempts=2,
                          connect_timeout=1)
    with pytest.raises(libkinesis.EndpointConnectionError) as ei:
        c.list_streams()
    e = ei.value
    assert isinstance(e, ConnectionError) and isinstance(e, KinesisError)
    assert e.code == "KINESIS_E_CONNECT" and e.http_status == 0 and e.attempts == 2


def test_no_region(monkeypatch, tmp_path):
    for v in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(libkinesis.NoRegionError):
        libkinesis.Client()


def test_bad_client_options():
    with pytest.raises(TypeError):
        libkinesis.Client(regoin_name="x")
    with pytest.raises(libkinesis.ParamValidationError):
        libkinesis.Client(region_name="us-east-1", aws_access_key_id="only-id")
    with pytest.raises(libkinesis.ConfigurationError):
        libkinesis.Client(region_name="us-east-1", endpoint_url="ftp://nope")


def test_every_model_error_has_a_class():
    from libkinesis import _model
    for name in _model.ERRORS:
        cls = getattr(libkinesis, name)
        assert issubclass(cls, KinesisError) and cls.__name__ == name
