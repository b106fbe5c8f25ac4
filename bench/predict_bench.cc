// Batch scoring from the store: a predictive model of 50 features bound to an
// engine (Engine::BindModel) scores every customer with Engine::PredictAll
// (docs/benchmarks.md).
//
//   predict_bench [--customers=N] [--runs=R]
//
// N customers (default 1M) with string fields, the lifecycle stage, numeric
// fields and 5 events each over 40 event types. The model reads 50 features:
// 40 event-window counts, 3 window sums, 4 string fields, the lifecycle stage
// and 2 numeric fields (with missing values), 82 encoded columns. Floor: 50M
// rows/s on one core. The peer, in the same run, is the dense kernel
// (ScoreLogistic) on the same features already encoded as a float64 matrix:
// what scoring costs once the features are materialised. A sample of rows is
// checked against Predict on a table of the same feature values.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "bench_util.h"
#include "saleskit/engine.h"
#include "saleskit/score/logistic.h"

namespace {

using saleskit::Micros;
using saleskit::bench::IntFlag;
using saleskit::bench::Rng;
using saleskit::bench::Stopwatch;
namespace v1 = saleskit::v1;

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "predict_bench: %s\n", message.c_str());
  std::exit(1);
}

constexpr int kTypes = 40;
const char* kCountries[] = {"DE", "US", "GB", "FR", "ES", "IT", "NL", "SE"};
const char* kIndustries[] = {"saas", "retail", "finance", "health", "media"};
const char* kRegions[] = {"emea", "amer", "apac"};
const char* kSources[] = {"ads", "seo", "event", "referral"};

// A model of 50 features with arbitrary (deterministic) weights.
v1::ScoreModel Model() {
  Rng rng{3};
  v1::ScoreModel m;
  m.set_schema_version(1);
  m.set_target("outcome");
  m.set_positive_value("yes");
  m.set_negative_value("no");
  m.set_complete(true);
  auto numeric = [&](const std::string& name, const std::string& expr, double mean, double sd, bool missing) {
    v1::ScoreFeature* f = m.add_features();
    f->set_name(name);
    f->set_expression(expr);
    f->set_kind(v1::ScoreFeature::NUMERIC);
    f->set_mean(mean);
    f->set_stddev(sd);
    f->set_missing_indicator(missing);
    m.add_weights(rng.Uniform() - 0.5);
    if (missing) m.add_weights(rng.Uniform() - 0.5);
  };
  auto categorical = [&](const std::string& name, const std::string& expr, std::vector<std::string> levels) {
    v1::ScoreFeature* f = m.add_features();
    f->set_name(name);
    f->set_expression(expr);
    f->set_kind(v1::ScoreFeature::CATEGORICAL);
    levels.push_back("(other)");
    for (const std::string& l : levels) {
      f->add_levels(l);
      f->add_level_fractions(1.0 / static_cast<double>(levels.size()));
      m.add_weights(rng.Uniform() - 0.5);
    }
    f->set_missing_indicator(true);
    m.add_weights(rng.Uniform() - 0.5);
  };
  for (int t = 0; t < kTypes; ++t) {
    numeric(absl::StrCat("ev", t, "_30d"), absl::StrCat("events.count(\"ev", t, "\", days(30))"), 0.1, 0.3, false);
  }
  for (int t = 0; t < 3; ++t) {
    numeric(absl::StrCat("ev", t, "_sum"), absl::StrCat("events.sum(\"ev", t, "\", days(30))"), 5, 10, false);
  }
  categorical("country", "customer.country", {"DE", "FR", "GB", "US"});
  categorical("industry", "customer.industry", {"finance", "saas"});
  categorical("region", "customer.region", {"amer", "emea"});
  categorical("source", "customer.lead_source", {"ads", "seo"});
  categorical("stage", "customer.lifecycle_stage", {"lead", "subscriber"});
  numeric("employees", "customer.employee_count", 200, 150, true);
  numeric("revenue", "customer.annual_revenue", 1e6, 5e5, true);
  m.set_intercept(-1.5);
  return m;
}

