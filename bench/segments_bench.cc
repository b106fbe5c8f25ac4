// Speed of live segments (docs/benchmarks.md): 50 realistic segments over the
// same synthetic customers, with the peers in the same run.
//
//   build/bench/segments_bench [--customers=N] [--sqlite-customers=N] [--runs=N]
//                              [--incremental-customers=N] [--events=N] [--export=DIR]
//
// 1. Batch: every segment evaluated from scratch over --customers (default
//    10M) customers by the columnar evaluator, 8192-row blocks shared by all
//    50 (SegmentCatalog::EvaluateAll, what Engine::EvaluateSegments runs).
//    Floor: <= 1 s on one core. Peer: an in-memory SQLite table of the same
//    customers, window counts precomputed as columns (as the store keeps
//    them), running the 50 equivalent SELECT count(*) queries; every count
//    must agree. Each segment is also timed alone (where the time goes).
// 2. Incremental: an Engine with the 50 segments live over
//    --incremental-customers (default 1M) customers ingests --events single
//    events (one per IngestEvents call) of the types the segments read, for
//    random customers. Floor: p99 <= 5 us per event. Then AdvanceTo by one
//    day, with the window timers firing. After each phase the live
//    memberships must equal a full re-evaluation (the equivalence promise).
// 3. --export=DIR writes the batch customers as raw column files, the
//    segments (CEL, SQL and a clause tree) and saleskit's counts and time to
//    DIR/manifest.json, for bench/segments_peers.py (DuckDB, pandas).
//
// The segments are written once as clause trees and rendered to CEL (for
// saleskit), SQL (SQLite, DuckDB) and JSON (the pandas peer), so the peers
// run the same conditions; CEL's three-valued logic (an error does not
// match, `null == "x"` is false) is kept exactly in the SQL (see ToSql).
// The bench aborts on any disagreement rather than print a number for a
// wrong answer.
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "bench_util.h"
#include "saleskit/cel/columnar.h"
#include "saleskit/cel/customer.h"
#include "saleskit/engine.h"
#include "saleskit/segment/segments.h"
#include "saleskit/store/customer_store.h"

namespace {

using saleskit::bench::Percentile;
using saleskit::bench::ReadBandwidth;
using saleskit::bench::Rng;
using saleskit::bench::Seconds;
using saleskit::bench::Stopwatch;

using saleskit::Bitmap;
using saleskit::CustomerStore;
using saleskit::Micros;
namespace cel = saleskit::cel;
namespace v1 = saleskit::v1;

constexpr double kBatchFloorSeconds = 1.0;
constexpr double kEventFloorP99Micros = 5.0;
constexpr int64_t kFloorCustomers = 10000000;
constexpr int64_t kFloorIncrementalCustomers = 1000000;

int64_t g_customers = kFloorCustomers;
int64_t g_sqlite_customers = -1;  // -1: the same as g_customers
int g_runs = 5;
int64_t g_incremental_customers = kFloorIncrementalCustomers;
int64_t g_events = 200000;
std::string g_export;

// The engine clock of the run: a fixed instant, mid-day UTC.
const absl::Time kNow = absl::FromUnixSeconds(1772463600);  // 2026-03-02T15:00:00Z
constexpr Micros kMicrosPerDay = int64_t{86400} * 1000000;

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "segments_bench: FAILED: %s\n", message.c_str());
  std::fflush(stdout);
  std::abort();
}




double LoadAverage() {
  double load = -1;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1;
    std::fclose(f);
  }
  return load;
}


// ------------------------------------------------------------------ the data

// Skewed like a real B2B database: a few large markets, a long tail.
const char* const kCountries[] = {"US", "DE", "GB", "FR", "IN", "CA", "AU", "NL", "BR", "JP",
                                  "ES", "IT", "SE", "CH", "PL", "MX", "SG", "IE", "AT", "DK"};
const double kCountryWeights[] = {25, 17, 10, 7, 6, 5, 4, 4, 3.5, 3, 3, 3, 2, 2, 1.5, 1, 1, 1, 0.5, 0.5};
const char* const kIndustries[] = {"Software",   "Fintech",   "Healthcare",  "Retail",     "Manufacturing",
                                   "Education",  "Media",     "Logistics",   "Consulting", "Telecom",
                                   "Energy",     "Insurance", "Real Estate", "Government", "Nonprofit"};
const double kIndustryWeights[] = {24, 8, 8, 8, 8, 6, 5, 5, 7, 4, 4, 5, 4, 2, 4};
// Indexed by v1::LifecycleStage; 0 (unspecified) is "never set".
const char* const kStages[] = {nullptr,       "subscriber", "lead",       "marketing_qualified", "sales_qualified",
                               "opportunity", "customer",   "evangelist", "other"};
const double kStageWeights[] = {5, 20, 25, 15, 10, 8, 12, 2, 3};
const char* const kSources[] = {"organic", "paid_search", "referral", "event", "outbound", "partner", "webinar"};
const double kSourceWeights[] = {30, 20, 12, 10, 15, 6, 7};

// Per event type: how many events a customer has (none with p_none, else
// 1 + a geometric number with continuation p_more, at most max), spread
// uniformly over the last span_days days.
struct EventType {
  const char* name;
  double p_none, p_more;
  int max;
  int span_days;
};
const EventType kEventTypes[] = {
    {"email_open", 0.35, 0.75, 60, 30}, {"email_click", 0.60, 0.60, 40, 30}, {"page_view", 0.50, 0.80, 80, 14},
    {"form_submit", 0.85, 0.30, 10, 90}, {"meeting", 0.93, 0.30, 5, 30},
};
constexpr int kEventTypeCount = 5;
// The windows the segments read (each one store window column, one SQL column).
struct Window {
  int type;  // index into kEventTypes
  int days;
};
const Window kWindows[] = {{0, 7}, {0, 30}, {1, 7}, {1, 30}, {2, 14}, {3, 90}, {4, 30}};
constexpr int kWindowCount = 7;

std::string WindowColumn(const Window& w) { return absl::StrCat(kEventTypes[w.type].name, "_", w.days, "d"); }

constexpr uint8_t kUnset = 0xFF;

// What the generator put in, kept independently of the store: loads SQLite,
// is exported for the Python peers, and checks the store's window columns.
struct Truth {
  std::vector<uint8_t> country, industry, source;  // index, kUnset = never set
  std::vector<uint8_t> stage;                      // v1::LifecycleStage, 0 = never set
  std::vector<int64_t> employee_count;             // -1 = never set
  std::vector<double> annual_revenue;              // NaN = never set
  std::vector<uint8_t> window[kWindowCount];       // events in each window
  int64_t events = 0;
  size_t size() const { return country.size(); }
};

std::string CustomerId(int64_t i) { return absl::StrFormat("c%08d", i); }

