# Compiles a misuse example twice: as written (must compile: the harness and the correct
# spelling work) and with -DSETL_MISUSE (must NOT compile: the API refuses the mistake).
# Arguments: -DCOMPILER= -DSOURCE= -DINCLUDE= -DSTANDARD_FLAGS=
separate_arguments(flags UNIX_COMMAND "${STANDARD_FLAGS}")
set(command "${COMPILER}" ${flags} -fsyntax-only "-I${INCLUDE}" "${SOURCE}")
execute_process(COMMAND ${command} RESULT_VARIABLE ok_result ERROR_VARIABLE ok_errors)
if(NOT ok_result EQUAL 0)
  message(FATAL_ERROR "the correct spelling in ${SOURCE} does not compile:\n${ok_errors}")
endif()
execute_process(COMMAND ${command} -DSETL_MISUSE RESULT_VARIABLE bad_result
                ERROR_VARIABLE bad_errors)
if(bad_result EQUAL 0)
  message(FATAL_ERROR "the misuse in ${SOURCE} compiles; the API should refuse it")
endif()
message(STATUS "refused as expected:\n${bad_errors}")
