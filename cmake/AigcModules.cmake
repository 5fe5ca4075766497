# aigc_module(NAME DIRS d... [GLOB pattern] [SOURCES f...] [LIBS l...])
# One object library per layer. Sources are globbed per directory (not recursively), so
# adding an op file needs no CMake edit. LIBS are the external libraries the layer uses.
set(AIGC_MODULE_TARGETS "")
set(AIGC_MODULE_LIBS "")

function(aigc_module name)
  cmake_parse_arguments(M "" "GLOB" "DIRS;SOURCES;LIBS" ${ARGN})
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

  add_library(aigc SHARED ${_objs})
  add_library(aigc_static STATIC ${_objs})
  set_target_properties(aigc_static PROPERTIES OUTPUT_NAME aigc)
  set_target_properties(aigc PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
    LINK_DEPENDS "${PROJECT_SOURCE_DIR}/cmake/aigc.map")
  target_link_options(aigc PRIVATE "-Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/aigc.map"
    "-Wl,--no-undefined")
  foreach(lib aigc aigc_static)
    target_include_directories(${lib} PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${lib} PRIVATE fmt::fmt ${AIGC_MODULE_LIBS} Threads::Threads
      $<BUILD_INTERFACE:aigc_flags>)
  endforeach()
  target_compile_definitions(aigc_static INTERFACE AIGC_STATIC)
  add_library(aigc::aigc ALIAS aigc)
  add_library(aigc::aigc_static ALIAS aigc_static)
endmacro()
