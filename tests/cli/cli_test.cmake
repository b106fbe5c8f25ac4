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

# eval: a CEL condition prints the matching ids (the count on stderr); --customer prints one
# value; windows count events loaded after the compile, in whole UTC days.
file(WRITE ${WORK}/cel/customers.csv
  "id,email,country,employee_count,lifecycle_stage\nc1,ada@example.com,DE,120,lead\nc2,grace@example.com,DE,,customer\nc3,linus@example.com,FI,8,lead\n")
file(WRITE ${WORK}/cel/events.csv
  "customer_id,type,occurred_at\nc1,email_click,2026-01-05T10:00:00Z\nc1,email_click,2026-01-20T09:00:00Z\nc3,email_click,2026-01-31T23:30:00Z\n")
set(cel_files --customers ${WORK}/cel/customers.csv --events ${WORK}/cel/events.csv)
run(0 out eval ${cel_files} "customer.country == \"DE\" && events.count(\"email_click\", days(30)) >= 2")
expect_contains("${out}" "c1\n1 of 3 customers match")
run(0 out eval ${cel_files} "customer.employee_count < 10")  # c2's unknown size does not match
expect_contains("${out}" "c3\n1 of 3 customers match")
run(0 out eval ${cel_files} --now 2026-02-03T23:59:59Z --customer c1 "events.count(\"email_click\", days(30))")
expect_contains("${out}" "2\n")
run(0 out eval ${cel_files} --now 2026-02-04 --customer c1 "events.count(\"email_click\", days(30))")
expect_contains("${out}" "1\n")
run(0 out eval ${cel_files} --customer c2 --json "customer.employee_count < 10")
expect_contains("${out}" "{\"error\":\"no such overload")
run(0 out eval ${cel_files} "customer.lifecycle_stage")  # not a condition: id<TAB>value
expect_contains("${out}" "c1\t\"lead\"\nc2\t\"customer\"\nc3\t\"lead\"\n")
run(0 out eval ${cel_files} --customer c3 "now")  # the clock defaults to the latest event
expect_contains("${out}" "timestamp(\"2026-01-31T23:30:00Z\")")
run(1 out eval ${cel_files} --customer nobody "true")
expect_contains("${out}" "no customer with id \"nobody\"")
run(1 out eval "customer.country == \"DE\" &&\n  customer.emial == \"x\"")
expect_contains("${out}" "ERROR: 2:11: undefined field 'emial'")
run(1 out eval "customer.country ==")
expect_contains("${out}" "Syntax error: 1:20:")
run(1 out eval "events.count(\"email_click\", duration(\"90m\")) > 0")
expect_contains("${out}" "a window of 1h30m is not a positive whole number of days or hours")
run(2 out eval ${cel_files})
expect_contains("${out}" "no expression given")
run(2 out eval --now soon true)

# Usage errors exit 2.
run(2 out import --max-errors lots ${WORK}/a/customers.csv)
expect_contains("${out}" "--max-errors")
run(2 out gen --customers many --out ${WORK}/c)
expect_contains("${out}" "--customers")
run(2 out frobnicate)

# cohort: acquisition cohorts by month; a cell whose period starts after the last event's is empty.
file(WRITE ${WORK}/cohort/events.csv
  "customer_id,occurred_at,type,value,id\nc1,2024-01-05T10:00:00Z,purchase,10,e1\nc1,2024-01-05T10:00:00Z,purchase,10,e1\nc2,2024-01-20,visit,,\nc1,2024-02-10,purchase,5,\nc3,2024-02-01,purchase,7,\n")
