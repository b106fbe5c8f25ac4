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

int main(void) {
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

  /* Clock. */
  CHECK(saleskit_now(engine, &now) == SALESKIT_OK && now == 1767225600LL * 1000000);
  CHECK(saleskit_advance_to(engine, now + 1000000) == SALESKIT_OK);
  CHECK(saleskit_advance_to(engine, now) == SALESKIT_INVALID_ARGUMENT);

  /* NULL handles and buffers. */
  CHECK(saleskit_customer_count(NULL, &count) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, NULL, 5, NULL, NULL) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_get_customer(engine, NULL, SALESKIT_FORMAT_JSON, &out, &out_size) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_now(NULL, &now) == SALESKIT_INVALID_ARGUMENT);

  saleskit_engine_close(engine);
  saleskit_free(NULL);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
