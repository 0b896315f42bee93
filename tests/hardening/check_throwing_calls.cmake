# Fails when the library calls a standard function that answers bad input with an
# exception that is not a setl::Error (std::stoi's std::out_of_range, std::filesystem's
# filesystem_error): such an exception reaches users as a crash, as the Delta reader
# showed with a 300-character file name. Use setl::parse_number, setl::path_exists,
# setl::is_directory_path, setl::regular_file_size and setl::directory_entries instead,
# or the std::filesystem overloads that take a std::error_code.
#   cmake -DSOURCE_DIR=<repository> -P check_throwing_calls.cmake
file(GLOB_RECURSE sources "${SOURCE_DIR}/src/*.cc" "${SOURCE_DIR}/src/*.h"
     "${SOURCE_DIR}/include/*.h")
set(rules
    "std::sto(i|l|ll|ul|ull|f|d|ld)\\("
    # a status query with one argument (no ", error"): the throwing overload
    "(std::filesystem|fs)::(exists|is_directory|is_regular_file|file_size|status|last_write_time)\\([^,;()]*(\\([^()]*\\))?[^,;()]*\\)"
    # a range-for over a directory: its operator++ throws
    "for \\([^:;]*: (std::filesystem|fs)::(recursive_)?directory_iterator")
set(found "")
foreach(source IN LISTS sources)
  if(source MATCHES "/src/core/file_status\\.cc$")
    continue()  # applies the rule's own answers to file_status values, which cannot throw
  endif()
  file(STRINGS "${source}" lines)
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(line MATCHES "^[ ]*//")
      continue()
    endif()
    foreach(rule IN LISTS rules)
      if(line MATCHES "${rule}")
        file(RELATIVE_PATH relative "${SOURCE_DIR}" "${source}")
        string(APPEND found "\n  ${relative}:${number}: ${line}")
      endif()
    endforeach()
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "calls that throw something other than setl::Error on bad input:${found}")
endif()
