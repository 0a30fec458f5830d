# The core API against each real local server, and a server killed mid-run.
add_executable(integ_api ${CMAKE_CURRENT_LIST_DIR}/integ_api.c)
target_link_libraries(integ_api PRIVATE kinesis_shared)
foreach(server moto kinesalite kinesis-local)
  kinesis_add_server_test(integration.api.${server} SERVERS ${server}
    COMMAND $<TARGET_FILE:integ_api> ${server})
endforeach()
kinesis_add_server_test(integration.api.killed_server SERVERS kinesalite
  COMMAND $<TARGET_FILE:integ_api> kinesalite kill TIMEOUT 120)
