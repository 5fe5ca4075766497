# C ABI checks: the header compiles as strict C99, the shared library exports only
# aigc_* symbols, and the source tree respects the layering of docs/ARCHITECTURE.md.

add_executable(capi_c99_header capi/c99_header.c)
set_target_properties(capi_c99_header PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_compile_options(capi_c99_header PRIVATE -pedantic-errors -Wall -Wextra -Werror)
target_link_libraries(capi_c99_header PRIVATE aigc aigc_flags)  # flags: sanitizer runtime in ASan builds
add_test(NAME capi.c99_header COMMAND capi_c99_header)

find_package(Python3 COMPONENTS Interpreter REQUIRED)
add_test(NAME capi.exported_symbols
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/capi/check_exports.py $<TARGET_FILE:aigc>)
add_test(NAME core.layering
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_layering.py ${PROJECT_SOURCE_DIR})
