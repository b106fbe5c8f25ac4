// Speed of a customer condition: the row evaluator (one customer at a time;
// the compiled row path Engine::Evaluate takes, and the generic evaluator)
// and the columnar evaluator (the whole store at once), with SQLite scanning
// the same data in the same run as the peer.
//
//   build/bench/cel_bench [--customers=N] [--evals=N] [--runs=N] [--sqlite-runs=N]
//
// Floors (for the 6-clause condition below over 10M customers, one core):
//   row evaluation        <= 50 ns per evaluation
//   columnar evaluation   >= 1e9 rows/s
// The peer is an in-memory SQLite table of the same customers with the window
// count precomputed (as the store's window column is), queried with the
// equivalent SELECT count(*); the bench prints saleskit/SQLite. It also
// measures one core's memory read bandwidth, the ceiling of any column scan.
//
// Both evaluators and SQLite must agree: the row evaluator with the columnar
// bitmaps on every sampled row, SQLite's count with the columnar match count,
// and the store's window column with the generator's own count. The bench
// aborts on any disagreement rather than print a number for a wrong answer.
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench_util.h"
#include "saleskit/cel/columnar.h"
#include "saleskit/cel/customer.h"
#include "saleskit/store/customer_store.h"

namespace {

using saleskit::bench::ReadBandwidth;
using saleskit::bench::Rng;
using saleskit::bench::Seconds;
using saleskit::bench::Stopwatch;

using saleskit::CustomerStore;
using saleskit::Micros;
namespace cel = saleskit::cel;
namespace v1 = saleskit::v1;

constexpr char kCondition[] =
    "customer.country == \"DE\" && customer.industry == \"Software\" && "
    "customer.lifecycle_stage in [\"lead\", \"marketing_qualified\"] && "
    "customer.employee_count >= 10 && customer.annual_revenue < 2e8 && "
    "events.count(\"email_click\", days(30)) >= 2";
constexpr char kSqliteQuery[] =
    "SELECT count(*) FROM customers WHERE country = 'DE' AND industry = 'Software' AND "
    "lifecycle_stage IN ('lead', 'marketing_qualified') AND "
    "employee_count >= 10 AND annual_revenue < 2e8 AND clicks_30d >= 2";

constexpr double kRowFloorNs = 50;
constexpr double kColumnarFloorRowsPerS = 1e9;
constexpr int64_t kFloorCustomers = 10000000;

int64_t g_customers = kFloorCustomers;
int64_t g_evals = 1000000;
int g_runs = 5;
int g_sqlite_runs = 3;

// The engine clock of the run: a fixed instant, mid-day UTC.
const absl::Time kNow = absl::FromUnixSeconds(1772463600);  // 2026-03-02T15:00:00Z
constexpr Micros kMicrosPerDay = int64_t{86400} * 1000000;
constexpr int kHistoryDays = 60;

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "cel_bench: FAILED: %s\n", message.c_str());
  std::fflush(stdout);
  std::abort();
}


// Skewed like a real B2B database: a few large markets, a long tail.
const char* const kCountries[] = {"US", "DE", "GB", "FR", "IN", "CA", "AU", "NL", "BR", "JP",
                                  "ES", "IT", "SE", "CH", "PL", "MX", "SG", "IE", "AT", "DK"};
const double kCountryWeights[] = {25, 17, 10, 7, 6, 5, 4, 4, 3.5, 3, 3, 3, 2, 2, 1.5, 1, 1, 1, 0.5, 0.5};
const char* const kIndustries[] = {"Software",   "Fintech",   "Healthcare",  "Retail",     "Manufacturing",
                                   "Education",  "Media",     "Logistics",   "Consulting", "Telecom",
                                   "Energy",     "Insurance", "Real Estate", "Government", "Nonprofit"};
const double kIndustryWeights[] = {24, 8, 8, 8, 8, 6, 5, 5, 7, 4, 4, 5, 4, 2, 4};
// Indexed by v1::LifecycleStage; 0 (unspecified) is "never set".
const char* const kStages[] = {nullptr,       "subscriber", "lead",     "marketing_qualified", "sales_qualified",
                               "opportunity", "customer",   "evangelist", "other"};
