# Fails when docs/FUNCTIONS.md differs from the registry's own rendering.
execute_process(COMMAND "${SETL}" describe-functions --markdown OUTPUT_VARIABLE generated
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "setl describe-functions --markdown failed (${result})")
endif()
file(READ "${DOC}" committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "${DOC} is out of date with the function registry; regenerate it:\n"
                      "  setl describe-functions --markdown > docs/FUNCTIONS.md")
endif()
