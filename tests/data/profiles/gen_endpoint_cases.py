"""Regenerates the expected URLs hard-coded in tests/unit/test_endpoint.c from botocore's own
Kinesis endpoint ruleset (run by hand when botocore's ruleset changes; tests never run Python)."""
import gzip
import json
import os

import botocore
from botocore.endpoint_provider import EndpointProvider
from botocore.exceptions import EndpointResolutionError

data = os.path.join(os.path.dirname(botocore.__file__), "data")
with gzip.open(os.path.join(data, "kinesis/2013-12-02/endpoint-rule-set-1.json.gz")) as f:
    ruleset = json.load(f)
with open(os.path.join(data, "partitions.json")) as f:
    partitions = json.load(f)
provider = EndpointProvider(ruleset, partitions)

REGIONS = ["us-east-1", "eu-west-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1",
           "us-gov-east-1", "ap-southeast-4", "us-iso-east-1", "us-isob-east-1",
           "eu-isoe-west-1", "us-isof-south-1", "eusc-de-east-1", "aws-global", "xx-new-9"]
ACCOUNT = "123456789012"
PARTITION = {"cn": "aws-cn", "us-gov": "aws-us-gov", "us-iso": "aws-iso", "us-isob": "aws-iso-b",
             "eu-isoe": "aws-iso-e", "us-isof": "aws-iso-f", "eusc": "aws-eusc"}


def partition_of(region):
    for prefix in sorted(PARTITION, key=len, reverse=True):
        if region.startswith(prefix + "-"):
            return PARTITION[prefix]
    return "aws"


def resolve(**params):
    try:
        return provider.resolve_endpoint(**params).url
    except EndpointResolutionError as e:
        return "ERROR " + str(e).split("\n")[0]


for region in REGIONS:
    for fips in (False, True):
        for dual in (False, True):
            url = resolve(Region=region, UseFIPS=fips, UseDualStack=dual)
            print('    {"%s", %d, %d, NULL, 0, "%s"},' % (region, fips, dual, url))
            arn = "arn:%s:kinesis:%s:%s:stream/s1" % (partition_of(region), region, ACCOUNT)
            for op in ("control", "data"):
                url = resolve(Region=region, UseFIPS=fips, UseDualStack=dual, StreamARN=arn,
                              OperationType=op)
                print('    {"%s", %d, %d, "%s", %d, "%s"},' % (region, fips, dual, arn,
                                                                op == "data", url))

print("/* configured endpoint and malformed ARNs */")
EP = "http://localhost:4567"
GOOD = "arn:aws:kinesis:us-east-1:123456789012:stream/s1"
for (endpoint, fips, dual, arn) in [
        (EP, 0, 0, None), (EP, 0, 0, GOOD), (EP, 1, 0, None), (EP, 0, 1, GOOD),
        (None, 0, 0, "arn:aws-cn:kinesis:us-east-1:123456789012:stream/s1"),
        (None, 0, 0, "arn:aws:kinesis:us-east-1:123456789012:consumer/c"),
        (None, 0, 0, "arn:aws:kinesis:us-east-1:123456789012:"),
        (None, 0, 0, "arn:aws:kinesis:us-east-1:123456789012:/x"),
        (None, 0, 0, "arn:aws:sqs:us-east-1:123456789012:stream/s1"),
        (None, 0, 0, "arn:aws:kinesis::123456789012:stream/s1"),
        (None, 0, 0, "arn:aws:kinesis:us-east-1::stream/s1"),
        (None, 0, 0, "arn:aws:kinesis:us-east-1:1234"),
        (None, 0, 0, "nope"),
        (None, 0, 0, "arn:aws:kinesis:us-west-2:123456789012:stream:s1"),
        (None, 0, 0, "arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/c:1"),
]:
    params = dict(Region="us-east-1", UseFIPS=bool(fips), UseDualStack=bool(dual))
    if endpoint:
        params["Endpoint"] = endpoint
    if arn:
        params["StreamARN"] = arn
        params["OperationType"] = "data"
    print('    {%s, %d, %d, %s, "%s"},' % ('"%s"' % endpoint if endpoint else "NULL", fips, dual,
                                         '"%s"' % arn if arn else "NULL", resolve(**params)))
