# The kinesis CLI's tests (the shorthand unit test is tests/unit/test_cli_shorthand.c, which
# compiles the CLI sources it tests directly and is picked up by the unit-test glob).
#   cli.requests  offline: request JSON of all 39 commands, usage errors, validation (nothing
#                 sent), help, a dead endpoint
#   cli.e2e       the CLI against moto, kinesalite and kinesis-local (skipped, 77, when the
#                 servers cannot start outside CI)
if(TARGET kinesis_cli)
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    set(_cli_root ${CMAKE_CURRENT_LIST_DIR}/../..)
    add_test(NAME cli.requests
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cli_e2e.py --offline
              --cli $<TARGET_FILE:kinesis_cli>)
    set_tests_properties(cli.requests PROPERTIES LABELS "cli" TIMEOUT 300)
    add_test(NAME cli.e2e
      COMMAND ${Python3_EXECUTABLE} ${_cli_root}/tests/harness/with_servers.py
              --servers moto,kinesalite,kinesis-local --
              ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cli_e2e.py
              --cli $<TARGET_FILE:kinesis_cli>)
    set_tests_properties(cli.e2e PROPERTIES LABELS "cli;integration" TIMEOUT 600
                         SKIP_RETURN_CODE 77)
  endif()
endif()

# subscribe-to-shard and wait, end to end on kinesis-local (HTTP/2 cleartext).
if(TARGET kinesis_cli AND Python3_Interpreter_FOUND)
  kinesis_add_server_test(cli.subscribe SERVERS kinesis-local
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cli_subscribe.py
            $<TARGET_FILE:kinesis_cli> TIMEOUT 300 LABELS cli)
endif()