// Fills `sink` (a CustomerStore or an Engine) in chunks of 100k customers;
// the first n customers of the sequence are the same whatever n.
template <typename Sink>
Truth Generate(Sink& sink, int64_t n) {
  constexpr int64_t kChunk = 100000;
  Rng rng{20261123};
  Truth t;
  t.country.resize(n);
  t.industry.resize(n);
  t.source.resize(n);
  t.stage.resize(n);
  t.employee_count.resize(n);
  t.annual_revenue.resize(n);
  for (auto& w : t.window) w.resize(n);
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
      t.source[i] = kUnset;
      if (rng.Uniform() >= 0.10) {
        t.source[i] = static_cast<uint8_t>(rng.Weighted(kSourceWeights));
        c.set_lead_source(kSources[t.source[i]]);
      }
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
      for (int type = 0; type < kEventTypeCount; ++type) {
        const EventType& et = kEventTypes[type];
        int k = 0;
        if (rng.Uniform() >= et.p_none) {
          k = 1;
          while (k < et.max && rng.Uniform() < et.p_more) ++k;
        }
        for (int e = 0; e < k; ++e) {
          const Micros at = now - static_cast<Micros>(rng.Uniform() * et.span_days * kMicrosPerDay);
          // A window of N days covers the UTC days today-N+1 .. today.
          for (int w = 0; w < kWindowCount; ++w) {
            if (kWindows[w].type == type && at / kMicrosPerDay > today - kWindows[w].days) ++t.window[w][i];
          }
          v1::Event& ev = events.records.emplace_back();
          ev.set_customer_id(c.id());
          ev.set_type(et.name);
          ev.mutable_occurred_at()->set_seconds(at / 1000000);
          ev.mutable_occurred_at()->set_nanos(static_cast<int32_t>(at % 1000000) * 1000);
        }
        t.events += k;
      }
    }
    auto upserted = sink.UpsertCustomers(customers);
    if (!upserted.ok()) Fail(absl::StrCat("UpsertCustomers: ", upserted.status().ToString()));
    if (upserted->inserted != static_cast<size_t>(end - begin)) Fail("UpsertCustomers did not insert every customer");
    auto ingested = sink.IngestEvents(events);
    if (!ingested.ok()) Fail(absl::StrCat("IngestEvents: ", ingested.status().ToString()));
  }
  return t;
}

// The store's window columns against the generator's counts.
void CheckStore(const CustomerStore& store, const Truth& t) {
  if (store.customer_count() != t.size()) Fail("customer count differs from the generator's");
  for (int w = 0; w < kWindowCount; ++w) {
    const std::optional<int> column = store.FindWindow(
        kEventTypes[kWindows[w].type].name, saleskit::EventWindow{saleskit::EventWindow::Unit::kDay, kWindows[w].days});
    if (!column) Fail(absl::StrCat("the store keeps no window ", WindowColumn(kWindows[w])));
    const std::vector<int32_t>& counts = store.windows().counts(*column);
    for (size_t row = 0; row < t.size(); ++row) {
      if (counts[row] != t.window[w][row]) {
        Fail(absl::StrFormat("row %d: the store's %s is %d, the generator made %d", row, WindowColumn(kWindows[w]),
                             counts[row], t.window[w][row]));
      }
    }
  }
  for (size_t row = 0; row < t.size(); row += 9973) {
    if (store.IdOf(static_cast<uint32_t>(row)) != CustomerId(static_cast<int64_t>(row))) {
      Fail("rows are not in insertion order");
    }
  }
}

// -------------------------------------------------------------- the segments

// A segment condition as a tree, rendered to CEL, SQL and JSON.
struct Clause {
  enum Kind { kAnd, kOr, kNot, kEq, kIn, kCmp, kHas, kCount, kInSegment };
  Kind kind;
  std::string field;                // customer field; window column for kCount; segment for kInSegment
  std::vector<std::string> values;  // kEq, kIn: strings; kCmp, kCount: one number literal
  std::string op;                   // kCmp, kCount: <, <=, >, >=, ==
  int window = -1;                  // kCount: index into kWindows
  std::vector<Clause> args;
};

Clause Eq(std::string field, std::string value) { return {Clause::kEq, std::move(field), {std::move(value)}}; }
Clause In(std::string field, std::vector<std::string> values) {
  return {Clause::kIn, std::move(field), std::move(values)};
}
Clause Cmp(std::string field, std::string op, std::string number) {
  Clause c{Clause::kCmp, std::move(field), {std::move(number)}};
  c.op = std::move(op);
  return c;
}
Clause Has(std::string field) { return {Clause::kHas, std::move(field)}; }
Clause Count(const char* type, int days, std::string op, int n) {
  Clause c{Clause::kCount};
  for (int w = 0; w < kWindowCount; ++w) {
    if (kEventTypes[kWindows[w].type].name == std::string(type) && kWindows[w].days == days) c.window = w;
  }
  if (c.window < 0) Fail(absl::StrCat("no window ", type, " days(", days, ")"));
  c.field = WindowColumn(kWindows[c.window]);
  c.op = std::move(op);
  c.values = {absl::StrCat(n)};
  return c;
}
Clause InSegment(std::string name) { return {Clause::kInSegment, std::move(name)}; }
Clause Not(Clause c) {
  Clause n{Clause::kNot};
  n.args.push_back(std::move(c));
  return n;
}
Clause And(std::vector<Clause> args) {
  Clause c{Clause::kAnd};
  c.args = std::move(args);
  return c;
}
Clause Or(std::vector<Clause> args) {
  Clause c{Clause::kOr};
  c.args = std::move(args);
  return c;
}

struct SegmentSpec {
  std::string name;
  Clause condition;
};

const std::vector<std::string> kLeadMql = {"lead", "marketing_qualified"};

