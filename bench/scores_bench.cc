// Points scores: the cost of keeping 3 scores of 20 rules each current for
// one event (docs/benchmarks.md).
//
//   scores_bench [--customers=N] [--events=N] [--history=N]
//
// N customers (default 1M) get a history of --history events each (default
// 4, over the last 30 days), then 3 scores are defined: "engagement" (14
// event rules, half-life 14 days, 6 condition rules), "intent" (time frame
// 30 days) and "fit" (no decay), each with 20 rules and thresholds, one of
// them promoting the lifecycle stage. Then --events (default 200k) single
// events (one IngestEvents call each) for random customers, of the 20 types
// the rules read. Floor: p99 <= 2 us per event. The peer is the same engine
// with no score defined, on the same events in the same run: the difference
// is what keeping the scores costs. At the end the live scores are checked
// against Engine::EvaluateScores (a full recompute), which is also timed.
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench_util.h"
#include "saleskit/engine.h"

namespace {

using saleskit::Micros;
using saleskit::bench::IntFlag;
using saleskit::bench::Percentile;
using saleskit::bench::Rng;
using saleskit::bench::Seconds;
using saleskit::bench::Stopwatch;
namespace v1 = saleskit::v1;

int64_t g_customers = 1000000;
int64_t g_events = 200000;
int64_t g_history = 4;
constexpr int kTypes = 20;

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "scores_bench: %s\n", message.c_str());
  std::exit(1);
}

std::string TypeName(int t) { return absl::StrCat("ev", t); }
std::string CustomerId(int64_t i) { return absl::StrCat("c", i); }

// Three scores of 20 rules: 14 event rules (some with a daily maximum) and 6
// condition rules each.
std::vector<v1::ScoreDef> Scores() {
  const char* kNames[] = {"engagement", "intent", "fit"};
  const char* kConditions[] = {
      R"(customer.country == "DE")",
      R"(customer.country in ["US", "GB"])",
      R"(has(customer.employee_count) && customer.employee_count >= 200)",
      R"(customer.lifecycle_stage == "lead")",
      R"(has(customer.email) && customer.email.endsWith(".com"))",
      R"(customer.attrs.plan == "trial")",
  };
  std::vector<v1::ScoreDef> out;
  for (int s = 0; s < 3; ++s) {
    v1::ScoreDef& d = out.emplace_back();
    d.set_name(kNames[s]);
    for (int r = 0; r < 14; ++r) {
      v1::ScoreRule* rule = d.add_rules();
      rule->set_event(TypeName((r + 3 * s) % kTypes));
      rule->set_points(r % 5 == 4 ? -8 : 2 + r % 7);
      if (r % 3 == 0) {
        rule->set_max_per_window(3);
        rule->mutable_window()->set_seconds(86400);
      }
    }
    for (int r = 0; r < 6; ++r) {
      v1::ScoreRule* rule = d.add_rules();
      rule->set_condition(kConditions[r]);
      rule->set_points(5 + 3 * r);
    }
    if (s == 0) d.mutable_decay()->mutable_half_life()->set_seconds(14 * 86400);
    if (s == 1) d.mutable_decay()->mutable_time_frame()->set_seconds(30 * 86400);
    d.set_min(0);
    d.set_max(200);
    d.add_thresholds()->set_value(40);
    v1::ScoreThreshold* mql = d.add_thresholds();
    mql->set_value(70);
    mql->set_name("mql");
    if (s == 0) mql->set_promote_to(v1::LIFECYCLE_STAGE_MARKETING_QUALIFIED);
    for (const auto& [grade, min] : {std::pair{"A", 80}, {"B", 50}, {"C", 20}}) {
      v1::GradeBand* g = d.add_grades();
      g->set_grade(grade);
      g->set_min(min);
    }
  }
  return out;
}

void SetTime(Micros at, google::protobuf::Timestamp* t) {
  t->set_seconds(at / 1000000);
  t->set_nanos(static_cast<int32_t>(at % 1000000) * 1000);
}

