// The C API's handling of bad arguments, seen from C++.
#include <cstddef>
#include <cstring>
#include <string>

#include <catch2/catch.hpp>
#include "saleskit/saleskit.h"

namespace {

TEST_CASE("C API: NULL handles and buffers are errors, not crashes", "[c_api][bad-input]") {
  uint64_t count = 0;
  CHECK(saleskit_customer_count(nullptr, &count) == SALESKIT_INVALID_ARGUMENT);
  CHECK(std::string(saleskit_last_error()) == "engine must not be NULL");
  CHECK(saleskit_upsert_customers(nullptr, SALESKIT_FORMAT_CSV, "id\n", 3, nullptr, nullptr) ==
        SALESKIT_INVALID_ARGUMENT);

  saleskit_engine* engine = nullptr;
  REQUIRE(saleskit_engine_open(nullptr, &engine) == SALESKIT_OK);
  CHECK(std::string(saleskit_last_error()).empty());
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, nullptr, 10, nullptr, nullptr) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(std::string(saleskit_last_error()) == "data must not be NULL");
  CHECK(saleskit_customer_count(engine, nullptr) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_erase_customer(engine, nullptr) == SALESKIT_INVALID_ARGUMENT);
  char* out = nullptr;
  size_t size = 0;
  CHECK(saleskit_get_customer(engine, "c1", SALESKIT_FORMAT_JSON, nullptr, &size) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_get_customer(engine, "c1", SALESKIT_FORMAT_JSON, &out, &size) == SALESKIT_NOT_FOUND);
  CHECK(out == nullptr);
  CHECK(saleskit_upsert_customers(engine, static_cast<saleskit_format>(99), "id\n", 3, nullptr, nullptr) ==
        SALESKIT_INVALID_ARGUMENT);
  saleskit_load_options options;
  saleskit_load_options_init(&options);
  options.size = 4;  // an impossible struct size
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, "id\n", 3, &options, nullptr) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_engine_open(nullptr, nullptr) == SALESKIT_INVALID_ARGUMENT);

  // A report from an older header (without rejected_json) is filled as far as it goes.
  saleskit_load_report report;
  saleskit_load_report_init(&report);
  report.size = offsetof(saleskit_load_report, rejected_json);
  report.rejected_json = reinterpret_cast<char*>(&report);  // must stay untouched
  saleskit_load_options_init(&options);
  options.on_invalid = SALESKIT_SKIP_RECORD;
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, "id\n\"\"\nk1\n", 9, &options, &report) == SALESKIT_OK);
  CHECK(report.inserted == 1);
  CHECK(report.rejected == 1);
  CHECK(report.rejected_json == reinterpret_cast<char*>(&report));
  report.size = 4;
  CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, "id\n", 3, nullptr, &report) == SALESKIT_INVALID_ARGUMENT);
  saleskit_engine_close(engine);
  saleskit_engine_close(nullptr);
}

TEST_CASE("C API: the error message is per thread and cleared by success", "[c_api]") {
  saleskit_engine* engine = nullptr;
  REQUIRE(saleskit_engine_open(nullptr, &engine) == SALESKIT_OK);
  CHECK(saleskit_erase_customer(engine, "nobody") == SALESKIT_NOT_FOUND);
  CHECK(std::string(saleskit_last_error()).find("nobody") != std::string::npos);
  CHECK(std::string(saleskit_status_name(SALESKIT_NOT_FOUND)) == "NOT_FOUND");
  uint64_t count = 1;
  CHECK(saleskit_customer_count(engine, &count) == SALESKIT_OK);
  CHECK(count == 0);
  CHECK(std::string(saleskit_last_error()).empty());
  saleskit_engine_close(engine);
}

}  // namespace
