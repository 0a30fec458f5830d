# Source lists by room, so firmware builds can vendor parts without this project's CMake.
# Each room depends only on the rooms listed before it.
set(KINESIS_LIB_DIR ${CMAKE_CURRENT_LIST_DIR}/../lib)

# core: allocator, status, logging helpers, default crypto (OpenSSL).
file(GLOB KINESIS_CORE_SOURCES CONFIGURE_DEPENDS
  ${KINESIS_LIB_DIR}/util.c ${KINESIS_LIB_DIR}/status.c ${KINESIS_LIB_DIR}/crypto_openssl.c)
# codec: base64, hash keys, KPL aggregation, event-stream framing (no I/O, no JSON).
file(GLOB KINESIS_CODEC_SOURCES CONFIGURE_DEPENDS
  ${KINESIS_LIB_DIR}/base64.c ${KINESIS_LIB_DIR}/hashkey.c ${KINESIS_LIB_DIR}/agg_*.c
  ${KINESIS_LIB_DIR}/eventstream*.c)
# signer: SigV4 core and the pluggable signer.
file(GLOB KINESIS_SIGNER_SOURCES CONFIGURE_DEPENDS ${KINESIS_LIB_DIR}/sigv4*.c ${KINESIS_LIB_DIR}/signer*.c)
# config: credentials providers, shared config files, region and endpoint resolution.
file(GLOB KINESIS_CONFIG_SOURCES CONFIGURE_DEPENDS
  ${KINESIS_LIB_DIR}/credentials*.c ${KINESIS_LIB_DIR}/profile*.c ${KINESIS_LIB_DIR}/endpoint*.c)
# transport: the interface and its libcurl implementation.
file(GLOB KINESIS_TRANSPORT_SOURCES CONFIGURE_DEPENDS ${KINESIS_LIB_DIR}/transport*.c)
# client: JSON, retries, operations.
file(GLOB KINESIS_CLIENT_SOURCES CONFIGURE_DEPENDS
  ${KINESIS_LIB_DIR}/json*.c ${KINESIS_LIB_DIR}/client*.c ${KINESIS_LIB_DIR}/retry*.c
  ${KINESIS_LIB_DIR}/ops_*.c ${KINESIS_LIB_DIR}/waiter*.c
  ${KINESIS_LIB_DIR}/producer*.c
  ${KINESIS_LIB_DIR}/consumer*.c ${KINESIS_LIB_DIR}/checkpoint*.c)

set(KINESIS_ALL_SOURCES ${KINESIS_CORE_SOURCES} ${KINESIS_CODEC_SOURCES} ${KINESIS_SIGNER_SOURCES}
  ${KINESIS_CONFIG_SOURCES} ${KINESIS_TRANSPORT_SOURCES} ${KINESIS_CLIENT_SOURCES})
