# The installed package works from outside the tree (find_package and pkg-config).
set(KINESIS_PACKAGE_FLAGS "")
if(KINESIS_SANITIZE)
  set(KINESIS_PACKAGE_FLAGS "-fsanitize=address,undefined")
endif()
add_test(NAME integration.package
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/package/check.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR}
          "${KINESIS_PACKAGE_FLAGS}")
set_tests_properties(integration.package PROPERTIES LABELS integration TIMEOUT 300)