// 50 segments of 3-6 clauses, the kind a sales team writes: markets,
// industries and lifecycle stages, company size and revenue bands, recent
// behaviour in windows of several event types, presence checks, negations,
// alternatives, and segments built on other segments.
std::vector<SegmentSpec> Segments() {
  const char* L = "lifecycle_stage";
  const char* C = "country";
  const char* I = "industry";
  const char* S = "lead_source";
  const char* E = "employee_count";
  const char* R = "annual_revenue";
  std::vector<SegmentSpec> s;
  auto add = [&](std::string name, std::vector<Clause> clauses) { s.push_back({std::move(name), And(std::move(clauses))}); };
  add("de_saas_mql", {Eq(C, "DE"), Eq(I, "Software"), In(L, kLeadMql), Cmp(E, ">=", "10"), Cmp(R, "<", "2e8"),
                      Count("email_click", 30, ">=", 2)});
  add("us_enterprise", {Eq(C, "US"), Cmp(E, ">=", "1000"), Cmp(R, ">=", "1e8"), In(L, {"sales_qualified", "opportunity"})});
  add("dach_midmarket", {In(C, {"DE", "AT", "CH"}), Cmp(E, ">=", "50"), Cmp(E, "<", "1000"), Has(R)});
  add("hot_leads", {In(L, kLeadMql), Count("email_click", 7, ">=", 1), Count("page_view", 14, ">=", 3),
                    Count("email_open", 30, ">=", 2)});
  add("cold_leads", {Eq(L, "lead"), Count("email_open", 30, "==", 0), Count("email_click", 30, "==", 0),
                     Count("page_view", 14, "==", 0)});
  add("form_no_meeting", {Count("form_submit", 90, ">=", 1), Count("meeting", 30, "==", 0),
                          In(L, {"lead", "marketing_qualified", "sales_qualified"})});
  add("meeting_recent", {Count("meeting", 30, ">=", 1), Not(Eq(L, "customer")), Has(E)});
  add("fintech_growth", {Eq(I, "Fintech"), Cmp(E, ">=", "20"), Cmp(E, "<", "500"), Cmp(R, ">=", "1e6"),
                         Count("email_click", 30, ">=", 1)});
  add("healthcare_gb_fr", {Eq(I, "Healthcare"), In(C, {"GB", "FR"}),
                           Or({Count("email_open", 30, ">=", 3), Count("page_view", 14, ">=", 5)}), Has(E)});
  add("smb_selfserve", {Cmp(E, "<", "50"), In(S, {"organic", "paid_search"}), Count("page_view", 14, ">=", 1),
                        Not(Eq(L, "customer"))});
  add("customer_expansion", {Eq(L, "customer"), Cmp(E, ">=", "200"),
                             Or({Count("email_click", 30, ">=", 2), Count("meeting", 30, ">=", 1)})});
  add("evangelists_active", {Eq(L, "evangelist"), Count("email_open", 30, ">=", 1), Count("page_view", 14, ">=", 1)});
  add("partner_pipeline", {Eq(S, "partner"), In(L, {"sales_qualified", "opportunity"}), Cmp(R, ">=", "5e6")});
  add("webinar_followup", {Eq(S, "webinar"), Count("form_submit", 90, ">=", 1), Count("email_click", 7, ">=", 1),
                           In(L, kLeadMql)});
  add("event_leads_apac", {Eq(S, "event"), In(C, {"IN", "AU", "SG", "JP"}), Not(Has(E)), Eq(L, "lead")});
  add("unknown_size_engaged", {Not(Has(E)), Count("email_open", 30, ">=", 3), Count("email_click", 30, ">=", 1)});
  add("no_revenue_big", {Not(Has(R)), Cmp(E, ">=", "500"), In(C, {"US", "GB", "CA"})});
  add("retail_engaged", {Eq(I, "Retail"), Or({Count("page_view", 14, ">=", 4), Count("email_click", 7, ">=", 2)}),
                         Cmp(E, ">=", "10"), Cmp(R, "<", "5e7")});
  add("manufacturing_central_eu", {Eq(I, "Manufacturing"), In(C, {"DE", "AT", "PL", "IT"}), Cmp(E, ">=", "100"),
                                   Count("form_submit", 90, ">=", 1)});
  add("education_public_intl", {In(I, {"Education", "Nonprofit", "Government"}), Count("email_open", 30, ">=", 2),
                                Not(Eq(C, "US"))});
  add("mql_ready", {InSegment("hot_leads"), Cmp(E, ">=", "20"), Has(R), Not(In(I, {"Government", "Nonprofit"}))});
  add("sales_ready", {InSegment("mql_ready"), Or({Count("form_submit", 90, ">=", 1), Count("meeting", 30, ">=", 1)}),
                      Cmp(R, ">=", "1e6")});
  add("de_saas_mql_meeting", {InSegment("de_saas_mql"), Count("meeting", 30, ">=", 1), Cmp(E, ">=", "50")});
  add("churn_risk", {Eq(L, "customer"), Count("email_open", 30, "==", 0), Count("page_view", 14, "==", 0),
                     Count("email_click", 30, "==", 0), Has(R)});
  add("reengage", {In(L, {"subscriber", "lead"}), Count("email_open", 30, ">=", 1), Count("email_click", 30, "==", 0),
                   Count("page_view", 14, "==", 0)});
  add("high_intent_pages", {Count("page_view", 14, ">=", 8), Count("email_click", 7, ">=", 1),
                            In(L, {"marketing_qualified", "sales_qualified"})});
  add("outbound_targets", {Eq(S, "outbound"), Cmp(E, ">=", "200"), Cmp(R, ">=", "2e7"),
                           Not(In(L, {"customer", "evangelist"}))});
  add("nordics_benelux_tech", {In(C, {"SE", "DK", "NL"}), In(I, {"Software", "Fintech", "Media"}),
                               Count("email_open", 7, ">=", 1)});
  add("latam_active", {In(C, {"BR", "MX"}), Cmp(E, ">=", "50"),
                       Or({Count("email_open", 30, ">=", 1), Count("page_view", 14, ">=", 1)}),
                       Not(Eq(L, "customer"))});
  add("consulting_referrals", {Eq(I, "Consulting"), Cmp(E, "<", "20"), In(S, {"referral", "partner"}),
                               Count("email_click", 30, ">=", 1)});
  add("telecom_energy_large", {In(I, {"Telecom", "Energy"}), Cmp(E, ">=", "5000"), Cmp(R, ">=", "5e8"),
                               In(L, {"opportunity", "sales_qualified"})});
  add("insurance_nurture", {Eq(I, "Insurance"), In(L, {"lead", "subscriber"}), Count("email_open", 30, ">=", 1),
                            Count("form_submit", 90, "==", 0)});
  add("weekly_openers", {Count("email_open", 7, ">=", 3), Count("email_click", 7, ">=", 1), Not(Eq(S, "paid_search"))});
  add("clickers_no_form", {Count("email_click", 30, ">=", 3), Count("form_submit", 90, "==", 0), Cmp(E, ">=", "10")});
  add("paid_search_idle", {Eq(S, "paid_search"), Count("page_view", 14, "==", 0), Count("email_open", 30, "==", 0),
                           Eq(L, "subscriber")});
  add("opportunity_stalled", {Eq(L, "opportunity"), Count("meeting", 30, "==", 0), Count("email_click", 30, "==", 0),
                              Cmp(R, ">=", "1e6")});
  add("customers_us_gb_large", {Eq(L, "customer"), In(C, {"US", "GB"}), Or({Cmp(E, ">=", "1000"), Cmp(R, ">=", "1e8")})});
  add("france_media", {Eq(C, "FR"), Eq(I, "Media"), Count("email_open", 30, ">=", 1), Cmp(E, ">=", "5")});
  add("india_software_startups", {Eq(C, "IN"), Eq(I, "Software"), Cmp(E, "<", "100"), Cmp(R, "<", "1e7"),
                                  Count("page_view", 14, ">=", 1)});
  add("japan_engaged", {Eq(C, "JP"),
                        Or({Count("email_open", 7, ">=", 1), Count("email_click", 7, ">=", 1), Count("page_view", 14, ">=", 2)}),
                        Has(I)});
  add("unknown_source_leads", {Not(Has(S)), Count("email_open", 30, ">=", 1), In(L, kLeadMql)});
  add("mid_revenue_band", {Cmp(R, ">=", "1e6"), Cmp(R, "<", "1e7"), Cmp(E, ">=", "10"), Cmp(E, "<=", "250"),
                           Count("email_click", 30, ">=", 1), Not(Eq(L, "customer"))});
  add("realestate_logistics", {In(I, {"Real Estate", "Logistics"}), Cmp(E, ">=", "50"),
                               Or({Count("form_submit", 90, ">=", 1), Count("meeting", 30, ">=", 1)})});
  add("hot_not_ready", {InSegment("hot_leads"), Not(InSegment("mql_ready")), Has(E)});
  add("sales_ready_enterprise", {InSegment("sales_ready"), Cmp(E, ">=", "1000"), In(C, {"US", "GB", "DE", "FR"})});
  add("dormant_big", {Cmp(E, ">=", "1000"), Count("email_open", 30, "==", 0), Count("page_view", 14, "==", 0),
                      Not(In(L, {"customer", "evangelist"}))});
  add("eu_leads_clicking", {In(C, {"DE", "FR", "ES", "IT", "NL", "AT", "SE", "DK", "PL", "IE"}), In(L, kLeadMql),
                            Count("email_click", 30, ">=", 1)});
  add("repeat_forms", {Count("form_submit", 90, ">=", 2), Count("page_view", 14, ">=", 2), Cmp(E, ">=", "5")});
  add("sql_no_meeting_regulated", {Eq(L, "sales_qualified"), Count("meeting", 30, "==", 0),
                                   In(I, {"Healthcare", "Fintech", "Insurance"}), Cmp(R, ">=", "1e6")});
  add("healthy_customers", {Eq(L, "customer"), Not(InSegment("churn_risk")),
                            Or({Count("email_click", 30, ">=", 1), Count("meeting", 30, ">=", 1),
                                Count("form_submit", 90, ">=", 1)}),
                            Has(E)});
  return s;
}

std::string Quote(const std::string& s, char q) { return absl::StrCat(std::string(1, q), s, std::string(1, q)); }

bool IsChain(const Clause& c) { return c.kind == Clause::kAnd || c.kind == Clause::kOr; }

