/* Region and endpoint resolution. The rule tables were produced once by botocore's own
 * EndpointProvider over the Kinesis ruleset (tests/data/profiles/gen_endpoint_cases.py) and are
 * hard-coded here so the test needs no Python. */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endpoint_internal.h"
#include "internal.h"
#include "kinesis/config.h"

typedef struct rule_case {
    const char *region;
    int fips, dual;
    const char *arn;
    int data_plane;
    const char *want; /* URL, or "ERROR <botocore's message>" */
} rule_case;

static const rule_case rule_cases[] = {
    {"us-east-1", 0, 0, NULL, 0, "https://kinesis.us-east-1.amazonaws.com"},
    {"us-east-1", 0, 0, "arn:aws:kinesis:us-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.us-east-1.amazonaws.com"},
    {"us-east-1", 0, 0, "arn:aws:kinesis:us-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.us-east-1.amazonaws.com"},
    {"us-east-1", 0, 1, NULL, 0, "https://kinesis.us-east-1.api.aws"},
    {"us-east-1", 0, 1, "arn:aws:kinesis:us-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.us-east-1.api.aws"},
    {"us-east-1", 0, 1, "arn:aws:kinesis:us-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.us-east-1.api.aws"},
    {"us-east-1", 1, 0, NULL, 0, "https://kinesis-fips.us-east-1.amazonaws.com"},
    {"us-east-1", 1, 0, "arn:aws:kinesis:us-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.us-east-1.amazonaws.com"},
    {"us-east-1", 1, 0, "arn:aws:kinesis:us-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.us-east-1.amazonaws.com"},
    {"us-east-1", 1, 1, NULL, 0, "https://kinesis-fips.us-east-1.api.aws"},
    {"us-east-1", 1, 1, "arn:aws:kinesis:us-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.us-east-1.api.aws"},
    {"us-east-1", 1, 1, "arn:aws:kinesis:us-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.us-east-1.api.aws"},
    {"eu-west-1", 0, 0, NULL, 0, "https://kinesis.eu-west-1.amazonaws.com"},
    {"eu-west-1", 0, 0, "arn:aws:kinesis:eu-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.eu-west-1.amazonaws.com"},
    {"eu-west-1", 0, 0, "arn:aws:kinesis:eu-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.eu-west-1.amazonaws.com"},
    {"eu-west-1", 0, 1, NULL, 0, "https://kinesis.eu-west-1.api.aws"},
    {"eu-west-1", 0, 1, "arn:aws:kinesis:eu-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.eu-west-1.api.aws"},
    {"eu-west-1", 0, 1, "arn:aws:kinesis:eu-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.eu-west-1.api.aws"},
    {"eu-west-1", 1, 0, NULL, 0, "https://kinesis-fips.eu-west-1.amazonaws.com"},
    {"eu-west-1", 1, 0, "arn:aws:kinesis:eu-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.eu-west-1.amazonaws.com"},
    {"eu-west-1", 1, 0, "arn:aws:kinesis:eu-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.eu-west-1.amazonaws.com"},
    {"eu-west-1", 1, 1, NULL, 0, "https://kinesis-fips.eu-west-1.api.aws"},
    {"eu-west-1", 1, 1, "arn:aws:kinesis:eu-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.eu-west-1.api.aws"},
    {"eu-west-1", 1, 1, "arn:aws:kinesis:eu-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.eu-west-1.api.aws"},
    {"cn-north-1", 0, 0, NULL, 0, "https://kinesis.cn-north-1.amazonaws.com.cn"},
    {"cn-north-1", 0, 0, "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.cn-north-1.amazonaws.com.cn"},
    {"cn-north-1", 0, 0, "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.cn-north-1.amazonaws.com.cn"},
    {"cn-north-1", 0, 1, NULL, 0, "https://kinesis.cn-north-1.api.amazonwebservices.com.cn"},
    {"cn-north-1", 0, 1, "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.cn-north-1.api.amazonwebservices.com.cn"},
    {"cn-north-1", 0, 1, "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.cn-north-1.api.amazonwebservices.com.cn"},
    {"cn-north-1", 1, 0, NULL, 0, "https://kinesis-fips.cn-north-1.amazonaws.com.cn"},
    {"cn-north-1", 1, 0, "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.cn-north-1.amazonaws.com.cn"},
    {"cn-north-1", 1, 0, "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.cn-north-1.amazonaws.com.cn"},
    {"cn-north-1", 1, 1, NULL, 0, "https://kinesis-fips.cn-north-1.api.amazonwebservices.com.cn"},
    {"cn-north-1", 1, 1, "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.cn-north-1.api.amazonwebservices.com.cn"},
    {"cn-north-1", 1, 1, "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.cn-north-1.api.amazonwebservices.com.cn"},
    {"cn-northwest-1", 0, 0, NULL, 0, "https://kinesis.cn-northwest-1.amazonaws.com.cn"},
    {"cn-northwest-1", 0, 0, "arn:aws-cn:kinesis:cn-northwest-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.cn-northwest-1.amazonaws.com.cn"},
    {"cn-northwest-1", 0, 0, "arn:aws-cn:kinesis:cn-northwest-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.cn-northwest-1.amazonaws.com.cn"},
    {"cn-northwest-1", 0, 1, NULL, 0,
     "https://kinesis.cn-northwest-1.api.amazonwebservices.com.cn"},
    {"cn-northwest-1", 0, 1, "arn:aws-cn:kinesis:cn-northwest-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.cn-northwest-1.api.amazonwebservices.com.cn"},
    {"cn-northwest-1", 0, 1, "arn:aws-cn:kinesis:cn-northwest-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.cn-northwest-1.api.amazonwebservices.com.cn"},
    {"cn-northwest-1", 1, 0, NULL, 0, "https://kinesis-fips.cn-northwest-1.amazonaws.com.cn"},
    {"cn-northwest-1", 1, 0, "arn:aws-cn:kinesis:cn-northwest-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.cn-northwest-1.amazonaws.com.cn"},
    {"cn-northwest-1", 1, 0, "arn:aws-cn:kinesis:cn-northwest-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.cn-northwest-1.amazonaws.com.cn"},
    {"cn-northwest-1", 1, 1, NULL, 0,
     "https://kinesis-fips.cn-northwest-1.api.amazonwebservices.com.cn"},
    {"cn-northwest-1", 1, 1, "arn:aws-cn:kinesis:cn-northwest-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.cn-northwest-1.api.amazonwebservices.com.cn"},
    {"cn-northwest-1", 1, 1, "arn:aws-cn:kinesis:cn-northwest-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.cn-northwest-1.api.amazonwebservices.com.cn"},
    {"us-gov-west-1", 0, 0, NULL, 0, "https://kinesis.us-gov-west-1.amazonaws.com"},
    {"us-gov-west-1", 0, 0, "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.us-gov-west-1.amazonaws.com"},
    {"us-gov-west-1", 0, 0, "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.us-gov-west-1.amazonaws.com"},
    {"us-gov-west-1", 0, 1, NULL, 0, "https://kinesis.us-gov-west-1.api.aws"},
    {"us-gov-west-1", 0, 1, "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.us-gov-west-1.api.aws"},
    {"us-gov-west-1", 0, 1, "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.us-gov-west-1.api.aws"},
    {"us-gov-west-1", 1, 0, NULL, 0, "https://kinesis.us-gov-west-1.amazonaws.com"},
    {"us-gov-west-1", 1, 0, "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.us-gov-west-1.amazonaws.com"},
    {"us-gov-west-1", 1, 0, "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.us-gov-west-1.amazonaws.com"},
    {"us-gov-west-1", 1, 1, NULL, 0, "https://kinesis-fips.us-gov-west-1.api.aws"},
    {"us-gov-west-1", 1, 1, "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.us-gov-west-1.api.aws"},
    {"us-gov-west-1", 1, 1, "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.us-gov-west-1.api.aws"},
    {"us-gov-east-1", 0, 0, NULL, 0, "https://kinesis.us-gov-east-1.amazonaws.com"},
    {"us-gov-east-1", 0, 0, "arn:aws-us-gov:kinesis:us-gov-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.us-gov-east-1.amazonaws.com"},
    {"us-gov-east-1", 0, 0, "arn:aws-us-gov:kinesis:us-gov-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.us-gov-east-1.amazonaws.com"},
    {"us-gov-east-1", 0, 1, NULL, 0, "https://kinesis.us-gov-east-1.api.aws"},
    {"us-gov-east-1", 0, 1, "arn:aws-us-gov:kinesis:us-gov-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.us-gov-east-1.api.aws"},
    {"us-gov-east-1", 0, 1, "arn:aws-us-gov:kinesis:us-gov-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.us-gov-east-1.api.aws"},
    {"us-gov-east-1", 1, 0, NULL, 0, "https://kinesis.us-gov-east-1.amazonaws.com"},
    {"us-gov-east-1", 1, 0, "arn:aws-us-gov:kinesis:us-gov-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.us-gov-east-1.amazonaws.com"},
    {"us-gov-east-1", 1, 0, "arn:aws-us-gov:kinesis:us-gov-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.us-gov-east-1.amazonaws.com"},
    {"us-gov-east-1", 1, 1, NULL, 0, "https://kinesis-fips.us-gov-east-1.api.aws"},
    {"us-gov-east-1", 1, 1, "arn:aws-us-gov:kinesis:us-gov-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.us-gov-east-1.api.aws"},
    {"us-gov-east-1", 1, 1, "arn:aws-us-gov:kinesis:us-gov-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.us-gov-east-1.api.aws"},
    {"ap-southeast-4", 0, 0, NULL, 0, "https://kinesis.ap-southeast-4.amazonaws.com"},
    {"ap-southeast-4", 0, 0, "arn:aws:kinesis:ap-southeast-4:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.ap-southeast-4.amazonaws.com"},
    {"ap-southeast-4", 0, 0, "arn:aws:kinesis:ap-southeast-4:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.ap-southeast-4.amazonaws.com"},
    {"ap-southeast-4", 0, 1, NULL, 0, "https://kinesis.ap-southeast-4.api.aws"},
    {"ap-southeast-4", 0, 1, "arn:aws:kinesis:ap-southeast-4:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.ap-southeast-4.api.aws"},
    {"ap-southeast-4", 0, 1, "arn:aws:kinesis:ap-southeast-4:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.ap-southeast-4.api.aws"},
    {"ap-southeast-4", 1, 0, NULL, 0, "https://kinesis-fips.ap-southeast-4.amazonaws.com"},
    {"ap-southeast-4", 1, 0, "arn:aws:kinesis:ap-southeast-4:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.ap-southeast-4.amazonaws.com"},
    {"ap-southeast-4", 1, 0, "arn:aws:kinesis:ap-southeast-4:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.ap-southeast-4.amazonaws.com"},
    {"ap-southeast-4", 1, 1, NULL, 0, "https://kinesis-fips.ap-southeast-4.api.aws"},
    {"ap-southeast-4", 1, 1, "arn:aws:kinesis:ap-southeast-4:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.ap-southeast-4.api.aws"},
    {"ap-southeast-4", 1, 1, "arn:aws:kinesis:ap-southeast-4:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.ap-southeast-4.api.aws"},
    {"us-iso-east-1", 0, 0, NULL, 0, "https://kinesis.us-iso-east-1.c2s.ic.gov"},
    {"us-iso-east-1", 0, 0, "arn:aws-iso:kinesis:us-iso-east-1:123456789012:stream/s1", 0,
     "https://kinesis.us-iso-east-1.c2s.ic.gov"},
    {"us-iso-east-1", 0, 0, "arn:aws-iso:kinesis:us-iso-east-1:123456789012:stream/s1", 1,
     "https://kinesis.us-iso-east-1.c2s.ic.gov"},
    {"us-iso-east-1", 0, 1, NULL, 0, "https://kinesis.us-iso-east-1.api.aws.ic.gov"},
    {"us-iso-east-1", 0, 1, "arn:aws-iso:kinesis:us-iso-east-1:123456789012:stream/s1", 0,
     "https://kinesis.us-iso-east-1.api.aws.ic.gov"},
    {"us-iso-east-1", 0, 1, "arn:aws-iso:kinesis:us-iso-east-1:123456789012:stream/s1", 1,
     "https://kinesis.us-iso-east-1.api.aws.ic.gov"},
    {"us-iso-east-1", 1, 0, NULL, 0, "https://kinesis-fips.us-iso-east-1.c2s.ic.gov"},
    {"us-iso-east-1", 1, 0, "arn:aws-iso:kinesis:us-iso-east-1:123456789012:stream/s1", 0,
     "https://kinesis-fips.us-iso-east-1.c2s.ic.gov"},
    {"us-iso-east-1", 1, 0, "arn:aws-iso:kinesis:us-iso-east-1:123456789012:stream/s1", 1,
     "https://kinesis-fips.us-iso-east-1.c2s.ic.gov"},
    {"us-iso-east-1", 1, 1, NULL, 0, "https://kinesis-fips.us-iso-east-1.api.aws.ic.gov"},
    {"us-iso-east-1", 1, 1, "arn:aws-iso:kinesis:us-iso-east-1:123456789012:stream/s1", 0,
     "https://kinesis-fips.us-iso-east-1.api.aws.ic.gov"},
    {"us-iso-east-1", 1, 1, "arn:aws-iso:kinesis:us-iso-east-1:123456789012:stream/s1", 1,
     "https://kinesis-fips.us-iso-east-1.api.aws.ic.gov"},
    {"us-isob-east-1", 0, 0, NULL, 0, "https://kinesis.us-isob-east-1.sc2s.sgov.gov"},
    {"us-isob-east-1", 0, 0, "arn:aws-iso-b:kinesis:us-isob-east-1:123456789012:stream/s1", 0,
     "https://kinesis.us-isob-east-1.sc2s.sgov.gov"},
    {"us-isob-east-1", 0, 0, "arn:aws-iso-b:kinesis:us-isob-east-1:123456789012:stream/s1", 1,
     "https://kinesis.us-isob-east-1.sc2s.sgov.gov"},
    {"us-isob-east-1", 0, 1, NULL, 0, "https://kinesis.us-isob-east-1.api.aws.scloud"},
    {"us-isob-east-1", 0, 1, "arn:aws-iso-b:kinesis:us-isob-east-1:123456789012:stream/s1", 0,
     "https://kinesis.us-isob-east-1.api.aws.scloud"},
    {"us-isob-east-1", 0, 1, "arn:aws-iso-b:kinesis:us-isob-east-1:123456789012:stream/s1", 1,
     "https://kinesis.us-isob-east-1.api.aws.scloud"},
    {"us-isob-east-1", 1, 0, NULL, 0, "https://kinesis-fips.us-isob-east-1.sc2s.sgov.gov"},
    {"us-isob-east-1", 1, 0, "arn:aws-iso-b:kinesis:us-isob-east-1:123456789012:stream/s1", 0,
     "https://kinesis-fips.us-isob-east-1.sc2s.sgov.gov"},
    {"us-isob-east-1", 1, 0, "arn:aws-iso-b:kinesis:us-isob-east-1:123456789012:stream/s1", 1,
     "https://kinesis-fips.us-isob-east-1.sc2s.sgov.gov"},
    {"us-isob-east-1", 1, 1, NULL, 0, "https://kinesis-fips.us-isob-east-1.api.aws.scloud"},
    {"us-isob-east-1", 1, 1, "arn:aws-iso-b:kinesis:us-isob-east-1:123456789012:stream/s1", 0,
     "https://kinesis-fips.us-isob-east-1.api.aws.scloud"},
    {"us-isob-east-1", 1, 1, "arn:aws-iso-b:kinesis:us-isob-east-1:123456789012:stream/s1", 1,
     "https://kinesis-fips.us-isob-east-1.api.aws.scloud"},
    {"eu-isoe-west-1", 0, 0, NULL, 0, "https://kinesis.eu-isoe-west-1.cloud.adc-e.uk"},
    {"eu-isoe-west-1", 0, 0, "arn:aws-iso-e:kinesis:eu-isoe-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.eu-isoe-west-1.cloud.adc-e.uk"},
    {"eu-isoe-west-1", 0, 0, "arn:aws-iso-e:kinesis:eu-isoe-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.eu-isoe-west-1.cloud.adc-e.uk"},
    {"eu-isoe-west-1", 0, 1, NULL, 0, "https://kinesis.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
    {"eu-isoe-west-1", 0, 1, "arn:aws-iso-e:kinesis:eu-isoe-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
    {"eu-isoe-west-1", 0, 1, "arn:aws-iso-e:kinesis:eu-isoe-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
    {"eu-isoe-west-1", 1, 0, NULL, 0, "https://kinesis-fips.eu-isoe-west-1.cloud.adc-e.uk"},
    {"eu-isoe-west-1", 1, 0, "arn:aws-iso-e:kinesis:eu-isoe-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.eu-isoe-west-1.cloud.adc-e.uk"},
    {"eu-isoe-west-1", 1, 0, "arn:aws-iso-e:kinesis:eu-isoe-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.eu-isoe-west-1.cloud.adc-e.uk"},
    {"eu-isoe-west-1", 1, 1, NULL, 0, "https://kinesis-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
    {"eu-isoe-west-1", 1, 1, "arn:aws-iso-e:kinesis:eu-isoe-west-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
    {"eu-isoe-west-1", 1, 1, "arn:aws-iso-e:kinesis:eu-isoe-west-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
    {"us-isof-south-1", 0, 0, NULL, 0, "https://kinesis.us-isof-south-1.csp.hci.ic.gov"},
    {"us-isof-south-1", 0, 0, "arn:aws-iso-f:kinesis:us-isof-south-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.us-isof-south-1.csp.hci.ic.gov"},
    {"us-isof-south-1", 0, 0, "arn:aws-iso-f:kinesis:us-isof-south-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.us-isof-south-1.csp.hci.ic.gov"},
    {"us-isof-south-1", 0, 1, NULL, 0, "https://kinesis.us-isof-south-1.api.aws.hci.ic.gov"},
    {"us-isof-south-1", 0, 1, "arn:aws-iso-f:kinesis:us-isof-south-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.us-isof-south-1.api.aws.hci.ic.gov"},
    {"us-isof-south-1", 0, 1, "arn:aws-iso-f:kinesis:us-isof-south-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.us-isof-south-1.api.aws.hci.ic.gov"},
    {"us-isof-south-1", 1, 0, NULL, 0, "https://kinesis-fips.us-isof-south-1.csp.hci.ic.gov"},
    {"us-isof-south-1", 1, 0, "arn:aws-iso-f:kinesis:us-isof-south-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.us-isof-south-1.csp.hci.ic.gov"},
    {"us-isof-south-1", 1, 0, "arn:aws-iso-f:kinesis:us-isof-south-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.us-isof-south-1.csp.hci.ic.gov"},
    {"us-isof-south-1", 1, 1, NULL, 0, "https://kinesis-fips.us-isof-south-1.api.aws.hci.ic.gov"},
    {"us-isof-south-1", 1, 1, "arn:aws-iso-f:kinesis:us-isof-south-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.us-isof-south-1.api.aws.hci.ic.gov"},
    {"us-isof-south-1", 1, 1, "arn:aws-iso-f:kinesis:us-isof-south-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.us-isof-south-1.api.aws.hci.ic.gov"},
    {"eusc-de-east-1", 0, 0, NULL, 0, "https://kinesis.eusc-de-east-1.amazonaws.eu"},
    {"eusc-de-east-1", 0, 0, "arn:aws-eusc:kinesis:eusc-de-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.eusc-de-east-1.amazonaws.eu"},
    {"eusc-de-east-1", 0, 0, "arn:aws-eusc:kinesis:eusc-de-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.eusc-de-east-1.amazonaws.eu"},
    {"eusc-de-east-1", 0, 1, NULL, 0, "https://kinesis.eusc-de-east-1.api.amazonwebservices.eu"},
    {"eusc-de-east-1", 0, 1, "arn:aws-eusc:kinesis:eusc-de-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.eusc-de-east-1.api.amazonwebservices.eu"},
    {"eusc-de-east-1", 0, 1, "arn:aws-eusc:kinesis:eusc-de-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.eusc-de-east-1.api.amazonwebservices.eu"},
    {"eusc-de-east-1", 1, 0, NULL, 0, "https://kinesis-fips.eusc-de-east-1.amazonaws.eu"},
    {"eusc-de-east-1", 1, 0, "arn:aws-eusc:kinesis:eusc-de-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.eusc-de-east-1.amazonaws.eu"},
    {"eusc-de-east-1", 1, 0, "arn:aws-eusc:kinesis:eusc-de-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.eusc-de-east-1.amazonaws.eu"},
    {"eusc-de-east-1", 1, 1, NULL, 0,
     "https://kinesis-fips.eusc-de-east-1.api.amazonwebservices.eu"},
    {"eusc-de-east-1", 1, 1, "arn:aws-eusc:kinesis:eusc-de-east-1:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.eusc-de-east-1.api.amazonwebservices.eu"},
    {"eusc-de-east-1", 1, 1, "arn:aws-eusc:kinesis:eusc-de-east-1:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.eusc-de-east-1.api.amazonwebservices.eu"},
    {"aws-global", 0, 0, NULL, 0, "https://kinesis.aws-global.amazonaws.com"},
    {"aws-global", 0, 0, "arn:aws:kinesis:aws-global:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.aws-global.amazonaws.com"},
    {"aws-global", 0, 0, "arn:aws:kinesis:aws-global:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.aws-global.amazonaws.com"},
    {"aws-global", 0, 1, NULL, 0, "https://kinesis.aws-global.api.aws"},
    {"aws-global", 0, 1, "arn:aws:kinesis:aws-global:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.aws-global.api.aws"},
    {"aws-global", 0, 1, "arn:aws:kinesis:aws-global:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.aws-global.api.aws"},
    {"aws-global", 1, 0, NULL, 0, "https://kinesis-fips.aws-global.amazonaws.com"},
    {"aws-global", 1, 0, "arn:aws:kinesis:aws-global:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.aws-global.amazonaws.com"},
    {"aws-global", 1, 0, "arn:aws:kinesis:aws-global:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.aws-global.amazonaws.com"},
    {"aws-global", 1, 1, NULL, 0, "https://kinesis-fips.aws-global.api.aws"},
    {"aws-global", 1, 1, "arn:aws:kinesis:aws-global:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.aws-global.api.aws"},
    {"aws-global", 1, 1, "arn:aws:kinesis:aws-global:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.aws-global.api.aws"},
    {"xx-new-9", 0, 0, NULL, 0, "https://kinesis.xx-new-9.amazonaws.com"},
    {"xx-new-9", 0, 0, "arn:aws:kinesis:xx-new-9:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.xx-new-9.amazonaws.com"},
    {"xx-new-9", 0, 0, "arn:aws:kinesis:xx-new-9:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.xx-new-9.amazonaws.com"},
    {"xx-new-9", 0, 1, NULL, 0, "https://kinesis.xx-new-9.api.aws"},
    {"xx-new-9", 0, 1, "arn:aws:kinesis:xx-new-9:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis.xx-new-9.api.aws"},
    {"xx-new-9", 0, 1, "arn:aws:kinesis:xx-new-9:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis.xx-new-9.api.aws"},
    {"xx-new-9", 1, 0, NULL, 0, "https://kinesis-fips.xx-new-9.amazonaws.com"},
    {"xx-new-9", 1, 0, "arn:aws:kinesis:xx-new-9:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.xx-new-9.amazonaws.com"},
    {"xx-new-9", 1, 0, "arn:aws:kinesis:xx-new-9:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.xx-new-9.amazonaws.com"},
    {"xx-new-9", 1, 1, NULL, 0, "https://kinesis-fips.xx-new-9.api.aws"},
    {"xx-new-9", 1, 1, "arn:aws:kinesis:xx-new-9:123456789012:stream/s1", 0,
     "https://123456789012.control-kinesis-fips.xx-new-9.api.aws"},
    {"xx-new-9", 1, 1, "arn:aws:kinesis:xx-new-9:123456789012:stream/s1", 1,
     "https://123456789012.data-kinesis-fips.xx-new-9.api.aws"},
};

typedef struct arn_case {
    const char *endpoint;
    int fips, dual;
    const char *arn;
    const char *want;
} arn_case;

/* Region us-east-1, data plane. */
static const arn_case arn_cases[] = {
    {"http://localhost:4567", 0, 0, NULL, "http://localhost:4567"},
    {"http://localhost:4567", 0, 0, "arn:aws:kinesis:us-east-1:123456789012:stream/s1",
     "http://localhost:4567"},
    {"http://localhost:4567", 1, 0, NULL,
     "ERROR Invalid Configuration: FIPS and custom endpoint are not supported"},
    {"http://localhost:4567", 0, 1, "arn:aws:kinesis:us-east-1:123456789012:stream/s1",
     "ERROR Invalid Configuration: Dualstack and custom endpoint are not supported"},
    {NULL, 0, 0, "arn:aws-cn:kinesis:us-east-1:123456789012:stream/s1",
     "ERROR Partition: aws-cn from ARN doesn't match with partition name: aws."},
    {NULL, 0, 0, "arn:aws:kinesis:us-east-1:123456789012:consumer/c",
     "ERROR Invalid ARN: Kinesis ARNs don't support `consumer` arn types."},
    {NULL, 0, 0,
     "arn:aws:kinesis:us-east-1:123456789012:", "ERROR Invalid ARN: Failed to parse ARN."},
    {NULL, 0, 0, "arn:aws:kinesis:us-east-1:123456789012:/x",
     "ERROR Invalid ARN: No ARN type specified"},
    {NULL, 0, 0, "arn:aws:sqs:us-east-1:123456789012:stream/s1",
     "ERROR Invalid ARN: The ARN was not for the Kinesis service, found: sqs."},
    {NULL, 0, 0, "arn:aws:kinesis::123456789012:stream/s1", "ERROR Invalid ARN: Invalid region."},
    {NULL, 0, 0, "arn:aws:kinesis:us-east-1::stream/s1", "ERROR Invalid ARN: Invalid account id."},
    {NULL, 0, 0, "arn:aws:kinesis:us-east-1:1234", "ERROR Invalid ARN: Failed to parse ARN."},
    {NULL, 0, 0, "nope", "ERROR Invalid ARN: Failed to parse ARN."},
    {NULL, 0, 0, "arn:aws:kinesis:us-west-2:123456789012:stream:s1",
     "https://123456789012.data-kinesis.us-east-1.amazonaws.com"},
    {NULL, 0, 0, "arn:aws:kinesis:us-east-1:123456789012:stream/s1/consumer/c:1",
     "https://123456789012.data-kinesis.us-east-1.amazonaws.com"},
};

static void expect(kinesis_status st, char *got, const kinesis_error *err, const char *want,
                   const char *label, const kinesis_allocator *a) {
    if (strncmp(want, "ERROR ", 6) == 0) {
        if (st == KINESIS_OK) fail_msg("%s: want error '%s', got %s", label, want + 6, got);
        assert_null(got);
        /* botocore's message without its final period must appear in ours */
        char text[256];
        snprintf(text, sizeof(text), "%s", want + 6);
        size_t n = strlen(text);
        if (n && text[n - 1] == '.') text[n - 1] = '\0';
        if (!strstr(err->message, text))
            fail_msg("%s: message '%s' lacks '%s'", label, err->message, text);
        return;
    }
    if (st != KINESIS_OK) fail_msg("%s: %s: %s", label, kinesis_status_name(st), err->message);
    if (strcmp(got, want) != 0) fail_msg("%s: got %s want %s", label, got, want);
    kinesis_free(a, got);
}

static void ruleset_matches_botocore(void **state) {
    (void)state;
    test_allocator ta;
    test_allocator_init(&ta);
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(rule_cases); i++) {
        const rule_case *c = &rule_cases[i];
        char *got = NULL;
        kinesis_error err;
        kinesis_error_clear(&err);
        kinesis_status st =
            kinesis_endpoint_for_arn(NULL, c->region, c->arn, c->data_plane, (uint8_t)c->fips,
                                     (uint8_t)c->dual, &ta.base, &got, &err);
        char label[160];
        snprintf(label, sizeof(label), "%s fips=%d dual=%d arn=%s data=%d", c->region, c->fips,
                 c->dual, c->arn ? c->arn : "-", c->data_plane);
        expect(st, got, &err, c->want, label, &ta.base);
    }
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(arn_cases); i++) {
        const arn_case *c = &arn_cases[i];
        char *got = NULL;
        kinesis_error err;
        kinesis_error_clear(&err);
        kinesis_status st =
            kinesis_endpoint_for_arn(c->endpoint, "us-east-1", c->arn, 1, (uint8_t)c->fips,
                                     (uint8_t)c->dual, &ta.base, &got, &err);
        char label[160];
        snprintf(label, sizeof(label), "endpoint=%s fips=%d dual=%d arn=%s",
                 c->endpoint ? c->endpoint : "-", c->fips, c->dual, c->arn ? c->arn : "-");
        expect(st, got, &err, c->want, label, &ta.base);
    }
    assert_int_equal(ta.live, 0);
}

/* Checks beyond botocore's ruleset, and the status codes. */
static void arn_validation(void **state) {
    (void)state;
    static const struct {
        const char *region, *arn;
        kinesis_status status;
        const char *msg;
    } cases[] = {
        {"us-east-1", "arn:aws:kinesis:us-east-1:12345678901:stream/s", KINESIS_E_INVALID_STREAM,
         "12 digits"},
        {"us-east-1", "arn:aws:kinesis:us-east-1:1234567890123:stream/s", KINESIS_E_INVALID_STREAM,
         "12 digits"},
        {"us-east-1", "arn:aws:kinesis:us-east-1:12345678901a:stream/s", KINESIS_E_INVALID_STREAM,
         "12 digits"},
        {"us-east-1", "arn:aws:kinesis:cn-north-1:123456789012:stream/s", KINESIS_E_INVALID_STREAM,
         "region cn-north-1 is not in partition aws"},
        {"cn-north-1", "arn:aws:kinesis:us-east-1:123456789012:stream/s", KINESIS_E_INVALID_STREAM,
         "Partition: aws from ARN doesn't match"},
        {"us-east-1", "arn:aws:kinesis:us_east-1:123456789012:stream/s", KINESIS_E_INVALID_STREAM,
         "Invalid region"},
        {"us-east-1", "", KINESIS_E_INVALID_STREAM, "Failed to parse"},
        {"us east", "arn:aws:kinesis:us-east-1:123456789012:stream/s", KINESIS_E_INVALID_ARGUMENT,
         "invalid region"},
        {"123", NULL, KINESIS_E_INVALID_ARGUMENT, "invalid region"},
        {"-us-east-1", NULL, KINESIS_E_INVALID_ARGUMENT, "invalid region"},
        {NULL, NULL, KINESIS_E_INVALID_ARGUMENT, "Missing Region"},
        /* a stream in another region of the same partition: the ruleset uses the client's */
        {"us-east-1", "arn:aws:kinesis:eu-west-1:123456789012:stream/s", KINESIS_OK,
         "https://123456789012.control-kinesis.us-east-1.amazonaws.com"},
    };
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(cases); i++) {
        char *got = NULL;
        kinesis_error err;
        kinesis_error_clear(&err);
        kinesis_status st = kinesis_endpoint_for_arn(NULL, cases[i].region, cases[i].arn, 0, 0, 0,
                                                     NULL, &got, &err);
        if (st != cases[i].status)
            fail_msg("case %zu: %s (%s)", i, kinesis_status_name(st), err.message);
        if (st == KINESIS_OK) {
            assert_string_equal(got, cases[i].msg);
            kinesis_free(NULL, got);
        } else if (!strstr(err.message, cases[i].msg)) {
            fail_msg("case %zu: '%s' lacks '%s'", i, err.message, cases[i].msg);
        }
    }
    char *got = NULL;
    assert_int_equal(
        kinesis_endpoint_for_arn("http://h", "us-east-1", NULL, 0, 1, 0, NULL, &got, NULL),
        KINESIS_E_CONFIG);
    assert_int_equal(kinesis_endpoint_for_arn(NULL, "us-east-1", NULL, 0, 0, 0, NULL, NULL, NULL),
                     KINESIS_E_INVALID_ARGUMENT);
    /* partitions */
    assert_string_equal(kinesis_partition_for_region("cn-north-1")->name, "aws-cn");
    assert_string_equal(kinesis_partition_for_region("us-gov-west-1")->name, "aws-us-gov");
    assert_string_equal(kinesis_partition_for_region("us-isob-east-1")->name, "aws-iso-b");
    assert_string_equal(kinesis_partition_for_region("aws-cn-global")->name, "aws-cn");
    assert_string_equal(kinesis_partition_for_region("us-east-1-x")->name, "aws");
    assert_string_equal(kinesis_partition_for_region("cn-north")->name, "aws");
    assert_string_equal(kinesis_partition_for_region(NULL)->name, "aws");
}

/* ---- environment and config file ---- */

static const char *const aws_vars[] = {
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_KINESIS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
};
static char config_path[64];

static void write_config(const char *text) {
    FILE *f = fopen(config_path, "wb");
    assert_non_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
}

static int setup(void **state) {
    (void)state;
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(aws_vars); i++) unsetenv(aws_vars[i]);
    snprintf(config_path, sizeof(config_path), "/tmp/kinesis_endpoint_XXXXXX");
    int fd = mkstemp(config_path);
    if (fd < 0) return -1;
    close(fd);
    setenv("AWS_CONFIG_FILE", config_path, 1);
    setenv("HOME", "/nonexistent-home", 1);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    unlink(config_path);
    return 0;
}

static const char *const config_text = "[default]\n"
                                       "region = us-west-2\n"
                                       "endpoint_url = http://profile-global:1\n"
                                       "services = local\n"
                                       "\n"
                                       "[profile plain]\n"
                                       "region = eu-central-1\n"
                                       "endpoint_url = http://plain:2/\n"
                                       "\n"
                                       "[profile fips]\n"
                                       "region = us-east-1\n"
                                       "use_fips_endpoint = True\n"
                                       "use_dualstack_endpoint = true\n"
                                       "\n"
                                       "[profile ignore]\n"
                                       "endpoint_url = http://ignored:3\n"
                                       "ignore_configured_endpoint_urls = true\n"
                                       "\n"
                                       "[profile broken]\n"
                                       "services = nowhere\n"
                                       "\n"
                                       "[profile bad-url]\n"
                                       "endpoint_url = ftp://x\n"
                                       "\n"
                                       "[profile other-service]\n"
                                       "services = s3only\n"
                                       "endpoint_url = http://global-after-services:5\n"
                                       "\n"
                                       "[services local]\n"
                                       "kinesis =\n"
                                       "  endpoint_url = http://services-kinesis:4\n"
                                       "\n"
                                       "[services s3only]\n"
                                       "s3 =\n"
                                       "  endpoint_url = http://s3:9000\n";

typedef struct env_case {
    const char *label;
    const char *env[6]; /* NAME=value pairs */
    const char *profile;
    int fips, dual, ignore;
    kinesis_status status;
    const char *want; /* URL or message substring */
} env_case;

static const env_case env_cases[] = {
    {"service env wins",
     {"AWS_ENDPOINT_URL_KINESIS=http://svc-env:7/", "AWS_ENDPOINT_URL=http://glob-env:8"},
     NULL,
     0,
     0,
     0,
     KINESIS_OK,
     "http://svc-env:7"},
    {"global env next",
     {"AWS_ENDPOINT_URL=http://glob-env:8"},
     NULL,
     0,
     0,
     0,
     KINESIS_OK,
     "http://glob-env:8"},
    {"empty env is unset",
     {"AWS_ENDPOINT_URL_KINESIS=", "AWS_ENDPOINT_URL=http://glob-env:8"},
     NULL,
     0,
     0,
     0,
     KINESIS_OK,
     "http://glob-env:8"},
    {"services section beats profile endpoint_url",
     {NULL},
     NULL,
     0,
     0,
     0,
     KINESIS_OK,
     "http://services-kinesis:4"},
    {"AWS_PROFILE selects the profile",
     {"AWS_PROFILE=plain"},
     NULL,
     0,
     0,
     0,
     KINESIS_OK,
     "http://plain:2"},
    {"services without kinesis falls back to endpoint_url",
     {NULL},
     "other-service",
     0,
     0,
     0,
     KINESIS_OK,
     "http://global-after-services:5"},
    {"missing services section", {NULL}, "broken", 0, 0, 0, KINESIS_E_CONFIG, "nowhere"},
    {"invalid configured URL", {NULL}, "bad-url", 0, 0, 0, KINESIS_E_CONFIG, "endpoint_url"},
    {"invalid env URL",
     {"AWS_ENDPOINT_URL=http://a b"},
     NULL,
     0,
     0,
     0,
     KINESIS_E_CONFIG,
     "AWS_ENDPOINT_URL"},
    {"bad port", {"AWS_ENDPOINT_URL=http://h:65536"}, NULL, 0, 0, 0, KINESIS_E_CONFIG, "URL"},
    {"ipv6 and path",
     {"AWS_ENDPOINT_URL=https://[::1]:4567/base/"},
     NULL,
     0,
     0,
     0,
     KINESIS_OK,
     "https://[::1]:4567/base"},
    {"ignore from env",
     {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=TRUE", "AWS_ENDPOINT_URL=http://e:1"},
     NULL,
     0,
     0,
     0,
     KINESIS_OK,
     "https://kinesis.us-east-1.amazonaws.com"},
    {"ignore from config",
     {NULL},
     "ignore",
     0,
     0,
     0,
     KINESIS_OK,
     "https://kinesis.us-east-1.amazonaws.com"},
    {"env false overrides config true",
     {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false"},
     "ignore",
     0,
     0,
     0,
     KINESIS_OK,
     "http://ignored:3"},
    {"ignore_environment option",
     {"AWS_ENDPOINT_URL_KINESIS=http://svc-env:7"},
     NULL,
     0,
     0,
     1,
     KINESIS_OK,
     "https://kinesis.us-east-1.amazonaws.com"},
    {"fips with configured endpoint",
     {"AWS_ENDPOINT_URL=http://e:1"},
     NULL,
     1,
     0,
     0,
     KINESIS_E_CONFIG,
     "FIPS and custom endpoint"},
    {"fips and dual-stack from config",
     {NULL},
     "fips",
     0,
     0,
     0,
     KINESIS_OK,
     "https://kinesis-fips.us-east-1.api.aws"},
    {"fips from env",
     {"AWS_USE_FIPS_ENDPOINT=true"},
     "ignore",
     0,
     0,
     0,
     KINESIS_OK,
     "https://kinesis-fips.us-east-1.amazonaws.com"},
    {"dual-stack from env",
     {"AWS_USE_DUALSTACK_ENDPOINT=true"},
     "ignore",
     0,
     0,
     0,
     KINESIS_OK,
     "https://kinesis.us-east-1.api.aws"},
    {"fips option",
     {NULL},
     "ignore",
     1,
     0,
     0,
     KINESIS_OK,
     "https://kinesis-fips.us-east-1.amazonaws.com"},
    {"dual-stack option",
     {NULL},
     "ignore",
     0,
     1,
     0,
     KINESIS_OK,
     "https://kinesis.us-east-1.api.aws"},
    {"no profile: regional",
     {NULL},
     "absent",
     0,
     0,
     0,
     KINESIS_OK,
     "https://kinesis.us-east-1.amazonaws.com"},
};

static void set_env_list(const char *const *env, size_t n) {
    for (size_t k = 0; k < n && env[k]; k++) {
        char name[64];
        const char *eq = strchr(env[k], '=');
        snprintf(name, sizeof(name), "%.*s", (int)(eq - env[k]), env[k]);
        setenv(name, eq + 1, 1);
    }
}

static void clear_env(void) {
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(aws_vars); i++)
        if (strcmp(aws_vars[i], "AWS_CONFIG_FILE") != 0) unsetenv(aws_vars[i]);
}

static void endpoint_precedence(void **state) {
    (void)state;
    write_config(config_text);
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(env_cases); i++) {
        const env_case *c = &env_cases[i];
        clear_env();
        set_env_list(c->env, KINESIS_ARRAY_LEN(c->env));
        test_allocator ta;
        test_allocator_init(&ta);
        kinesis_endpoint_options o = {"us-east-1", c->profile, (uint8_t)c->fips, (uint8_t)c->dual,
                                      (uint8_t)c->ignore};
        char *got = NULL;
        kinesis_error err;
        kinesis_error_clear(&err);
        kinesis_status st = kinesis_resolve_endpoint(&o, &ta.base, &got, &err);
        if (st != c->status)
            fail_msg("%s: %s (%s)", c->label, kinesis_status_name(st), err.message);
        if (st == KINESIS_OK) {
            if (strcmp(got, c->want) != 0) fail_msg("%s: got %s want %s", c->label, got, c->want);
            kinesis_free(&ta.base, got);
        } else {
            assert_null(got);
            if (!strstr(err.message, c->want))
                fail_msg("%s: '%s' lacks '%s'", c->label, err.message, c->want);
        }
        assert_int_equal(ta.live, 0);
    }
    clear_env();
    /* the settings the client needs for StreamARN calls */
    kinesis_endpoint_options o = {NULL, "plain", 0, 0, 0};
    kinesis_endpoint_settings s;
    assert_int_equal(kinesis_endpoint_settings_resolve(&o, NULL, &s, NULL), KINESIS_OK);
    assert_string_equal(s.configured_endpoint, "http://plain:2");
    kinesis_endpoint_settings_clean_up(&s, NULL);
    o.profile = "fips";
    assert_int_equal(kinesis_endpoint_settings_resolve(&o, NULL, &s, NULL), KINESIS_OK);
    assert_null(s.configured_endpoint);
    assert_int_equal(s.use_fips, 1);
    assert_int_equal(s.use_dualstack, 1);
    kinesis_endpoint_settings_clean_up(&s, NULL);
}

static void regional_endpoints(void **state) {
    (void)state;
    static const struct {
        const char *region;
        int fips, dual;
        const char *want;
    } cases[] = {
        {"us-east-1", 0, 0, "https://kinesis.us-east-1.amazonaws.com"},
        {"eu-west-1", 0, 0, "https://kinesis.eu-west-1.amazonaws.com"},
        {"cn-north-1", 0, 0, "https://kinesis.cn-north-1.amazonaws.com.cn"},
        {"cn-northwest-1", 0, 0, "https://kinesis.cn-northwest-1.amazonaws.com.cn"},
        {"us-gov-west-1", 0, 0, "https://kinesis.us-gov-west-1.amazonaws.com"},
        {"us-gov-west-1", 1, 0, "https://kinesis.us-gov-west-1.amazonaws.com"},
        {"us-east-1", 1, 0, "https://kinesis-fips.us-east-1.amazonaws.com"},
        {"us-east-1", 0, 1, "https://kinesis.us-east-1.api.aws"},
        {"cn-north-1", 0, 1, "https://kinesis.cn-north-1.api.amazonwebservices.com.cn"},
        {"eu-west-1", 1, 1, "https://kinesis-fips.eu-west-1.api.aws"},
    };
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(cases); i++) {
        kinesis_endpoint_options o = {cases[i].region, NULL, (uint8_t)cases[i].fips,
                                      (uint8_t)cases[i].dual, 1};
        char *got = NULL;
        assert_int_equal(kinesis_resolve_endpoint(&o, NULL, &got, NULL), KINESIS_OK);
        assert_string_equal(got, cases[i].want);
        kinesis_free(NULL, got);
    }
    kinesis_endpoint_options o = {"not a region", NULL, 0, 0, 1};
    char *got = NULL;
    assert_int_equal(kinesis_resolve_endpoint(&o, NULL, &got, NULL), KINESIS_E_INVALID_ARGUMENT);
    o.region = NULL;
    assert_int_equal(kinesis_resolve_endpoint(&o, NULL, &got, NULL), KINESIS_E_INVALID_ARGUMENT);
    assert_int_equal(kinesis_resolve_endpoint(NULL, NULL, &got, NULL), KINESIS_E_INVALID_ARGUMENT);
    assert_null(got);
}

static void region_order(void **state) {
    (void)state;
    write_config("[default]\nregion = us-west-2\n[profile p]\nregion = eu-north-1\n"
                 "[profile noregion]\noutput = json\n[profile bad]\nregion = us east\n");
    static const struct {
        const char *env[3];
        const char *profile;
        kinesis_status status;
        const char *want;
    } cases[] = {
        {{"AWS_REGION=ap-south-1", "AWS_DEFAULT_REGION=sa-east-1"}, "p", KINESIS_OK, "ap-south-1"},
        {{"AWS_REGION=", "AWS_DEFAULT_REGION=sa-east-1"}, "p", KINESIS_OK, "sa-east-1"},
        {{NULL}, "p", KINESIS_OK, "eu-north-1"},
        {{NULL}, NULL, KINESIS_OK, "us-west-2"},
        {{"AWS_PROFILE=p"}, NULL, KINESIS_OK, "eu-north-1"},
        {{"AWS_PROFILE=p"}, "default", KINESIS_OK, "us-west-2"},
        {{NULL}, "noregion", KINESIS_E_NO_REGION, "noregion"},
        {{NULL}, "absent", KINESIS_E_NO_REGION, "absent"},
        {{NULL}, "bad", KINESIS_E_CONFIG, "config file"},
        {{"AWS_REGION=us_east"}, NULL, KINESIS_E_CONFIG, "AWS_REGION"},
    };
    for (size_t i = 0; i < KINESIS_ARRAY_LEN(cases); i++) {
        clear_env();
        set_env_list(cases[i].env, 3);
        test_allocator ta;
        test_allocator_init(&ta);
        char *got = NULL;
        kinesis_error err;
        kinesis_error_clear(&err);
        kinesis_status st = kinesis_resolve_region(cases[i].profile, &ta.base, &got, &err);
        if (st != cases[i].status)
            fail_msg("case %zu: %s (%s)", i, kinesis_status_name(st), err.message);
        if (st == KINESIS_OK) {
            assert_string_equal(got, cases[i].want);
            kinesis_free(&ta.base, got);
        } else {
            assert_null(got);
            if (!strstr(err.message, cases[i].want))
                fail_msg("case %zu: '%s' lacks '%s'", i, err.message, cases[i].want);
        }
        assert_int_equal(ta.live, 0);
    }
    clear_env();
    /* missing config file: no region, not an error of its own */
    unlink(config_path);
    char *got = NULL;
    assert_int_equal(kinesis_resolve_region(NULL, NULL, &got, NULL), KINESIS_E_NO_REGION);
    /* malformed config file: the path and line */
    write_config("[default]\nregion = us-west-2\nregion\n");
    kinesis_error err;
    assert_int_equal(kinesis_resolve_region(NULL, NULL, &got, &err), KINESIS_E_CONFIG);
    assert_non_null(strstr(err.message, config_path));
    assert_non_null(strstr(err.message, ":3:"));
    kinesis_endpoint_options o = {"us-east-1", NULL, 0, 0, 0};
    assert_int_equal(kinesis_resolve_endpoint(&o, NULL, &got, &err), KINESIS_E_CONFIG);
    assert_int_equal(kinesis_resolve_region(NULL, NULL, NULL, NULL), KINESIS_E_INVALID_ARGUMENT);
}

static void allocation_failures(void **state) {
    (void)state;
    write_config(config_text);
    clear_env();
    for (int kind = 0; kind < 4; kind++) {
        for (long n = 1;; n++) {
            test_allocator ta;
            test_allocator_init(&ta);
            ta.fail_at = n;
            char *got = NULL;
            kinesis_status st;
            kinesis_endpoint_options o = {"us-east-1", kind == 1 ? "plain" : NULL, 0, 0, 0};
            if (kind <= 1)
                st = kinesis_resolve_endpoint(&o, &ta.base, &got, NULL);
            else if (kind == 2)
                st = kinesis_resolve_region("plain", &ta.base, &got, NULL);
            else
                st = kinesis_endpoint_for_arn(NULL, "us-east-1",
                                              "arn:aws:kinesis:us-east-1:123456789012:stream/s", 1,
                                              0, 0, &ta.base, &got, NULL);
            if (st == KINESIS_OK) {
                kinesis_free(&ta.base, got);
                assert_int_equal(ta.live, 0);
                if (ta.total < n) break;
                continue;
            }
            if (kind == 2 && st == KINESIS_E_NO_REGION) {
                /* profile p is absent from config_text: still must not leak */
                assert_int_equal(ta.live, 0);
                if (ta.total < n) break;
                continue;
            }
            assert_int_equal(st, KINESIS_E_NO_MEMORY);
            assert_null(got);
            assert_int_equal(ta.live, 0);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ruleset_matches_botocore),
        cmocka_unit_test(arn_validation),
        cmocka_unit_test_setup_teardown(endpoint_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(regional_endpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(region_order, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
