# Producer integration tests: real servers, and the fault-injecting proxy
# (tests/harness/fault_proxy.py, started by producer_fault.py on loopback).
include(${CMAKE_CURRENT_LIST_DIR}/harness.cmake)
add_executable(producer_integ ${CMAKE_CURRENT_LIST_DIR}/producer_integ.c)
target_link_libraries(producer_integ PRIVATE kinesis_internal)
foreach(server kinesalite kinesis-local)
  kinesis_add_server_test(integration.producer.basic.${server} SERVERS ${server}
    COMMAND $<TARGET_FILE:producer_integ> ${server} basic TIMEOUT 300 LABELS producer)
endforeach()
kinesis_add_server_test(integration.producer.reshard SERVERS kinesalite
  COMMAND $<TARGET_FILE:producer_integ> kinesalite reshard TIMEOUT 300 LABELS producer)
foreach(scenario faults stall)
  kinesis_add_server_test(integration.producer.${scenario} SERVERS kinesalite
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/producer_fault.py
      --integ $<TARGET_FILE:producer_integ> --server kinesalite --scenario ${scenario}
    TIMEOUT 600 LABELS producer)
endforeach()
if(TARGET kinesis_cli)
  kinesis_add_server_test(integration.producer.cli SERVERS kinesalite
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/producer_fault.py
      --integ $<TARGET_FILE:producer_integ> --cli $<TARGET_FILE:kinesis_cli> --server kinesalite
      --scenario cli
    TIMEOUT 600 LABELS producer)
endif()
if(TARGET kinesis_cli AND Python3_Interpreter_FOUND)
  add_test(NAME integration.producer.readme
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/producer_readme.py
      $<TARGET_FILE:kinesis_cli> ${PROJECT_SOURCE_DIR}/README.md)
  set_tests_properties(integration.producer.readme PROPERTIES LABELS "producer" TIMEOUT 60)
endif()