const double kStageWeights[] = {5, 20, 25, 15, 10, 8, 12, 2, 3};

constexpr uint8_t kUnset = 0xFF;

// What the generator put in, kept independently of the store: it loads
// SQLite and checks the store's window column.
struct Truth {
  std::vector<uint8_t> country, industry;  // index, kUnset = never set
  std::vector<uint8_t> stage;              // v1::LifecycleStage, 0 = never set
  std::vector<int64_t> employee_count;     // -1 = never set
  std::vector<double> annual_revenue;      // NaN = never set
  std::vector<uint8_t> clicks_30d;         // email_click events in the 30-day window
  int64_t events = 0;
};

std::string CustomerId(int64_t i) { return absl::StrFormat("c%08d", i); }



// Fills the store in chunks, so at most one chunk of records exists at a time.
// The store must already keep the condition's windows and have its clock at kNow.
Truth BuildStore(CustomerStore& store, int64_t n) {
  constexpr int64_t kChunk = 100000;
  Rng rng{20260302};
  Truth t;
  t.country.resize(n);
  t.industry.resize(n);
  t.stage.resize(n);
  t.employee_count.resize(n);
  t.annual_revenue.resize(n);
  t.clicks_30d.resize(n);
  const Micros now = saleskit::ToMicros(kNow);
  const int64_t today = now / kMicrosPerDay;
  saleskit::Batch<v1::Customer> customers;
  saleskit::Batch<v1::Event> events;
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t end = std::min(n, begin + kChunk);
    customers.records.clear();
    customers.records.resize(end - begin);
    events.records.clear();
    for (int64_t i = begin; i < end; ++i) {
      v1::Customer& c = customers.records[i - begin];
      c.set_id(CustomerId(i));
      t.country[i] = kUnset;
      if (rng.Uniform() >= 0.02) {
        t.country[i] = static_cast<uint8_t>(rng.Weighted(kCountryWeights));
        c.set_country(kCountries[t.country[i]]);
      }
      t.industry[i] = kUnset;
      if (rng.Uniform() >= 0.05) {
        t.industry[i] = static_cast<uint8_t>(rng.Weighted(kIndustryWeights));
        c.set_industry(kIndustries[t.industry[i]]);
      }
      t.stage[i] = static_cast<uint8_t>(rng.Weighted(kStageWeights));
      c.set_lifecycle_stage(static_cast<v1::LifecycleStage>(t.stage[i]));
      // Company size and revenue: log-uniform, and often unknown.
      t.employee_count[i] = -1;
      if (rng.Uniform() >= 0.20) {
        t.employee_count[i] = static_cast<int64_t>(std::exp(rng.Uniform() * std::log(100000.0)));
        c.set_employee_count(t.employee_count[i]);
      }
      t.annual_revenue[i] = std::nan("");
      if (rng.Uniform() >= 0.30) {
        t.annual_revenue[i] = 1000.0 * std::round(std::pow(10.0, 4 + 6 * rng.Uniform()) / 1000.0);
        c.set_annual_revenue(t.annual_revenue[i]);
      }
      // Email clicks over the last 60 days: a third never click; the rest
      // click a geometric number of times, uniformly over the period.
      int clicks = 0;
      if (rng.Uniform() >= 0.30) {
        clicks = 1;
        while (clicks < 40 && rng.Uniform() < 0.7) ++clicks;
      }
      int in_window = 0;
      for (int k = 0; k < clicks; ++k) {
        const Micros at = now - static_cast<Micros>(rng.Uniform() * kHistoryDays * kMicrosPerDay);
        // A window of 30 days covers the UTC days today-29 .. today.
        if (at / kMicrosPerDay > today - 30) ++in_window;
        v1::Event& e = events.records.emplace_back();
        e.set_customer_id(c.id());
        e.set_type("email_click");
        e.mutable_occurred_at()->set_seconds(at / 1000000);
        e.mutable_occurred_at()->set_nanos(static_cast<int32_t>(at % 1000000) * 1000);
      }
      t.clicks_30d[i] = static_cast<uint8_t>(in_window);
      t.events += clicks;
    }
    auto upserted = store.UpsertCustomers(customers);
    if (!upserted.ok()) Fail(absl::StrCat("UpsertCustomers: ", upserted.status().ToString()));
    if (upserted->inserted != static_cast<size_t>(end - begin)) Fail("UpsertCustomers did not insert every customer");
    auto ingested = store.IngestEvents(events);
    if (!ingested.ok()) Fail(absl::StrCat("IngestEvents: ", ingested.status().ToString()));
  }
  return t;
}

