# Installs the libraries, headers and a CMake package so that a downstream project can
# `find_package(setl)` and link `setl::setl` or a single layer such as `setl::workflow`.
include(CMakePackageConfigHelpers)

get_property(setl_library_targets GLOBAL PROPERTY SETL_LIBRARY_TARGETS)
install(TARGETS ${setl_library_targets} setl_umbrella
        EXPORT setlTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES "${PROJECT_SOURCE_DIR}/include/setl/setl.h" "${PROJECT_SOURCE_DIR}/include/setl/cache_codecs.h"
  "${PROJECT_SOURCE_DIR}/include/setl/sources.h"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/setl)
install(EXPORT setlTargets NAMESPACE setl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/setl)

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/setlConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/setlConfig.cmake"
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/setl)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/setlConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/setlConfig.cmake"
              "${PROJECT_BINARY_DIR}/setlConfigVersion.cmake"
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/setl)
