// The C API's handling of bad arguments, seen from C++.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

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

// Evaluates `source` for customer c1 of `engine` and returns the JSON result.
std::string EvaluateJson(saleskit_engine* engine, const std::string& source) {
  saleskit_expression* expression = nullptr;
  if (saleskit_expression_compile(engine, source.data(), source.size(), 0, &expression) != SALESKIT_OK) {
    return std::string("compile failed: ") + saleskit_last_error();
  }
  char* json = nullptr;
  std::string result;
  if (saleskit_expression_evaluate(engine, expression, "c1", &json, nullptr) == SALESKIT_OK) {
    result = json;
  } else {
    result = std::string("evaluate failed: ") + saleskit_last_error();
  }
  saleskit_free(json);
  saleskit_expression_destroy(expression);
  return result;
}

TEST_CASE("C API: expression results as JSON, one mapping per CEL kind", "[c_api][cel]") {
  saleskit_engine_options options;
  saleskit_engine_options_init(&options);
  options.start_time_micros = 1767225600LL * 1000000;  // 2026-01-01
  saleskit_engine* engine = nullptr;
  REQUIRE(saleskit_engine_open(&options, &engine) == SALESKIT_OK);
  const std::string csv = "id,email,attrs.plan\nc1,ada@example.com,pro\n";
  REQUIRE(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, csv.data(), csv.size(), nullptr, nullptr) ==
          SALESKIT_OK);
  CHECK(EvaluateJson(engine, "customer.employee_count") == R"({"type":"null_type","value":null})");
  CHECK(EvaluateJson(engine, "-7") == R"({"type":"int","value":-7})");
  CHECK(EvaluateJson(engine, "18446744073709551615u") == R"({"type":"uint","value":18446744073709551615})");
  CHECK(EvaluateJson(engine, "0.1 + 0.2") == R"({"type":"double","value":0.30000000000000004})");
  CHECK(EvaluateJson(engine, "1.0/0.0") == R"({"type":"double","value":"Infinity"})");
  CHECK(EvaluateJson(engine, R"("tab\there \"q\"")") == R"({"type":"string","value":"tab\there \"q\""})");
  CHECK(EvaluateJson(engine, R"(b"\x00\xff")") == R"({"type":"bytes","value":"AP8="})");
  CHECK(EvaluateJson(engine, "now") == R"({"type":"google.protobuf.Timestamp","value":"2026-01-01T00:00:00Z"})");
  CHECK(EvaluateJson(engine, "days(2) + duration(\"1.5s\")") ==
        R"({"type":"google.protobuf.Duration","value":"172801.5s"})");
  CHECK(EvaluateJson(engine, "[1, 2].map(x, x * 2)") == R"({"type":"list","value":[2,4]})");
  CHECK(EvaluateJson(engine, "{1: customer.attrs.plan, 2: null}") == R"({"type":"map","value":{"1":"pro","2":null}})");
  CHECK(EvaluateJson(engine, "customer.attrs") == R"({"type":"map","value":{"plan":"pro"}})");
  CHECK(EvaluateJson(engine, "optional.of(3)") == R"({"type":"optional_type","value":3})");
  CHECK(EvaluateJson(engine, "type(1)") == R"({"type":"type","value":"int"})");
  CHECK(EvaluateJson(engine, "customer").find(R"("value":null)") != std::string::npos);
  CHECK(EvaluateJson(engine, "1 / 0") == R"({"error":"division by zero"})");
  saleskit_engine_close(engine);
}