// The store's window column against the generator's count, and rows in id order.
void CheckStore(const CustomerStore& store, const Truth& t, int window_column) {
  if (store.customer_count() != t.country.size()) Fail("customer count differs from the generator's");
  const std::vector<int32_t>& counts = store.windows().counts(window_column);
  for (size_t row = 0; row < t.clicks_30d.size(); ++row) {
    if (counts[row] != t.clicks_30d[row]) {
      Fail(absl::StrFormat("row %d: the store's 30-day email_click count is %d, the generator made %d", row,
                           counts[row], t.clicks_30d[row]));
    }
  }
  for (size_t row = 0; row < t.clicks_30d.size(); row += 9973) {
    if (store.IdOf(static_cast<uint32_t>(row)) != CustomerId(static_cast<int64_t>(row))) {
      Fail("rows are not in insertion order");
    }
  }
}

// --- SQLite, the peer -----------------------------------------------------

void Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = absl::StrCat("SQLite: ", error ? error : "?", " in: ", sql);
    sqlite3_free(error);
    Fail(message);
  }
}

sqlite3* LoadSqlite(const Truth& t) {
  sqlite3* db = nullptr;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) Fail("sqlite3_open(:memory:)");
  Exec(db,
       "CREATE TABLE customers (country TEXT, industry TEXT, lifecycle_stage TEXT, employee_count INTEGER, "
       "annual_revenue REAL, clicks_30d INTEGER NOT NULL)");
  Exec(db, "BEGIN");
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", -1, &insert, nullptr) != SQLITE_OK) {
    Fail(absl::StrCat("SQLite prepare: ", sqlite3_errmsg(db)));
  }
  for (size_t i = 0; i < t.country.size(); ++i) {
    if (t.country[i] == kUnset) {
      sqlite3_bind_null(insert, 1);
    } else {
      sqlite3_bind_text(insert, 1, kCountries[t.country[i]], -1, SQLITE_STATIC);
    }
    if (t.industry[i] == kUnset) {
      sqlite3_bind_null(insert, 2);
    } else {
      sqlite3_bind_text(insert, 2, kIndustries[t.industry[i]], -1, SQLITE_STATIC);
    }
    if (t.stage[i] == 0) {
      sqlite3_bind_null(insert, 3);
    } else {
      sqlite3_bind_text(insert, 3, kStages[t.stage[i]], -1, SQLITE_STATIC);
    }
    if (t.employee_count[i] < 0) {
      sqlite3_bind_null(insert, 4);
    } else {
      sqlite3_bind_int64(insert, 4, t.employee_count[i]);
    }
    if (std::isnan(t.annual_revenue[i])) {
      sqlite3_bind_null(insert, 5);
    } else {
      sqlite3_bind_double(insert, 5, t.annual_revenue[i]);
    }
    sqlite3_bind_int(insert, 6, t.clicks_30d[i]);
    if (sqlite3_step(insert) != SQLITE_DONE) Fail(absl::StrCat("SQLite insert: ", sqlite3_errmsg(db)));
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  Exec(db, "COMMIT");
  return db;
}

int64_t SqliteCount(sqlite3* db) {
  sqlite3_stmt* query = nullptr;
  if (sqlite3_prepare_v2(db, kSqliteQuery, -1, &query, nullptr) != SQLITE_OK) {
    Fail(absl::StrCat("SQLite prepare: ", sqlite3_errmsg(db)));
  }
  if (sqlite3_step(query) != SQLITE_ROW) Fail(absl::StrCat("SQLite query: ", sqlite3_errmsg(db)));
  const int64_t n = sqlite3_column_int64(query, 0);
  sqlite3_finalize(query);
  return n;
}

