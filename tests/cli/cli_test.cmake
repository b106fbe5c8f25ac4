# End-to-end test of the saleskit CLI: gen -> import -> stats, determinism, bad input.
# Invoked by ctest with -DSALESKIT=<cli> -DWORK=<dir>.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(run expect_code out_var)
  execute_process(COMMAND ${SALESKIT} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL expect_code)
    message(FATAL_ERROR "saleskit ${ARGN}: exit ${code}, expected ${expect_code}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

function(expect_contains text needle)
  string(FIND "${text}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected output to contain \"${needle}\", got:\n${text}")
  endif()
endfunction()

# gen is deterministic: the same flags give the same bytes.
run(0 out gen --customers 300 --days 30 --start 2026-03-01 --seed 7 --out ${WORK}/a)
run(0 out gen --customers 300 --days 30 --start 2026-03-01 --seed 7 --out ${WORK}/b)
foreach(f accounts.csv customers.csv deals.csv events.csv)
  file(SHA256 ${WORK}/a/${f} ha)
  file(SHA256 ${WORK}/b/${f} hb)
  if(NOT ha STREQUAL hb)
    message(FATAL_ERROR "gen is not deterministic: ${f} differs")
  endif()
endforeach()

# import loads everything the generator wrote, with nothing rejected.
run(0 out import ${WORK}/a/events.csv ${WORK}/a/customers.csv ${WORK}/a/accounts.csv ${WORK}/a/deals.csv)
expect_contains("${out}" "customers.csv: customers: 300 received, 300 inserted, 0 updated, 0 rejected")
expect_contains("${out}" "total: 300 customers")

# stats defaults --now to the latest event; an explicit --now is honoured.
run(0 out stats ${WORK}/a/customers.csv ${WORK}/a/events.csv)
expect_contains("${out}" "customers          300")
expect_contains("${out}" "now                2026-03-30T")
run(0 out stats --now 2030-01-01 ${WORK}/a/customers.csv ${WORK}/a/events.csv)
expect_contains("${out}" "active customers   0 in the last 7 days, 0 in the last 30 days")

# show prints one customer and what the store keeps of their events.
file(STRINGS ${WORK}/a/events.csv rows LIMIT_COUNT 2)
list(GET rows 1 first_event)
string(REPLACE "," ";" first_event "${first_event}")
list(GET first_event 1 active)  # customer_id of the first event
run(0 out show ${active} ${WORK}/a/customers.csv ${WORK}/a/events.csv)
expect_contains("${out}" "{\"id\":\"${active}\"")
expect_contains("${out}" "{\"customer_id\":\"${active}\",\"events\":[{\"type\":")
run(1 out show nobody ${WORK}/a/customers.csv)
expect_contains("${out}" "no customer with id \"nobody\"")

# Events for unknown customers are counted and skipped, or created with --create-unknown.
file(WRITE ${WORK}/bad/events.csv "customer_id,type,occurred_at\nc0000001,call,2026-03-02\nnobody,call,2026-03-02\n")
run(0 out import ${WORK}/a/customers.csv ${WORK}/bad/events.csv)
expect_contains("${out}" "1 for unknown customers (skipped)")
run(0 out import --create-unknown ${WORK}/a/customers.csv ${WORK}/bad/events.csv)
expect_contains("${out}" "total: 301 customers")

# A malformed file is rejected whole, naming the line and field; --skip-invalid loads the rest.
file(WRITE ${WORK}/bad/customers.csv "id,employee_count\nx1,12\nx2,lots\nx3,4,5\n")
run(1 out import ${WORK}/bad/customers.csv)
expect_contains("${out}" "record 2 (line 3), field \"employee_count\": expected an integer, got \"lots\"")
expect_contains("${out}" "record 3 (line 4)")
run(0 out import --skip-invalid ${WORK}/bad/customers.csv)
expect_contains("${out}" "1 inserted, 0 updated, 2 rejected")

# Unknown columns are rejected unless ignored.
file(WRITE ${WORK}/bad/contacts.csv "id,emial\nx1,a@b.c\n")
run(1 out import ${WORK}/bad/contacts.csv)
expect_contains("${out}" "did you mean \"email\"")
run(0 out import --ignore-unknown-fields ${WORK}/bad/contacts.csv)

# File kinds come from words of the name, else the header.
file(WRITE ${WORK}/kinds/ideal_customers.csv "id,email\nk1,k1@example.com\n")
run(0 out import ${WORK}/kinds/ideal_customers.csv)
expect_contains("${out}" "ideal_customers.csv: customers: 1 received")

# Usage errors exit 2.
run(2 out import --max-errors lots ${WORK}/a/customers.csv)
expect_contains("${out}" "--max-errors")
run(2 out gen --customers many --out ${WORK}/c)
expect_contains("${out}" "--customers")
run(2 out frobnicate)

# The demo runs on its embedded defaults.
run(0 out demo)
expect_contains("${out}" "saleskit demo")
expect_contains("${out}" "lifecycle stages")