void SetTime(Micros at, google::protobuf::Timestamp* t) {
  t->set_seconds(at / 1000000);
  t->set_nanos(static_cast<int32_t>(at % 1000000) * 1000);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t customers = 1000000, runs = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (!IntFlag(a, "--customers", &customers) && !IntFlag(a, "--runs", &runs)) {
      Fail(absl::StrCat("unknown argument ", a, "; see the comment at the top of bench/predict_bench.cc"));
    }
  }
  const absl::Time now = absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone());
  saleskit::EngineOptions options;
  options.start = now;
  std::unique_ptr<saleskit::Engine> engine = *saleskit::Engine::Create(options);
  absl::StatusOr<saleskit::PredictiveModel> model = saleskit::PredictiveModel::FromProto(Model());
  if (!model.ok()) Fail(model.status().ToString());
  absl::StatusOr<std::shared_ptr<const saleskit::LiveModel>> bound = engine->BindModel(*model);
  if (!bound.ok()) Fail(bound.status().ToString());

  const Stopwatch setup;
  Rng rng{42};
  const int64_t chunk = 100000;
  for (int64_t lo = 0; lo < customers; lo += chunk) {
    saleskit::Batch<v1::Customer> cb;
    saleskit::Batch<v1::Event> eb;
    for (int64_t i = lo; i < std::min(customers, lo + chunk); ++i) {
      v1::Customer& c = cb.records.emplace_back();
      c.set_id(absl::StrCat("c", i));
      c.set_country(kCountries[rng.Pick(8)]);
      if (rng.Pick(10) != 0) c.set_industry(kIndustries[rng.Pick(5)]);
      c.set_region(kRegions[rng.Pick(3)]);
      c.set_lead_source(kSources[rng.Pick(4)]);
      c.set_lifecycle_stage(rng.Pick(2) ? v1::LIFECYCLE_STAGE_LEAD : v1::LIFECYCLE_STAGE_SUBSCRIBER);
      if (rng.Pick(5) != 0) c.set_employee_count(rng.Pick(1000));
      if (rng.Pick(3) != 0) c.set_annual_revenue(rng.Uniform() * 2e6);
      for (int k = 0; k < 5; ++k) {
        v1::Event& e = eb.records.emplace_back();
        e.set_customer_id(c.id());
        e.set_type(absl::StrCat("ev", rng.Pick(kTypes)));
        e.set_value(rng.Uniform() * 20);
        SetTime(saleskit::ToMicros(now) - static_cast<Micros>(rng.Uniform() * 40 * 86400e6), e.mutable_occurred_at());
      }
    }
    if (!engine->UpsertCustomers(cb).ok() || !engine->IngestEvents(eb).ok()) Fail("loading");
  }
  std::printf("setup: %lld customers, 5 events each, a model of %d features (%d encoded columns, %d read "
              "column-wise), in %.1f s\n",
              static_cast<long long>(customers), model->proto().features_size(), model->proto().weights_size(),
              (*bound)->columnar_features(), setup.Wall());

  // saleskit: PredictAll, best of `runs`.
  double best = 1e30, best_cpu = 1e30;
  std::vector<double> scores;
  for (int64_t r = 0; r < runs; ++r) {
    const Stopwatch sw;
    engine->PredictAll(**bound, &scores);  // into the same buffer, as the peer
    best = std::min(best, sw.Wall());
    best_cpu = std::min(best_cpu, sw.Cpu());
  }
  const double rows = static_cast<double>(scores.size());
  std::printf("PredictAll from the store: %.1f ms wall, %.1f ms cpu: %.1fM rows/s (cpu)\n", best * 1e3, best_cpu * 1e3,
              rows / best_cpu / 1e6);

  // The peer: the same features materialised and encoded (float64, column-major), scored by ScoreLogistic.
  const int width = model->proto().weights_size();
  Eigen::MatrixXd x(static_cast<Eigen::Index>(scores.size()), width);
  {
    Rng fill{9};
    for (Eigen::Index c = 0; c < x.cols(); ++c) {
      for (Eigen::Index r = 0; r < x.rows(); ++r) x(r, c) = fill.Uniform();
    }
  }
  saleskit::LogisticModel dense;
  dense.weights = Eigen::Map<const Eigen::VectorXd>(model->weights().data(), width);
  dense.intercept = model->intercept();
  std::vector<double> out(scores.size());
  double peer = 1e30;
  for (int64_t r = 0; r < runs; ++r) {
    const Stopwatch sw;
    saleskit::ScoreLogistic(dense, x, absl::MakeSpan(out));
    peer = std::min(peer, sw.Cpu());
  }
  std::printf("peer, ScoreLogistic on the %d encoded columns already materialised (float64): %.1f ms cpu: %.1fM rows/s\n",
              width, peer * 1e3, rows / peer / 1e6);
  std::printf("ratio PredictAll / dense peer (time): x%.2f\n", best_cpu / peer);
  const double bandwidth = saleskit::bench::ReadBandwidth();
  // 40 int32 counts, 3 double sums, 4 int32 string codes, a byte of stage, 2 doubles.
  constexpr int kBytes = 40 * 4 + 3 * 8 + 4 * 4 + 1 + 2 * 8;
  std::printf("one core reads %.1f GB/s; the store columns read are %d bytes a row: at most %.1fM rows/s\n",
              bandwidth / 1e9, kBytes, bandwidth / kBytes / 1e6);
  const double rate = rows / best_cpu / 1e6;
  std::printf("floor 50M rows/s for 50 features: %s (%.1fM)\n", rate >= 50 ? "MET" : "NOT MET", rate);

  // A sample checked against Predict on a table of the same feature values.
  int checked = 0;
  for (int64_t i = 0; i < customers; i += std::max<int64_t>(1, customers / 2000)) {
    const std::string id = absl::StrCat("c", i);
    absl::StatusOr<double> p = engine->Predict(**bound, id);
    uint32_t row;
    {
      const auto snap = engine->Read();
      row = *snap.store().FindRow(id);
    }
    if (!p.ok() || std::abs(*p - scores[row]) > 1e-12) {
      Fail(absl::StrCat("customer ", id, ": PredictAll ", scores[row], ", Predict ", p.ok() ? *p : -1.0));
    }
    ++checked;
  }
  std::printf("%d sampled customers: PredictAll equals Predict on their feature table\n", checked);
  return 0;
}
