# CLI aggregation tests (offline: no credentials, region or endpoint needed).
#   cli.agg_offline        aggregate/deaggregate against the shared KPL vectors, size limits,
#                          KCL/strict decoding, hash ranges, usage errors
#   cli.agg_node_roundtrip random records through `kinesis aggregate`, then the reference Node
#                          deaggregator (aws-kinesis-agg) and `kinesis deaggregate`; skipped (77)
#                          without node or the module, unless CI=true
#   cli.agg_stream         `aggregate --stream-name` against moto and kinesalite: grouping by the
#                          stream's shard map, aggregates land on the predicted shards, GetRecords
#                          output deaggregated per shard range (77 when servers cannot start)
if(TARGET kinesis_cli)
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    add_test(NAME cli.agg_offline
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cli_agg_offline.py
              $<TARGET_FILE:kinesis_cli> ${KINESIS_TEST_DATA})
    set_tests_properties(cli.agg_offline PROPERTIES LABELS "cli" TIMEOUT 300)
    add_test(NAME cli.agg_stream
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/../harness/with_servers.py
              --servers moto,kinesalite --
              ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cli_agg_stream.py
              $<TARGET_FILE:kinesis_cli>)
    set_tests_properties(cli.agg_stream PROPERTIES LABELS "cli;integration" TIMEOUT 600
                         SKIP_RETURN_CODE 77)
  endif()
  add_test(NAME cli.agg_node_roundtrip
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_agg_node.sh $<TARGET_FILE:kinesis_cli>
            ${PROJECT_SOURCE_DIR})
  set_tests_properties(cli.agg_node_roundtrip PROPERTIES LABELS "cli" TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()
