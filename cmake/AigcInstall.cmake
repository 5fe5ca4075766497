# install(EXPORT) with the aigc:: namespace, a package config with find_dependency,
# a version file and a pkg-config file.
include(CMakePackageConfigHelpers)

set(AIGC_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/aigc")

install(TARGETS aigc aigc_static EXPORT aigcTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(AIGC_CUDA_ENABLED)  # the module beside libaigc.so, where the loader looks first
  install(TARGETS aigc_cuda LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(TARGETS aigc_cuda_static EXPORT aigcTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(DIRECTORY include/aigc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT aigcTargets NAMESPACE aigc:: DESTINATION ${AIGC_CMAKE_DIR})

configure_package_config_file(cmake/aigcConfig.cmake.in
  "${PROJECT_BINARY_DIR}/aigcConfig.cmake" INSTALL_DESTINATION ${AIGC_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/aigcConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/aigcConfig.cmake" "${PROJECT_BINARY_DIR}/aigcConfigVersion.cmake"
  DESTINATION ${AIGC_CMAKE_DIR})

configure_file(cmake/aigc.pc.in "${PROJECT_BINARY_DIR}/aigc.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/aigc.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
