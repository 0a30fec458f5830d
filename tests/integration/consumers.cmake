# Enhanced fan-out consumer operations and SubscribeToShard against real servers.
add_executable(integ_consumers ${CMAKE_CURRENT_LIST_DIR}/integ_consumers.c)
target_link_libraries(integ_consumers PRIVATE kinesis_shared Threads::Threads)
foreach(server kinesis-local moto)
  kinesis_add_server_test(integration.consumers.${server} SERVERS ${server}
    COMMAND $<TARGET_FILE:integ_consumers> ${server} TIMEOUT 180)
endforeach()