run(0 out cohort --events ${WORK}/cohort/events.csv --period month --periods 3 --metric retention)
expect_contains("${out}" "cohort,size,p0,p1,p2\n2024-01,2,1,0.5,\n2024-02,1,1,,\n")
run(0 out cohort --events ${WORK}/cohort/events.csv --period month --periods 2 --metric revenue --cumulative --format json)
expect_contains("${out}" "[{\"cohort\":\"2024-01\",\"size\":2,\"values\":[5,7.5]},{\"cohort\":\"2024-02\",\"size\":1,\"values\":[7,null]}]")
run(0 out cohort --events ${WORK}/cohort/events.csv --period week --periods 1 --metric conversion --convert-to purchase)
expect_contains("${out}" "cohort,size,p0\n2024-W01,1,1\n2024-W03,1,0\n2024-W05,1,1\n")
run(0 out cohort --events ${WORK}/cohort/events.csv --period quarter --periods 2 --metric retention --cohort-event visit)
expect_contains("${out}" "cohort,size,p0,p1\n2024-Q1,1,1,\n")
file(WRITE ${WORK}/cohort/empty.csv "")
run(1 out cohort --events ${WORK}/cohort/empty.csv --period month --periods 3 --metric retention)
expect_contains("${out}" "empty.csv: empty CSV input: expected a header row")
file(WRITE ${WORK}/cohort/header_only.csv "customer_id,occurred_at,type,value\n")
run(1 out cohort --events ${WORK}/cohort/header_only.csv --period month --periods 3 --metric retention)
expect_contains("${out}" "no events")
file(WRITE ${WORK}/cohort/bad.csv "customer_id,occurred_at,type,value\nc1,2024-01-05,purchase,10\nc2,2024-13-01,purchase,1\nc3,2024-01-07,purchase,lots\n")
run(1 out cohort --events ${WORK}/cohort/bad.csv --period month --periods 3 --metric revenue)
expect_contains("${out}" "record 2 (line 3), field \"occurred_at\"")
expect_contains("${out}" "record 3 (line 4), field \"value\": expected a finite number, got \"lots\"")
run(2 out cohort --events ${WORK}/cohort/events.csv --period month --periods 0 --metric retention)
expect_contains("${out}" "--periods: expected a whole number from 1 to 100000, got \"0\"")
run(2 out cohort --events ${WORK}/cohort/events.csv --period fortnight --periods 3 --metric retention)
expect_contains("${out}" "--period: unknown period \"fortnight\": expected day, week, month or quarter")
run(2 out cohort --events ${WORK}/cohort/events.csv --period month --periods 3 --metric ltv)
expect_contains("${out}" "--metric: unknown metric \"ltv\": expected retention, conversion or revenue")
run(2 out cohort --events ${WORK}/cohort/events.csv --period month --periods 3 --metric conversion)
expect_contains("${out}" "--metric conversion needs --convert-to TYPE")
run(2 out cohort --events ${WORK}/cohort/events.csv --period month --periods 3 --metric retention --cumulative)
expect_contains("${out}" "--cumulative applies only to --metric revenue")
run(2 out cohort --period month --periods 3 --metric retention)
expect_contains("${out}" "missing --events")
run(1 out cohort --events ${WORK}/cohort/missing.csv --period month --periods 3 --metric retention)
expect_contains("${out}" "cannot open")

# The demo runs on its embedded defaults.
run(0 out demo)
expect_contains("${out}" "saleskit demo")
expect_contains("${out}" "lifecycle stages")
expect_contains("${out}" "segments (live; enter/exit records replayed as the clock moved to now)")
string(REGEX MATCH "hot_leads +([0-9]+) members  \\(([0-9]+) entered, ([0-9]+) left\\)" hot "${out}")
set(hot_members "${CMAKE_MATCH_1}")
math(EXPR hot_net "${CMAKE_MATCH_2} - ${CMAKE_MATCH_3}")
if(NOT hot OR NOT hot_members EQUAL hot_net)
  message(FATAL_ERROR "demo: hot_leads members != entered - left:\n${out}")
endif()