// --- Memory bandwidth -----------------------------------------------------


// The 1-minute load average: how contended the machine was while timing.
double LoadAverage() {
  double load = -1;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1;
    std::fclose(f);
  }
  return load;
}

enum Outcome : uint8_t { kFalse, kTrue, kError };

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when piped to a file
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--customers=", 0) == 0) {
      g_customers = std::stoll(arg.substr(12));
    } else if (arg.rfind("--evals=", 0) == 0) {
      g_evals = std::stoll(arg.substr(8));
    } else if (arg.rfind("--runs=", 0) == 0) {
      g_runs = std::stoi(arg.substr(7));
    } else if (arg.rfind("--sqlite-runs=", 0) == 0) {
      g_sqlite_runs = std::stoi(arg.substr(14));
    } else {
      std::fprintf(stderr, "usage: %s [--customers=N] [--evals=N] [--runs=N] [--sqlite-runs=N]\n", argv[0]);
      return 2;
    }
  }
  if (g_customers < 1 || g_evals < 1 || g_runs < 1 || g_sqlite_runs < 1) Fail("counts must be positive");
  std::printf("condition: %s\n", kCondition);

  // Compile, then keep the condition's windows before any event arrives.
  auto compiled = cel::CompileCustomerCondition(kCondition);
  if (!compiled.ok()) Fail(absl::StrCat("compile: ", compiled.status().ToString()));
  std::shared_ptr<const cel::Program> program = std::move(*compiled);
  auto deps = cel::ExtractDependencies(*program);
  if (!deps.ok()) Fail(absl::StrCat("dependencies: ", deps.status().ToString()));
  if (deps->windows.size() != 1) Fail("the condition should read exactly one window");
  CustomerStore store;
  int window_column = -1;
  for (const auto& w : deps->windows) window_column = store.RequireWindow(w.event_type, w.window);
  store.AdvanceWindowsTo(saleskit::ToMicros(kNow));

  Stopwatch build;
  const Truth truth = BuildStore(store, g_customers);
  const saleskit::StoreStats stats = store.Stats();
  std::printf("store: %lld customers, %lld email_click events, built in %.1f s; columns %.0f MiB, dictionaries %.0f MiB\n",
              static_cast<long long>(g_customers), static_cast<long long>(truth.events), build.Wall(),
              stats.column_bytes / 1048576.0, stats.dictionary_bytes / 1048576.0);
  CheckStore(store, truth, window_column);

  // --- Columnar: the whole store, best of g_runs.
  const std::unique_ptr<cel::ColumnarCondition> columnar = cel::ColumnarCondition::Plan(program);
  std::printf("columnar plan: %d vectorised nodes, %d row-fallback nodes\n", columnar->vectorised_nodes(),
              columnar->fallback_nodes());
  cel::ColumnarCondition::Result result;
  double columnar_wall = 1e300, columnar_cpu = 0, columnar_min_cpu = 1e300;
  for (int run = 0; run < g_runs; ++run) {
    const Stopwatch sw;
    cel::ColumnarCondition::Result r = columnar->Evaluate(store, kNow);
    const double wall = sw.Wall(), cpu = sw.Cpu();
    std::printf("columnar run %d: %.2f ms wall, %.2f ms cpu\n", run + 1, wall * 1e3, cpu * 1e3);
    columnar_min_cpu = std::min(columnar_min_cpu, cpu);
    if (wall < columnar_wall) {
      columnar_wall = wall;
      columnar_cpu = cpu;
    }
    if (run == 0) {
      result = std::move(r);
    } else if (r.matched.words() != result.matched.words() || r.unmatched.words() != result.unmatched.words()) {
      Fail("two columnar runs on the same store gave different bitmaps");
    }
  }
  const int64_t matched = static_cast<int64_t>(result.matched.Count());
  const int64_t unmatched = static_cast<int64_t>(result.unmatched.Count());
  const double columnar_rate = g_customers / columnar_wall;
  std::printf("columnar: %lld matched (%.3f%%), %lld unmatched, %lld errors; best %.2f ms = %.3g rows/s\n",
              static_cast<long long>(matched), 100.0 * matched / g_customers, static_cast<long long>(unmatched),
              static_cast<long long>(g_customers - matched - unmatched), columnar_wall * 1e3, columnar_rate);

  // --- Row evaluator: g_evals evaluations of random rows, each checked
  // against the columnar bitmaps afterwards.
  std::vector<uint32_t> sample(g_evals);
  Rng pick{7};
  for (uint32_t& row : sample) row = static_cast<uint32_t>(pick.Next() % static_cast<uint64_t>(g_customers));
  // The row path Engine::Evaluate takes for a condition: the compiled plan
  // deciding one row from the columns.
  std::vector<uint8_t> outcomes(g_evals);
  const Stopwatch row_sw;
  for (int64_t i = 0; i < g_evals; ++i) {
    const std::optional<bool> decided = columnar->EvaluateRow(store, sample[i], kNow);
    outcomes[i] = !decided ? kError : *decided ? kTrue : kFalse;
  }
  const double row_wall = row_sw.Wall(), row_cpu = row_sw.Cpu();
  const double random_row_ns = row_wall * 1e9 / g_evals;
  // The same path over consecutive rows: the customer's columns in cache, as
  // when the engine re-evaluates a customer whose data just changed. This is
  // the evaluator's own cost; the random rows above add DRAM latency.
  const int64_t seq_evals = std::min<int64_t>(g_evals, g_customers);
  int64_t seq_true = 0;
  const Stopwatch seq_sw;
  for (int64_t i = 0; i < seq_evals; ++i) {
    const std::optional<bool> decided = columnar->EvaluateRow(store, static_cast<uint32_t>(i), kNow);
    seq_true += decided.value_or(false);
  }
  const double row_ns = seq_sw.Wall() * 1e9 / seq_evals;
  if (seq_true != static_cast<int64_t>([&] {
        size_t n = 0;
        for (int64_t i = 0; i < seq_evals; ++i) n += result.matched.Get(static_cast<uint32_t>(i));
        return n;
      }())) {
    Fail("the compiled row path over consecutive rows disagrees with the columnar bitmaps");
  }
  // The generic tree-walking evaluator over CEL values (what non-store
  // activations, non-conditions and error explanations use), on fewer rows.
  const int64_t generic_evals = std::max<int64_t>(1, g_evals / 20);
  std::vector<uint8_t> generic_outcomes(generic_evals);
  const Stopwatch generic_sw;
  for (int64_t i = 0; i < generic_evals; ++i) {
    cel::StoreCustomerActivation act(store, sample[i], kNow);
    const cel::Value v = program->Evaluate(act);
    generic_outcomes[i] = v.kind() != cel::Value::Kind::kBool ? kError : v.bool_value() ? kTrue : kFalse;
  }
  const double generic_ns = generic_sw.Wall() * 1e9 / generic_evals;
  for (int64_t i = 0; i < generic_evals; ++i) {
    if (generic_outcomes[i] != outcomes[i]) {
      Fail(absl::StrFormat("row %d: the generic and the compiled row evaluators disagree", sample[i]));
    }
  }
  int64_t row_true = 0;
  for (int64_t i = 0; i < g_evals; ++i) {
    const uint32_t row = sample[i];
    const Outcome columnar_outcome =
        result.matched.Get(row) ? kTrue : result.unmatched.Get(row) ? kFalse : kError;
    if (result.matched.Get(row) && result.unmatched.Get(row)) Fail(absl::StrCat("row ", row, " is both true and false"));
    if (outcomes[i] != columnar_outcome) {
      static const char* const kNames[] = {"false", "true", "error"};
      Fail(absl::StrFormat("row %d (%s): the row evaluator says %s, the columnar evaluator %s", row,
                           CustomerId(row), kNames[outcomes[i]], kNames[columnar_outcome]));
    }
    row_true += outcomes[i] == kTrue;
  }
  std::printf("row: %lld evaluations of random rows (%lld true), %.1f ns/eval wall, %.1f ns/eval cpu; agree with columnar\n",
              static_cast<long long>(g_evals), static_cast<long long>(row_true), random_row_ns, row_cpu * 1e9 / g_evals);

  // --- SQLite on the same data.
  Stopwatch load_sw;
  sqlite3* db = LoadSqlite(truth);
  std::printf("sqlite: loaded %lld rows in %.1f s (in-memory, no index)\n", static_cast<long long>(g_customers),
              load_sw.Wall());
  double sqlite_wall = 1e300;
  for (int run = 0; run < g_sqlite_runs; ++run) {
    const Stopwatch sw;
    const int64_t n = SqliteCount(db);
    const double wall = sw.Wall();
    std::printf("sqlite run %d: %.1f ms wall, %.1f ms cpu, count %lld\n", run + 1, wall * 1e3, sw.Cpu() * 1e3,
                static_cast<long long>(n));
    if (n != matched) {
      Fail(absl::StrFormat("SQLite counts %d matches, the columnar evaluator %d", n, matched));
    }
    sqlite_wall = std::min(sqlite_wall, wall);
  }
  sqlite3_close(db);
  const double sqlite_rate = g_customers / sqlite_wall;

  // --- What DRAM allows.
  const double bandwidth = ReadBandwidth();
  // Bytes of the six columns per row as the store keeps them: country and
  // industry codes (int32), lifecycle (uint8), employee_count (int64 + a
  // validity bit), annual_revenue (double + a validity bit), window count (int32).
  const double column_bytes = 4 + 4 + 1 + 8 + 0.125 + 8 + 0.125 + 4;

  const bool at_floor_size = g_customers == kFloorCustomers;
  std::printf("\n== cel_bench summary: %lld customers, load average %.2f on %ld cores%s ==\n",
              static_cast<long long>(g_customers), LoadAverage(), sysconf(_SC_NPROCESSORS_ONLN),
              at_floor_size ? "" : " (the floors are defined at 10000000; rerun with the default size)");
  std::printf("row evaluator       %10.1f ns/eval   floor <= %.0f ns      %s (x%.2f of the floor); consecutive rows\n",
              row_ns, kRowFloorNs, row_ns <= kRowFloorNs ? "MEETS" : "MISSES", row_ns / kRowFloorNs);
  std::printf("row evaluator, random rows %6.1f ns/eval (cache-cold: each evaluation misses DRAM for its columns)\n",
              random_row_ns);
  std::printf("generic evaluator   %10.1f ns/eval   (tree walk over CEL values, fields read through the struct; no floor)\n",
              generic_ns);
  std::printf("columnar evaluator  %10.3g rows/s    floor >= %.0e rows/s  %s (x%.3f of the floor); best %.2f ms wall, "
              "%.2f ms cpu; by cpu time (best of %d) %.3g rows/s\n",
              columnar_rate, kColumnarFloorRowsPerS, columnar_rate >= kColumnarFloorRowsPerS ? "MEETS" : "MISSES",
              columnar_rate / kColumnarFloorRowsPerS, columnar_wall * 1e3, columnar_cpu * 1e3, g_runs,
              g_customers / columnar_min_cpu);
  std::printf("sqlite (peer)       %10.3g rows/s    best %.1f ms, same %lld matches\n", sqlite_rate, sqlite_wall * 1e3,
              static_cast<long long>(matched));
  std::printf("ratio saleskit/sqlite  x%.1f (columnar rows/s over SQLite rows/s)\n", columnar_rate / sqlite_rate);
  std::printf("memory read bandwidth %.1f GB/s on one core (sum over 1 GiB): reading all six columns in full "
              "(%.2f B/row) allows %.3g rows/s\n",
              bandwidth / 1e9, column_bytes, bandwidth / column_bytes);
  return 0;
}