std::unique_ptr<saleskit::Engine> Build(absl::Time now, bool with_scores) {
  saleskit::EngineOptions options;
  options.start = now;
  std::unique_ptr<saleskit::Engine> engine = *saleskit::Engine::Create(options);
  Rng rng{42};
  const char* kCountries[] = {"DE", "US", "GB", "FR", "ES", "IT", "NL", "SE", "PL", "BR"};
  const int64_t chunk = 100000;
  for (int64_t lo = 0; lo < g_customers; lo += chunk) {
    saleskit::Batch<v1::Customer> b;
    for (int64_t i = lo; i < std::min(g_customers, lo + chunk); ++i) {
      v1::Customer& c = b.records.emplace_back();
      c.set_id(CustomerId(i));
      c.set_country(kCountries[rng.Pick(10)]);
      c.set_employee_count(rng.Pick(1000));
      c.set_lifecycle_stage(rng.Pick(2) == 0 ? v1::LIFECYCLE_STAGE_LEAD : v1::LIFECYCLE_STAGE_SUBSCRIBER);
      if (rng.Pick(2) == 0) c.set_email(absl::StrCat("p", i, rng.Pick(2) ? "@x.com" : "@x.de"));
      (*c.mutable_attrs())["plan"].set_string_value(rng.Pick(3) == 0 ? "trial" : "pro");
    }
    if (!engine->UpsertCustomers(b).ok()) Fail("UpsertCustomers");
  }
  if (with_scores) {
    const std::vector<v1::ScoreDef> scores = Scores();
    if (absl::Status st = engine->DefineScores(scores); !st.ok()) Fail(st.ToString());
  }
  // History: events over the last 30 days (after the definition, so they count).
  const Micros now_us = saleskit::ToMicros(now);
  for (int64_t lo = 0; lo < g_customers; lo += chunk) {
    saleskit::Batch<v1::Event> b;
    for (int64_t i = lo; i < std::min(g_customers, lo + chunk); ++i) {
      for (int64_t k = 0; k < g_history; ++k) {
        v1::Event& e = b.records.emplace_back();
        e.set_customer_id(CustomerId(i));
        e.set_type(TypeName(rng.Pick(kTypes)));
        SetTime(now_us - static_cast<Micros>(rng.Uniform() * 30 * 86400e6), e.mutable_occurred_at());
      }
    }
    if (!engine->IngestEvents(b).ok()) Fail("IngestEvents (history)");
  }
  return engine;
}