TEST_CASE("C API: one expression evaluated and matched from many threads while loads run", "[c_api][cel]") {
  saleskit_engine* engine = nullptr;
  REQUIRE(saleskit_engine_open(nullptr, &engine) == SALESKIT_OK);
  const std::string source = "customer.email.endsWith(\"@example.com\")";
  saleskit_expression* expression = nullptr;
  REQUIRE(saleskit_expression_compile(engine, source.data(), source.size(), 1, &expression) == SALESKIT_OK);
  const std::string first = "id,email\nc1,ada@example.com\n";
  REQUIRE(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, first.data(), first.size(), nullptr, nullptr) ==
          SALESKIT_OK);
  std::vector<std::thread> readers;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        char* json = nullptr;
        uint64_t count = 0;
        if (saleskit_expression_match(engine, expression, &json, nullptr, &count) != SALESKIT_OK || count < 1 ||
            std::string(json).rfind("[\"c1\"", 0) != 0) {
          ++failures[t];
        }
        saleskit_free(json);
        if (saleskit_expression_evaluate(engine, expression, "c1", &json, nullptr) != SALESKIT_OK ||
            std::string(json) != R"({"type":"bool","value":true})") {
          ++failures[t];
        }
        saleskit_free(json);
      }
    });
  }
  for (int i = 2; i < 100; ++i) {
    const std::string row = "id,email\nc" + std::to_string(i) + ",x" + std::to_string(i) + "@example.com\n";
    CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, row.data(), row.size(), nullptr, nullptr) ==
          SALESKIT_OK);
  }
  for (auto& r : readers) r.join();
  CHECK(failures == std::vector<int>(4, 0));
  char* json = nullptr;
  uint64_t count = 0;
  CHECK(saleskit_expression_match(engine, expression, &json, nullptr, &count) == SALESKIT_OK);
  CHECK(count == 99);
  saleskit_free(json);
  saleskit_expression_destroy(expression);
  saleskit_engine_close(engine);
}

// 120 deals: the outcome follows the score, with every 7th row flipped.
std::string DealsCsv() {
  std::string csv = "id,score,plan,won\n";
  for (int i = 0; i < 120; ++i) {
    const int score = (i * 37) % 100;
    bool won = score > 50;
    if (i % 7 == 0) won = !won;
    csv += "d" + std::to_string(i) + "," + std::to_string(score) + "," + (i % 3 == 0 ? "pro" : "basic") + "," +
           (won ? "yes" : "no") + "\n";
  }
  return csv;
}

constexpr char kDealOptions[] = R"({"target":"won","positive":"yes","exclude":["id"]})";

saleskit_model* TrainDeals() {
  const std::string csv = DealsCsv();
  saleskit_model* model = nullptr;
  if (saleskit_model_train(csv.data(), csv.size(), kDealOptions, &model, nullptr, nullptr) != SALESKIT_OK) {
    return nullptr;
  }
  return model;
}

