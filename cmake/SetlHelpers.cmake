# Build helpers shared by every layer: warnings and sanitizers as interface targets, and
# one function per kind of target so each layer's CMakeLists stays a list of files.

# g++ 12 reports -Wmissing-field-initializers for C++20 designated initializers that
# leave members to their default initializers ({.id = "x"}), which is how setlpp's option
# structs are meant to be written; that one warning is off, the rest of -Wextra stays.
add_library(setl_warnings INTERFACE)
target_compile_options(setl_warnings INTERFACE -Wall -Wextra -Wpedantic
                       -Wno-missing-field-initializers $<$<BOOL:${SETL_WERROR}>:-Werror>)
# g++ 12 at -O3 reports impossible -Wrestrict overlaps inside std::string concatenation
# (GCC bug 105329); the warning is off for that compiler only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(setl_warnings INTERFACE -Wno-restrict)
endif()

add_library(setl_sanitizers INTERFACE)
if(SETL_FUZZ)
  # libFuzzer instrumentation for every library; the fuzz targets link the fuzzer's main.
  target_compile_options(setl_sanitizers INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                         -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(setl_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(SETL_SANITIZE)
  target_compile_options(setl_sanitizers INTERFACE -fsanitize=address,undefined
                         -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(setl_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(SETL_TSAN)
  target_compile_options(setl_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(setl_sanitizers INTERFACE -fsanitize=thread)
endif()

# setl_add_library(<layer> SOURCES ... PUBLIC_DEPS ... PRIVATE_DEPS ...)
# Creates setl_<layer> with alias setl::<layer>, exported as setl::<layer>, whose public
# headers are include/setl/<layer>/*.h.
function(setl_add_library layer)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(target setl_${layer})
  add_library(${target} ${ARG_SOURCES})
  add_library(setl::${layer} ALIAS ${target})
  file(GLOB headers CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/include/setl/${layer}/*.h")
  target_sources(${target} PUBLIC FILE_SET HEADERS BASE_DIRS "${PROJECT_SOURCE_DIR}/include"
                 FILES ${headers})
  target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}/src")
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS}
                        $<BUILD_INTERFACE:setl_warnings> $<BUILD_INTERFACE:setl_sanitizers>)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${layer} POSITION_INDEPENDENT_CODE ON)
  set_property(GLOBAL APPEND PROPERTY SETL_LAYERS ${layer})
endfunction()

# setl_add_test(<layer> <name> [ONE_PROCESS] [DEPS ...] [LABELS ... (with ONE_PROCESS)])
# Compiles tests/<layer>/<name>_test.cc into its own executable and registers each case
# with CTest (one process per case, run in parallel). ONE_PROCESS registers the whole
# executable as one CTest test instead, for suites whose fixture is expensive (a
# PostgreSQL server, a generated data set): SetUpTestSuite then builds it once.
function(setl_add_test layer name)
  cmake_parse_arguments(ARG "ONE_PROCESS" "" "DEPS;LABELS" ${ARGN})
  set(target ${layer}_${name}_test)
  add_executable(${target} ${name}_test.cc)
  target_link_libraries(${target} PRIVATE setl_testing ${ARG_DEPS} GTest::gmock GTest::gtest_main
                        setl_warnings setl_sanitizers)
  set(labels ${layer} ${ARG_LABELS})
  if(ARG_ONE_PROCESS)
    add_test(NAME ${layer}.${name} COMMAND ${target})
    set_tests_properties(${layer}.${name} PROPERTIES LABELS "${labels}")
  else()
    if(ARG_LABELS)
      # gtest_discover_tests cannot pass a list-valued property on to each case.
      message(FATAL_ERROR "setl_add_test(${layer} ${name}): extra LABELS need ONE_PROCESS")
    endif()
    gtest_discover_tests(${target} PROPERTIES LABELS "${layer}" DISCOVERY_TIMEOUT 60)
  endif()
  set_property(GLOBAL APPEND PROPERTY SETL_TESTS_${layer} ${target})
endfunction()


include("${CMAKE_CURRENT_LIST_DIR}/setlPlugins.cmake")
