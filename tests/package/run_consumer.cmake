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
run_step(${CMAKE_COMMAND} -S "${CONSUMER_SOURCE}" -B "${CONSUMER_BUILD}" -G "${GENERATOR}"
         "-DCMAKE_PREFIX_PATH=${PACKAGE_PREFIX}")
run_step(${CMAKE_COMMAND} --build "${CONSUMER_BUILD}")
run_step("${CONSUMER_BUILD}/consumer")
if(NOT step_output MATCHES "consumer: 42")
  message(FATAL_ERROR "the consumer printed an unexpected result: ${step_output}")
endif()
