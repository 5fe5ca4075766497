# aigc_module(NAME DIRS d... [GLOB pattern] [SOURCES f...] [LIBS l...] [OUTSIDE_CORE])
# One object library per layer. Sources are globbed per directory (not recursively), so
# adding an op file needs no CMake edit. LIBS are the external libraries the layer uses.
# OUTSIDE_CORE: not part of libaigc (the CUDA objects, which go into libaigc-cuda.so).
set(AIGC_MODULE_TARGETS "")
set(AIGC_MODULE_LIBS "")

function(aigc_module name)
  cmake_parse_arguments(M "OUTSIDE_CORE" "GLOB" "DIRS;SOURCES;LIBS" ${ARGN})
  if(NOT M_GLOB)
    set(M_GLOB "*.cpp")
  endif()
  set(srcs ${M_SOURCES})
  foreach(d ${M_DIRS})
    file(GLOB found CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${d}/${M_GLOB}")
    list(APPEND srcs ${found})
  endforeach()
  if(NOT srcs)  # a layer with no sources yet adds no target
    return()
  endif()
  add_library(${name} OBJECT ${srcs})
  target_include_directories(${name} PRIVATE
    "${PROJECT_SOURCE_DIR}/include" "${PROJECT_SOURCE_DIR}/src")
  target_compile_definitions(${name} PRIVATE AIGC_BUILDING_LIBRARY)
  target_link_libraries(${name} PRIVATE aigc_flags fmt::fmt ${M_LIBS})
  if(M_OUTSIDE_CORE)
    return()
  endif()
  # Default visibility: cmake/aigc.map decides what libaigc.so exports (the C ABI, and the
  # C++ core for backend modules under a private version node).
  set_target_properties(${name} PROPERTIES CXX_VISIBILITY_PRESET default)
  set(AIGC_MODULE_TARGETS ${AIGC_MODULE_TARGETS} ${name} PARENT_SCOPE)
  set(AIGC_MODULE_LIBS ${AIGC_MODULE_LIBS} ${M_LIBS} PARENT_SCOPE)
endfunction()

# aigc (shared: exports only aigc_* C symbols through a version script) and aigc_static
# (libaigc.a: the same objects, for C++ users of the tensor core and for the tests).
macro(aigc_add_libraries)
  list(REMOVE_DUPLICATES AIGC_MODULE_LIBS)
  set(_objs "")
  foreach(m ${AIGC_MODULE_TARGETS})
    list(APPEND _objs $<TARGET_OBJECTS:${m}>)
  endforeach()

  configure_file("${PROJECT_SOURCE_DIR}/cmake/aigc.map" "${PROJECT_BINARY_DIR}/aigc.map" @ONLY)
  add_library(aigc SHARED ${_objs})
  add_library(aigc_static STATIC ${_objs})
  set_target_properties(aigc_static PROPERTIES OUTPUT_NAME aigc)
  set_target_properties(aigc PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
    LINK_DEPENDS "${PROJECT_BINARY_DIR}/aigc.map")
  # -Bsymbolic: calls inside the library bind to its own definitions (no PLT hops, no
  # interposition), though the C++ core is exported for the modules.
  target_link_options(aigc PRIVATE "-Wl,--version-script=${PROJECT_BINARY_DIR}/aigc.map"
    "-Wl,--no-undefined" "-Wl,-Bsymbolic")
  foreach(lib aigc aigc_static)
    target_include_directories(${lib} PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${lib} PRIVATE fmt::fmt ${AIGC_MODULE_LIBS} Threads::Threads
      ${CMAKE_DL_LIBS} $<BUILD_INTERFACE:aigc_flags>)
  endforeach()
  target_compile_definitions(aigc_static INTERFACE AIGC_STATIC)
  add_library(aigc::aigc ALIAS aigc)
  add_library(aigc::aigc_static ALIAS aigc_static)
endmacro()

# libaigc-cuda.so: the CUDA backend as a module that libaigc.so loads on first use
# (src/backend/module_loader.hpp), so libaigc.so needs no CUDA runtime; and libaigc-cuda.a
# (aigc_cuda_static) for programs that link the static library and want CUDA: link it
# whole (the tests do: $<LINK_LIBRARY:WHOLE_ARCHIVE,aigc_cuda_static>).
macro(aigc_add_cuda_module)
  add_library(aigc_cuda MODULE $<TARGET_OBJECTS:aigc_backend_cuda>
              "${PROJECT_SOURCE_DIR}/src/backend/cuda/module_entry.cpp")
  target_include_directories(aigc_cuda PRIVATE "${PROJECT_SOURCE_DIR}/include" "${PROJECT_SOURCE_DIR}/src")
  target_compile_definitions(aigc_cuda PRIVATE AIGC_BUILDING_LIBRARY)
  target_link_libraries(aigc_cuda PRIVATE aigc CUDA::cudart CUDA::cublas fmt::fmt aigc_flags)
  set_target_properties(aigc_cuda PROPERTIES OUTPUT_NAME aigc-cuda PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}"
    LINK_DEPENDS "${PROJECT_SOURCE_DIR}/cmake/aigc-backend-module.map"
    INSTALL_RPATH "$ORIGIN;${CUDAToolkit_LIBRARY_DIR}")
  target_link_options(aigc_cuda PRIVATE
    "-Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/aigc-backend-module.map" "-Wl,--no-undefined")

  add_library(aigc_cuda_static STATIC $<TARGET_OBJECTS:aigc_backend_cuda>
              "${PROJECT_SOURCE_DIR}/src/backend/cuda/static_registration.cpp")
  target_include_directories(aigc_cuda_static PRIVATE "${PROJECT_SOURCE_DIR}/src"
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>)
  target_link_libraries(aigc_cuda_static PUBLIC aigc_static CUDA::cudart CUDA::cublas
    PRIVATE fmt::fmt $<BUILD_INTERFACE:aigc_flags>)
  set_target_properties(aigc_cuda_static PROPERTIES OUTPUT_NAME aigc-cuda)
  add_library(aigc::aigc_cuda_static ALIAS aigc_cuda_static)
endmacro()