TEST_CASE("C API: predictive model errors name the column, row or key", "[c_api][predictive]") {
  const std::string csv = DealsCsv();
  saleskit_model* model = nullptr;
  // A target with a third value.
  std::string three = csv + "d999,10,pro,maybe\n";
  CHECK(saleskit_model_train(three.data(), three.size(), kDealOptions, &model, nullptr, nullptr) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(std::string(saleskit_last_error()).find("not binary") != std::string::npos);
  CHECK(std::string(saleskit_last_error()).find("\"maybe\"") != std::string::npos);
  // The positive value never occurs.
  CHECK(saleskit_model_train(csv.data(), csv.size(), R"({"target":"won","positive":"won"})", &model, nullptr,
                             nullptr) == SALESKIT_INVALID_ARGUMENT);
  CHECK(std::string(saleskit_last_error()).find("never occurs") != std::string::npos);
  // A constant feature is named.
  std::string constant = "id,score,region,won\n";
  for (int i = 0; i < 120; ++i) {
    constant += "d" + std::to_string(i) + "," + std::to_string((i * 37) % 100) + ",emea," + (i % 2 ? "yes" : "no") + "\n";
  }
  CHECK(saleskit_model_train(constant.data(), constant.size(), kDealOptions, &model, nullptr, nullptr) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(std::string(saleskit_last_error()).find("\"region\"") != std::string::npos);
  // Options of the wrong type name the key.
  CHECK(saleskit_model_train(csv.data(), csv.size(), R"({"target":"won","positive":"yes","l2":"big"})", &model,
                             nullptr, nullptr) == SALESKIT_INVALID_ARGUMENT);
  CHECK(std::string(saleskit_last_error()) == "options_json: \"l2\" must be a number");
  CHECK(saleskit_model_train(csv.data(), csv.size(), R"({"target":"won","positive":"yes","class_weight":"auto"})",
                             &model, nullptr, nullptr) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_model_train(csv.data(), csv.size(), R"({"target":"won","positive":"yes","l2":0})", &model, nullptr,
                             nullptr) == SALESKIT_INVALID_ARGUMENT);
  CHECK(std::string(saleskit_last_error()).find("l2") != std::string::npos);
  CHECK(model == nullptr);

  model = TrainDeals();
  REQUIRE(model != nullptr);
  // A numeric feature holding text: row and column named.
  const std::string text_score = "score,plan\n12,pro\nlots,basic\n";
  double* p = nullptr;
  size_t rows = 0;
  CHECK(saleskit_model_predict(model, text_score.data(), text_score.size(), &p, &rows) == SALESKIT_INVALID_ARGUMENT);
  CHECK(std::string(saleskit_last_error()).find("score") != std::string::npos);
  CHECK(std::string(saleskit_last_error()).find("row 1") != std::string::npos);
  // No data rows: no array, zero rows.
  const std::string header_only = "score,plan\n";
  CHECK(saleskit_model_predict(model, header_only.data(), header_only.size(), &p, &rows) == SALESKIT_OK);
  CHECK(p == nullptr);
  CHECK(rows == 0);
  // A level never seen in training is scored, not an error.
  const std::string unseen = "score,plan\n80,enterprise\n";
  CHECK(saleskit_model_predict(model, unseen.data(), unseen.size(), &p, &rows) == SALESKIT_OK);
  CHECK(rows == 1);
  saleskit_free(p);
  // Evaluating needs the target's two values only.
  const std::string odd_target = "score,plan,won\n80,pro,perhaps\n";
  char* json = nullptr;
  CHECK(saleskit_model_evaluate(model, odd_target.data(), odd_target.size(), &json, nullptr) ==
        SALESKIT_INVALID_ARGUMENT);
  CHECK(std::string(saleskit_last_error()).find("\"perhaps\"") != std::string::npos);
  saleskit_model_free(model);
}

TEST_CASE("C API: a model of a newer schema version is refused", "[c_api][predictive]") {
  saleskit_model* model = TrainDeals();
  REQUIRE(model != nullptr);
  char* bytes = nullptr;
  size_t size = 0;
  REQUIRE(saleskit_model_save(model, 1, &bytes, &size) == SALESKIT_OK);
  std::string json(bytes, size);
  saleskit_free(bytes);
  const std::string field = "\"schema_version\": 1";
  const size_t at = json.find(field);
  REQUIRE(at != std::string::npos);
  json.replace(at, field.size(), "\"schema_version\": 2");
  saleskit_model* newer = nullptr;
  CHECK(saleskit_model_load(json.data(), json.size(), &newer) == SALESKIT_INVALID_ARGUMENT);
  CHECK(newer == nullptr);
  CHECK(std::string(saleskit_last_error()) == "model schema version 2 is newer than this saleskit supports (1)");
  saleskit_model_free(model);
}

TEST_CASE("C API: one model scores from many threads at once", "[c_api][predictive]") {
  saleskit_model* model = TrainDeals();
  REQUIRE(model != nullptr);
  const std::string csv = DealsCsv();
  double* expected = nullptr;
  size_t rows = 0;
  REQUIRE(saleskit_model_predict(model, csv.data(), csv.size(), &expected, &rows) == SALESKIT_OK);
  REQUIRE(rows == 120);
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        double* p = nullptr;
        size_t n = 0;
        if (saleskit_model_predict(model, csv.data(), csv.size(), &p, &n) != SALESKIT_OK || n != rows ||
            std::memcmp(p, expected, rows * sizeof(double)) != 0) {
          ++failures[t];
        }
        saleskit_free(p);
        char* json = nullptr;
        if (saleskit_model_explain(model, csv.data(), csv.size(), i, 2, &json, nullptr) != SALESKIT_OK) ++failures[t];
        saleskit_free(json);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == std::vector<int>(4, 0));
  saleskit_free(expected);
  saleskit_model_free(model);
}

}  // namespace

