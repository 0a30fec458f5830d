# The core API against each real local server, and a server killed mid-run.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
add_executable(integ_api ${CMAKE_CURRENT_LIST_DIR}/integ_api.c)
target_link_libraries(integ_api PRIVATE kinesis_shared)
set(KINESIS_WITH_SERVERS ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/harness/with_servers.py --quiet)
foreach(server moto kinesalite kinesis-local)
  add_test(NAME integration.api.${server}
    COMMAND ${KINESIS_WITH_SERVERS} --servers ${server} -- $<TARGET_FILE:integ_api> ${server})
  set_tests_properties(integration.api.${server} PROPERTIES LABELS integration TIMEOUT 300
    SKIP_RETURN_CODE 77)
endforeach()
add_test(NAME integration.api.killed_server
  COMMAND ${KINESIS_WITH_SERVERS} --servers kinesalite -- $<TARGET_FILE:integ_api> kinesalite kill)
set_tests_properties(integration.api.killed_server PROPERTIES LABELS integration TIMEOUT 120
  SKIP_RETURN_CODE 77)