std::string ToCel(const Clause& c) {
  switch (c.kind) {
    case Clause::kAnd:
    case Clause::kOr: {
      std::vector<std::string> parts;
      for (const Clause& a : c.args) parts.push_back(IsChain(a) ? absl::StrCat("(", ToCel(a), ")") : ToCel(a));
      return absl::StrJoin(parts, c.kind == Clause::kAnd ? " && " : " || ");
    }
    case Clause::kNot: {
      const Clause& a = c.args[0];
      const bool call = a.kind == Clause::kHas || a.kind == Clause::kInSegment;
      return call ? absl::StrCat("!", ToCel(a)) : absl::StrCat("!(", ToCel(a), ")");
    }
    case Clause::kEq:
      return absl::StrCat("customer.", c.field, " == ", Quote(c.values[0], '"'));
    case Clause::kIn: {
      std::vector<std::string> q;
      for (const auto& v : c.values) q.push_back(Quote(v, '"'));
      return absl::StrCat("customer.", c.field, " in [", absl::StrJoin(q, ", "), "]");
    }
    case Clause::kCmp:
      return absl::StrCat("customer.", c.field, " ", c.op, " ", c.values[0]);
    case Clause::kHas:
      return absl::StrCat("has(customer.", c.field, ")");
    case Clause::kCount: {
      const Window& w = kWindows[c.window];
      return absl::StrCat("events.count(\"", kEventTypes[w.type].name, "\", days(", w.days, ")) ", c.op, " ",
                          c.values[0]);
    }
    case Clause::kInSegment:
      return absl::StrCat("in_segment(\"", c.field, "\")");
  }
  return "";
}

// SQL with the CEL result. With `exact`, the SQL value is TRUE, FALSE or NULL
// exactly when CEL's is true, false or an error (Kleene logic is CEL's
// error-absorbing && and ||); without, only "TRUE exactly when CEL's is
// true" holds, which is all a WHERE clause or an && / || chain outside any !
// needs. The difference: CEL's `null == "x"` and `null in [...]` are false,
// SQL's NULL; in_segment() is a plain bool.
std::string ToSql(const Clause& c, const std::map<std::string, const Clause*>& segments, bool exact) {
  switch (c.kind) {
    case Clause::kAnd:
    case Clause::kOr: {
      std::vector<std::string> parts;
      for (const Clause& a : c.args) parts.push_back(ToSql(a, segments, exact));
      return absl::StrCat("(", absl::StrJoin(parts, c.kind == Clause::kAnd ? " AND " : " OR "), ")");
    }
    case Clause::kNot:
      return absl::StrCat("NOT (", ToSql(c.args[0], segments, /*exact=*/true), ")");
    case Clause::kEq: {
      const std::string eq = absl::StrCat(c.field, " = ", Quote(c.values[0], '\''));
      return exact ? absl::StrCat("coalesce(", eq, ", FALSE)") : eq;
    }
    case Clause::kIn: {
      std::vector<std::string> q;
      for (const auto& v : c.values) q.push_back(Quote(v, '\''));
      const std::string in = absl::StrCat(c.field, " IN (", absl::StrJoin(q, ", "), ")");
      return exact ? absl::StrCat("coalesce(", in, ", FALSE)") : in;
    }
    case Clause::kCmp:
    case Clause::kCount:
      return absl::StrCat(c.field, " ", c.op == "==" ? "=" : c.op, " ", c.values[0]);
    case Clause::kHas:
      return absl::StrCat(c.field, " IS NOT NULL");
    case Clause::kInSegment: {
      const std::string inner = ToSql(*segments.at(c.field), segments, /*exact=*/false);
      return exact ? absl::StrCat("coalesce(", inner, ", FALSE)") : inner;
    }
  }
  return "";
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

std::string ToJson(const Clause& c) {
  static const char* const kOps[] = {"and", "or", "not", "eq", "in", "cmp", "has", "count", "in_segment"};
  std::string out = absl::StrCat("{\"op\": \"", kOps[c.kind], "\"");
  if (!c.field.empty()) absl::StrAppend(&out, ", \"field\": ", JsonString(c.field));
  if (c.kind == Clause::kEq || c.kind == Clause::kIn) {
    std::vector<std::string> q;
    for (const auto& v : c.values) q.push_back(JsonString(v));
    absl::StrAppend(&out, ", \"values\": [", absl::StrJoin(q, ", "), "]");
  }
  if (c.kind == Clause::kCmp || c.kind == Clause::kCount) {
    absl::StrAppend(&out, ", \"cmp\": \"", c.op, "\", \"value\": ", JsonString(c.values[0]));
  }
  if (!c.args.empty()) {
    std::vector<std::string> a;
    for (const Clause& x : c.args) a.push_back(ToJson(x));
    absl::StrAppend(&out, ", \"args\": [", absl::StrJoin(a, ", "), "]");
  }
  return out + "}";
}

// Whether the condition reads a window of event type `type` (not through in_segment).
bool ReadsType(const Clause& c, int type) {
  if (c.kind == Clause::kCount) return kWindows[c.window].type == type;
  for (const Clause& a : c.args) {
    if (ReadsType(a, type)) return true;
  }
  return false;
}

int Clauses(const Clause& c) {
  if (!IsChain(c)) return 1;
  int n = 0;
  for (const Clause& a : c.args) n += Clauses(a);
  return n;
}

// --- SQLite, the peer -----------------------------------------------------

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = absl::StrCat("SQLite: ", error ? error : "?", " in: ", sql);
    sqlite3_free(error);
    Fail(message);
  }
}

sqlite3* LoadSqlite(const Truth& t, size_t n) {
  sqlite3* db = nullptr;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) Fail("sqlite3_open(:memory:)");
  std::string create =
      "CREATE TABLE customers (country TEXT, industry TEXT, lifecycle_stage TEXT, lead_source TEXT, "
      "employee_count INTEGER, annual_revenue REAL";
  for (const Window& w : kWindows) absl::StrAppend(&create, ", ", WindowColumn(w), " INTEGER NOT NULL");
  Exec(db, create + ")");
  Exec(db, "BEGIN");
  sqlite3_stmt* insert = nullptr;
  std::string sql = "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?";
  for (int w = 0; w < kWindowCount; ++w) sql += ", ?";
  sql += ")";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &insert, nullptr) != SQLITE_OK) {
    Fail(absl::StrCat("SQLite prepare: ", sqlite3_errmsg(db)));
  }
  auto text = [&](int col, const char* value) {
    value == nullptr ? sqlite3_bind_null(insert, col) : sqlite3_bind_text(insert, col, value, -1, SQLITE_STATIC);
  };
  for (size_t i = 0; i < n; ++i) {
    text(1, t.country[i] == kUnset ? nullptr : kCountries[t.country[i]]);
    text(2, t.industry[i] == kUnset ? nullptr : kIndustries[t.industry[i]]);
    text(3, kStages[t.stage[i]]);
    text(4, t.source[i] == kUnset ? nullptr : kSources[t.source[i]]);
    t.employee_count[i] < 0 ? sqlite3_bind_null(insert, 5) : sqlite3_bind_int64(insert, 5, t.employee_count[i]);
    std::isnan(t.annual_revenue[i]) ? sqlite3_bind_null(insert, 6) : sqlite3_bind_double(insert, 6, t.annual_revenue[i]);
    for (int w = 0; w < kWindowCount; ++w) sqlite3_bind_int(insert, 7 + w, t.window[w][i]);
    if (sqlite3_step(insert) != SQLITE_DONE) Fail(absl::StrCat("SQLite insert: ", sqlite3_errmsg(db)));
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  Exec(db, "COMMIT");
  return db;
}

