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

# libaigc.so without the CUDA libraries: loads, says why CUDA is missing, generates text.
add_executable(capi_backend_module_probe capi/backend_module_probe.c)
set_target_properties(capi_backend_module_probe PROPERTIES C_STANDARD 99)
target_link_libraries(capi_backend_module_probe PRIVATE aigc aigc_flags)
if(TARGET aigc_cuda)
  set(_aigc_cuda_module $<TARGET_FILE:aigc_cuda>)
else()
  set(_aigc_cuda_module none)
endif()
add_test(NAME capi.cuda_less_load
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/capi/check_cuda_less_load.sh $<TARGET_FILE:aigc>
          ${_aigc_cuda_module} $<TARGET_FILE:capi_backend_module_probe> ${AIGC_MODELS_DIR}/llama2c-stories260k/stories260K.bin)
set_tests_properties(capi.cuda_less_load PROPERTIES SKIP_RETURN_CODE 77 LABELS capi)