namespace {

TEST_CASE("C API: score functions reject NULL and unknown names, and read while loads run", "[c_api][scores]") {
  saleskit_engine* engine = nullptr;
  REQUIRE(saleskit_engine_open(nullptr, &engine) == SALESKIT_OK);
  const std::string def = R"({"name": "clicks", "rules": [{"event": "email_click", "points": 2}],
                              "thresholds": [{"value": 10, "name": "warm"}]})";
  CHECK(saleskit_score_define(nullptr, SALESKIT_FORMAT_JSON, def.data(), def.size()) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_score_define(engine, SALESKIT_FORMAT_JSON, nullptr, 4) == SALESKIT_INVALID_ARGUMENT);
  CHECK(std::string(saleskit_last_error()) == "data must not be NULL");
  REQUIRE(saleskit_score_define(engine, SALESKIT_FORMAT_JSON, def.data(), def.size()) == SALESKIT_OK);
  double value = 0;
  char* json = nullptr;
  CHECK(saleskit_score_get(engine, "clicks", "c1", nullptr, nullptr) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_score_get(engine, nullptr, "c1", &value, nullptr) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_score_explain(engine, "clicks", nullptr, &json, nullptr) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_score_explain(engine, "nope", "c1", &json, nullptr) == SALESKIT_NOT_FOUND);
  CHECK(std::string(saleskit_last_error()) == "no score named \"nope\"");
  CHECK(json == nullptr);
  CHECK(saleskit_scores_evaluate(nullptr, &json, nullptr) == SALESKIT_INVALID_ARGUMENT);
  CHECK(saleskit_score_trim_crossings(nullptr, 1) == SALESKIT_INVALID_ARGUMENT);

  const std::string customers = "id\nc1\n";
  REQUIRE(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, customers.data(), customers.size(), nullptr,
                                    nullptr) == SALESKIT_OK);
  std::vector<std::thread> readers;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      double last = 0;
      for (int i = 0; i < 200; ++i) {
        double v = 0;
        // Scores only grow here: each batch adds a click.
        if (saleskit_score_get(engine, "clicks", "c1", &v, nullptr) != SALESKIT_OK || v < last) ++failures[t];
        last = v;
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    const std::string row = "id,customer_id,type,occurred_at\ne" + std::to_string(i) +
                            ",c1,email_click,1970-01-01T00:00:00Z\n";
    CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, row.data(), row.size(), nullptr, nullptr) ==
          SALESKIT_OK);
  }
  for (auto& r : readers) r.join();
  CHECK(failures == std::vector<int>(4, 0));
  CHECK(saleskit_score_get(engine, "clicks", "c1", &value, nullptr) == SALESKIT_OK);
  CHECK(value == 100);
  CHECK(saleskit_scores_evaluate(engine, &json, nullptr) == SALESKIT_OK);
  CHECK(std::string(json) == R"([{"score":"clicks","values":{"c1":100}}])");
  saleskit_free(json);
  uint64_t last_seq = 0;
  CHECK(saleskit_score_crossings(engine, 0, 0, &json, nullptr, &last_seq) == SALESKIT_OK);
  CHECK(last_seq == 1);
  saleskit_free(json);
  saleskit_engine_close(engine);
}

}  // namespace

namespace {

// A history of 200 customers: visits in January 2026 and, for more of those
// who visited more, an MQL stage change in February.
struct History {
  std::string customers = "id,country\n";
  std::string events = "customer_id,type,occurred_at,properties.stage\n";
  std::string past = "customer_id,type,occurred_at,properties.stage\n";  // up to the reference
};

History MakeHistory() {
  History h;
  uint64_t state = 99;
  auto next = [&state](int n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state >> 33) % static_cast<uint64_t>(n));
  };
  for (int i = 0; i < 200; ++i) {
    const std::string id = "c" + std::to_string(i);
    h.customers += id + (i % 2 ? ",DE\n" : ",FR\n");
    const int visits = next(6);
    for (int k = 0; k < visits; ++k) {
      const std::string line = id + ",visit,2026-01-" + std::to_string(10 + next(19)) + "T08:00:00Z,\n";
      h.events += line;
      h.past += line;
    }
    if (next(6) < visits) h.events += id + ",lifecycle_stage_changed,2026-02-03T00:00:00Z,marketing_qualified\n";
  }
  h.events += "c0,visit,2026-02-25T00:00:00Z,\n";
  return h;
}