# rfm: recency, frequency, monetary per customer at a cutoff (docs/rfm.md).
file(WRITE ${WORK}/rfm/events.csv "customer_id,occurred_at,type,value\nc1,2024-01-01T09:00:00Z,purchase,10\nc1,2024-01-01T17:00:00Z,purchase,5\nc1,2024-03-01,purchase,20\nc2,2024-02-15,purchase,100\nc3,2024-03-10,email_open,\nc3,2024-04-01,purchase,50\n")
run(0 out rfm --events ${WORK}/rfm/events.csv --cutoff 2024-03-31)
expect_contains("${out}" "customer_id,recency_days,frequency,monetary,r,f,m,segment\nc1,30,2,35,3,3,1,about to sleep\nc2,45,1,100,1,1,3,lost\n")
run(0 out rfm --events ${WORK}/rfm/events.csv --cutoff 2024-03-31 --format json)
expect_contains("${out}" "{\"customer_id\":\"c2\",\"recency_days\":45,\"frequency\":1,\"monetary\":100,\"r\":1,\"f\":1,\"m\":3,\"segment\":\"lost\"}")
run(0 out rfm --events ${WORK}/rfm/events.csv --cutoff 2024-04-01 --purchase-event *)
expect_contains("${out}" "c3,0,2,50,")
run(1 out rfm --events ${WORK}/rfm/events.csv --cutoff 2023-12-31)
expect_contains("${out}" "is before every purchase (the first is at 2024-01-01T09:00:00Z)")
run(1 out rfm --events ${WORK}/rfm/events.csv --cutoff 2024-12-31 --purchase-event order)
expect_contains("${out}" "no event has type \"order\"")
file(WRITE ${WORK}/rfm/empty.csv "")
run(1 out rfm --events ${WORK}/rfm/empty.csv --cutoff 2024-12-31)
expect_contains("${out}" "empty.csv: ")
file(WRITE ${WORK}/rfm/header_only.csv "customer_id,occurred_at,type,value\n")
run(1 out rfm --events ${WORK}/rfm/header_only.csv --cutoff 2024-12-31)
expect_contains("${out}" "header_only.csv: no events")
file(WRITE ${WORK}/rfm/bad_date.csv "customer_id,occurred_at,type,value\nc1,2024-01-01,purchase,1\nc2,2024-02-30,purchase,2\nc3,2024-03-01,purchase,lots\n")
run(1 out rfm --events ${WORK}/rfm/bad_date.csv --cutoff 2024-12-31)
expect_contains("${out}" "record 2 (line 3), field \"occurred_at\"")
expect_contains("${out}" "record 3 (line 4), field \"value\"")
run(2 out rfm --events ${WORK}/rfm/events.csv --cutoff 2024-12-31 --format xml)
expect_contains("${out}" "--format: expected csv or json, got \"xml\"")
run(2 out rfm --events ${WORK}/rfm/events.csv --cutoff 2024-13-01)
expect_contains("${out}" "--cutoff: ")
run(2 out rfm --events ${WORK}/rfm/events.csv)
expect_contains("${out}" "--cutoff is required")

# cluster: k-means on CEL features (docs/clusters.md).
file(WRITE ${WORK}/cluster/customers.csv "id,country,attrs.spend,attrs.flat,attrs.maybe\nf2,FR,520,5,\nd1,DE,10,5,\nd2,DE,12,5,\nd3,DE,11,5,\nf1,FR,500,5,\nf3,FR,510,5,\n")
file(WRITE ${WORK}/cluster/events.csv "customer_id,type,occurred_at\nf1,click,2026-01-01\nf2,click,2026-01-02\nf3,click,2026-01-02\nd1,call,2026-01-03\n")
set(cluster_files --customers ${WORK}/cluster/customers.csv --events ${WORK}/cluster/events.csv)
run(0 out cluster ${cluster_files} --feature customer.attrs.spend --feature customer.country
    --feature "events.count(\"click\", days(30))" --seed 1)
expect_contains("${out}" "customer_id,cluster\nd1,0\nd2,0\nd3,0\nf1,1\nf2,1\nf3,1\n")
expect_contains("${out}" "k = 2 (chosen by sampled silhouette: k=2 ")
expect_contains("${out}" "cluster 1: 3 customers\n  centroid: customer.attrs.spend = 510; customer.country = DE 0%, FR 100%;")
run(0 json1 cluster ${cluster_files} --feature customer.attrs.spend --feature customer.country --format json --seed 5)
run(0 json2 cluster ${cluster_files} --feature customer.attrs.spend --feature customer.country --format json --seed 5)
if(NOT json1 STREQUAL json2)
  message(FATAL_ERROR "cluster is not deterministic for a seed:\n${json1}\n${json2}")
