# Installs the libraries, headers and a CMake package so that a downstream project can
# `find_package(setl)` and link `setl::setl`, or `find_package(setl COMPONENTS workflow)`
# and link that layer alone (only its dependencies are then needed).
include(CMakePackageConfigHelpers)

# Each layer is its own component with its own export set, so that
# `find_package(setl COMPONENTS workflow)` loads (and finds the dependencies of) only the
# layers it needs; setlConfig.cmake lists what each layer needs.
get_property(setl_layers GLOBAL PROPERTY SETL_LAYERS)
foreach(layer IN LISTS setl_layers)
  install(TARGETS setl_${layer}
          EXPORT setl-${layer}-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT setl-${layer}-targets NAMESPACE setl::
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/setl)
endforeach()
install(TARGETS setl_umbrella EXPORT setl-umbrella-targets)
install(EXPORT setl-umbrella-targets NAMESPACE setl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/setl)
install(FILES "${PROJECT_SOURCE_DIR}/include/setl/setl.h" "${PROJECT_SOURCE_DIR}/include/setl/cache_codecs.h"
  "${PROJECT_SOURCE_DIR}/include/setl/sources.h"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/setl)

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/setlConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/setlConfig.cmake"
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/setl)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/setlConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/setlConfig.cmake"
              "${PROJECT_BINARY_DIR}/setlConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/setlPlugins.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/FindCppHocon.cmake"
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/setl)