constexpr char kHistoryOptions[] =
    R"j({"reference":"2026-01-31T00:00:00Z","stage":"marketing_qualified",
        "features":{"visits_30d":"events.count(\"visit\", days(30))","country":"customer.country"}})j";
constexpr int64_t kJan1 = 1767225600LL * 1000000;
constexpr int64_t kJan31 = 1769817600LL * 1000000;

saleskit_model* TrainHistory(const History& h, const char* options = kHistoryOptions) {
  saleskit_model* model = nullptr;
  if (saleskit_model_train_history(SALESKIT_FORMAT_CSV, h.customers.data(), h.customers.size(), nullptr, 0,
                                   h.events.data(), h.events.size(), nullptr, 0, options, &model, nullptr,
                                   nullptr) != SALESKIT_OK) {
    return nullptr;
  }
  return model;
}

// An engine with the model bound, then the history up to the reference loaded.
saleskit_engine* LiveEngine(const History& h, const saleskit_model* model) {
  saleskit_engine_options options;
  saleskit_engine_options_init(&options);
  options.start_time_micros = kJan1;
  saleskit_engine* engine = nullptr;
  if (saleskit_engine_open(&options, &engine) != SALESKIT_OK) return nullptr;
  if (saleskit_model_bind(engine, model) != SALESKIT_OK ||
      saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, h.customers.data(), h.customers.size(), nullptr,
                                nullptr) != SALESKIT_OK ||
      saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, h.past.data(), h.past.size(), nullptr, nullptr) !=
          SALESKIT_OK ||
      saleskit_advance_to(engine, kJan31) != SALESKIT_OK) {
    saleskit_engine_close(engine);
    return nullptr;
  }
  return engine;
}

std::string TakeJson(char* json) {
  std::string out = json == nullptr ? "" : json;
  saleskit_free(json);
  return out;
}

TEST_CASE("C API: history options errors name the key", "[c_api][history]") {
  const History h = MakeHistory();
  auto error = [&](const char* options) {
    saleskit_model* model = nullptr;
    const saleskit_status s = saleskit_model_train_history(SALESKIT_FORMAT_CSV, h.customers.data(), h.customers.size(),
                                                           nullptr, 0, h.events.data(), h.events.size(), nullptr, 0,
                                                           options, &model, nullptr, nullptr);
    CHECK(s == SALESKIT_INVALID_ARGUMENT);
    CHECK(model == nullptr);
    return std::string(saleskit_last_error());
  };
  CHECK(error(R"({"reference":"2026-01-31","stage":"lead","horizon_days":0,"features":{"c":"customer.country"}})") ==
        "options_json: \"horizon_days\" must be a number of days > 0");
  CHECK(error(R"({"reference":"2026-01-31","won_deal":"yes","features":{"c":"customer.country"}})") ==
        "options_json: \"won_deal\" must be true or false");
  CHECK(error(R"({"reference":"2026-01-31","stage":"lead","features":"customer.country"})").rfind(
            "options_json: \"features\" must be an object", 0) == 0);
  CHECK(error(R"({"reference":"2026-01-31","stage":"lead"})") == "options_json: \"features\" is required");
  CHECK(error(R"({"reference":"31/01/2026","stage":"lead","features":{"c":"customer.country"}})").rfind(
            "options_json: \"reference\": ", 0) == 0);
  CHECK(error(R"({"reference":"2026-01-31","features":{"c":"customer.country"}})") ==
        "choose an outcome: a lifecycle stage reached, a won deal, or both");
  CHECK(error(R"({"reference":"2026-01-31","stage":"lead","features":{"c":"customer.country"},"playbook":{"x":1}})")
            .rfind("options_json: \"playbook\": ", 0) == 0);
  // Features as pairs keep their order; as an object they are in name order.
  saleskit_model* pairs = TrainHistory(
      h, R"j({"reference":"2026-01-31T00:00:00Z","stage":"marketing_qualified",
             "features":[["visits_30d","events.count(\"visit\", days(30))"],["country","customer.country"]]})j");
  saleskit_model* object = TrainHistory(h);
  REQUIRE(pairs != nullptr);
  REQUIRE(object != nullptr);
  char* json = nullptr;
  REQUIRE(saleskit_model_save(pairs, 1, &json, nullptr) == SALESKIT_OK);
  const std::string a = TakeJson(json);
  REQUIRE(saleskit_model_save(object, 1, &json, nullptr) == SALESKIT_OK);
  const std::string b = TakeJson(json);
  CHECK(a.find("\"visits_30d\"") < a.find("\"country\""));
  CHECK(b.find("\"country\"") < b.find("\"visits_30d\""));
  saleskit_model_free(pairs);
  saleskit_model_free(object);
}

