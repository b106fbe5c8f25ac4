# Helpers shared by the CLI end-to-end tests (cli_test.cmake, run_test.cmake),
# which set SALESKIT to the CLI before including this file.

# Runs `saleskit ARGN`; fails unless it exits with `expect_code`. Its stdout
# and stderr, concatenated, go to `out_var`.
function(run expect_code out_var)
  execute_process(COMMAND ${SALESKIT} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL expect_code)
    message(FATAL_ERROR "saleskit ${ARGN}: exit ${code}, expected ${expect_code}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

# Fails unless `text` contains `needle`.
function(expect_contains text needle)
  string(FIND "${text}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected output to contain \"${needle}\", got:\n${text}")
  endif()
endfunction()
