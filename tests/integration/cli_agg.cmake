# CLI aggregation tests (offline: no credentials, region or endpoint needed).
#   cli.agg_offline        aggregate/deaggregate against the shared KPL vectors, size limits,
#                          KCL/strict decoding, hash ranges, usage errors
#   cli.agg_node_roundtrip random records through `kinesis aggregate`, then the reference Node
#                          deaggregator (aws-kinesis-agg) and `kinesis deaggregate`; skipped (77)
#                          without node or the module, unless CI=true
if(TARGET kinesis_cli)
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    add_test(NAME cli.agg_offline
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cli_agg_offline.py
              $<TARGET_FILE:kinesis_cli> ${KINESIS_TEST_DATA})
    set_tests_properties(cli.agg_offline PROPERTIES LABELS "cli" TIMEOUT 300)
  endif()
  add_test(NAME cli.agg_node_roundtrip
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_agg_node.sh $<TARGET_FILE:kinesis_cli>
            ${PROJECT_SOURCE_DIR})
  set_tests_properties(cli.agg_node_roundtrip PROPERTIES LABELS "cli" TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()