TEST_CASE("C API: a binding belongs to one engine and one model handle", "[c_api][history]") {
  const History h = MakeHistory();
  saleskit_model* model = TrainHistory(h);
  REQUIRE(model != nullptr);
  saleskit_engine* engine = LiveEngine(h, model);
  REQUIRE(engine != nullptr);
  saleskit_engine* other = nullptr;
  REQUIRE(saleskit_engine_open(nullptr, &other) == SALESKIT_OK);
  char* json = nullptr;
  CHECK(saleskit_engine_predict(other, model, &json, nullptr, nullptr) == SALESKIT_FAILED_PRECONDITION);
  // The same model loaded again is another handle: bound nowhere, even at a freed handle's address.
  char* bytes = nullptr;
  size_t size = 0;
  REQUIRE(saleskit_model_save(model, 1, &bytes, &size) == SALESKIT_OK);
  uint64_t count = 0;
  REQUIRE(saleskit_engine_predict(engine, model, &json, nullptr, &count) == SALESKIT_OK);
  const std::string before = TakeJson(json);
  CHECK(count == 200);
  saleskit_model_free(model);
  saleskit_model* again = nullptr;
  REQUIRE(saleskit_model_load(bytes, size, &again) == SALESKIT_OK);
  saleskit_free(bytes);
  CHECK(saleskit_engine_predict(engine, again, &json, nullptr, nullptr) == SALESKIT_FAILED_PRECONDITION);
  // Bound again, it reads the windows the engine has kept since the first binding.
  REQUIRE(saleskit_model_bind(engine, again) == SALESKIT_OK);
  REQUIRE(saleskit_engine_predict(engine, again, &json, nullptr, nullptr) == SALESKIT_OK);
  CHECK(TakeJson(json) == before);
  // Bound after the events are loaded, its windows miss them: the documented reason to bind first.
  REQUIRE(saleskit_upsert_customers(other, SALESKIT_FORMAT_CSV, h.customers.data(), h.customers.size(), nullptr,
                                    nullptr) == SALESKIT_OK);
  REQUIRE(saleskit_ingest_events(other, SALESKIT_FORMAT_CSV, h.past.data(), h.past.size(), nullptr, nullptr) ==
          SALESKIT_OK);
  REQUIRE(saleskit_advance_to(other, kJan31) == SALESKIT_OK);
  REQUIRE(saleskit_model_bind(other, again) == SALESKIT_OK);
  REQUIRE(saleskit_engine_predict(other, again, &json, nullptr, nullptr) == SALESKIT_OK);
  CHECK(TakeJson(json) != before);
  saleskit_model_free(again);
  saleskit_engine_close(other);
  saleskit_engine_close(engine);
}