int64_t SqliteCount(sqlite3* db, const std::string& where) {
  const std::string sql = absl::StrCat("SELECT count(*) FROM customers WHERE ", where);
  sqlite3_stmt* query = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &query, nullptr) != SQLITE_OK) {
    Fail(absl::StrCat("SQLite prepare: ", sqlite3_errmsg(db), " in: ", sql));
  }
  if (sqlite3_step(query) != SQLITE_ROW) Fail(absl::StrCat("SQLite query: ", sqlite3_errmsg(db)));
  const int64_t n = sqlite3_column_int64(query, 0);
  sqlite3_finalize(query);
  return n;
}

// Members of the first n rows.
size_t PrefixCount(const Bitmap& b, size_t n) {
  size_t count = 0;
  const std::vector<uint64_t>& words = b.words();
  for (size_t w = 0; w < words.size() && w * 64 < n; ++w) {
    uint64_t bits = words[w];
    if ((w + 1) * 64 > n) bits &= (uint64_t{1} << (n - w * 64)) - 1;
    count += static_cast<size_t>(__builtin_popcountll(bits));
  }
  return count;
}

// Named bitmaps for in_segment() when a condition is evaluated on its own.
class NamedBitmaps : public cel::SegmentMembership {
 public:
  void Add(const std::string& name, const Bitmap* bits) { bits_[name] = bits; }
  const Bitmap* Members(absl::string_view segment) const override {
    auto it = bits_.find(segment);
    return it == bits_.end() ? nullptr : it->second;
  }

 private:
  absl::flat_hash_map<std::string, const Bitmap*> bits_;
};

// --- Export for bench/segments_peers.py ------------------------------------

template <typename T>
void WriteColumn(const std::string& dir, const std::string& name, const std::vector<T>& v, size_t n) {
  const std::string path = absl::StrCat(dir, "/", name);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(v.data(), sizeof(T), n, f) != n || std::fclose(f) != 0) {
    Fail(absl::StrCat("cannot write ", path));
  }
}

std::string JsonNames(const char* const* names, size_t n) {
  std::vector<std::string> q;
  for (size_t i = 0; i < n; ++i) q.push_back(names[i] == nullptr ? "null" : JsonString(names[i]));
  return absl::StrCat("[", absl::StrJoin(q, ", "), "]");
}

struct BatchResult {
  std::vector<std::string> names, cel, sql;
  std::vector<int> clauses;
  std::vector<int64_t> counts;
  std::vector<double> alone_seconds, alone_cpu;  // each segment evaluated on its own (best wall, best cpu)
  std::vector<int> fallback_nodes;                // per segment: nodes that run the row evaluator
  double best_wall = 0, best_cpu = 0;
  std::vector<double> run_walls;
};

void Export(const std::string& dir, const Truth& t, const std::vector<SegmentSpec>& specs, const BatchResult& r) {
  mkdir(dir.c_str(), 0755);
  const size_t n = t.size();
  WriteColumn(dir, "country.u8", t.country, n);
  WriteColumn(dir, "industry.u8", t.industry, n);
  WriteColumn(dir, "lifecycle_stage.u8", t.stage, n);
  WriteColumn(dir, "lead_source.u8", t.source, n);
  WriteColumn(dir, "employee_count.i64", t.employee_count, n);
  WriteColumn(dir, "annual_revenue.f64", t.annual_revenue, n);
  for (int w = 0; w < kWindowCount; ++w) WriteColumn(dir, absl::StrCat(WindowColumn(kWindows[w]), ".u8"), t.window[w], n);
  std::string j = "{\n";
  absl::StrAppend(&j, "  \"customers\": ", n, ",\n");
  absl::StrAppend(&j, "  \"now\": ", JsonString(absl::FormatTime(kNow)), ",\n");
  absl::StrAppend(&j, "  \"columns\": {\n");
  absl::StrAppend(&j, "    \"country\": {\"file\": \"country.u8\", \"null_code\": 255, \"names\": ",
                  JsonNames(kCountries, 20), "},\n");
  absl::StrAppend(&j, "    \"industry\": {\"file\": \"industry.u8\", \"null_code\": 255, \"names\": ",
                  JsonNames(kIndustries, 15), "},\n");
  absl::StrAppend(&j, "    \"lifecycle_stage\": {\"file\": \"lifecycle_stage.u8\", \"null_code\": 0, \"names\": ",
                  JsonNames(kStages, 9), "},\n");
  absl::StrAppend(&j, "    \"lead_source\": {\"file\": \"lead_source.u8\", \"null_code\": 255, \"names\": ",
                  JsonNames(kSources, 7), "},\n");
  absl::StrAppend(&j, "    \"employee_count\": {\"file\": \"employee_count.i64\", \"null_value\": -1},\n");
  absl::StrAppend(&j, "    \"annual_revenue\": {\"file\": \"annual_revenue.f64\", \"null_value\": \"nan\"}");
  for (int w = 0; w < kWindowCount; ++w) {
    absl::StrAppend(&j, ",\n    ", JsonString(WindowColumn(kWindows[w])), ": {\"file\": \"",
                    WindowColumn(kWindows[w]), ".u8\"}");
  }
  absl::StrAppend(&j, "\n  },\n  \"segments\": [\n");
  for (size_t i = 0; i < specs.size(); ++i) {
    absl::StrAppend(&j, "    {\"name\": ", JsonString(r.names[i]), ", \"clauses\": ", r.clauses[i],
                    ", \"saleskit_count\": ", r.counts[i], ",\n     \"cel\": ", JsonString(r.cel[i]),
                    ",\n     \"sql\": ", JsonString(r.sql[i]), ",\n     \"tree\": ", ToJson(specs[i].condition), "}",
                    i + 1 < specs.size() ? ",\n" : "\n");
  }
  absl::StrAppend(&j, "  ],\n  \"saleskit\": {\"what\": \"SegmentCatalog::EvaluateAll, all segments, one thread\", ",
                  "\"best_wall_seconds\": ", absl::StrFormat("%.6f", r.best_wall),
                  ", \"best_cpu_seconds\": ", absl::StrFormat("%.6f", r.best_cpu), ", \"runs\": ", r.run_walls.size(),
                  "}\n}\n");
  const std::string path = dir + "/manifest.json";
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr || std::fwrite(j.data(), 1, j.size(), f) != j.size() || std::fclose(f) != 0) {
    Fail(absl::StrCat("cannot write ", path));
  }
  std::printf("export: %zu customers and %zu segments to %s (manifest.json)\n", n, specs.size(), dir.c_str());
}

