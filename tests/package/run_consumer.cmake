# Driven by CTest: install, configure the consumer against the install, build, run.
function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "step failed (${result}): ${ARGN}\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${PACKAGE_PREFIX}" "${CONSUMER_BUILD}")
run_step(${CMAKE_COMMAND} --install "${SETL_BINARY_DIR}" --prefix "${PACKAGE_PREFIX}")
# The consumers compile with the same compiler cache as the project, when there is one.
set(launcher "")
if(CCACHE)
  set(launcher "-DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE}")
endif()
run_step(${CMAKE_COMMAND} -S "${CONSUMER_SOURCE}" -B "${CONSUMER_BUILD}" -G "${GENERATOR}"
         "-DCMAKE_PREFIX_PATH=${PACKAGE_PREFIX}" ${launcher})
run_step(${CMAKE_COMMAND} --build "${CONSUMER_BUILD}")
run_step("${CONSUMER_BUILD}/consumer")
if(NOT step_output MATCHES "consumer: 42" OR NOT step_output MATCHES "tpch q6 rows: 1")
  message(FATAL_ERROR "the consumer printed an unexpected result: ${step_output}")
endif()

# Only the workflow layer: the other layers' dependencies are made unfindable (CMake
# packages disabled, pkg-config pointed at an empty directory), as on a machine without
# them; configuring, building and running must still work.
set(empty_pkgconfig "${WORKFLOW_CONSUMER_BUILD}-no-pkgconfig")
file(REMOVE_RECURSE "${WORKFLOW_CONSUMER_BUILD}" "${empty_pkgconfig}")
file(MAKE_DIRECTORY "${empty_pkgconfig}")
set(disabled "")
# (zstd stays: the engine compresses values with it.)
foreach(package ZLIB simdjson Snappy PkgConfig CLI11)
  list(APPEND disabled "-DCMAKE_DISABLE_FIND_PACKAGE_${package}=ON")
endforeach()
run_step(${CMAKE_COMMAND} -E env "PKG_CONFIG_LIBDIR=${empty_pkgconfig}" "PKG_CONFIG_PATH="
         ${CMAKE_COMMAND} -S "${WORKFLOW_CONSUMER_SOURCE}" -B "${WORKFLOW_CONSUMER_BUILD}"
         -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${PACKAGE_PREFIX}" ${launcher} ${disabled})
run_step(${CMAKE_COMMAND} --build "${WORKFLOW_CONSUMER_BUILD}")
run_step("${WORKFLOW_CONSUMER_BUILD}/workflow_consumer")
if(NOT step_output MATCHES "workflow consumer: 42" OR NOT step_output MATCHES "plugin component: 42")
  message(FATAL_ERROR "the workflow consumer printed an unexpected result: ${step_output}")
endif()