TEST_CASE("C API: live predictions agree with explanations and run while loads run", "[c_api][history]") {
  const History h = MakeHistory();
  saleskit_model* model = TrainHistory(h);
  REQUIRE(model != nullptr);
  saleskit_engine* engine = LiveEngine(h, model);
  REQUIRE(engine != nullptr);
  char* json = nullptr;
  REQUIRE(saleskit_engine_predict(engine, model, &json, nullptr, nullptr) == SALESKIT_OK);
  const std::string all = TakeJson(json);
  for (const char* id : {"c0", "c7", "c199"}) {
    REQUIRE(saleskit_engine_explain_prediction(engine, model, id, 0, &json, nullptr) == SALESKIT_OK);
    const std::string x = TakeJson(json);
    const std::string key = std::string("\"") + id + "\":";
    const size_t at = all.find(key);
    REQUIRE(at != std::string::npos);
    const double p = std::strtod(all.c_str() + at + key.size(), nullptr);
    const size_t px = x.find("\"probability\":");
    REQUIRE(px != std::string::npos);
    CHECK(std::strtod(x.c_str() + px + 14, nullptr) == Approx(p).epsilon(1e-12));
    CHECK(x.find("\"top\":[]") != std::string::npos);
  }
  // Reads from several threads while new customers arrive.
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        char* out = nullptr;
        if (saleskit_engine_predict(engine, model, &out, nullptr, nullptr) != SALESKIT_OK) ++failures[t];
        saleskit_free(out);
        out = nullptr;
        if (saleskit_engine_explain_prediction(engine, model, "c3", 2, &out, nullptr) != SALESKIT_OK) ++failures[t];
        saleskit_free(out);
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    const std::string more = "id,country\nn" + std::to_string(i) + ",US\n";
    CHECK(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, more.data(), more.size(), nullptr, nullptr) ==
          SALESKIT_OK);
  }
  for (std::thread& t : threads) t.join();
  CHECK(failures == std::vector<int>(4, 0));
  uint64_t count = 0;
  REQUIRE(saleskit_engine_predict(engine, model, &json, nullptr, &count) == SALESKIT_OK);
  saleskit_free(json);
  CHECK(count == 220);
  saleskit_model_free(model);
  saleskit_engine_close(engine);
}

}  // namespace

namespace {

// The "seq", "id" and "customer_id" of each entry of an outbox JSON array.
struct Polled {
  uint64_t seq;
  std::string id, customer;
};
std::vector<Polled> ParseEntries(const std::string& json) {
  std::vector<Polled> out;
  auto value = [&](size_t from, const std::string& key) {
    const size_t at = json.find("\"" + key + "\":\"", from) + key.size() + 4;
    return json.substr(at, json.find('"', at) - at);
  };
  for (size_t p = json.find("{\"seq\":"); p != std::string::npos; p = json.find("{\"seq\":", p + 1)) {
    out.push_back({std::stoull(json.substr(p + 7)), value(p, "id"), value(p, "customer_id")});
  }
  return out;
}

TEST_CASE("C API: outbox options are checked, and structs from older headers get their defaults",
          "[c_api][automation]") {
  saleskit_engine_options options;
  saleskit_engine_options_init(&options);
  saleskit_engine* engine = nullptr;
  options.outbox_retry_max_seconds = 10;  // below the base (60)
  CHECK(saleskit_engine_open(&options, &engine) == SALESKIT_INVALID_ARGUMENT);
  CHECK(engine == nullptr);
  CHECK(std::string(saleskit_last_error()).find("retry_base <= retry_max") != std::string::npos);
  options.size = offsetof(saleskit_engine_options, outbox_max_attempts) - 1;
  CHECK(saleskit_engine_open(&options, &engine) == SALESKIT_INVALID_ARGUMENT);
  options.size = offsetof(saleskit_engine_options, outbox_max_attempts);  // the fields above are not read
  REQUIRE(saleskit_engine_open(&options, &engine) == SALESKIT_OK);
  saleskit_engine_close(engine);
}

TEST_CASE("C API: the lists escape what hosts put in names and texts", "[c_api][automation]") {
  saleskit_engine* engine = nullptr;
  REQUIRE(saleskit_engine_open(nullptr, &engine) == SALESKIT_OK);
  const std::string playbook = R"({"rules": [{"name": "r", "trigger": {"event": {"type": "x"}},
      "actions": [{"notify_owner": {"message": "say \"hi\"\n\u00e9"}}, {"create_task": {"title": "a\\b"}}]}]})";
  REQUIRE(saleskit_playbook_define(engine, SALESKIT_FORMAT_JSON, playbook.data(), playbook.size()) == SALESKIT_OK);
  const std::string csv = "id,owner_id\n\"q\"\"1\",o\n";
  REQUIRE(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, csv.data(), csv.size(), nullptr, nullptr) ==
          SALESKIT_OK);
  const std::string events = "customer_id,type,occurred_at\n\"q\"\"1\",x,1970-01-01T00:00:00Z\n";
  REQUIRE(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, events.data(), events.size(), nullptr, nullptr) ==
          SALESKIT_OK);
  char* json = nullptr;
  uint64_t count = 0;
  REQUIRE(saleskit_outbox_poll(engine, 0, &json, nullptr, &count) == SALESKIT_OK);
  const std::string polled = json;
  saleskit_free(json);
  CHECK(count == 1);
  CHECK(polled.find(R"("customer_id":"q\"1")") != std::string::npos);
  CHECK(polled.find(R"("action":{"notify_owner":{"message":"say \"hi\"\n)") != std::string::npos);
  REQUIRE(saleskit_tasks(engine, "q\"1", &json, nullptr, &count) == SALESKIT_OK);
  CHECK(count == 1);
  CHECK(std::string(json).find(R"("title":"a\\b")") != std::string::npos);
  saleskit_free(json);
  saleskit_engine_close(engine);
}

