/* Built against the installed package: the C API through saleskit::c or pkg-config. */
#include <string.h>

#include "saleskit/saleskit.h"

int main(void) {
  saleskit_engine* engine = NULL;
  uint64_t count = 0;
  const char* csv = "id\nc1\n";
  if (saleskit_version_number() != SALESKIT_VERSION_NUMBER) return 1;
  if (saleskit_engine_open(NULL, &engine) != SALESKIT_OK) return 1;
  if (saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, csv, strlen(csv), NULL, NULL) != SALESKIT_OK) return 1;
  if (saleskit_customer_count(engine, &count) != SALESKIT_OK || count != 1) return 1;
  saleskit_engine_close(engine);
  return 0;
}
