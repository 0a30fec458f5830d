# Self-test of the local-server harness (tests/harness): starts moto, kinesalite and kinesis-local
# on loopback and checks that they answer, that moto verifies signatures, that nothing listens
# beyond 127.0.0.1 and that with_servers.py leaves no server behind. Exit 77 = skipped (a server
# is not installed; with CI=true that is a failure instead).
#
# Also defines kinesis_add_server_test() for other tests/integration/*.cmake files:
#   kinesis_add_server_test(<test name> SERVERS moto,kinesalite,kinesis-local|all
#                           COMMAND <cmd> [args...] [TIMEOUT <s>] [LABELS <label>...])
# It runs COMMAND under with_servers.py (see tests/harness/README.md for the exported variables).
# Files are included in alphabetical order, so a file sorting before "harness.cmake" must
# include(${CMAKE_CURRENT_LIST_DIR}/harness.cmake) itself; including it twice is harmless.
include_guard(GLOBAL)

find_package(Python3 COMPONENTS Interpreter)
set(KINESIS_HARNESS_DIR ${PROJECT_SOURCE_DIR}/tests/harness)
set(KINESIS_WITH_SERVERS ${KINESIS_HARNESS_DIR}/with_servers.py)

function(kinesis_add_server_test name)
  cmake_parse_arguments(ARG "" "SERVERS;TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(NOT ARG_SERVERS OR NOT ARG_COMMAND)
    message(FATAL_ERROR "kinesis_add_server_test(${name}): SERVERS and COMMAND are required")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  if(NOT Python3_Interpreter_FOUND)
    message(WARNING "python3 not found: integration test ${name} is not registered")
    return()
  endif()
  add_test(NAME ${name}
    COMMAND ${Python3_EXECUTABLE} ${KINESIS_WITH_SERVERS} --servers ${ARG_SERVERS} -- ${ARG_COMMAND})
  set_tests_properties(${name} PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT ${ARG_TIMEOUT} LABELS "integration;${ARG_LABELS}")
endfunction()

kinesis_add_server_test(integration.harness SERVERS all
  COMMAND ${Python3_EXECUTABLE} ${KINESIS_HARNESS_DIR}/test_harness.py
  TIMEOUT 300)
