# Plugins for Registry::load_plugin (setl/workflow/registry.h), in this project and in
# projects using an installed setlpp (setlConfig.cmake includes this file).

# setl_export_for_plugins(<target> <setl library>...)
# Lets the plugins `target` loads resolve setlpp from it, so that a plugin and the program
# share one copy of setlpp's code and state: exports the program's symbols and links every
# object of the listed static libraries, not only those the program itself calls.
function(setl_export_for_plugins target)
  set_target_properties(${target} PROPERTIES ENABLE_EXPORTS ON)
  set(archives)
  foreach(library IN LISTS ARGN)
    list(APPEND archives "$<TARGET_FILE:${library}>")
  endforeach()
  target_link_libraries(${target} PRIVATE ${ARGN})
  target_link_options(${target} PRIVATE "LINKER:--whole-archive" ${archives}
                      "LINKER:--no-whole-archive")
endfunction()

# setl_add_plugin(<target> <source>...)
# A plugin: a shared library with a SETL_PLUGIN entry point, compiled against setlpp's
# headers, its setlpp symbols left to the program that loads it.
function(setl_add_plugin target)
  add_library(${target} MODULE ${ARGN})
  target_include_directories(
    ${target} PRIVATE "$<TARGET_PROPERTY:setl::workflow,INTERFACE_INCLUDE_DIRECTORIES>")
  target_compile_features(${target} PRIVATE cxx_std_20)
  foreach(project_flags IN ITEMS setl_warnings setl_sanitizers)
    if(TARGET ${project_flags})
      target_link_libraries(${target} PRIVATE ${project_flags})
    endif()
  endforeach()
  set_target_properties(${target} PROPERTIES PREFIX "" POSITION_INDEPENDENT_CODE ON)
endfunction()
