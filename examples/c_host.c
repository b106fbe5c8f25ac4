/* A minimal C host: open an engine, load CSV, read a customer as JSON, match a
 * CEL condition (docs/cel.md).
 *   ./example_c_host */
#include <stdio.h>
#include <string.h>

#include "saleskit/saleskit.h"

static void log_line(saleskit_log_level level, const char* message, void* user_data) {
  (void)user_data;
  fprintf(stderr, "[saleskit %d] %s\n", (int)level, message);
}

int main(void) {
  saleskit_engine_options options;
  saleskit_engine* engine = NULL;
  saleskit_load_report report;
  saleskit_expression* leads = NULL;
  char* json = NULL;
  size_t size = 0;
  const char* csv = "id,email,lifecycle_stage\nc1,ada@example.com,lead\nc2,grace@example.com,customer\n";
  const char* condition = "customer.lifecycle_stage == \"lead\" && customer.email.endsWith(\"@example.com\")";

  if (saleskit_version_number() / 10000 != SALESKIT_VERSION_MAJOR) {
    fprintf(stderr, "header and library major versions differ\n");
    return 1;
  }
  saleskit_engine_options_init(&options);
  options.log = log_line;
  if (saleskit_engine_open(&options, &engine) != SALESKIT_OK) {
    fprintf(stderr, "open: %s\n", saleskit_last_error());
    return 1;
  }
  saleskit_load_report_init(&report);
  if (saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, csv, strlen(csv), NULL, &report) != SALESKIT_OK) {
    fprintf(stderr, "upsert: %s\n", saleskit_last_error());
    saleskit_engine_close(engine);
    return 1;
  }
  printf("inserted %llu customer(s)\n", (unsigned long long)report.inserted);
  if (saleskit_get_customer(engine, "c1", SALESKIT_FORMAT_JSON, &json, &size) == SALESKIT_OK) {
    printf("%s\n", json);
    saleskit_free(json);
  }
  if (saleskit_expression_compile(engine, condition, strlen(condition), 1, &leads) != SALESKIT_OK) {
    fprintf(stderr, "compile: %s\n", saleskit_last_error());
  } else if (saleskit_expression_match(engine, leads, &json, NULL, NULL) == SALESKIT_OK) {
    printf("leads: %s\n", json); /* leads: ["c1"] */
    saleskit_free(json);
  }
  saleskit_expression_destroy(leads);
  saleskit_engine_close(engine);
  return 0;
}