TEST_CASE("C API: hosts polling and acking from many threads while loads run get each entry once, in order",
          "[c_api][automation]") {
  saleskit_engine* engine = nullptr;
  REQUIRE(saleskit_engine_open(nullptr, &engine) == SALESKIT_OK);
  const std::string playbook = R"({"rules": [{"name": "ping", "trigger": {"event": {"type": "visit"}},
      "actions": [{"webhook": {"name": "crm"}}]}]})";
  REQUIRE(saleskit_playbook_define(engine, SALESKIT_FORMAT_JSON, playbook.data(), playbook.size()) == SALESKIT_OK);
  const std::string customers = "id\nc0\nc1\nc2\nc3\nc4\n";
  REQUIRE(saleskit_upsert_customers(engine, SALESKIT_FORMAT_CSV, customers.data(), customers.size(), nullptr,
                                    nullptr) == SALESKIT_OK);
  constexpr int kBatches = 40;
  std::atomic<bool> loading{true};
  std::vector<std::vector<Polled>> seen(3);
  std::vector<int> failures(3, 0);
  std::vector<std::thread> hosts;
  for (int t = 0; t < 3; ++t) {
    hosts.emplace_back([&, t] {
      for (;;) {
        const bool last_round = !loading.load();
        char* json = nullptr;
        if (saleskit_outbox_poll(engine, 3, &json, nullptr, nullptr) != SALESKIT_OK) ++failures[t];
        const std::vector<Polled> got = ParseEntries(json == nullptr ? "" : json);
        saleskit_free(json);
        for (const Polled& p : got) {
          if (saleskit_outbox_ack(engine, p.id.c_str()) != SALESKIT_OK) ++failures[t];
          seen[t].push_back(p);
        }
        if (last_round && got.empty()) break;
      }
    });
  }
  for (int i = 0; i < kBatches; ++i) {
    const std::string row = "id,customer_id,type,occurred_at\ne" + std::to_string(i) + ",c" +
                            std::to_string(i % 5) + ",visit,1970-01-01T00:00:00Z\n";
    CHECK(saleskit_ingest_events(engine, SALESKIT_FORMAT_CSV, row.data(), row.size(), nullptr, nullptr) ==
          SALESKIT_OK);
  }
  loading = false;
  for (auto& h : hosts) h.join();
  CHECK(failures == std::vector<int>(3, 0));
  std::vector<Polled> all;
  for (const auto& s : seen) all.insert(all.end(), s.begin(), s.end());
  std::sort(all.begin(), all.end(), [](const Polled& a, const Polled& b) { return a.seq < b.seq; });
  REQUIRE(all.size() == static_cast<size_t>(kBatches));  // each entry once
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i].seq == i + 1);
  // A customer's entries reach the hosts one at a time: each thread sees its share in seq order.
  for (const auto& s : seen) {
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i].customer == s[i - 1].customer) CHECK(s[i].seq > s[i - 1].seq);
    }
  }
  char* json = nullptr;
  uint64_t done = 0;
  CHECK(saleskit_outbox_entries(engine, 0, 0, SALESKIT_OUTBOX_DONE, &json, nullptr, &done) == SALESKIT_OK);
  saleskit_free(json);
  CHECK(done == static_cast<uint64_t>(kBatches));
  saleskit_engine_close(engine);
}

}  // namespace
