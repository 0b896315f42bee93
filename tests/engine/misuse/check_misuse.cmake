# Compiles a misuse example with -DSETL_MISUSE: it must NOT compile, and the compiler must
# refuse it for the expected reason (EXPECT, a regular expression over its diagnostics),
# so an unrelated failure (a wrong include path) cannot pass for the refusal. The correct
# spelling in each file (without SETL_MISUSE) is what the rest of the suite uses.
# Arguments: -DCOMPILER= -DSOURCE= -DINCLUDE= -DSTANDARD_FLAGS= -DEXPECT=
separate_arguments(flags UNIX_COMMAND "${STANDARD_FLAGS}")
execute_process(COMMAND "${COMPILER}" ${flags} -fsyntax-only "-I${INCLUDE}" -DSETL_MISUSE
                        "${SOURCE}"
                RESULT_VARIABLE result ERROR_VARIABLE errors)
if(result EQUAL 0)
  message(FATAL_ERROR "the misuse in ${SOURCE} compiles; the API should refuse it")
endif()
if(NOT errors MATCHES "${EXPECT}")
  message(FATAL_ERROR "${SOURCE} failed to compile, but not with /${EXPECT}/:\n${errors}")
endif()
message(STATUS "refused as expected")
