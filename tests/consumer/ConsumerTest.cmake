# Installs this build into a scratch prefix, then builds and runs small consumer programs
# against the installed package: with find_package(aigc) (shared and static targets) and
# with pkg-config.
add_test(NAME consumer.installed_package
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run_consumer.sh
          ${PROJECT_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/consumer ${CMAKE_CURRENT_BINARY_DIR}/consumer-work)
set_tests_properties(consumer.installed_package PROPERTIES LABELS consumer TIMEOUT 900)
