/* libkinesis: the whole public API. Include this, or only the headers you need. */
#ifndef KINESIS_KINESIS_H
#define KINESIS_KINESIS_H

#include "kinesis/common.h"
#include "kinesis/status.h"
#include "kinesis/crypto.h"
#include "kinesis/base64.h"
#include "kinesis/hashkey.h"
#include "kinesis/agg.h"
#include "kinesis/eventstream.h"
#include "kinesis/transport.h"
#include "kinesis/credentials.h"
#include "kinesis/config.h"
#include "kinesis/signer.h"
#include "kinesis/client.h"
#include "kinesis/streams.h"
#include "kinesis/records.h"
#include "kinesis/admin.h"
#include "kinesis/consumers.h"
#include "kinesis/producer.h"
#include "kinesis/consumer.h"

#endif