endif()
expect_contains("${json1}" "{\"k\":2,\"k_chosen\":true,\"silhouettes\":[{\"k\":2,\"silhouette\":")
expect_contains("${json1}" "\"clusters\":[{\"cluster\":0,\"size\":3,\"centroid\":{\"customer.attrs.spend\":11,\"customer.country\":{\"DE\":1,\"FR\":0}},\"distinguishing\":[")
expect_contains("${json1}" "\"assignments\":{\"d1\":0,\"d2\":0,\"d3\":0,\"f1\":1,\"f2\":1,\"f3\":1}}\n")
run(0 out cluster ${cluster_files} --feature customer.attrs.spend --k 3 --format json)
expect_contains("${out}" "{\"k\":3,\"k_chosen\":false,\"silhouettes\":[],")
run(1 out cluster ${cluster_files} --feature customer.attrs.spend --k 7)
expect_contains("${out}" "saleskit: k = 7 is more than the number of customers (6)")
run(1 out cluster ${cluster_files} --feature customer.attrs.spend --feature customer.attrs.flat)
expect_contains("${out}" "feature \"customer.attrs.flat\" has zero variance: every customer has 5")
run(1 out cluster ${cluster_files} --feature customer.attrs.spend --feature customer.attrs.maybe)
expect_contains("${out}" "feature \"customer.attrs.maybe\" is null for every customer")
run(1 out cluster ${cluster_files} --feature customer.attrs.spend --feature "customer.attrs.spend +")
expect_contains("${out}" "saleskit: feature \"customer.attrs.spend +\": Syntax error: 1:23: ")
run(2 out cluster ${cluster_files} --feature customer.attrs.spend --format xml)
expect_contains("${out}" "--format: expected csv or json, got \"xml\"")
run(2 out cluster ${cluster_files})
expect_contains("${out}" "at least one --feature is required")
run(2 out cluster ${cluster_files} --feature customer.attrs.spend --k 0)
expect_contains("${out}" "--k: expected a whole number >= 1, got \"0\"")

# segment: the live (incremental) membership equals eval's batch match of the same condition.
set(cond "events.count(\"email_click\", days(7)) >= 1 && customer.lifecycle_stage != \"customer\"")
run(0 seg_ids segment --customers ${WORK}/a/customers.csv --events ${WORK}/a/events.csv --expr "${cond}")
run(0 eval_ids eval --customers ${WORK}/a/customers.csv --events ${WORK}/a/events.csv "${cond}")
string(REGEX REPLACE "[0-9]+ of 300 customers (are members at|match)[^\n]*\n" "" seg_ids "${seg_ids}")
string(REGEX REPLACE "[0-9]+ of 300 customers (are members at|match)[^\n]*\n" "" eval_ids "${eval_ids}")
if(NOT seg_ids STREQUAL eval_ids OR seg_ids STREQUAL "")
  message(FATAL_ERROR "segment and eval disagree:\n${seg_ids}\n---\n${eval_ids}")
endif()
string(REGEX MATCHALL "\n" lines "${seg_ids}")
list(LENGTH lines members)
run(0 out segment --customers ${WORK}/a/customers.csv --events ${WORK}/a/events.csv --expr "${cond}" --format count)
if(NOT out STREQUAL "${members}\n")
  message(FATAL_ERROR "segment --format count printed ${out}, expected ${members}")
endif()
# The replay of its history ends with exactly the members inside.
run(0 out segment --customers ${WORK}/a/customers.csv --events ${WORK}/a/events.csv --expr "${cond}" --format changes)
expect_contains("${out}" "seq,at,kind,customer_id\n1,2026-03-")
string(REGEX MATCHALL ",enter," enters "${out}")
string(REGEX MATCHALL ",exit," exits "${out}")
list(LENGTH enters n_enter)
list(LENGTH exits n_exit)
math(EXPR inside "${n_enter} - ${n_exit}")
if(NOT inside EQUAL members OR n_exit EQUAL 0)
  message(FATAL_ERROR "changes: ${n_enter} enters - ${n_exit} exits != ${members} members")
endif()
run(0 out segment --customers ${WORK}/a/customers.csv --events ${WORK}/a/events.csv --expr "${cond}" --explain c0000001)
expect_contains("${out}" "  customer.lifecycle_stage != \"customer\"  =>  ")
run(1 out segment --customers ${WORK}/a/customers.csv --expr "customer.employee_count + 1")
expect_contains("${out}" "segment \"segment\": the condition must be bool, not int")
run(2 out segment --customers ${WORK}/a/customers.csv --expr "true" --format table)
expect_contains("${out}" "--format: expected ids, count or changes, not \"table\"")
run(2 out segment --customers ${WORK}/a/customers.csv)
expect_contains("${out}" "--expr is required")
run(1 out segment --customers ${WORK}/a/customers.csv --events ${WORK}/a/events.csv --expr "events.count(\"pv\", days(1)) > 0"
    --event-kind "pv=event.type == 1")
