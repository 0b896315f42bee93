# Runs one libFuzzer binary for SECONDS on a scratch copy of its corpus, after replaying
# every saved crash input. A crash fails the test and leaves the input under WORK.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(GLOB seeds "${CORPUS}/*")
if(seeds)
  file(COPY ${seeds} DESTINATION "${WORK}/corpus")
endif()
file(GLOB saved "${CRASHES}/*")
foreach(input IN LISTS saved)
  execute_process(COMMAND "${FUZZER}" "${input}" RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "saved crash input ${input} fails again")
  endif()
endforeach()
execute_process(COMMAND "${FUZZER}" -max_total_time=${SECONDS} -rss_limit_mb=2560
                        -timeout=20 -print_final_stats=1
                        -artifact_prefix=${WORK}/artifacts/ "${WORK}/corpus"
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the fuzzer found a failing input; see ${WORK}/artifacts")
endif()
