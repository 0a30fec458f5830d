# Python bindings (bindings/python): the pytest suite against kinesalite and kinesis-local.
#
# Python cannot dlopen an ASan/UBSan/libFuzzer-instrumented libkinesis.so, so a sanitized or
# fuzzing build configures and builds a plain copy of the shared library in
# <build>/python-lib (target kinesis_python_lib, part of ALL) and points LIBKINESIS_LIBRARY at
# it; a plain build uses its own kinesis_shared. pytest runs under Debian's /usr/bin/python3
# (python3-pytest, installed by tests/harness/install-deps.sh) unless KINESIS_PYTEST_PYTHON
# names another interpreter that has pytest. Any pytest exit status other than 0 (including 5,
# "no tests collected") fails the test.
include(${CMAKE_CURRENT_LIST_DIR}/harness.cmake)

set(KINESIS_PYTEST_PYTHON "" CACHE FILEPATH "Python interpreter with pytest for the binding tests")
if(NOT KINESIS_PYTEST_PYTHON)
  foreach(cand /usr/bin/python3 ${Python3_EXECUTABLE})
    if(EXISTS ${cand})
      execute_process(COMMAND ${cand} -c "import pytest" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
      if(rc EQUAL 0)
        set(KINESIS_PYTEST_PYTHON_FOUND ${cand})
        break()
      endif()
    endif()
  endforeach()
  if(NOT KINESIS_PYTEST_PYTHON_FOUND)
    # Registered anyway so the missing pytest is a visible failure, not a silent skip.
    set(KINESIS_PYTEST_PYTHON_FOUND /usr/bin/python3)
    message(WARNING "no python3 with pytest found (install python3-pytest): python.bindings will fail")
  endif()
else()
  set(KINESIS_PYTEST_PYTHON_FOUND ${KINESIS_PYTEST_PYTHON})
endif()

if(KINESIS_SANITIZE OR KINESIS_FUZZ)
  set(KINESIS_PYTHON_LIB_DIR ${CMAKE_BINARY_DIR}/python-lib)
  add_custom_target(kinesis_python_lib ALL
    COMMAND ${CMAKE_COMMAND} -S ${PROJECT_SOURCE_DIR} -B ${KINESIS_PYTHON_LIB_DIR}
            -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER} -DCMAKE_BUILD_TYPE=RelWithDebInfo
            -DKINESIS_SANITIZE=OFF -DKINESIS_FUZZ=OFF -DKINESIS_BUILD_TESTS=OFF
            -DKINESIS_BUILD_CLI=OFF -DKINESIS_BUILD_EXAMPLES=OFF -DKINESIS_BUILD_BENCHMARKS=OFF
            > ${KINESIS_PYTHON_LIB_DIR}-configure.log
    COMMAND ${CMAKE_COMMAND} --build ${KINESIS_PYTHON_LIB_DIR} --target kinesis_shared
    COMMENT "Building a non-sanitized libkinesis.so for the Python bindings"
    VERBATIM)
  set(KINESIS_PYTHON_LIBRARY ${KINESIS_PYTHON_LIB_DIR}/lib/libkinesis.so)
else()
  set(KINESIS_PYTHON_LIBRARY $<TARGET_FILE:kinesis_shared>)
endif()

kinesis_add_server_test(python.bindings SERVERS kinesalite,kinesis-local
  COMMAND ${KINESIS_PYTEST_PYTHON_FOUND} -m pytest -q -p no:cacheprovider
          ${PROJECT_SOURCE_DIR}/bindings/python/tests
  TIMEOUT 300 LABELS python)
if(TEST python.bindings)
  set(env "LIBKINESIS_LIBRARY=${KINESIS_PYTHON_LIBRARY}")
  if(TARGET kinesis_cli)
    list(APPEND env "KINESIS_CLI=$<TARGET_FILE:kinesis_cli>")
  endif()
  set_tests_properties(python.bindings PROPERTIES ENVIRONMENT "${env}")
endif()
