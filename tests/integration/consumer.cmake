# The consumer (issue 6) end to end through `kinesis consume`:
#   consumer.reshard         kinesalite: a split and a merge while records flow (plain, Node-,
#                            encoder- and producer-aggregated): exactly once, parents first,
#                            per-key order
#   consumer.kill_restart    kinesalite: SIGKILL at random points, restart from the checkpoint
#                            file: nothing lost, nothing checkpointed delivered again
#   consumer.server_restart  its own kinesalite (LevelDB path) killed and started again on the
#                            same port mid-read: the consumer waits it out and loses nothing
#   consumer.start_positions kinesalite: trim-horizon, at-timestamp (epoch and ISO), latest
#   consumer.efo             kinesis-local: enhanced fan-out (register, SubscribeToShard,
#                            resubscribe) across a split
# Expired iterators, throttling and 5xx are covered by tests/unit/test_consumer.c.
include(${CMAKE_CURRENT_LIST_DIR}/harness.cmake)
if(TARGET kinesis_cli AND Python3_Interpreter_FOUND)
  kinesis_add_server_test(consumer.reshard SERVERS kinesalite
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/consumer_reshard.py
            $<TARGET_FILE:kinesis_cli> TIMEOUT 300 LABELS consumer)
  kinesis_add_server_test(consumer.kill_restart SERVERS kinesalite
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/consumer_kill.py
            $<TARGET_FILE:kinesis_cli> TIMEOUT 300 LABELS consumer)
endif()
if(TARGET kinesis_cli AND Python3_Interpreter_FOUND)
  kinesis_add_server_test(consumer.server_restart SERVERS kinesalite
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/consumer_server_restart.py
            $<TARGET_FILE:kinesis_cli> TIMEOUT 300 LABELS consumer)
  kinesis_add_server_test(consumer.efo SERVERS kinesis-local
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/consumer_efo.py
            $<TARGET_FILE:kinesis_cli> TIMEOUT 300 LABELS consumer)
endif()
if(TARGET kinesis_cli AND Python3_Interpreter_FOUND)
  kinesis_add_server_test(consumer.start_positions SERVERS kinesalite
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/consumer_start.py
            $<TARGET_FILE:kinesis_cli> TIMEOUT 300 LABELS consumer)
endif()
