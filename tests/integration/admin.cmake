# Stream-management calls (admin.h) against each local server: resharding with record routing
# on kinesalite and kinesis-local, every other operation where the server has it and the clear
# error it gives where it does not (see the header of integ_admin.c).
include(${CMAKE_CURRENT_LIST_DIR}/harness.cmake)
add_executable(integ_admin ${CMAKE_CURRENT_LIST_DIR}/integ_admin.c)
target_link_libraries(integ_admin PRIVATE kinesis_shared)
foreach(server moto kinesalite kinesis-local)
  kinesis_add_server_test(integration.admin.${server} SERVERS ${server}
    COMMAND $<TARGET_FILE:integ_admin> ${server} TIMEOUT 120)
endforeach()