expect_contains("${out}" "event kind \"pv\": ERROR: 1:12:")

# points: a playbook's scores per customer, from the epoch to the latest event
# (a time frame expires and the crossing log has both instants), with --now, an
# explanation, JSON, the generated CRM, and a bad playbook named by its score.
file(WRITE ${WORK}/p/customers.csv "id,country,lifecycle_stage\nc2,FR,lead\nc1,DE,lead\n")
file(WRITE ${WORK}/p/events.csv
     "customer_id,type,occurred_at\nc1,demo_request,2026-03-01T12:00:00Z\nc2,email_click,2026-03-09T00:00:00Z\n")
file(WRITE ${WORK}/p/playbook.json [=[
{"scores": [{"name": "lead",
             "rules": [{"condition": "customer.country == 'DE'", "points": 20},
                       {"event": "demo_request", "points": 40},
                       {"event": "email_click", "points": 5, "max_per_window": 2, "window": "86400s"}],
             "decay": {"time_frame": "604800s"}, "min": 0, "max": 100,
             "grades": [{"grade": "A", "min": 50}, {"grade": "B", "min": 20}],
             "thresholds": [{"value": 50, "name": "mql", "promote_to": "LIFECYCLE_STAGE_MARKETING_QUALIFIED"}]}]}
]=])
file(WRITE ${WORK}/p/bad.json [=[
{"scores": [{"name": "capped", "rules": [{"event": "x", "points": 1}], "min": 0, "max": 10,
             "thresholds": [{"value": 20, "name": "t"}]}]}
]=])
set(pfiles --customers ${WORK}/p/customers.csv --events ${WORK}/p/events.csv --playbook ${WORK}/p/playbook.json)
run(0 out points ${pfiles})
if(NOT out STREQUAL "customer_id,lead,lead_grade\nc1,20,B\nc2,5,\n")
  message(FATAL_ERROR "points printed:\n${out}")
endif()
run(0 out points ${pfiles} --crossings)
if(NOT out STREQUAL "seq,at,score,customer_id,threshold,threshold_value,direction,value,promoted_to\n1,2026-03-01T12:00:00Z,lead,c1,mql,50,up,60,marketing_qualified\n2,2026-03-08T12:00:00Z,lead,c1,mql,50,down,20,\n")
  message(FATAL_ERROR "points --crossings printed:\n${out}")
endif()
run(0 out points ${pfiles} --now 2026-03-05T00:00:00Z --format json)
expect_contains("${out}" "{\"customer_id\":\"c1\",\"lead\":60,\"lead_grade\":\"A\"}")
run(0 out points ${pfiles} --explain c1)
expect_contains("${out}" "lead = 20 (grade B)\n  condition customer.country == 'DE'  =>  20 (holds)\n  event demo_request  =>  0\n")
run(0 out points ${pfiles} --explain c1 --now 2026-03-05T00:00:00Z)
expect_contains("${out}" "  event demo_request  =>  40\n    2026-03-01T12:00:00Z  40 of 40, counts until 2026-03-08T12:00:00Z\n")
run(1 out points ${pfiles} --explain nobody)
expect_contains("${out}" "nobody")
run(1 out points --customers ${WORK}/p/customers.csv --playbook ${WORK}/p/bad.json)
expect_contains("${out}" "\"capped\"")
run(2 out points --customers ${WORK}/p/customers.csv)
expect_contains("${out}" "--playbook is required")
run(2 out points ${pfiles} --format xml)
expect_contains("${out}" "--format: expected csv or json, not \"xml\"")
file(WRITE ${WORK}/p/gen.json [=[
{"scores": [{"name": "engagement", "decay": {"half_life": "604800s"},
             "rules": [{"event": "email_click", "points": 3, "max_per_window": 2, "window": "86400s"},
                       {"condition": "customer.lifecycle_stage == \"customer\"", "points": 10}],
             "thresholds": [{"value": 10, "name": "warm"}]}]}
]=])
run(0 out points --customers ${WORK}/a/customers.csv --events ${WORK}/a/events.csv --playbook ${WORK}/p/gen.json)
string(REGEX MATCHALL "\n" lines "${out}")
list(LENGTH lines n)
if(NOT n EQUAL 301)
  message(FATAL_ERROR "points over the generated CRM printed ${n} lines, expected 301")
endif()