// The live memberships of `engine` against a full re-evaluation; returns
// the seconds Engine::EvaluateSegments took.
double CheckEquivalence(const saleskit::Engine& engine, const char* when) {
  const Stopwatch sw;
  const std::vector<std::pair<std::string, Bitmap>> fresh = engine.EvaluateSegments();
  const double seconds = sw.Wall();
  const saleskit::Engine::Snapshot snap = engine.Read();
  for (const auto& [name, bits] : fresh) {
    const Bitmap* live = snap.segments().Members(name);
    if (live == nullptr) Fail(absl::StrCat("segment ", name, " is not live"));
    const size_t words = std::max(live->words().size(), bits.words().size());
    for (size_t w = 0; w < words; ++w) {
      const uint64_t a = w < live->words().size() ? live->words()[w] : 0;
      const uint64_t b = w < bits.words().size() ? bits.words()[w] : 0;
      if (a != b) {
        const uint32_t row = static_cast<uint32_t>(w * 64 + __builtin_ctzll(a ^ b));
        Fail(absl::StrFormat("%s: segment %s, customer %s: live membership %d, full re-evaluation %d", when, name,
                             snap.store().IdOf(row), (a >> (row % 64)) & 1, (b >> (row % 64)) & 1));
      }
    }
    if (*snap.segments().Count(name) != bits.Count()) Fail(absl::StrCat(when, ": segment ", name, " count is off"));
  }
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) { return saleskit::bench::FlagValue(arg, flag); };
    if (auto v = value("--customers")) {
      g_customers = std::stoll(*v);
    } else if (auto v = value("--sqlite-customers")) {
      g_sqlite_customers = std::stoll(*v);
    } else if (auto v = value("--runs")) {
      g_runs = std::stoi(*v);
    } else if (auto v = value("--incremental-customers")) {
      g_incremental_customers = std::stoll(*v);
    } else if (auto v = value("--events")) {
      g_events = std::stoll(*v);
    } else if (auto v = value("--export")) {
      g_export = *v;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--customers=N] [--sqlite-customers=N] [--runs=N] [--incremental-customers=N] "
                   "[--events=N] [--export=DIR]\n",
                   argv[0]);
      return 2;
    }
  }
  if (g_sqlite_customers < 0) g_sqlite_customers = g_customers;
  if (g_customers < 1 || g_runs < 1 || g_incremental_customers < 1 || g_events < 1 || g_sqlite_customers < 1 ||
      g_sqlite_customers > g_customers) {
    Fail("counts must be positive, and --sqlite-customers at most --customers");
  }

  const std::vector<SegmentSpec> specs = Segments();
  std::map<std::string, const Clause*> by_name;
  for (const SegmentSpec& s : specs) by_name[s.name] = &s.condition;
  std::vector<v1::SegmentDef> defs;
  BatchResult batch;
  for (const SegmentSpec& s : specs) {
    v1::SegmentDef& d = defs.emplace_back();
    d.set_name(s.name);
    d.set_condition(ToCel(s.condition));
    batch.names.push_back(s.name);
    batch.cel.push_back(d.condition());
    batch.sql.push_back(ToSql(s.condition, by_name, /*exact=*/false));
    batch.clauses.push_back(Clauses(s.condition));
    if (batch.clauses.back() < 3 || batch.clauses.back() > 6) Fail(absl::StrCat(s.name, ": not 3-6 clauses"));
  }
  std::printf("%zu segments, e.g. %s: %s\n", specs.size(), specs[0].name.c_str(), batch.cel[0].c_str());

  // ================================================================ batch
  // The catalog keeps the segments' windows in the store before any event
  // arrives; its live memberships are not used (EvaluateAll starts from scratch).
  auto store = std::make_unique<CustomerStore>();
  store->AdvanceWindowsTo(saleskit::ToMicros(kNow));
  saleskit::SegmentCatalog catalog;
  if (absl::Status st = catalog.Define(defs, *store, kNow); !st.ok()) Fail(absl::StrCat("Define: ", st.ToString()));
  const Stopwatch build;
  Truth truth = Generate(*store, g_customers);
  const saleskit::StoreStats stats = store->Stats();
  const size_t window_bytes = store->windows().MemoryBytes();
  std::printf("store: %lld customers, %lld events (%zu types), built in %.1f s\n", static_cast<long long>(g_customers),
              static_cast<long long>(truth.events), stats.event_types, build.Wall());
  CheckStore(*store, truth);

  // Dependency order, as EvaluateAll returns it.
  std::vector<std::pair<std::string, Bitmap>> results;
  double best_wall = 1e300, best_cpu = 0;
  for (int run = 0; run < g_runs; ++run) {
    const Stopwatch sw;
    std::vector<std::pair<std::string, Bitmap>> r = catalog.EvaluateAll(*store, kNow);
    const double wall = sw.Wall(), cpu = sw.Cpu();
    std::printf("batch run %d: %.1f ms wall, %.1f ms cpu\n", run + 1, wall * 1e3, cpu * 1e3);
    batch.run_walls.push_back(wall);
    if (wall < best_wall) {
      best_wall = wall;
      best_cpu = cpu;
    }
    if (run == 0) {
      results = std::move(r);
    } else {
      for (size_t k = 0; k < r.size(); ++k) {
        if (r[k].second.words() != results[k].second.words()) Fail("two batch runs gave different members");
      }
    }
  }
  batch.best_wall = best_wall;
  batch.best_cpu = best_cpu;
  std::map<std::string, const Bitmap*> members;
  for (const auto& [name, bits] : results) members[name] = &bits;
  for (const SegmentSpec& s : specs) batch.counts.push_back(static_cast<int64_t>(members.at(s.name)->Count()));

  // Each segment on its own (its own pass over the columns it reads), and
  // its result against the shared pass; the row path on sampled rows too.
  NamedBitmaps named;
  for (const auto& [name, bits] : results) named.Add(name, &bits);
  double alone_total = 0, alone_cpu_total = 0;
  int vectorised = 0, fallback = 0;
  Rng pick{11};
  for (size_t i = 0; i < specs.size(); ++i) {
    auto program = cel::CompileCustomerCondition(batch.cel[i]);
    if (!program.ok()) Fail(absl::StrCat(specs[i].name, ": ", program.status().ToString()));
    const std::unique_ptr<cel::ColumnarCondition> plan = cel::ColumnarCondition::Plan(std::move(*program));
    vectorised += plan->vectorised_nodes();
    fallback += plan->fallback_nodes();
    batch.fallback_nodes.push_back(plan->fallback_nodes());
    double best = 1e300, best_cpu_alone = 1e300;
    cel::ColumnarCondition::Result r;
    for (int run = 0; run < std::min(g_runs, 3); ++run) {
      const Stopwatch sw;
      r = plan->Evaluate(*store, kNow, &named);
      best = std::min(best, sw.Wall());
      best_cpu_alone = std::min(best_cpu_alone, sw.Cpu());
    }
    batch.alone_seconds.push_back(best);
    batch.alone_cpu.push_back(best_cpu_alone);
    alone_total += best;
    alone_cpu_total += best_cpu_alone;
    const Bitmap& shared = *members.at(specs[i].name);
    if (PrefixCount(r.matched, g_customers) != static_cast<size_t>(batch.counts[i])) {
      Fail(absl::StrCat(specs[i].name, ": evaluated alone it matches ", r.matched.Count(), ", in the shared pass ",
                        batch.counts[i]));
    }
    for (int k = 0; k < 2000; ++k) {
      const uint32_t row = static_cast<uint32_t>(pick.Next() % static_cast<uint64_t>(g_customers));
      if (plan->EvaluateRow(*store, row, kNow, &named).value_or(false) != shared.Get(row)) {
        Fail(absl::StrFormat("%s, %s: the row path and the batch disagree", specs[i].name, CustomerId(row)));
      }
    }
  }
  std::printf("each segment alone: %.1f ms wall, %.1f ms cpu in total (%d vectorised nodes, %d row-fallback nodes); "
              "row path agrees on 2000 sampled rows per segment\n",
              alone_total * 1e3, alone_cpu_total * 1e3, vectorised, fallback);

  // Prefix counts for the incremental engine (its customers are the first ones).
  const size_t prefix = static_cast<size_t>(std::min(g_incremental_customers, g_customers));
  std::map<std::string, size_t> prefix_counts;
  for (const auto& [name, bits] : results) prefix_counts[name] = PrefixCount(bits, prefix);
  results.clear();

  // --- SQLite on the same data.
  const size_t sqlite_n = static_cast<size_t>(g_sqlite_customers);
  const Stopwatch load_sw;
  sqlite3* db = LoadSqlite(truth, sqlite_n);
  std::printf("sqlite: loaded %zu rows in %.1f s (in-memory, no index)\n", sqlite_n, load_sw.Wall());
  std::vector<double> sqlite_seconds(specs.size());
  double sqlite_total = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    const Stopwatch sw;
    const int64_t n = SqliteCount(db, batch.sql[i]);
    sqlite_seconds[i] = sw.Wall();
    sqlite_total += sqlite_seconds[i];
    const int64_t expect = sqlite_n == static_cast<size_t>(g_customers)
                               ? batch.counts[i]
                               : static_cast<int64_t>(PrefixCount(*members.at(specs[i].name), sqlite_n));
    if (n != expect) {
      Fail(absl::StrFormat("segment %s: SQLite counts %d, saleskit %d\n  CEL: %s\n  SQL: %s", specs[i].name, n, expect,
                           batch.cel[i], batch.sql[i]));
    }
  }
  sqlite3_close(db);
  std::printf("sqlite: 50 queries in %.2f s; every count agrees with saleskit\n", sqlite_total);

  if (!g_export.empty()) Export(g_export, truth, specs, batch);

  std::printf("\nper segment: clauses, row-fallback nodes, saleskit alone (ms wall, ms cpu), SQLite (ms), members\n");
  for (size_t i = 0; i < specs.size(); ++i) {
    std::printf("  %-26s %d %d %8.2f %8.2f %9.1f %9lld  %s\n", specs[i].name.c_str(), batch.clauses[i],
                batch.fallback_nodes[i], batch.alone_seconds[i] * 1e3, batch.alone_cpu[i] * 1e3,
                sqlite_seconds[i] * 1e3, static_cast<long long>(batch.counts[i]), batch.cel[i].c_str());
  }

  const double bandwidth = ReadBandwidth();
  // Bytes per row of every column the 50 segments read, as the store keeps
  // them: four dictionary codes (int32), lifecycle (uint8), employee_count and
  // annual_revenue (8 bytes + a validity bit each), seven window counts (int32).
  const double column_bytes_per_row = 4 * 4 + 1 + 2 * (8 + 0.125) + kWindowCount * 4;
  const double load_avg_batch = LoadAverage();
  const size_t n_customers = static_cast<size_t>(g_customers);
  const double store_bytes_per_customer = static_cast<double>(stats.column_bytes) / n_customers;
  const double window_bytes_per_customer = static_cast<double>(window_bytes) / n_customers;
  const double dictionary_bytes_per_customer = static_cast<double>(stats.dictionary_bytes) / n_customers;
  truth = Truth();
  store.reset();

  // With fewer SQLite rows, saleskit is timed on a store of those rows too.
  double small_wall = 0;
  if (sqlite_n != n_customers) {
    CustomerStore small;
    small.AdvanceWindowsTo(saleskit::ToMicros(kNow));
    saleskit::SegmentCatalog small_catalog;
    if (absl::Status st = small_catalog.Define(defs, small, kNow); !st.ok()) Fail(st.ToString());
    Generate(small, static_cast<int64_t>(sqlite_n));
    small_wall = 1e300;
    for (int run = 0; run < g_runs; ++run) {
      const Stopwatch sw;
      const std::vector<std::pair<std::string, Bitmap>> r = small_catalog.EvaluateAll(small, kNow);
      small_wall = std::min(small_wall, sw.Wall());
    }
    std::printf("batch on SQLite's %zu customers: best %.1f ms\n", sqlite_n, small_wall * 1e3);
  }

  // ================================================================ incremental
  const Stopwatch inc_build;
  saleskit::EngineOptions options;
  options.start = kNow;
  auto created = saleskit::Engine::Create(options);
  if (!created.ok()) Fail(created.status().ToString());
  saleskit::Engine& engine = **created;
  // Windows before events: compile one expression per window (DefineSegments
  // comes after the load, so that it evaluates every customer in one pass).
  for (const Window& w : kWindows) {
    auto e = engine.Compile(absl::StrCat("events.count(\"", kEventTypes[w.type].name, "\", days(", w.days, ")) >= 0"));
    if (!e.ok()) Fail(e.status().ToString());
  }
  const Truth inc_truth = Generate(engine, g_incremental_customers);
  const double inc_load = inc_build.Wall();
  const Stopwatch define_sw;
  if (absl::Status st = engine.DefineSegments(defs); !st.ok()) Fail(absl::StrCat("DefineSegments: ", st.ToString()));
  const double define_s = define_sw.Wall();
  std::printf("\nincremental: engine with %lld customers and %lld events loaded in %.1f s; DefineSegments(50) %.2f s\n",
              static_cast<long long>(g_incremental_customers), static_cast<long long>(inc_truth.events), inc_load,
              define_s);
  // Its customers are the batch store's first ones: the same members.
  if (prefix == static_cast<size_t>(g_incremental_customers)) {
    for (const SegmentSpec& s : specs) {
      const size_t live = *engine.SegmentCount(s.name);
      if (live != prefix_counts.at(s.name)) {
        Fail(absl::StrFormat("segment %s: the engine over the first %d customers has %d members, the batch store %d",
                             s.name, prefix, live, prefix_counts.at(s.name)));
      }
    }
    std::printf("incremental: memberships after DefineSegments agree with the batch store's first %zu customers\n",
                prefix);
  }
  const uint64_t seq0 = engine.LastSegmentChange();
  engine.TrimSegmentChanges(seq0);

  // Single events: types the segments read, random customers, at the clock
  // or up to an hour before it.
  const double kTypeWeights[] = {40, 20, 30, 5, 5};
  Rng ev_rng{99};
  std::vector<saleskit::Batch<v1::Event>> batches(g_events);
  const Micros now_us = saleskit::ToMicros(kNow);
  for (auto& b : batches) {
    v1::Event& e = b.records.emplace_back();
    e.set_customer_id(CustomerId(static_cast<int64_t>(ev_rng.Next() % static_cast<uint64_t>(g_incremental_customers))));
    e.set_type(kEventTypes[ev_rng.Weighted(kTypeWeights)].name);
    const Micros at = now_us - static_cast<Micros>(ev_rng.Uniform() * 3600e6);
    e.mutable_occurred_at()->set_seconds(at / 1000000);
    e.mutable_occurred_at()->set_nanos(static_cast<int32_t>(at % 1000000) * 1000);
  }
  // Latencies in microseconds, sorted; `by_type` (if given) gets them per event type, unsorted.
  auto ingest_all = [&](std::vector<double>* micros, std::vector<std::vector<double>>* by_type) {
    micros->resize(batches.size());
    for (size_t i = 0; i < batches.size(); ++i) {
      timespec a, b;
      clock_gettime(CLOCK_MONOTONIC, &a);
      absl::StatusOr<saleskit::LoadReport> r = engine.IngestEvents(batches[i]);
      clock_gettime(CLOCK_MONOTONIC, &b);
      if (!r.ok() || r->inserted != 1) Fail(absl::StrCat("IngestEvents: ", r.status().ToString()));
      (*micros)[i] = Seconds(a, b) * 1e6;
      if (by_type != nullptr) {
        for (int t = 0; t < kEventTypeCount; ++t) {
          if (batches[i].records[0].type() == kEventTypes[t].name) (*by_type)[t].push_back((*micros)[i]);
        }
      }
    }
    std::sort(micros->begin(), micros->end());
  };
  // Involuntary context switches: on a shared machine, the latency tail in
  // milliseconds is the scheduler's time slice, not the engine.
  auto preemptions = [] {
    rusage u;
    getrusage(RUSAGE_SELF, &u);
    return static_cast<long long>(u.ru_nivcsw);
  };
  std::vector<double> lat;
  std::vector<std::vector<double>> lat_by_type(kEventTypeCount);
  const long long csw0 = preemptions();
  const Stopwatch ev_sw;
  ingest_all(&lat, &lat_by_type);
  const double ev_wall = ev_sw.Wall();
  const long long ev_preempted = preemptions() - csw0;
  const size_t over_1ms = static_cast<size_t>(lat.end() - std::lower_bound(lat.begin(), lat.end(), 1000.0));
  const uint64_t event_changes = engine.LastSegmentChange() - seq0;
  double mean = 0;
  for (double x : lat) mean += x;
  mean /= lat.size();
  std::printf("incremental: %lld single events in %.2f s: p50 %.2f us, p99 %.2f us, p999 %.2f us, max %.1f us, "
              "mean %.2f us; %llu membership changes\n",
              static_cast<long long>(g_events), ev_wall, Percentile(lat, 0.5), Percentile(lat, 0.99),
              Percentile(lat, 0.999), lat.back(), mean, static_cast<unsigned long long>(event_changes));
  std::printf("incremental: %zu events over 1 ms; %lld involuntary context switches during them\n", over_1ms,
              ev_preempted);
  for (int t = 0; t < kEventTypeCount; ++t) {
    std::vector<double>& v = lat_by_type[t];
    std::sort(v.begin(), v.end());
    if (v.empty()) continue;
    int readers = 0;
    for (const SegmentSpec& s : specs) readers += ReadsType(s.condition, t);
    std::printf("incremental:   %-12s %6zu events, read by %2d segments: p50 %.2f us, p99 %.2f us\n",
                kEventTypes[t].name, v.size(), readers, Percentile(v, 0.5), Percentile(v, 0.99));
  }
  const double engine_eval = CheckEquivalence(engine, "after the single events");
  std::printf("incremental: live memberships equal a full re-evaluation after the events "
              "(Engine::EvaluateSegments over %lld customers: %.1f ms)\n",
              static_cast<long long>(g_incremental_customers), engine_eval * 1e3);
  size_t catalog_bytes;
  {
    const saleskit::Engine::Snapshot snap = engine.Read();
    catalog_bytes = snap.segments().MemoryBytes();
  }

  // One day later: windows move, timers fire.
  const uint64_t seq1 = engine.LastSegmentChange();
  const Stopwatch day_sw;
  if (absl::Status st = engine.AdvanceTo(kNow + absl::Hours(24)); !st.ok()) Fail(st.ToString());
  const double day_s = day_sw.Wall(), day_cpu = day_sw.Cpu();
  const uint64_t day_changes = engine.LastSegmentChange() - seq1;
  size_t changed_customers = 0;
  {
    std::vector<saleskit::SegmentChange> changes = engine.SegmentChangesSince(seq1);
    std::vector<std::string> ids;
    for (const auto& c : changes) ids.push_back(c.customer_id);
    std::sort(ids.begin(), ids.end());
    changed_customers = static_cast<size_t>(std::unique(ids.begin(), ids.end()) - ids.begin());
  }
  std::printf("incremental: AdvanceTo(+1 day) %.2f s wall (%.2f s cpu): %llu membership changes for %zu customers\n",
              day_s, day_cpu, static_cast<unsigned long long>(day_changes), changed_customers);
  CheckEquivalence(engine, "after AdvanceTo(+1 day)");
  std::printf("incremental: live memberships equal a full re-evaluation after AdvanceTo\n");

  // The same kind of events with no segment live: what ingestion costs alone.
  std::vector<v1::SegmentDef> live = engine.Segments();
  for (auto it = live.rbegin(); it != live.rend(); ++it) {
    if (absl::Status st = engine.RemoveSegment(it->name()); !st.ok()) Fail(st.ToString());
  }
  for (auto& b : batches) {
    google::protobuf::Timestamp* ts = b.records[0].mutable_occurred_at();
    ts->set_seconds(ts->seconds() + 86400);
  }
  std::vector<double> base;
  ingest_all(&base, nullptr);
  std::printf("incremental: the same events with no segment live: p50 %.2f us, p99 %.2f us, p999 %.2f us, max %.1f us\n",
              Percentile(base, 0.5), Percentile(base, 0.99), Percentile(base, 0.999), base.back());

  // ================================================================ summary
  const double rows_per_s = g_customers / best_wall;
  const bool batch_ok = best_wall <= kBatchFloorSeconds;
  const double p99 = Percentile(lat, 0.99);
  const double sqlite_scaled = sqlite_total * static_cast<double>(g_customers) / static_cast<double>(sqlite_n);
  std::printf("\n== segments_bench summary: %lld customers, 50 segments, load average %.2f (batch) / %.2f (now) on "
              "%ld cores%s ==\n",
              static_cast<long long>(g_customers), load_avg_batch, LoadAverage(), sysconf(_SC_NPROCESSORS_ONLN),
              g_customers == kFloorCustomers ? "" : " (the floors are defined at 10000000; rerun with the default size)");
  std::printf("batch, all 50 segments  %8.1f ms wall (%.1f ms cpu)  floor <= %.0f ms  %s (x%.2f of the floor); "
              "%.2f ms per segment; %.3g rows/s (%.3g segment-rows/s)\n",
              best_wall * 1e3, best_cpu * 1e3, kBatchFloorSeconds * 1e3, batch_ok ? "MEETS" : "MISSES",
              best_wall / kBatchFloorSeconds, best_wall * 1e3 / specs.size(), rows_per_s,
              rows_per_s * static_cast<double>(specs.size()));
  std::printf("batch, each segment alone %6.1f ms wall, %.1f ms cpu in total (by cpu, shared pass / alone x%.2f)\n",
              alone_total * 1e3, alone_cpu_total * 1e3, best_cpu / alone_cpu_total);
  if (sqlite_n == static_cast<size_t>(g_customers)) {
    std::printf("sqlite (peer), 50 queries %7.0f ms; same counts; ratio saleskit/sqlite x%.1f\n", sqlite_total * 1e3,
                sqlite_total / best_wall);
  } else {
    std::printf("sqlite (peer), 50 queries over %zu rows %7.0f ms, saleskit on the same %zu rows %.1f ms; same counts; "
                "ratio saleskit/sqlite x%.1f (scaled to %lld rows: x%.1f)\n",
                sqlite_n, sqlite_total * 1e3, sqlite_n, small_wall * 1e3, sqlite_total / small_wall,
                static_cast<long long>(g_customers), sqlite_scaled / best_wall);
  }
  std::printf("memory read bandwidth %.1f GB/s on one core: reading the %.1f B/row the segments read once allows %.3g "
              "rows/s (%.1f ms for the store)\n",
              bandwidth / 1e9, column_bytes_per_row, bandwidth / column_bytes_per_row,
              g_customers * column_bytes_per_row / bandwidth * 1e3);
  std::printf("memory: store columns %.0f B/customer (StoreStats.column_bytes, which already includes "
              "EventWindows::MemoryBytes %.0f B/customer), dictionaries %.0f B/customer (customer ids)\n",
              store_bytes_per_customer, window_bytes_per_customer, dictionary_bytes_per_customer);
  std::printf("memory: SegmentCatalog %.1f B/customer (%zu bytes for %lld customers: memberships, timers, change log)\n",
              static_cast<double>(catalog_bytes) / g_incremental_customers, catalog_bytes,
              static_cast<long long>(g_incremental_customers));
  std::printf("incremental, one event, 50 live segments, %lld customers: p50 %.2f us, p99 %.2f us, p999 %.2f us, max "
              "%.1f us  floor p99 <= %.0f us  %s (x%.2f of the floor)\n",
              static_cast<long long>(g_incremental_customers), Percentile(lat, 0.5), p99, Percentile(lat, 0.999),
              lat.back(), kEventFloorP99Micros, p99 <= kEventFloorP99Micros ? "MEETS" : "MISSES",
              p99 / kEventFloorP99Micros);
  std::printf("incremental, the same events with no live segment: p50 %.2f us, p99 %.2f us, p999 %.2f us\n",
              Percentile(base, 0.5), Percentile(base, 0.99), Percentile(base, 0.999));
  std::printf("incremental, AdvanceTo(+1 day): %.2f s, %llu changes for %zu customers\n", day_s,
              static_cast<unsigned long long>(day_changes), changed_customers);
  return 0;
}
