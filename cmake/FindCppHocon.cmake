# Finds Debian's cpp-hocon (libcpp-hocon-dev), which ships neither a CMake package nor a
# pkg-config file, and defines CppHocon::CppHocon. Its headers include leatherman's
# locale header, which needs Boost.Regex and Boost.Locale, so they are linked along.
include(FindPackageHandleStandardArgs)

find_path(CppHocon_INCLUDE_DIR hocon/config.hpp)
find_path(CppHocon_LEATHERMAN_INCLUDE_DIR leatherman/locale/locale.hpp)
find_library(CppHocon_LIBRARY cpp-hocon)
find_library(CppHocon_LEATHERMAN_LOCALE_LIBRARY leatherman_locale)
find_package(Boost 1.74 QUIET COMPONENTS regex locale)

find_package_handle_standard_args(
  CppHocon
  REQUIRED_VARS CppHocon_LIBRARY CppHocon_INCLUDE_DIR CppHocon_LEATHERMAN_INCLUDE_DIR
                CppHocon_LEATHERMAN_LOCALE_LIBRARY Boost_REGEX_FOUND Boost_LOCALE_FOUND)

if(CppHocon_FOUND AND NOT TARGET CppHocon::CppHocon)
  add_library(CppHocon::CppHocon UNKNOWN IMPORTED)
  set_target_properties(
    CppHocon::CppHocon
    PROPERTIES IMPORTED_LOCATION "${CppHocon_LIBRARY}"
               INTERFACE_INCLUDE_DIRECTORIES
               "${CppHocon_INCLUDE_DIR};${CppHocon_LEATHERMAN_INCLUDE_DIR}"
               INTERFACE_LINK_LIBRARIES
               "${CppHocon_LEATHERMAN_LOCALE_LIBRARY};Boost::regex;Boost::locale")
endif()
mark_as_advanced(CppHocon_INCLUDE_DIR CppHocon_LEATHERMAN_INCLUDE_DIR CppHocon_LIBRARY
                 CppHocon_LEATHERMAN_LOCALE_LIBRARY)