// Ingests each one-event batch, returning the sorted latencies in
// microseconds; `crossing` (if given) gets those of the events that made a
// score cross a threshold, `quiet` the others.
std::vector<double> IngestAll(saleskit::Engine& engine, const std::vector<saleskit::Batch<v1::Event>>& batches,
                              std::vector<double>* crossing = nullptr, std::vector<double>* quiet = nullptr) {
  std::vector<double> micros(batches.size());
  uint64_t seq = engine.LastScoreCrossing();
  for (size_t i = 0; i < batches.size(); ++i) {
    timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    absl::StatusOr<saleskit::LoadReport> r = engine.IngestEvents(batches[i]);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (!r.ok() || r->inserted != 1) Fail(absl::StrCat("IngestEvents: ", r.status().ToString()));
    micros[i] = Seconds(a, b) * 1e6;
    if (crossing != nullptr) {
      const uint64_t now_seq = engine.LastScoreCrossing();
      (now_seq != seq ? crossing : quiet)->push_back(micros[i]);
      seq = now_seq;
    }
  }
  std::sort(micros.begin(), micros.end());
  if (crossing != nullptr) {
    std::sort(crossing->begin(), crossing->end());
    std::sort(quiet->begin(), quiet->end());
  }
  return micros;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (!IntFlag(a, "--customers", &g_customers) && !IntFlag(a, "--events", &g_events) &&
        !IntFlag(a, "--history", &g_history)) {
      Fail(absl::StrCat("unknown argument ", a, "; see the comment at the top of bench/scores_bench.cc"));
    }
  }
  const absl::Time now = absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone());
  const Micros now_us = saleskit::ToMicros(now);

  const Stopwatch build;
  std::unique_ptr<saleskit::Engine> scored = Build(now, /*with_scores=*/true);
  std::unique_ptr<saleskit::Engine> plain = Build(now, /*with_scores=*/false);
  std::printf("setup: %lld customers, %lld history events each, 3 scores x 20 rules, in %.1f s\n",
              static_cast<long long>(g_customers), static_cast<long long>(g_history), build.Wall());

  Rng rng{7};
  std::vector<saleskit::Batch<v1::Event>> batches(static_cast<size_t>(g_events));
  for (auto& b : batches) {
    v1::Event& e = b.records.emplace_back();
    e.set_customer_id(CustomerId(static_cast<int64_t>(rng.Next() % static_cast<uint64_t>(g_customers))));
    e.set_type(TypeName(rng.Pick(kTypes)));
    SetTime(now_us - static_cast<Micros>(rng.Uniform() * 3600e6), e.mutable_occurred_at());
  }
  const uint64_t crossings0 = scored->LastScoreCrossing();
  const std::vector<double> base = IngestAll(*plain, batches);
  std::vector<double> crossing, quiet;
  const std::vector<double> lat = IngestAll(*scored, batches, &crossing, &quiet);
  const uint64_t crossings = scored->LastScoreCrossing() - crossings0;
  std::printf("one event, 3 scores x 20 rules: p50 %.2f us, p99 %.2f us, p999 %.2f us (%llu crossings)\n",
              Percentile(lat, 0.5), Percentile(lat, 0.99), Percentile(lat, 0.999),
              static_cast<unsigned long long>(crossings));
  if (!crossing.empty() && !quiet.empty()) {
    std::printf("  %zu events that crossed no threshold: p50 %.2f us, p99 %.2f us\n", quiet.size(),
                Percentile(quiet, 0.5), Percentile(quiet, 0.99));
    std::printf("  %zu events that crossed one (a record; for 'engagement' at 70 a lifecycle promotion): "
                "p50 %.2f us, p99 %.2f us\n",
                crossing.size(), Percentile(crossing, 0.5), Percentile(crossing, 0.99));
  }
  std::printf("peer, the same engine and events with no score: p50 %.2f us, p99 %.2f us\n", Percentile(base, 0.5),
              Percentile(base, 0.99));
  std::printf("scores add p50 %.2f us, p99 %.2f us (ratio with/without at p99: x%.2f)\n",
              Percentile(lat, 0.5) - Percentile(base, 0.5), Percentile(lat, 0.99) - Percentile(base, 0.99),
              Percentile(lat, 0.99) / Percentile(base, 0.99));
  const double p99 = Percentile(lat, 0.99);
  std::printf("floor p99 <= 2 us per event: %s (x%.2f of the floor)\n", p99 <= 2.0 ? "MET" : "NOT MET", p99 / 2.0);

  // The live values against a full recompute.
  const Stopwatch eval_sw;
  const auto fresh = scored->EvaluateScores();
  const double eval_s = eval_sw.Wall();
  const saleskit::Engine::Snapshot snap = scored->Read();
  size_t checked = 0;
  for (const auto& [name, values] : fresh) {
    for (uint32_t row = 0; row < values.size(); ++row) {
      if (!snap.store().live().Get(row)) continue;
      const double live = snap.scores().Get(name, row, snap.now())->value;
      if (live != values[row]) {
        Fail(absl::StrFormat("score %s, customer %s: live %.17g, recompute %.17g", name, snap.store().IdOf(row), live,
                             values[row]));
      }
      ++checked;
    }
  }
  std::printf("batch recompute of 3 scores for %lld customers: %.2f s; %zu live values equal it\n",
              static_cast<long long>(g_customers), eval_s, checked);
  return 0;
}
