/* Exercises every function of the C API from strict C99. Exit status 0 = pass.
 * Prints "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saleskit/saleskit.h"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (cond) {                                                             \
      ++passed;                                                             \
    } else {                                                                \
      ++failed;                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, \
              __LINE__, #cond, saleskit_last_error());                      \
    }                                                                       \
  } while (0)

static int log_lines = 0;
static void on_log(saleskit_log_level level, const char* message, void* user_data) {
  (void)level;
  (void)message;
  ++*(int*)user_data;
}

/* A length-delimited stream of two Customer messages, built by hand:
 * {id: "p1", email: "p1@example.com"} and {id: "p2"}. */
static size_t protobuf_stream(unsigned char* out) {
  static const unsigned char kStream[] = {
      20, 0x0a, 2, 'p', '1', 0x1a, 14, 'p', '1', '@', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
      4,  0x0a, 2, 'p', '2'};
  memcpy(out, kStream, sizeof(kStream));
  return sizeof(kStream);
}

/* Compile, evaluate and match CEL expressions. Returns the number of failed checks. */
static int cel_expressions(void) {
  const int failed_before = failed;
  const char* customers =
      "id,email,employee_count,lifecycle_stage,attrs.seats\n"
      "c1,ada@example.com,120,lead,25\n"
      "c2,grace@example.com,,lead,3\n"
      "c3,linus@example.com,8,lead,\n";
  const char* events =
      "customer_id,type,occurred_at\n"
      "c1,email_click,2026-01-05T10:00:00Z\n"
      "c1,email_click,2026-01-20T09:00:00Z\n"
      "c2,email_click,2025-11-01T09:00:00Z\n";
  const char* condition = "events.count(\"email_click\", days(30)) >= 1 && customer.lifecycle_stage == \"lead\"";
  const char* value = "customer.email";
  const char* unset = "customer.employee_count < 10";
  const char* broken = "customer.email ==\n  && true";
  const char* ninety_minutes = "events.count(\"email_click\", duration(\"90m\")) > 0";
  saleskit_engine_options options;
  saleskit_engine* engine = NULL;
  saleskit_engine* other = NULL;
  saleskit_expression* is_clicking_lead = NULL;
  saleskit_expression* email = NULL;
  saleskit_expression* small = NULL;
  saleskit_expression* bad = (saleskit_expression*)&options; /* must be set to NULL */
  char* json = NULL;
  size_t json_size = 0;
  uint64_t count = 0;

  saleskit_engine_options_init(&options);
  options.start_time_micros = 1767225600LL * 1000000; /* 2026-01-01 */
  CHECK(saleskit_engine_open(&options, &engine) == SALESKIT_OK);

  /* Compile errors name line:column; the handle stays NULL. */
  CHECK(saleskit_expression_compile(engine, broken, strlen(broken), 1, &bad) == SALESKIT_INVALID_ARGUMENT);
  CHECK(bad == NULL);
  CHECK(strstr(saleskit_last_error(), "Syntax error: 2:3: unexpected token") != NULL);
  CHECK(saleskit_expression_compile(engine, value, strlen(value), 1, &bad) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "bool") != NULL);
  CHECK(saleskit_expression_compile(engine, ninety_minutes, strlen(ninety_minutes), 1, &bad) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "ERROR: 1:37: a window of 1h30m") != NULL);
  CHECK(bad == NULL);

  /* Only the first `size` bytes are the source: no NUL needed. */
  CHECK(saleskit_expression_compile(engine, condition, strlen(condition), 1, &is_clicking_lead) == SALESKIT_OK);
  CHECK(saleskit_expression_compile(engine, "customer.emailXYZ", 14, 0, &email) == SALESKIT_OK);
  CHECK(saleskit_expression_compile(engine, unset, strlen(unset), 1, &small) == SALESKIT_OK);
  CHECK(saleskit_expression_is_condition(is_clicking_lead) == 1);
  CHECK(saleskit_expression_is_condition(email) == 0);
  CHECK(saleskit_expression_is_condition(NULL) == 0);

  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, NULL) ==
        SALESKIT_OK);
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, events, strlen(events), NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_advance_to(engine, 1769904000LL * 1000000) == SALESKIT_OK); /* 2026-02-01 */

  /* Evaluate: the value with its CEL type. */
  CHECK(saleskit_expression_evaluate(engine, is_clicking_lead, "c1", &json, &json_size) == SALESKIT_OK);
  CHECK(json != NULL && strcmp(json, "{\"type\":\"bool\",\"value\":true}") == 0);
  CHECK(json != NULL && strlen(json) == json_size);
  saleskit_free(json);
  CHECK(saleskit_expression_evaluate(engine, email, "c2", &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strcmp(json, "{\"type\":\"string\",\"value\":\"grace@example.com\"}") == 0);
  saleskit_free(json);
  /* A never-set field compared: an error value, not a failed call. */
  CHECK(saleskit_expression_evaluate(engine, small, "c2", &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strncmp(json, "{\"error\":\"", 10) == 0);
  saleskit_free(json);
  CHECK(saleskit_expression_evaluate(engine, small, "c3", &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strcmp(json, "{\"type\":\"bool\",\"value\":true}") == 0);
  saleskit_free(json);
  json = (char*)&options;
  CHECK(saleskit_expression_evaluate(engine, email, "nobody", &json, &json_size) == SALESKIT_NOT_FOUND);
  CHECK(strstr(saleskit_last_error(), "nobody") != NULL);
  CHECK(json == NULL && json_size == 0);

  /* Match: ids in id order. c2's click is outside the 30 days; c3 has none;
   * c2's error value does not match. */
  CHECK(saleskit_expression_match(engine, is_clicking_lead, &json, &json_size, &count) == SALESKIT_OK);
  CHECK(json != NULL && strcmp(json, "[\"c1\"]") == 0);
  CHECK(count == 1 && json_size == 6);
  saleskit_free(json);
  CHECK(saleskit_expression_match(engine, small, &json, NULL, &count) == SALESKIT_OK);
  CHECK(json != NULL && strcmp(json, "[\"c3\"]") == 0 && count == 1);
  saleskit_free(json);
  CHECK(saleskit_expression_match(engine, email, &json, NULL, NULL) == SALESKIT_FAILED_PRECONDITION);
  CHECK(json == NULL);

  /* An expression belongs to the engine that compiled it. */
  CHECK(saleskit_engine_open(NULL, &other) == SALESKIT_OK);
  CHECK(saleskit_expression_match(other, is_clicking_lead, &json, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "another engine") != NULL);
  saleskit_engine_close(other);

  /* NULL arguments. */
  CHECK(saleskit_expression_compile(NULL, value, strlen(value), 0, &bad) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_expression_compile(engine, NULL, 3, 0, &bad) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_expression_compile(engine, value, strlen(value), 0, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_expression_evaluate(engine, NULL, "c1", &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_expression_evaluate(engine, email, NULL, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_expression_evaluate(engine, email, "c1", NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_expression_match(engine, NULL, &json, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);

  /* Expressions outlive their engine; destroying NULL is a no-op. */
  saleskit_engine_close(engine);
  CHECK(saleskit_expression_is_condition(is_clicking_lead) == 1);
  saleskit_expression_destroy(is_clicking_lead);
  saleskit_expression_destroy(email);
  saleskit_expression_destroy(small);
  saleskit_expression_destroy(NULL);
  return failed - failed_before;
}

/* Cohort tables and RFM over an events CSV, without an engine. Returns the
 * number of failed checks. Expected values are `saleskit cohort` / `saleskit
 * rfm` on the same file. */
static const char kSegmentEvents[] =
    "customer_id,occurred_at,type,value\n"
    "a,2026-01-05T10:00:00Z,signup,\n"
    "a,2026-01-20T10:00:00Z,purchase,10\n"
    "a,2026-02-03T10:00:00Z,purchase,20.5\n"
    "b,2026-01-28T09:00:00Z,signup,\n"
    "b,2026-03-02T09:00:00Z,purchase,5\n"
    "c,2026-02-10T12:00:00Z,signup,\n"
    "c,2026-02-11T12:00:00Z,purchase,100\n"
    "c,2026-02-11T15:00:00Z,purchase,1\n"
    "d,2026-03-15T08:00:00Z,signup,\n";

static int cohorts_and_rfm(void) {
  const int failed_before = failed;
  const size_t n = strlen(kSegmentEvents);
  const char* bad_value = "customer_id,occurred_at,type,value\na,2026-01-05T10:00:00Z,signup,\na,2026-01-06,purchase,ten\n";
  saleskit_cohort_options cohort;
  saleskit_rfm_options rfm;
  char* json = NULL;
  size_t json_size = 0;

  saleskit_cohort_options_init(&cohort);
  CHECK(cohort.size == sizeof(cohort) && cohort.period == SALESKIT_COHORT_MONTH && cohort.periods == 12);
  cohort.periods = 3;
  CHECK(saleskit_cohort_table(kSegmentEvents, n, &cohort, &json, &json_size) == SALESKIT_OK);
  CHECK(json != NULL && strlen(json) == json_size);
  CHECK(json != NULL && strncmp(json,
                                "[{\"cohort\":\"2026-01\",\"size\":2,\"values\":[1,0.5,0.5]},"
                                "{\"cohort\":\"2026-02\",\"size\":1,\"values\":[1,0,null]},"
                                "{\"cohort\":\"2026-03\",\"size\":1,\"values\":[1,null,null]}]",
                                json_size - 1) == 0);
  CHECK(strcmp(saleskit_last_error(), "") == 0);
  saleskit_free(json);

  cohort.metric = SALESKIT_COHORT_CONVERSION;
  cohort.convert_to = "purchase";
  CHECK(saleskit_cohort_table(kSegmentEvents, n, &cohort, &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "{\"cohort\":\"2026-01\",\"size\":2,\"values\":[0.5,0.5,1]}") != NULL);
  saleskit_free(json);

  cohort.metric = SALESKIT_COHORT_REVENUE;
  cohort.convert_to = NULL;
  cohort.cumulative = 1;
  CHECK(saleskit_cohort_table(kSegmentEvents, n, &cohort, &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "{\"cohort\":\"2026-01\",\"size\":2,\"values\":[5,15.25,17.75]}") != NULL);
  saleskit_free(json);

  /* Bad input: periods 0, conversion without convert_to, an unknown period,
   * a malformed value (named by line and field), no events. */
  cohort.cumulative = 0;
  cohort.periods = 0;
  CHECK(saleskit_cohort_table(kSegmentEvents, n, &cohort, &json, &json_size) == SALESKIT_INVALID_ARGUMENT);
  CHECK(json == NULL && json_size == 0);
  CHECK(strstr(saleskit_last_error(), "periods") != NULL);
  cohort.periods = 3;
  cohort.metric = SALESKIT_COHORT_CONVERSION;
  CHECK(saleskit_cohort_table(kSegmentEvents, n, &cohort, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "convert_to") != NULL);
  cohort.metric = SALESKIT_COHORT_RETENTION;
  cohort.period = (saleskit_cohort_period)7;
  CHECK(saleskit_cohort_table(kSegmentEvents, n, &cohort, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  cohort.period = SALESKIT_COHORT_WEEK;
  CHECK(saleskit_cohort_table(bad_value, strlen(bad_value), &cohort, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "line 3") != NULL && strstr(saleskit_last_error(), "value") != NULL);
  CHECK(saleskit_cohort_table("customer_id,occurred_at,type,value\n", 35, NULL, &json, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_cohort_table(NULL, 4, NULL, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_cohort_table(kSegmentEvents, n, NULL, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);

  saleskit_rfm_options_init(&rfm);
  CHECK(rfm.size == sizeof(rfm) && rfm.cutoff == NULL && rfm.purchase_event == NULL);
  rfm.cutoff = "2026-03-31";
  CHECK(saleskit_rfm(kSegmentEvents, n, &rfm, &json, &json_size) == SALESKIT_OK);
  CHECK(json != NULL && strlen(json) == json_size);
  CHECK(json != NULL &&
        strncmp(json,
                "[{\"customer_id\":\"a\",\"recency_days\":56,\"frequency\":2,\"monetary\":30.5,\"r\":1,\"f\":4,"
                "\"m\":2,\"segment\":\"at risk\"},{\"customer_id\":\"b\",\"recency_days\":29,\"frequency\":1,"
                "\"monetary\":5,\"r\":4,\"f\":1,\"m\":1,\"segment\":\"promising\"},{\"customer_id\":\"c\","
                "\"recency_days\":48,\"frequency\":1,\"monetary\":101,\"r\":2,\"f\":2,\"m\":4,\"segment\":"
                "\"at risk\"}]",
                json_size - 1) == 0);
  saleskit_free(json);
  /* The same cutoff as microseconds: the end of 2026-03-31 UTC. */
  rfm.cutoff = NULL;
  rfm.cutoff_micros = 1774915200LL * 1000000 + 86399999999LL;
  rfm.purchase_event = "*";
  CHECK(saleskit_rfm(kSegmentEvents, n, &rfm, &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "{\"customer_id\":\"d\",\"recency_days\":16,\"frequency\":1,\"monetary\":0,") !=
                            NULL);
  saleskit_free(json);

  /* Bad input: a cutoff before every purchase, no cutoff, a malformed cutoff,
   * a malformed record, no options. */
  rfm.purchase_event = NULL;
  rfm.cutoff = "2025-12-31";
  CHECK(saleskit_rfm(kSegmentEvents, n, &rfm, &json, &json_size) == SALESKIT_INVALID_ARGUMENT);
  CHECK(json == NULL && json_size == 0);
  CHECK(strstr(saleskit_last_error(), "before every purchase") != NULL);
  rfm.cutoff = NULL;
  rfm.cutoff_micros = INT64_MIN;
  CHECK(saleskit_rfm(kSegmentEvents, n, &rfm, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "cutoff is required") != NULL);
  rfm.cutoff = "March";
  CHECK(saleskit_rfm(kSegmentEvents, n, &rfm, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "cutoff") != NULL);
  rfm.cutoff = "2026-03-31";
  CHECK(saleskit_rfm(bad_value, strlen(bad_value), &rfm, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "line 3") != NULL && strstr(saleskit_last_error(), "value") != NULL);
  CHECK(saleskit_rfm(kSegmentEvents, n, NULL, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  return failed - failed_before;
}

/* k-means clusters over CEL features, without an engine. Returns the number
 * of failed checks. Expected values are `saleskit cluster --format json` on
 * the same files. */
static const char kClusterCustomers[] =
    "id,country,attrs.spend,attrs.flat,attrs.maybe\n"
    "f2,FR,520,5,\nd1,DE,10,5,\nd2,DE,12,5,\nd3,DE,11,5,\nf1,FR,500,5,\nf3,FR,510,5,\n";
static const char kClusterEvents[] =
    "customer_id,type,occurred_at\n"
    "f1,click,2026-01-01\nf2,click,2026-01-02\nf3,click,2026-01-02\nd1,call,2026-01-03\n";

static int clusters(void) {
  const int failed_before = failed;
  const size_t n = strlen(kClusterCustomers);
  const char* spend_country[] = {"customer.attrs.spend", "customer.country"};
  const char* clicks[] = {"events.count(\"click\", days(30))"};
  const char* flat[] = {"customer.attrs.spend", "customer.attrs.flat"};
  const char* maybe[] = {"customer.attrs.spend", "customer.attrs.maybe"};
  const char* broken[] = {"customer.attrs.spend +"};
  const char* null_feature[] = {NULL};
  saleskit_cluster_options options;
  char* json = NULL;
  char* again = NULL;
  size_t json_size = 0;

  saleskit_cluster_options_init(&options);
  CHECK(options.size == sizeof(options) && options.k == 0 && options.max_k == 10 && options.seed == 42 &&
        options.restarts == 10 && options.now_micros == INT64_MIN && options.csv_schema_json == NULL);
  /* k chosen by silhouette: Germany and France. */
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, spend_country, 2, &options, &json, &json_size) ==
        SALESKIT_OK);
  CHECK(json != NULL && strlen(json) == json_size && json[json_size - 1] == '\n');
  CHECK(json != NULL && strncmp(json, "{\"k\":2,\"k_chosen\":true,\"silhouettes\":[{\"k\":2,\"silhouette\":", 58) == 0);
  CHECK(json != NULL && strstr(json,
                               "\"clusters\":[{\"cluster\":0,\"size\":3,\"centroid\":{\"customer.attrs.spend\":11,"
                               "\"customer.country\":{\"DE\":1,\"FR\":0}},\"distinguishing\":[") != NULL);
  CHECK(json != NULL && strstr(json, "\"assignments\":{\"d1\":0,\"d2\":0,\"d3\":0,\"f1\":1,\"f2\":1,\"f3\":1}}\n") != NULL);
  CHECK(strcmp(saleskit_last_error(), "") == 0);
  /* The same bytes for the same seed. */
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, spend_country, 2, NULL, &again, NULL) == SALESKIT_OK);
  CHECK(json != NULL && again != NULL && strcmp(json, again) == 0);
  saleskit_free(json);
  saleskit_free(again);

  /* A windowed feature over the events, k given: the clickers apart (equal sizes: d1 first). */
  options.k = 2;
  options.restarts = 3;
  CHECK(saleskit_cluster(kClusterCustomers, n, kClusterEvents, strlen(kClusterEvents), clicks, 1, &options, &json,
                         NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "{\"k\":2,\"k_chosen\":false,\"silhouettes\":[],") == json);
  CHECK(json != NULL && strstr(json, "\"assignments\":{\"d1\":0,\"d2\":0,\"d3\":0,\"f1\":1,\"f2\":1,\"f3\":1}}") != NULL);
  saleskit_free(json);
  /* With the clock a year later the window is empty: zero variance. */
  options.now_micros = 1798761600LL * 1000000; /* 2027-01-01 */
  CHECK(saleskit_cluster(kClusterCustomers, n, kClusterEvents, strlen(kClusterEvents), clicks, 1, &options, &json,
                         &json_size) == SALESKIT_INVALID_ARGUMENT);
  CHECK(json == NULL && json_size == 0);
  CHECK(strstr(saleskit_last_error(), "feature \"events.count(\"click\", days(30))\" has zero variance") != NULL);
  options.now_micros = INT64_MIN;

  /* Errors, each naming what is at fault. */
  options.k = 7;
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, spend_country, 2, &options, &json, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strcmp(saleskit_last_error(), "k = 7 is more than the number of customers (6)") == 0);
  options.k = 2;
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, flat, 2, &options, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strcmp(saleskit_last_error(), "feature \"customer.attrs.flat\" has zero variance: every customer has 5, so it "
                                      "cannot separate clusters") == 0);
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, maybe, 2, &options, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strncmp(saleskit_last_error(), "feature \"customer.attrs.maybe\" is null for every customer", 57) == 0);
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, broken, 1, &options, &json, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "feature \"customer.attrs.spend +\": Syntax error: 1:23: ") != NULL);
  CHECK(saleskit_cluster("id,employee_count\nk1,5\nk2,lots\n", 31, NULL, 0, flat, 1, &options, &json, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "customers: ") == saleskit_last_error() &&
        strstr(saleskit_last_error(), "line 3") != NULL && strstr(saleskit_last_error(), "employee_count") != NULL);
  CHECK(saleskit_cluster(kClusterCustomers, n, "customer_id,type,occurred_at\nghost,click,2026-01-01\n", 52, clicks,
                         1, &options, &json, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "events: ") == saleskit_last_error() &&
        strstr(saleskit_last_error(), "ghost") != NULL);
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, spend_country, 0, &options, &json, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, null_feature, 1, &options, &json, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  options.restarts = 0;
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, spend_country, 2, &options, &json, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "restarts") != NULL);
  options.restarts = 10;
  options.size = 8;
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, spend_country, 2, &options, &json, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_cluster(kClusterCustomers, n, NULL, 0, spend_country, 2, NULL, NULL, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(json == NULL);
  return failed - failed_before;
}

/* Live segments: a playbook with a derived kind and segments that read each
 * other; membership follows loads and the clock; changes, explain, removal. */
static int segments(void) {
  const int failed_before = failed;
  saleskit_engine_options options;
  saleskit_engine* engine = NULL;
  char* json = NULL;
  size_t json_size = 0;
  uint64_t count = 0, last = 0;
  int member = -1;
  const char* playbook =
      "{\"event_kinds\": [{\"name\": \"pricing_view\", \"condition\": "
      "\"event.type == 'page_view' && event.properties.url.startsWith('/pricing')\"}],"
      " \"segments\": [{\"name\": \"hot\", \"condition\": "
      "\"in_segment('saas') && events.count('pricing_view', days(14)) >= 2\"},"
      " {\"name\": \"saas\", \"condition\": \"customer.industry == 'SaaS'\"}]}";
  const char* cycle =
      "{\"segments\": [{\"name\": \"a\", \"condition\": \"in_segment('b')\"},"
      " {\"name\": \"b\", \"condition\": \"in_segment('a')\"}]}";
  const char* customers = "id,industry\nc1,SaaS\nc2,Retail\n";
  const char* events =
      "customer_id,type,occurred_at,properties.url\n"
      "c1,page_view,2026-03-01T09:00:00Z,/pricing\n"
      "c1,page_view,2026-03-02T09:00:00Z,/pricing/team\n"
      "c2,page_view,2026-03-02T09:00:00Z,/pricing\n";

  saleskit_engine_options_init(&options);
  options.start_time_micros = 1772409600LL * 1000000; /* 2026-03-02T00:00:00Z */
  CHECK(saleskit_engine_open(&options, &engine) == SALESKIT_OK);
  CHECK(saleskit_playbook_define(engine, SALESKIT_FORMAT_JSON, cycle, strlen(cycle)) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strcmp(saleskit_last_error(), "segments refer to each other in a cycle: a -> b -> a") == 0);
  CHECK(saleskit_playbook_define(engine, SALESKIT_FORMAT_JSON, "{\"segments\": 5}", 15) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "playbook JSON") != NULL);
  CHECK(saleskit_playbook_define(engine, SALESKIT_FORMAT_JSON, playbook, strlen(playbook)) == SALESKIT_OK);
  CHECK(saleskit_segment_define(engine, "count", "customer.employee_count + 1", NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strcmp(saleskit_last_error(), "segment \"count\": the condition must be bool, not int") == 0);
  CHECK(saleskit_segment_define(engine, "saas", "true", NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strcmp(saleskit_last_error(), "segment \"saas\": a segment with this name already exists") == 0);
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, NULL) ==
        SALESKIT_OK);
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, events, strlen(events), NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_segment_members(engine, "hot", &json, &json_size, &count) == SALESKIT_OK);
  CHECK(json != NULL && strcmp(json, "[\"c1\"]") == 0 && count == 1 && json_size == 6);
  saleskit_free(json);
  CHECK(saleskit_segment_is_member(engine, "hot", "c2", &member) == SALESKIT_OK && member == 0);
  CHECK(saleskit_segment_is_member(engine, "hot", "nobody", &member) == SALESKIT_NOT_FOUND);
  CHECK(saleskit_segment_count(engine, "nope", &count) == SALESKIT_NOT_FOUND);
  CHECK(strcmp(saleskit_last_error(), "no segment named \"nope\"") == 0);

  /* March 15: the first pricing view leaves the 14-day window. */
  CHECK(saleskit_advance_to(engine, 1774569600LL * 1000000) == SALESKIT_OK); /* 2026-03-27 */
  CHECK(saleskit_segment_count(engine, "hot", &count) == SALESKIT_OK && count == 0);
  CHECK(saleskit_segment_changes(engine, 1, 0, &json, NULL, &last) == SALESKIT_OK);
  CHECK(json != NULL &&
        strcmp(json,
               "[{\"seq\":2,\"at\":\"2026-03-02T00:00:00Z\",\"segment\":\"hot\",\"customer_id\":\"c1\",\"kind\":\"enter\"},"
               "{\"seq\":3,\"at\":\"2026-03-15T00:00:00Z\",\"segment\":\"hot\",\"customer_id\":\"c1\",\"kind\":\"exit\"}]") ==
            0);
  CHECK(last == 3);
  saleskit_free(json);
  CHECK(saleskit_segment_trim_changes(engine, 2) == SALESKIT_OK);
  CHECK(saleskit_segment_changes(engine, 0, 1, &json, NULL, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "\"seq\":3") != NULL && strstr(json, "\"seq\":2") == NULL);
  saleskit_free(json);

  CHECK(saleskit_segment_explain(engine, "hot", "c1", &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL &&
        strcmp(json,
               "{\"segment\":\"hot\",\"customer_id\":\"c1\",\"member\":false,\"at\":\"2026-03-27T00:00:00Z\","
               "\"clauses\":[{\"depth\":0,\"text\":\"in_segment('saas')\",\"result\":{\"type\":\"bool\",\"value\":true}},"
               "{\"depth\":0,\"text\":\"events.count('pricing_view', days(14)) >= 2\","
               "\"result\":{\"type\":\"bool\",\"value\":false}}]}") == 0);
  saleskit_free(json);
  CHECK(saleskit_segments_evaluate(engine, &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strcmp(json,
                               "[{\"segment\":\"saas\",\"count\":1,\"members\":[\"c1\"]},"
                               "{\"segment\":\"hot\",\"count\":0,\"members\":[]}]") == 0);
  saleskit_free(json);
  CHECK(saleskit_playbook_get(engine, &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "\"segments\":[{\"name\":\"saas\"") != NULL &&
        strstr(json, "\"event_kinds\":[{\"name\":\"pricing_view\"") != NULL);
  saleskit_free(json);
  CHECK(saleskit_segment_remove(engine, "saas") == SALESKIT_FAILED_PRECONDITION);
  CHECK(saleskit_segment_remove(engine, "hot") == SALESKIT_OK);
  CHECK(saleskit_segment_remove(engine, "hot") == SALESKIT_NOT_FOUND);
  CHECK(saleskit_segment_members(engine, NULL, &json, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  saleskit_engine_close(engine);
  return failed - failed_before;
}

/* Points scores: definitions as JSON (one and several) and protobuf, values
 * and grades, a time-frame decay crossing down at its instant, a promotion,
 * the explanation, the batch recompute, crossings, removal and errors. */
static int scores(void) {
  const int failed_before = failed;
  saleskit_engine_options options;
  saleskit_engine* engine = NULL;
  char* json = NULL;
  char* grade = NULL;
  size_t json_size = 0;
  uint64_t last = 0;
  double value = -1;
  const unsigned char not_a_def[] = {0x0a, 0x7f, 'x'};
  const char* lead =
      "{\"name\": \"lead\", \"rules\": [{\"condition\": \"customer.country == 'DE'\", \"points\": 20},"
      " {\"event\": \"demo_request\", \"points\": 40}],"
      " \"decay\": {\"time_frame\": \"604800s\"}, \"min\": 0, \"max\": 100,"
      " \"grades\": [{\"grade\": \"A\", \"min\": 50}, {\"grade\": \"B\", \"min\": 20}],"
      " \"thresholds\": [{\"value\": 50, \"name\": \"mql\", \"promote_to\": \"LIFECYCLE_STAGE_MARKETING_QUALIFIED\"}]}";
  const char* several =
      "[{\"name\": \"fit\", \"rules\": [{\"condition\": \"customer.industry == 'SaaS'\", \"points\": 10}]},"
      " {\"name\": \"visits\", \"rules\": [{\"event\": \"page_view\", \"points\": 1}]}]";
  const char* outside =
      "{\"name\": \"capped\", \"rules\": [{\"event\": \"x\", \"points\": 1}], \"min\": 0, \"max\": 10,"
      " \"thresholds\": [{\"value\": 20, \"name\": \"t\"}]}";
  const char* customers = "id,country,industry,lifecycle_stage\nc1,DE,SaaS,lead\nc2,FR,Retail,lead\n";
  const char* events = "customer_id,type,occurred_at\nc1,demo_request,2026-03-01T12:00:00Z\n";

  saleskit_engine_options_init(&options);
  options.start_time_micros = 1772323200LL * 1000000; /* 2026-03-01T00:00:00Z */
  CHECK(saleskit_engine_open(&options, &engine) == SALESKIT_OK);
  CHECK(saleskit_score_define(engine, SALESKIT_FORMAT_JSON, lead, strlen(lead)) == SALESKIT_OK);
  CHECK(saleskit_score_define(engine, SALESKIT_FORMAT_JSON, several, strlen(several)) == SALESKIT_OK);
  CHECK(saleskit_score_define(engine, SALESKIT_FORMAT_JSON, lead, strlen(lead)) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "\"lead\"") != NULL);
  CHECK(saleskit_score_define(engine, SALESKIT_FORMAT_JSON, outside, strlen(outside)) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "\"capped\"") != NULL);
  CHECK(saleskit_score_define(engine, SALESKIT_FORMAT_JSON, "{\"rules\": 5}", 12) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "score JSON") != NULL);
  CHECK(saleskit_score_define(engine, SALESKIT_FORMAT_PROTOBUF, not_a_def, sizeof(not_a_def)) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_score_define(engine, SALESKIT_FORMAT_CSV, "x", 1) == SALESKIT_INVALID_ARGUMENT);

  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, NULL) ==
        SALESKIT_OK);
  CHECK(saleskit_score_get(engine, "lead", "c1", &value, &grade) == SALESKIT_OK);
  CHECK(value == 20 && grade != NULL && strcmp(grade, "B") == 0);
  saleskit_free(grade);
  CHECK(saleskit_score_get(engine, "lead", "c2", &value, NULL) == SALESKIT_OK && value == 0);
  CHECK(saleskit_score_get(engine, "nope", "c1", &value, &grade) == SALESKIT_NOT_FOUND);
  CHECK(grade == NULL && value == 0);
  CHECK(saleskit_score_get(engine, "lead", "nobody", &value, NULL) == SALESKIT_NOT_FOUND);

  /* A demo request: 60, grade A, over the mql threshold (c1 becomes marketing qualified). */
  CHECK(saleskit_advance_to(engine, 1772409600LL * 1000000) == SALESKIT_OK); /* 2026-03-02 */
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, events, strlen(events), NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_score_get(engine, "lead", "c1", &value, &grade) == SALESKIT_OK);
  CHECK(value == 60 && grade != NULL && strcmp(grade, "A") == 0);
  saleskit_free(grade);
  CHECK(saleskit_get_customer(engine, "c1", SALESKIT_FORMAT_JSON, &json, &json_size) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "MARKETING_QUALIFIED") != NULL);
  saleskit_free(json);
  CHECK(saleskit_score_explain(engine, "lead", "c1", &json, &json_size) == SALESKIT_OK);
  CHECK(json != NULL && strlen(json) == json_size &&
        strcmp(json,
               "{\"score\":\"lead\",\"customer_id\":\"c1\",\"at\":\"2026-03-02T00:00:00Z\",\"value\":60,"
               "\"unclamped\":60,\"grade\":\"A\",\"rules\":["
               "{\"rule\":\"customer.country == 'DE'\",\"event\":false,\"points\":20,\"holds\":true,\"events\":[]},"
               "{\"rule\":\"demo_request\",\"event\":true,\"points\":40,\"holds\":false,\"events\":["
               "{\"at\":\"2026-03-01T12:00:00Z\",\"points\":40,\"full_points\":40,\"over_maximum\":false,"
               "\"expires\":\"2026-03-08T12:00:00Z\"}]}]}") == 0);
  saleskit_free(json);
  CHECK(saleskit_score_explain(engine, "lead", "nobody", &json, &json_size) == SALESKIT_NOT_FOUND);
  CHECK(json == NULL && json_size == 0);

  /* The demo request stops counting a week after it: a down crossing at that instant. */
  CHECK(saleskit_advance_to(engine, 1773100800LL * 1000000) == SALESKIT_OK); /* 2026-03-10 */
  CHECK(saleskit_score_get(engine, "lead", "c1", &value, NULL) == SALESKIT_OK && value == 20);
  CHECK(saleskit_score_crossings(engine, 0, 0, &json, &json_size, &last) == SALESKIT_OK);
  CHECK(json != NULL && strlen(json) == json_size &&
        strcmp(json,
               "[{\"seq\":1,\"at\":\"2026-03-02T00:00:00Z\",\"score\":\"lead\",\"customer_id\":\"c1\","
               "\"threshold\":\"mql\",\"threshold_value\":50,\"direction\":\"up\",\"value\":60,"
               "\"promoted_to\":\"marketing_qualified\"},"
               "{\"seq\":2,\"at\":\"2026-03-08T12:00:00Z\",\"score\":\"lead\",\"customer_id\":\"c1\","
               "\"threshold\":\"mql\",\"threshold_value\":50,\"direction\":\"down\",\"value\":20,"
               "\"promoted_to\":null}]") == 0);
  CHECK(last == 2);
  saleskit_free(json);
  CHECK(saleskit_score_trim_crossings(engine, 1) == SALESKIT_OK);
  CHECK(saleskit_score_crossings(engine, 0, 1, &json, NULL, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "\"seq\":2") != NULL && strstr(json, "\"seq\":1") == NULL);
  saleskit_free(json);

  CHECK(saleskit_scores_evaluate(engine, &json, &json_size) == SALESKIT_OK);
  CHECK(json != NULL && strlen(json) == json_size &&
        strcmp(json,
               "[{\"score\":\"lead\",\"values\":{\"c1\":20,\"c2\":0}},"
               "{\"score\":\"fit\",\"values\":{\"c1\":10,\"c2\":0}},"
               "{\"score\":\"visits\",\"values\":{\"c1\":0,\"c2\":0}}]") == 0);
  saleskit_free(json);
  CHECK(saleskit_playbook_get(engine, &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "\"scores\":[{\"name\":\"lead\"") != NULL);
  saleskit_free(json);

  CHECK(saleskit_segment_define(engine, "hot", "score('fit') >= 10", NULL) == SALESKIT_OK);
  CHECK(saleskit_score_remove(engine, "fit") == SALESKIT_FAILED_PRECONDITION);
  CHECK(saleskit_score_remove(engine, "visits") == SALESKIT_OK);
  CHECK(saleskit_score_remove(engine, "visits") == SALESKIT_NOT_FOUND);
  CHECK(saleskit_score_remove(engine, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_score_crossings(engine, 0, 0, NULL, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  saleskit_engine_close(engine);
  return failed - failed_before;
}

/* A CSV of past deals for the predictive model: 200 rows, the outcome
 * driven by the score and the plan, with noise from a fixed LCG. */
static char* deal_history(int with_score) {
  const size_t cap = 200 * 64 + 64;
  char* csv = (char*)malloc(cap);
  size_t n = 0;
  unsigned long state = 12345;
  int i;
  static const char* const kPlans[] = {"basic", "pro", "team"};
  n += (size_t)sprintf(csv + n, with_score ? "id,score,plan,won\n" : "id,plan,won\n");
  for (i = 0; i < 200; ++i) {
    int score, plan, noise, won;
    state = state * 1103515245UL + 12345UL;
    score = (int)((state >> 8) % 100);
    state = state * 1103515245UL + 12345UL;
    plan = (int)((state >> 8) % 3);
    state = state * 1103515245UL + 12345UL;
    noise = (int)((state >> 8) % 60) - 30;
    won = score + 15 * plan + noise > 65;
    if (with_score) {
      n += (size_t)sprintf(csv + n, "d%d,%d,%s,%s\n", i, score, kPlans[plan], won ? "yes" : "no");
    } else {
      n += (size_t)sprintf(csv + n, "d%d,%s,%s\n", i, kPlans[plan], won ? "yes" : "no");
    }
  }
  return csv;
}

/* Train, save, load, predict, explain and evaluate a predictive model. Returns the number of failed checks. */
static int predictive_models(void) {
  const int failed_before = failed;
  char* csv = deal_history(1);
  char* no_score = deal_history(0);
  const char* options = "{\"target\":\"won\",\"positive\":\"yes\",\"exclude\":[\"id\"],\"seed\":7,\"l2\":1.0}";
  const char* no_target = "{\"positive\":\"yes\"}";
  const char* unknown_key = "{\"target\":\"won\",\"positive\":\"yes\",\"colour\":\"red\"}";
  const char* wrong_target = "{\"target\":\"outcome\",\"positive\":\"yes\"}";
  saleskit_model* model = NULL;
  saleskit_model* from_binary = NULL;
  saleskit_model* from_json = NULL;
  saleskit_model* bad = NULL;
  char* report = NULL;
  size_t report_size = 0;
  char* binary = NULL;
  size_t binary_size = 0;
  char* json = NULL;
  size_t json_size = 0;
  double* p = NULL;
  double* q = NULL;
  size_t rows = 0, rows2 = 0, i;
  int same = 1;

  CHECK(saleskit_model_train(csv, strlen(csv), options, &model, &report, &report_size) == SALESKIT_OK);
  CHECK(model != NULL);
  CHECK(report != NULL && strlen(report) == report_size);
  CHECK(report != NULL && strstr(report, "\"train_rows\":160") != NULL);
  CHECK(report != NULL && strstr(report, "\"held_out\":{\"rows\":40") != NULL);
  CHECK(report != NULL && strstr(report, "\"auc\":") != NULL);
  CHECK(report != NULL && strstr(report, "\"warnings\":[") != NULL);
  saleskit_free(report);
  report = NULL;

  /* Every row scored, as doubles the host frees. */
  CHECK(saleskit_model_predict(model, csv, strlen(csv), &p, &rows) == SALESKIT_OK);
  CHECK(rows == 200 && p != NULL);
  for (i = 0; p != NULL && i < rows; ++i) same = same && p[i] > 0 && p[i] < 1;
  CHECK(same);

  /* Saved and loaded, as binary protobuf and as JSON, it scores the same. */
  CHECK(saleskit_model_save(model, 0, &binary, &binary_size) == SALESKIT_OK);
  CHECK(binary != NULL && binary_size > 0);
  CHECK(saleskit_model_save(model, 1, &json, &json_size) == SALESKIT_OK);
  CHECK(json != NULL && json[0] == '{' && strlen(json) == json_size);
  CHECK(json != NULL && strstr(json, "\"schema_version\": 1") != NULL);
  CHECK(saleskit_model_load(binary, binary_size, &from_binary) == SALESKIT_OK);
  CHECK(saleskit_model_load(json, json_size, &from_json) == SALESKIT_OK);
  CHECK(saleskit_model_predict(from_binary, csv, strlen(csv), &q, &rows2) == SALESKIT_OK);
  same = rows2 == rows;
  for (i = 0; same && p != NULL && q != NULL && i < rows; ++i) same = p[i] == q[i];
  CHECK(same);
  saleskit_free(q);
  q = NULL;
  CHECK(saleskit_model_predict(from_json, csv, strlen(csv), &q, &rows2) == SALESKIT_OK);
  same = rows2 == rows;
  for (i = 0; same && p != NULL && q != NULL && i < rows; ++i) same = p[i] == q[i];
  CHECK(same);
  saleskit_free(q);
  q = NULL;

  /* Truncated bytes are refused, and the handle stays NULL. */
  bad = (saleskit_model*)&same;
  CHECK(saleskit_model_load(binary, binary_size / 2, &bad) == SALESKIT_INVALID_ARGUMENT);
  CHECK(bad == NULL);
  CHECK(strstr(saleskit_last_error(), "truncated") != NULL || strstr(saleskit_last_error(), "cut short") != NULL);
  CHECK(saleskit_model_load(json, json_size / 2, &bad) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "truncated") != NULL);
  CHECK(saleskit_model_load(json, 0, &bad) == SALESKIT_INVALID_ARGUMENT);

  /* Explain: the top contributions of one row; evaluate: the metrics. */
  CHECK(saleskit_model_explain(model, csv, strlen(csv), 3, 2, &report, &report_size) ==
        SALESKIT_OK);
  CHECK(report != NULL && strncmp(report, "{\"row\":3,\"probability\":", 23) == 0);
  CHECK(report != NULL && strstr(report, "\"base_log_odds\":") != NULL && strstr(report, "\"top\":[{\"feature\":") != NULL);
  CHECK(report != NULL && strlen(report) == report_size);
  saleskit_free(report);
  report = NULL;
  CHECK(saleskit_model_explain(model, csv, strlen(csv), 200, 2, &report, NULL) == SALESKIT_OUT_OF_RANGE);
  CHECK(strstr(saleskit_last_error(), "row 200") != NULL && report == NULL);
  CHECK(saleskit_model_explain(model, csv, strlen(csv), 0, -1, &report, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_model_evaluate(model, csv, strlen(csv), &report, &report_size) == SALESKIT_OK);
  CHECK(report != NULL && strstr(report, "\"rows\":200") != NULL && strstr(report, "\"fallbacks\":[") != NULL);
  saleskit_free(report);
  report = NULL;

  /* A CSV missing a column the model needs: the column is named. */
  CHECK(saleskit_model_predict(model, no_score, strlen(no_score), &q, &rows2) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "\"score\"") != NULL);
  CHECK(q == NULL && rows2 == 0);
  CHECK(saleskit_model_evaluate(model, no_score, strlen(no_score), &report, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "score") != NULL && report == NULL);

  /* Training errors: bad options, a missing target column. */
  CHECK(saleskit_model_train(csv, strlen(csv), no_target, &bad, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "\"target\" is required") != NULL && bad == NULL);
  CHECK(saleskit_model_train(csv, strlen(csv), unknown_key, &bad, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "\"colour\"") != NULL);
  CHECK(saleskit_model_train(csv, strlen(csv), wrong_target, &bad, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "no target column \"outcome\"") != NULL);
  CHECK(saleskit_model_train(csv, strlen(csv), "not json", &bad, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);

  /* NULL arguments are errors, never crashes. */
  CHECK(saleskit_model_train(csv, strlen(csv), NULL, &bad, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_model_train(csv, strlen(csv), options, NULL, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_model_predict(NULL, csv, strlen(csv), &q, &rows2) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_model_save(NULL, 0, &binary, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_model_load(NULL, 5, &bad) == SALESKIT_INVALID_ARGUMENT);
  saleskit_model_free(NULL);

  saleskit_free(p);
  saleskit_free(binary);
  saleskit_free(json);
  saleskit_model_free(from_json);
  saleskit_model_free(from_binary);
  saleskit_model_free(model);
  free(no_score);
  free(csv);
  return failed - failed_before;
}

/* A CRM history for training from history: 300 customers, visits in January
 * 2026 (before the reference, 2026-01-31), and an MQL stage change in
 * February for more of those who visited more (a fixed LCG). Fills the
 * customers, all events, the events up to the reference, and a CSV of each
 * customer's feature values (visits_30d,country) in id order of creation. */
static void crm_history(char** customers, char** events, char** past_events, char** features) {
  const size_t cap = 300 * 8 * 64 + 128;
  size_t nc = 0, ne = 0, np = 0, nf = 0;
  unsigned long state = 777;
  int i, k;
  static const char* const kCountries[] = {"DE", "FR", "US"};
  *customers = (char*)malloc(cap);
  *events = (char*)malloc(cap);
  *past_events = (char*)malloc(cap);
  *features = (char*)malloc(cap);
  nc += (size_t)sprintf(*customers + nc, "id,country\n");
  ne += (size_t)sprintf(*events + ne, "customer_id,type,occurred_at,properties.stage\n");
  np += (size_t)sprintf(*past_events + np, "customer_id,type,occurred_at,properties.stage\n");
  nf += (size_t)sprintf(*features + nf, "visits_30d,country\n");
  for (i = 0; i < 300; ++i) {
    int visits;
    nc += (size_t)sprintf(*customers + nc, "c%03d,%s\n", i, kCountries[i % 3]);
    state = state * 1103515245UL + 12345UL;
    visits = (int)((state >> 8) % 6);
    for (k = 0; k < visits; ++k) {
      int day;
      state = state * 1103515245UL + 12345UL;
      day = 5 + (int)((state >> 8) % 25);
      ne += (size_t)sprintf(*events + ne, "c%03d,visit,2026-01-%02dT12:00:00Z,\n", i, day);
      np += (size_t)sprintf(*past_events + np, "c%03d,visit,2026-01-%02dT12:00:00Z,\n", i, day);
    }
    state = state * 1103515245UL + 12345UL;
    if ((int)((state >> 8) % 6) < visits) {
      ne += (size_t)sprintf(*events + ne, "c%03d,lifecycle_stage_changed,2026-02-10T00:00:00Z,marketing_qualified\n", i);
    }
    nf += (size_t)sprintf(*features + nf, "%d,%s\n", visits, kCountries[i % 3]);
  }
  /* Something after the reference for every history, so outcomes can be observed. */
  ne += (size_t)sprintf(*events + ne, "c000,visit,2026-02-20T00:00:00Z,\n");
}

/* P(positive) of `id` in a saleskit_engine_predict object, or -1. */
static double json_probability(const char* json, const char* id) {
  char key[32];
  const char* at;
  sprintf(key, "\"%s\":", id);
  at = json != NULL ? strstr(json, key) : NULL;
  return at != NULL ? strtod(at + strlen(key), NULL) : -1;
}

/* Train from history, bind to an engine, predict and explain live customers. Returns the number of failed checks. */
static int history_models(void) {
  const int failed_before = failed;
  char *customers, *events, *past, *features;
  const char* options =
      "{\"reference\":\"2026-01-31T00:00:00Z\",\"horizon_days\":30,\"stage\":\"marketing_qualified\","
      "\"features\":[[\"visits_30d\",\"events.count(\\\"visit\\\", days(30))\"],[\"country\",\"customer.country\"]],"
      "\"seed\":3}";
  const char* too_late =
      "{\"reference\":\"2026-06-01T00:00:00Z\",\"stage\":\"marketing_qualified\","
      "\"features\":{\"visits_30d\":\"events.count(\\\"visit\\\", days(30))\"}}";
  const char* unknown_feature =
      "{\"reference\":\"2026-01-31T00:00:00Z\",\"stage\":\"marketing_qualified\","
      "\"features\":{\"visits\":\"customer.visits\"}}";
  const char* no_reference = "{\"stage\":\"lead\",\"features\":{\"c\":\"customer.country\"}}";
  const char* bad_stage = "{\"reference\":\"2026-01-31\",\"stage\":\"hot\",\"features\":{\"c\":\"customer.country\"}}";
  const char* bad_events = "customer_id,type,occurred_at\nc000,visit,yesterday\n";
  char* csv = deal_history(1);
  saleskit_model* model = NULL;
  saleskit_model* plain = NULL;
  saleskit_model* bad = NULL;
  saleskit_engine_options eo;
  saleskit_engine* engine = NULL;
  char* report = NULL;
  size_t report_size = 0;
  char* json = NULL;
  size_t json_size = 0;
  uint64_t count = 0;
  double* p = NULL;
  size_t rows = 0, i;
  int all_close = 1;
  char id[16];

  crm_history(&customers, &events, &past, &features);
  CHECK(saleskit_model_train_history(SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, 0, events,
                                     strlen(events), NULL, 0, options, &model, &report, &report_size) == SALESKIT_OK);
  CHECK(model != NULL);
  CHECK(report != NULL && strlen(report) == report_size && strstr(report, "\"train_rows\":2") != NULL);
  CHECK(report != NULL && strstr(report, "\"auc\":0.") != NULL);
  saleskit_free(report);
  report = NULL;
  /* The saved model remembers each feature's expression. */
  CHECK(saleskit_model_save(model, 1, &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "events.count") != NULL);
  saleskit_free(json);
  json = NULL;

  /* A live engine: bind first, then load what was known at the reference time. */
  saleskit_engine_options_init(&eo);
  eo.start_time_micros = 1767225600LL * 1000000; /* 2026-01-01 */
  CHECK(saleskit_engine_open(&eo, &engine) == SALESKIT_OK);
  CHECK(saleskit_engine_predict(engine, model, &json, NULL, NULL) == SALESKIT_FAILED_PRECONDITION);
  CHECK(strstr(saleskit_last_error(), "saleskit_model_bind") != NULL && json == NULL);
  CHECK(saleskit_model_bind(engine, model) == SALESKIT_OK);
  CHECK(saleskit_model_bind(engine, model) == SALESKIT_OK); /* again: nothing happens */
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, NULL) ==
        SALESKIT_OK);
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, past, strlen(past), NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_advance_to(engine, 1769817600LL * 1000000) == SALESKIT_OK); /* 2026-01-31 */
  CHECK(saleskit_engine_predict(engine, model, &json, &json_size, &count) == SALESKIT_OK);
  CHECK(count == 300 && json != NULL && strlen(json) == json_size);
  CHECK(json != NULL && strncmp(json, "{\"c000\":0.", 10) == 0);
  /* Live predictions equal the model on a table of the same feature values. */
  CHECK(saleskit_model_predict(model, features, strlen(features), &p, &rows) == SALESKIT_OK);
  CHECK(rows == 300);
  for (i = 0; p != NULL && i < rows; ++i) {
    double live;
    sprintf(id, "c%03d", (int)i);
    live = json_probability(json, id);
    all_close = all_close && live - p[i] < 1e-12 && p[i] - live < 1e-12;
  }
  CHECK(all_close);
  saleskit_free(json);
  json = NULL;

  CHECK(saleskit_engine_explain_prediction(engine, model, "c001", 2, &json, &json_size) == SALESKIT_OK);
  CHECK(json != NULL && strncmp(json, "{\"customer_id\":\"c001\",\"probability\":", 36) == 0);
  CHECK(json != NULL && strstr(json, "\"top\":[{\"feature\":") != NULL && strlen(json) == json_size);
  saleskit_free(json);
  json = NULL;
  CHECK(saleskit_engine_explain_prediction(engine, model, "nobody", 2, &json, NULL) == SALESKIT_NOT_FOUND);
  CHECK(json == NULL);
  CHECK(saleskit_engine_explain_prediction(engine, model, "c001", -1, &json, NULL) == SALESKIT_INVALID_ARGUMENT);

  /* A model trained on a CSV has no expressions: it cannot score live customers. */
  CHECK(saleskit_model_train(csv, strlen(csv), "{\"target\":\"won\",\"positive\":\"yes\",\"exclude\":[\"id\"]}", &plain,
                             NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_model_bind(engine, plain) == SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "has no CEL expression: only a model trained from history") != NULL);
  CHECK(saleskit_engine_predict(engine, plain, &json, NULL, NULL) == SALESKIT_FAILED_PRECONDITION);
  CHECK(saleskit_engine_explain_prediction(engine, plain, "c001", 1, &json, NULL) == SALESKIT_FAILED_PRECONDITION);

  /* Training errors: the reason, and the handle stays NULL. */
  bad = (saleskit_model*)&all_close;
  CHECK(saleskit_model_train_history(SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, 0, past, strlen(past),
                                     NULL, 0, too_late, &bad, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(bad == NULL);
  CHECK(strstr(saleskit_last_error(), "is not before any event or deal") != NULL);
  CHECK(saleskit_model_train_history(SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, 0, events,
                                     strlen(events), NULL, 0, unknown_feature, &bad, NULL, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "feature \"visits\": ") != NULL);
  CHECK(saleskit_model_train_history(SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, 0, events,
                                     strlen(events), NULL, 0, no_reference, &bad, NULL, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strcmp(saleskit_last_error(), "options_json: \"reference\" is required") == 0);
  CHECK(saleskit_model_train_history(SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, 0, events,
                                     strlen(events), NULL, 0, bad_stage, &bad, NULL, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "unknown lifecycle stage \"hot\"") != NULL);
  CHECK(saleskit_model_train_history(SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, 0, bad_events,
                                     strlen(bad_events), NULL, 0, options, &bad, NULL, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strncmp(saleskit_last_error(), "events: ", 8) == 0 && strstr(saleskit_last_error(), "line 2") != NULL);
  CHECK(saleskit_model_train_history((saleskit_format)42, customers, strlen(customers), NULL, 0, events,
                                     strlen(events), NULL, 0, options, &bad, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);

  /* NULL arguments are errors, never crashes. */
  CHECK(saleskit_model_train_history(SALESKIT_FORMAT_CSV, NULL, 5, NULL, 0, NULL, 0, NULL, 0, options, &bad, NULL,
                                     NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_model_train_history(SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, 0, events,
                                     strlen(events), NULL, 0, NULL, &bad, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_model_train_history(SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, 0, events,
                                     strlen(events), NULL, 0, options, NULL, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_model_bind(NULL, model) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_model_bind(engine, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_engine_predict(engine, model, NULL, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_engine_predict(NULL, model, &json, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_engine_explain_prediction(engine, model, NULL, 1, &json, NULL) == SALESKIT_INVALID_ARGUMENT);

  /* The engine keeps its binding after the model is freed. */
  saleskit_model_free(model);
  saleskit_model_free(plain);
  saleskit_engine_close(engine);
  saleskit_free(p);
  free(csv);
  free(customers);
  free(events);
  free(past);
  free(features);
  return failed - failed_before;
}

/* Copies the value of the first "key":"..." in `json` into `out` (size n). */
static void json_string_field(const char* json, const char* key, char* out, size_t n) {
  char pattern[64];
  const char* p;
  size_t i = 0;
  out[0] = '\0';
  if (json == NULL) return;
  sprintf(pattern, "\"%s\":\"", key);
  p = strstr(json, pattern);
  if (p == NULL) return;
  p += strlen(pattern);
  while (p[i] != '\0' && p[i] != '"' && i + 1 < n) {
    out[i] = p[i];
    ++i;
  }
  out[i] = '\0';
}

/* Rules, routing, consent, the outbox and the audit log. Returns the number of failed checks. */
static int automation(void) {
  const int failed_before = failed;
  saleskit_engine_options options;
  saleskit_engine* engine = NULL;
  saleskit_engine* other = NULL;
  char* json = NULL;
  size_t json_size = 0;
  uint64_t count = 0;
  char id[128], second[128];
  const char* playbook =
      "{\"version\": \"v1\","
      " \"segments\": [{\"name\": \"hot\", \"condition\": \"customer.employee_count >= 100\"}],"
      " \"owners\": [{\"id\": \"ann\"}, {\"id\": \"bob\", \"unavailable\": true}, {\"id\": \"cy\"}],"
      " \"pools\": [{\"name\": \"reps\", \"strategy\": \"ROUND_ROBIN\", \"owners\": [\"ann\", \"bob\", \"cy\"]}],"
      " \"rules\": [{\"name\": \"route\", \"trigger\": {\"segment\": {\"segment\": \"hot\", \"on\": \"ENTER\"}},"
      "              \"actions\": [{\"assign_owner\": {\"pool\": \"reps\"}},"
      "                          {\"create_task\": {\"title\": \"Call\", \"due_in_business_hours\": 4}}]},"
      "             {\"name\": \"welcome\", \"trigger\": {\"event\": {\"type\": \"signup\"}},"
      "              \"actions\": [{\"send_email\": {\"template_id\": \"welcome\"}}]}]}";
  const char* bad_rule =
      "{\"rules\": [{\"name\": \"r\", \"trigger\": {\"segment\": {\"segment\": \"nope\", \"on\": \"ENTER\"}},"
      " \"actions\": [{\"add_tag\": \"t\"}]}]}";
  const char* customers = "id,employee_count,consent.email\nc1,500,\nc2,200,opted_out\n";
  const char* events =
      "id,customer_id,type,occurred_at\n"
      "e1,c1,signup,2026-11-02T11:00:00Z\n"
      "e2,c2,signup,2026-11-02T11:00:00Z\n";
  const char* again = "id,customer_id,type,occurred_at\ne3,c1,signup,2026-11-02T11:30:00Z\n";
  const int64_t start = 1793620800LL * 1000000; /* Monday 2026-11-02T12:00:00Z */

  /* Outbox options: defaults from _init; an older, shorter struct gets them too. */
  saleskit_engine_options_init(&options);
  CHECK(options.outbox_max_attempts == 5 && options.outbox_retry_base_seconds == 60 &&
        options.outbox_retry_max_seconds == 21600);
  options.outbox_max_attempts = 0;
  CHECK(saleskit_engine_open(&options, &other) == SALESKIT_INVALID_ARGUMENT && other == NULL);
  CHECK(strstr(saleskit_last_error(), "max_attempts") != NULL);
  options.size = offsetof(saleskit_engine_options, outbox_max_attempts);
  CHECK(saleskit_engine_open(&options, &other) == SALESKIT_OK);
  saleskit_engine_close(other);

  saleskit_engine_options_init(&options);
  options.start_time_micros = start;
  options.outbox_max_attempts = 2;
  CHECK(saleskit_engine_open(&options, &engine) == SALESKIT_OK);

  /* The playbook carries the rules through saleskit_playbook_define/get. */
  CHECK(saleskit_playbook_define(engine, SALESKIT_FORMAT_JSON, bad_rule, strlen(bad_rule)) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strcmp(saleskit_last_error(), "rule \"r\": trigger.segment: there is no segment named \"nope\"") == 0);
  CHECK(saleskit_playbook_define(engine, SALESKIT_FORMAT_JSON, playbook, strlen(playbook)) == SALESKIT_OK);
  CHECK(saleskit_playbook_get(engine, &json, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "\"name\":\"welcome\"") != NULL && strstr(json, "\"version\":\"v1\"") != NULL &&
        strstr(json, "\"strategy\":\"ROUND_ROBIN\"") != NULL);
  saleskit_free(json);

  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, NULL) ==
        SALESKIT_OK);
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, events, strlen(events), NULL, NULL) == SALESKIT_OK);

  /* Round robin skips bob (unavailable); each routed customer gets a task. */
  CHECK(saleskit_tasks(engine, "c2", &json, &json_size, &count) == SALESKIT_OK);
  CHECK(count == 1 && json != NULL && strlen(json) == json_size);
  CHECK(json != NULL && strstr(json, "\"owner_id\":\"cy\"") != NULL && strstr(json, "\"title\":\"Call\"") != NULL);
  saleskit_free(json);
  CHECK(saleskit_tasks(engine, NULL, &json, NULL, &count) == SALESKIT_OK && count == 2);
  CHECK(json != NULL && strstr(json, "[{\"seq\":1,") == json && strstr(json, "},{\"seq\":2,") != NULL);
  saleskit_free(json);
  /* A host takes the tasks since the last seq it handled, then trims them. */
  uint64_t last_task = 0;
  CHECK(saleskit_tasks_since(engine, 1, 0, &json, &json_size, &last_task) == SALESKIT_OK && last_task == 2);
  CHECK(json != NULL && strlen(json) == json_size && strstr(json, "[{\"seq\":2,") == json &&
        strstr(json, "\"seq\":1,") == NULL);
  saleskit_free(json);
  CHECK(saleskit_tasks_since(engine, 0, 1, &json, NULL, NULL) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "\"seq\":1,") != NULL && strstr(json, "\"seq\":2,") == NULL);
  saleskit_free(json);
  CHECK(saleskit_tasks_trim(engine, 1) == SALESKIT_OK);
  CHECK(saleskit_tasks(engine, NULL, &json, NULL, &count) == SALESKIT_OK && count == 1);
  saleskit_free(json);
  CHECK(saleskit_tasks_since(engine, 2, 0, &json, NULL, &last_task) == SALESKIT_OK && last_task == 2);
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  saleskit_free(json);

  /* c2 opted out of email: only c1's welcome reaches the outbox. */
  CHECK(saleskit_outbox_poll(engine, 10, &json, &json_size, &count) == SALESKIT_OK);
  CHECK(count == 1 && json != NULL && strlen(json) == json_size);
  CHECK(json != NULL && strstr(json, "\"customer_id\":\"c1\"") != NULL &&
        strstr(json, "\"action\":{\"send_email\":{\"template_id\":\"welcome\"}}") != NULL &&
        strstr(json, "\"owner_id\":\"ann\"") != NULL && strstr(json, "\"state\":\"pending\"") != NULL);
  json_string_field(json, "id", id, sizeof(id));
  saleskit_free(json);
  CHECK(id[0] != '\0');
  CHECK(saleskit_outbox_poll(engine, 10, &json, NULL, &count) == SALESKIT_OK && count == 0); /* in flight */
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  saleskit_free(json);
  CHECK(saleskit_outbox_ack(engine, id) == SALESKIT_OK);
  CHECK(saleskit_outbox_ack(engine, id) == SALESKIT_OK); /* again: fine */
  CHECK(saleskit_outbox_entries(engine, 0, 0, SALESKIT_OUTBOX_DONE, &json, NULL, &count) == SALESKIT_OK);
  CHECK(count == 1 && json != NULL && strstr(json, id) != NULL);
  saleskit_free(json);
  CHECK(saleskit_outbox_nack(engine, "no-such-entry", "boom") == SALESKIT_NOT_FOUND);
  CHECK(strstr(saleskit_last_error(), "no-such-entry") != NULL);
  CHECK(saleskit_outbox_ack(engine, "no-such-entry") == SALESKIT_NOT_FOUND);
  CHECK(saleskit_outbox_nack(engine, id, "late") == SALESKIT_FAILED_PRECONDITION);
  {
    /* A batch of acks: all or none, the refused id named with its place. */
    const char* batch[] = {id, "no-such-entry", id};
    CHECK(saleskit_outbox_ack_many(engine, batch, 3) == SALESKIT_NOT_FOUND);
    CHECK(strstr(saleskit_last_error(), "ack 2 of 3: no outbox entry with id \"no-such-entry\"") != NULL);
    batch[1] = id; /* repeats of a done entry are fine */
    CHECK(saleskit_outbox_ack_many(engine, batch, 3) == SALESKIT_OK);
    CHECK(saleskit_outbox_ack_many(engine, NULL, 0) == SALESKIT_OK);
    CHECK(saleskit_outbox_ack_many(engine, NULL, 1) == SALESKIT_INVALID_ARGUMENT);
    batch[1] = NULL;
    CHECK(saleskit_outbox_ack_many(engine, batch, 3) == SALESKIT_INVALID_ARGUMENT);
    CHECK(strstr(saleskit_last_error(), "ids[1] must not be NULL") != NULL);
    CHECK(saleskit_outbox_ack_many(NULL, batch, 1) == SALESKIT_INVALID_ARGUMENT);
  }

  /* The audit log, per customer and per rule. */
  CHECK(saleskit_audit_query(engine, 0, 0, "c2", NULL, &json, &json_size, &count) == SALESKIT_OK);
  CHECK(count == 2 && json != NULL && strlen(json) == json_size);
  CHECK(json != NULL && strstr(json, "\"result\":\"skipped\",\"reason\":\"no_consent\"") != NULL);
  CHECK(json != NULL && strstr(json, "\"customer_id\":\"c1\"") == NULL);
  CHECK(json != NULL && strstr(json, "\"playbook_version\":\"v1\"") != NULL);
  saleskit_free(json);
  CHECK(saleskit_audit_query(engine, 0, 0, NULL, "welcome", &json, NULL, &count) == SALESKIT_OK && count == 2);
  CHECK(json != NULL && strstr(json, "\"trigger\":\"event signup e1 at 2026-11-02T11:00:00Z\"") != NULL);
  saleskit_free(json);
  CHECK(saleskit_audit_query(engine, 0, 1, NULL, NULL, &json, NULL, &count) == SALESKIT_OK && count == 1);
  saleskit_free(json);
  CHECK(saleskit_rule_stats(engine, &json, NULL, &count) == SALESKIT_OK && count == 2);
  CHECK(json != NULL && strstr(json, "{\"rule\":\"route\",\"fired\":2,\"skipped\":0,\"applied\":4") != NULL);
  saleskit_free(json);

  /* A failed delivery is retried after the backoff, then dead after 2 attempts. */
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, again, strlen(again), NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_outbox_poll(engine, 0, &json, NULL, &count) == SALESKIT_OK && count == 1);
  json_string_field(json, "id", second, sizeof(second));
  saleskit_free(json);
  CHECK(strcmp(second, id) != 0);
  CHECK(saleskit_outbox_nack(engine, second, "smtp 451") == SALESKIT_OK);
  CHECK(saleskit_outbox_poll(engine, 0, &json, NULL, &count) == SALESKIT_OK && count == 0); /* backing off */
  saleskit_free(json);
  CHECK(saleskit_advance_to(engine, start + 60LL * 1000000) == SALESKIT_OK);
  CHECK(saleskit_outbox_poll(engine, 0, &json, NULL, &count) == SALESKIT_OK && count == 1);
  CHECK(json != NULL && strstr(json, "\"attempts\":1") != NULL && strstr(json, "\"last_error\":\"smtp 451\"") != NULL);
  saleskit_free(json);
  CHECK(saleskit_outbox_nack(engine, second, NULL) == SALESKIT_OK);
  CHECK(saleskit_outbox_entries(engine, 0, 0, SALESKIT_OUTBOX_DEAD, &json, NULL, &count) == SALESKIT_OK);
  CHECK(count == 1 && json != NULL && strstr(json, second) != NULL && strstr(json, "\"state\":\"dead\"") != NULL &&
        strstr(json, "\"attempts\":2") != NULL);
  saleskit_free(json);
  CHECK(saleskit_outbox_entries(engine, 0, 0, SALESKIT_OUTBOX_ANY, &json, NULL, &count) == SALESKIT_OK && count == 2);
  saleskit_free(json);
  CHECK(saleskit_outbox_entries(engine, 1, 0, SALESKIT_OUTBOX_ANY, &json, NULL, &count) == SALESKIT_OK && count == 1);
  saleskit_free(json);
  CHECK(saleskit_outbox_entries(engine, 0, 0, (saleskit_outbox_state)7, &json, NULL, &count) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(json == NULL);

  /* Trimming the audit log. */
  CHECK(saleskit_audit_query(engine, 0, 0, NULL, NULL, &json, NULL, &count) == SALESKIT_OK && count == 5);
  saleskit_free(json);
  CHECK(saleskit_audit_trim(engine, 4) == SALESKIT_OK);
  CHECK(saleskit_audit_query(engine, 0, 0, NULL, NULL, &json, NULL, &count) == SALESKIT_OK && count == 1);
  CHECK(json != NULL && strstr(json, "\"seq\":5") != NULL);
  saleskit_free(json);

  /* Owner availability without a new version: cy on leave, bob back. Round
   * robin goes on after cy (c2's owner): ann, bob, then ann again (cy skipped). */
  {
    const char* three = "id,employee_count\nc5,900\nc6,900\nc7,900\n";
    const char* one = "id,employee_count\nc8,900\n";
    CHECK(saleskit_owner_set_available(engine, "nobody", 0) == SALESKIT_NOT_FOUND);
    CHECK(strstr(saleskit_last_error(), "nobody") != NULL);
    CHECK(saleskit_owner_set_available(engine, "cy", 0) == SALESKIT_OK);
    CHECK(saleskit_owner_set_available(engine, "bob", 1) == SALESKIT_OK);
    CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, three, strlen(three), NULL, NULL) == SALESKIT_OK);
    CHECK(saleskit_get_customer(engine, "c6", SALESKIT_FORMAT_JSON, &json, &json_size) == SALESKIT_OK);
    CHECK(json != NULL && strstr(json, "\"owner_id\":\"bob\"") != NULL);
    saleskit_free(json);
    CHECK(saleskit_get_customer(engine, "c7", SALESKIT_FORMAT_JSON, &json, &json_size) == SALESKIT_OK);
    CHECK(json != NULL && strstr(json, "\"owner_id\":\"ann\"") != NULL);
    saleskit_free(json);
    /* Nobody left and no fallback: the assignment is audited as no_owner, not dropped. */
    CHECK(saleskit_owner_set_available(engine, "ann", 0) == SALESKIT_OK);
    CHECK(saleskit_owner_set_available(engine, "bob", 0) == SALESKIT_OK);
    CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, one, strlen(one), NULL, NULL) == SALESKIT_OK);
    CHECK(saleskit_audit_query(engine, 0, 0, "c8", "route", &json, NULL, &count) == SALESKIT_OK && count == 1);
    CHECK(json != NULL && strstr(json, "\"result\":\"skipped\",\"reason\":\"no_owner\"") != NULL &&
          strstr(json, "pool reps has no available owner") != NULL);
    saleskit_free(json);
    CHECK(saleskit_owner_set_available(NULL, "ann", 1) == SALESKIT_INVALID_ARGUMENT);
    CHECK(saleskit_owner_set_available(engine, NULL, 1) == SALESKIT_INVALID_ARGUMENT);
  }

  /* NULL handles and out-parameters. */
  CHECK(saleskit_outbox_poll(NULL, 1, &json, NULL, NULL) == SALESKIT_INVALID_ARGUMENT && json == NULL);
  CHECK(saleskit_outbox_poll(engine, 1, NULL, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_outbox_ack(engine, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_outbox_nack(NULL, id, "x") == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_audit_trim(NULL, 1) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_tasks(NULL, NULL, &json, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_tasks_since(NULL, 0, 0, &json, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_tasks_since(engine, 0, 0, NULL, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_tasks_trim(NULL, 1) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_rule_stats(engine, NULL, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);

  saleskit_engine_close(engine);
  return failed - failed_before;
}

/* Reads a whole list (outbox entries or the audit log) as JSON text, for comparisons. */
static char* outbox_json(saleskit_engine* engine) {
  char* json = NULL;
  if (saleskit_outbox_entries(engine, 0, 0, SALESKIT_OUTBOX_ANY, &json, NULL, NULL) != SALESKIT_OK) return NULL;
  return json;
}
static char* audit_json(saleskit_engine* engine) {
  char* json = NULL;
  if (saleskit_audit_query(engine, 0, 0, NULL, NULL, &json, NULL, NULL) != SALESKIT_OK) return NULL;
  return json;
}

/* Removes a state file and its write-ahead log. */
static void remove_state(const char* path) {
  char wal[1024];
  remove(path);
  sprintf(wal, "%.1000s-wal", path);
  remove(wal);
}

/* A durable engine on a path: reopened with its outbox and audit log, the
 * two acknowledgement modes, a locked and a damaged file. `path` is where
 * the state file may be created. Returns the number of failed checks. */
static int durable_state(const char* path) {
  const int failed_before = failed;
  saleskit_engine_options options;
  saleskit_state_options state;
  saleskit_engine* engine = NULL;
  saleskit_engine* other = (saleskit_engine*)&options; /* must be set to NULL */
  char* outbox_before = NULL;
  char* audit_before = NULL;
  char* json = NULL;
  char id[128];
  char garbage_path[1024];
  uint64_t acknowledged = 0, count = 0, seq = 0;
  size_t json_size = 0;
  int64_t now = 0;
  FILE* f;
  int i;
  const char* playbook =
      "{\"version\": \"v1\","
      " \"rules\": [{\"name\": \"welcome\", \"trigger\": {\"event\": {\"type\": \"signup\"}},"
      "              \"actions\": [{\"send_email\": {\"template_id\": \"welcome\"}}]}]}";
  const char* customers = "id,email\nc1,ada@example.com\nc2,grace@example.com\n";
  const char* events =
      "id,customer_id,type,occurred_at\n"
      "e1,c1,signup,2026-11-02T11:00:00Z\n"
      "e2,c2,signup,2026-11-02T11:10:00Z\n";
  const char* later = "id,customer_id,type,occurred_at\ne3,c1,page_view,2026-11-02T11:20:00Z\n";

  remove_state(path);
  saleskit_engine_options_init(&options);
  options.start_time_micros = 1793620800LL * 1000000; /* 2026-11-02T12:00:00Z */
  saleskit_state_options_init(&state);
  CHECK(state.size == sizeof(state) && state.durability == SALESKIT_DURABILITY_SYNC && state.batch_records == 1000 &&
        state.batch_interval_millis == 100);

  /* Sync mode: each OK return is acknowledged. */
  CHECK(saleskit_engine_open_path(path, &options, NULL, &engine) == SALESKIT_OK && engine != NULL);
  CHECK(saleskit_playbook_define(engine, SALESKIT_FORMAT_JSON, playbook, strlen(playbook)) == SALESKIT_OK);
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, customers, strlen(customers), NULL, NULL) ==
        SALESKIT_OK);
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, events, strlen(events), NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_outbox_poll(engine, 1, &json, NULL, &count) == SALESKIT_OK && count == 1);
  json_string_field(json, "id", id, sizeof(id));
  saleskit_free(json);
  CHECK(saleskit_outbox_ack(engine, id) == SALESKIT_OK);
  CHECK(saleskit_engine_acknowledged(engine, &acknowledged) == SALESKIT_OK && acknowledged == 4);

  /* A second engine on the same file while the first is open: locked. */
  CHECK(saleskit_engine_open_path(path, &options, NULL, &other) == SALESKIT_FAILED_PRECONDITION && other == NULL);
  CHECK(strstr(saleskit_last_error(), "is locked by another process") != NULL &&
        strstr(saleskit_last_error(), path) != NULL);

  outbox_before = outbox_json(engine);
  audit_before = audit_json(engine);
  CHECK(outbox_before != NULL && strstr(outbox_before, "\"state\":\"done\"") != NULL &&
        strstr(outbox_before, "\"state\":\"pending\"") != NULL);
  CHECK(audit_before != NULL && strstr(audit_before, "\"customer_id\":\"c2\"") != NULL);
  saleskit_engine_close(engine);
  engine = NULL;

  /* Reopened (in batched mode): the same outbox, acked entry included, and audit log. */
  state.durability = SALESKIT_DURABILITY_BATCHED;
  state.batch_records = 100;
  state.batch_interval_millis = 3600 * 1000; /* only flush commits here */
  CHECK(saleskit_engine_open_path(path, &options, &state, &engine) == SALESKIT_OK);
  CHECK(saleskit_customer_count(engine, &count) == SALESKIT_OK && count == 2);
  json = outbox_json(engine);
  CHECK(json != NULL && outbox_before != NULL && strcmp(json, outbox_before) == 0);
  saleskit_free(json);
  json = audit_json(engine);
  CHECK(json != NULL && audit_before != NULL && strcmp(json, audit_before) == 0);
  saleskit_free(json);
  CHECK(saleskit_engine_acknowledged(engine, &acknowledged) == SALESKIT_OK && acknowledged == 4);

  /* Batched: an input is acknowledged by flush, not by its call. */
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, later, strlen(later), NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_engine_acknowledged(engine, &acknowledged) == SALESKIT_OK && acknowledged == 4);
  CHECK(saleskit_engine_flush(engine) == SALESKIT_OK);
  CHECK(saleskit_engine_acknowledged(engine, &acknowledged) == SALESKIT_OK && acknowledged == 5);
  saleskit_engine_close(engine);
  engine = NULL;
  CHECK(saleskit_engine_open_path(path, NULL, NULL, &engine) == SALESKIT_OK);
  CHECK(saleskit_engine_acknowledged(engine, &acknowledged) == SALESKIT_OK && acknowledged == 5);
  CHECK(saleskit_get_activity(engine, "c1", SALESKIT_FORMAT_JSON, &json, &json_size) == SALESKIT_OK);
  CHECK(json != NULL && strstr(json, "\"type\":\"page_view\"") != NULL);
  saleskit_free(json);
  /* The file's recorded start wins over the options' (here the defaults). */
  CHECK(saleskit_now(engine, &now) == SALESKIT_OK && now == options.start_time_micros);

  /* A checkpoint covers every entry so far; a reopen loads it. */
  CHECK(saleskit_engine_checkpoint_seq(engine, &seq) == SALESKIT_OK && seq == 0);
  CHECK(saleskit_engine_checkpoint(engine) == SALESKIT_OK);
  CHECK(saleskit_engine_checkpoint_seq(engine, &seq) == SALESKIT_OK && seq == 5);
  saleskit_free(outbox_before);
  outbox_before = outbox_json(engine);
  saleskit_engine_close(engine);
  engine = NULL;
  CHECK(saleskit_engine_open_path(path, NULL, NULL, &engine) == SALESKIT_OK);
  CHECK(saleskit_engine_checkpoint_seq(engine, &seq) == SALESKIT_OK && seq == 5);
  json = outbox_json(engine);
  CHECK(json != NULL && outbox_before != NULL && strcmp(json, outbox_before) == 0);
  saleskit_free(json);

  /* Erasure on a durable engine checkpoints at once: after a reopen the
   * customer is still gone. */
  CHECK(saleskit_erase_customer(engine, "c1") == SALESKIT_OK);
  CHECK(saleskit_engine_checkpoint_seq(engine, &seq) == SALESKIT_OK && seq == 6);
  saleskit_engine_close(engine);
  engine = NULL;
  CHECK(saleskit_engine_open_path(path, NULL, NULL, &engine) == SALESKIT_OK);
  CHECK(saleskit_get_activity(engine, "c1", SALESKIT_FORMAT_JSON, &json, &json_size) == SALESKIT_NOT_FOUND);
  CHECK(saleskit_customer_count(engine, &count) == SALESKIT_OK && count == 1);
  CHECK(saleskit_engine_acknowledged(engine, &acknowledged) == SALESKIT_OK && acknowledged == 6);
  CHECK(saleskit_engine_checkpoint(NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_engine_checkpoint_seq(engine, NULL) == SALESKIT_INVALID_ARGUMENT);
  saleskit_engine_close(engine);
  engine = NULL;
  remove_state(path);

  /* Bad options: nothing opened. */
  state.durability = (saleskit_durability)7;
  CHECK(saleskit_engine_open_path(path, NULL, &state, &engine) == SALESKIT_INVALID_ARGUMENT && engine == NULL);
  CHECK(strstr(saleskit_last_error(), "durability") != NULL);
  state.durability = SALESKIT_DURABILITY_BATCHED;
  state.batch_records = 0;
  CHECK(saleskit_engine_open_path(path, NULL, &state, &engine) == SALESKIT_INVALID_ARGUMENT && engine == NULL);
  CHECK(strstr(saleskit_last_error(), "batch_records") != NULL);
  saleskit_state_options_init(&state);
  state.size = sizeof(size_t);
  CHECK(saleskit_engine_open_path(path, NULL, &state, &engine) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_engine_open_path(NULL, NULL, NULL, &engine) == SALESKIT_INVALID_ARGUMENT && engine == NULL);
  remove_state(path);

  /* A file that is not a state file: DATA_LOSS naming it. */
  sprintf(garbage_path, "%.1000s.garbage", path);
  f = fopen(garbage_path, "wb");
  CHECK(f != NULL);
  if (f != NULL) {
    for (i = 0; i < 8192; ++i) fputc((i * 7919 + 13) & 0xFF, f);
    fclose(f);
  }
  CHECK(saleskit_engine_open_path(garbage_path, NULL, NULL, &engine) == SALESKIT_DATA_LOSS && engine == NULL);
  CHECK(strstr(saleskit_last_error(), garbage_path) != NULL);
  remove_state(garbage_path);

  /* An in-memory engine: flushing does nothing, nothing is acknowledged. */
  CHECK(saleskit_engine_open(NULL, &engine) == SALESKIT_OK);
  CHECK(saleskit_engine_flush(engine) == SALESKIT_OK);
  CHECK(saleskit_engine_acknowledged(engine, &acknowledged) == SALESKIT_OK && acknowledged == 0);
  CHECK(saleskit_engine_acknowledged(engine, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_engine_flush(NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_engine_checkpoint(engine) == SALESKIT_OK);
  CHECK(saleskit_engine_checkpoint_seq(engine, &seq) == SALESKIT_OK && seq == 0);
  saleskit_engine_close(engine);

  saleskit_free(outbox_before);
  saleskit_free(audit_before);
  return failed - failed_before;
}

int main(int argc, char** argv) {
  saleskit_engine_options options;
  saleskit_load_options load;
  saleskit_load_report report;
  saleskit_engine* engine = NULL;
  uint64_t count = 0;
  char* out = NULL;
  size_t out_size = 0;
  int64_t now = 0;
  unsigned char pb[64];
  size_t pb_size;
  const char* csv = "id,email,attrs.seats\nc1,ada@example.com,5\nc2,grace@example.com,7\n";
  const char* json = "[{\"id\": \"c3\", \"first_name\": \"Linus\"}]";
  const char* ndjson = "{\"id\": \"c4\"}\n{\"id\": \"c5\"}\n";
  const char* events =
      "id,customer_id,type,occurred_at,value\n"
      "e1,c1,purchase,2026-01-02T10:00:00Z,99.5\n"
      "e1,c1,purchase,2026-01-02T10:00:00Z,99.5\n"
      "e2,ghost,email_open,2026-01-03,\n";
  const char* accounts = "id,name\na1,Acme\n";
  const char* bad_csv = "id,attrs.seats\nc9,many\n";
  const char* skip_csv = "id,employee_count\nk1,5\nk2,lots\n";
  const char* schema_csv = "id,attrs.zip,junk\nc1,01234,x\n";
  const char* deals = "id,account_id,status,amount\nd1,a1,won,1000\n";

  CHECK(saleskit_version_number() == SALESKIT_VERSION_NUMBER);
  CHECK(strcmp(saleskit_version_string(), SALESKIT_VERSION_STRING) == 0);
  CHECK(strcmp(saleskit_status_name(SALESKIT_INVALID_ARGUMENT), "INVALID_ARGUMENT") == 0);

  saleskit_engine_options_init(&options);
  CHECK(options.size == sizeof(options));
  options.log = on_log;
  options.log_user_data = &log_lines;
  options.min_log_level = SALESKIT_LOG_DEBUG;
  options.start_time_micros = 1767225600LL * 1000000;
  CHECK(saleskit_engine_open(&options, &engine) == SALESKIT_OK);
  CHECK(engine != NULL);
  CHECK(log_lines > 0);

  /* Every input format. */
  saleskit_load_report_init(&report);
  CHECK(report.size == sizeof(report) && report.rejected_json == NULL);
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, csv, strlen(csv), NULL, &report) == SALESKIT_OK);
  CHECK(report.inserted == 2);
  CHECK(report.rejected_json == NULL);
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_JSON, json, strlen(json), NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_NDJSON, ndjson, strlen(ndjson), NULL, NULL) == SALESKIT_OK);
  pb_size = protobuf_stream(pb);
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_PROTOBUF, pb, pb_size, NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_customer_count(engine, &count) == SALESKIT_OK);
  CHECK(count == 7);
  CHECK(saleskit_upsert_accounts(engine, SALESKIT_FORMAT_CSV, accounts, strlen(accounts), NULL, NULL) == SALESKIT_OK);
  CHECK(saleskit_upsert_deals(engine, SALESKIT_FORMAT_CSV, deals, strlen(deals), NULL, NULL) == SALESKIT_OK);

  /* Bad input: the batch is rejected whole, with a message naming the record. */
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, bad_csv, strlen(bad_csv), NULL, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "attrs.seats") != NULL);
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_PROTOBUF, pb, pb_size - 1, NULL, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "truncated") != NULL);
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, events, strlen(events), NULL, NULL) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(strstr(saleskit_last_error(), "unknown customer \"ghost\"") != NULL);
  CHECK(saleskit_customer_count(engine, &count) == SALESKIT_OK && count == 7);

  /* Events for unknown customers skipped on request; duplicates counted once. */
  saleskit_load_options_init(&load);
  load.unknown_customer = SALESKIT_UNKNOWN_CUSTOMER_SKIP;
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, events, strlen(events), &load, &report) == SALESKIT_OK);
  CHECK(report.inserted == 1);
  CHECK(report.duplicates == 1);
  CHECK(report.skipped_unknown_customer == 1);

  /* Skip mode: valid records applied, the rejected ones described as JSON. */
  saleskit_load_options_init(&load);
  load.on_invalid = SALESKIT_SKIP_RECORD;
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, skip_csv, strlen(skip_csv), &load, &report) ==
        SALESKIT_OK);
  CHECK(report.inserted == 1 && report.rejected == 1);
  CHECK(report.rejected_json != NULL &&
        strstr(report.rejected_json, "\"index\":1,\"line\":3,\"binary\":false,\"field\":\"employee_count\"") != NULL);
  saleskit_free(report.rejected_json);
  CHECK(saleskit_erase_customer(engine, "k1") == SALESKIT_OK);

  /* Schema and unknown columns. */
  load.unknown_customer = SALESKIT_UNKNOWN_CUSTOMER_ERROR;
  load.csv_schema_json = "{\"attrs\": {\"zip\": \"string\"}}";
  load.ignore_unknown_fields = 1;
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, schema_csv, strlen(schema_csv), &load, NULL) ==
        SALESKIT_OK);

  /* Reading back as JSON and as protobuf. */
  CHECK(saleskit_get_customer(engine, "c1", SALESKIT_FORMAT_JSON, &out, &out_size) == SALESKIT_OK);
  CHECK(out != NULL && strstr(out, "\"email\":\"ada@example.com\"") != NULL);
  CHECK(out != NULL && strlen(out) == out_size);
  saleskit_free(out);
  CHECK(saleskit_get_customer(engine, "p1", SALESKIT_FORMAT_PROTOBUF, &out, &out_size) == SALESKIT_OK);
  CHECK(out_size == 20 && memcmp(out, pb + 1, 20) == 0);
  saleskit_free(out);
  CHECK(saleskit_get_customer(engine, "nobody", SALESKIT_FORMAT_JSON, &out, &out_size) == SALESKIT_NOT_FOUND);
  CHECK(saleskit_get_activity(engine, "c1", SALESKIT_FORMAT_JSON, &out, &out_size) == SALESKIT_OK);
  CHECK(out != NULL && strstr(out, "\"type\":\"purchase\",\"count\":\"1\",\"sum\":99.5") != NULL);
  saleskit_free(out);
  CHECK(saleskit_get_activity(engine, "nobody", SALESKIT_FORMAT_JSON, &out, &out_size) == SALESKIT_NOT_FOUND);

  /* Erase. */
  CHECK(saleskit_erase_customer(engine, "c1") == SALESKIT_OK);
  CHECK(saleskit_erase_customer(engine, "c1") == SALESKIT_NOT_FOUND);
  CHECK(saleskit_customer_count(engine, &count) == SALESKIT_OK && count == 6);
  {
    /* Several at once: all or none. */
    const char* erase_csv = "id\ne1\ne2\n";
    const char* batch[3] = {"e1", "nobody", "e2"};
    CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, erase_csv, strlen(erase_csv), NULL, NULL) ==
          SALESKIT_OK);
    CHECK(saleskit_erase_customers(engine, batch, 3) == SALESKIT_NOT_FOUND);
    CHECK(strstr(saleskit_last_error(), "erase 2 of 3: no customer with id \"nobody\"; nothing was erased") != NULL);
    batch[1] = "e1";
    CHECK(saleskit_erase_customers(engine, batch, 3) == SALESKIT_INVALID_ARGUMENT);
    CHECK(strstr(saleskit_last_error(), "erase 2 of 3: customer \"e1\" is erase 1 too") != NULL);
    batch[1] = NULL;
    CHECK(saleskit_erase_customers(engine, batch, 3) == SALESKIT_INVALID_ARGUMENT);
    CHECK(strstr(saleskit_last_error(), "ids[1] must not be NULL") != NULL);
    CHECK(saleskit_erase_customers(engine, NULL, 1) == SALESKIT_INVALID_ARGUMENT);
    CHECK(saleskit_erase_customers(engine, NULL, 0) == SALESKIT_OK);
    CHECK(saleskit_customer_count(engine, &count) == SALESKIT_OK && count == 8);
    batch[1] = "e2";
    CHECK(saleskit_erase_customers(engine, batch, 2) == SALESKIT_OK);
    CHECK(saleskit_customer_count(engine, &count) == SALESKIT_OK && count == 6);
  }

  /* Clock. */
  CHECK(saleskit_now(engine, &now) == SALESKIT_OK && now == 1767225600LL * 1000000);
  CHECK(saleskit_advance_to(engine, now + 1000000) == SALESKIT_OK);
  CHECK(saleskit_advance_to(engine, now) == SALESKIT_INVALID_ARGUMENT);

  /* NULL handles and buffers. */
  CHECK(saleskit_customer_count(NULL, &count) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, NULL, 5, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_get_customer(engine, NULL, SALESKIT_FORMAT_JSON, &out, &out_size) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_now(NULL, &now) == SALESKIT_INVALID_ARGUMENT);

  /* CEL expressions, on an engine of their own. Windows count events ingested
   * after the compile, so compile first. */
  CHECK(cel_expressions() == 0);
  CHECK(cohorts_and_rfm() == 0);
  CHECK(clusters() == 0);
  CHECK(segments() == 0);
  CHECK(scores() == 0);
  CHECK(automation() == 0);
  CHECK(durable_state(argc > 1 ? argv[1] : "c_api_test.saleskit") == 0);
  CHECK(predictive_models() == 0);
  CHECK(history_models() == 0);

  saleskit_engine_close(engine);
  saleskit_free(NULL);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
