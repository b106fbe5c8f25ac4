// Predictive scores end to end: splits, training, the model file (round
// trips, versions, truncation), predictions, explanations, evaluation, every
// bad input, and the bank-marketing data set.
#include "saleskit/score/predictive.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "saleskit/time.h"

namespace saleskit {
namespace {

using Catch::Matchers::Contains;

double Uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Rows from a known model: log-odds = 1.2 x - 0.8 + (plan == "pro" ? 1 : plan == "free" ? -1 : 0).
// Some x are missing; `region` has a rare level.
Table Synthetic(int n, uint64_t seed, bool with_target = true) {
  std::mt19937_64 rng(seed);
  std::vector<std::optional<double>> x;
  std::vector<std::string> plan, region, won;
  const char* plans[] = {"free", "basic", "pro"};
  for (int i = 0; i < n; ++i) {
    const double xi = Uniform(rng) * 4 - 2;
    const std::string p = plans[rng() % 3];
    const double z = 1.2 * xi - 0.8 + (p == "pro" ? 1 : p == "free" ? -1 : 0);
    x.push_back(i % 17 == 3 ? std::nullopt : std::optional<double>(xi));
    plan.push_back(p);
    region.push_back(i % 500 == 7 ? "antarctica" : (rng() % 2 ? "north" : "south"));
    won.push_back(Uniform(rng) < 1 / (1 + std::exp(-z)) ? "won" : "lost");
  }
  Table t;
  REQUIRE(t.AddNumericColumn("x", x).ok());
  REQUIRE(t.AddCategoricalColumn("plan", plan).ok());
  REQUIRE(t.AddCategoricalColumn("region", region).ok());
  if (with_target) REQUIRE(t.AddCategoricalColumn("outcome", won).ok());
  return t;
}

TrainOptions Options() {
  TrainOptions o;
  o.target = "outcome";
  o.positive = "won";
  return o;
}

std::vector<bool> Alternating(int n, int every) {
  std::vector<bool> labels;
  for (int i = 0; i < n; ++i) labels.push_back(i % every == 0);
  return labels;
}

TEST_CASE("the stratified split keeps class shares, is deterministic per seed and differs across seeds", "[predictive]") {
  const std::vector<bool> v = Alternating(1000, 4);  // 250 positives
  std::unique_ptr<bool[]> labels(new bool[v.size()]);
  std::copy(v.begin(), v.end(), labels.get());
  const absl::Span<const bool> span(labels.get(), v.size());
  auto a = StratifiedSplit(span, 0.2, 42);
  auto b = StratifiedSplit(span, 0.2, 42);
  auto c = StratifiedSplit(span, 0.2, 43);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(a->test == b->test);
  CHECK(a->train == b->train);
  CHECK(a->test != c->test);
  CHECK(a->test.size() == 200);
  CHECK(a->train.size() == 800);
  int64_t test_pos = 0;
  for (int64_t r : a->test) test_pos += v[static_cast<size_t>(r)];
  CHECK(test_pos == 50);
  std::vector<int64_t> all = a->train;
  all.insert(all.end(), a->test.begin(), a->test.end());
  std::sort(all.begin(), all.end());
  std::vector<int64_t> expected(1000);
  std::iota(expected.begin(), expected.end(), int64_t{0});
  CHECK(all == expected);
  CHECK_FALSE(StratifiedSplit(span, 0, 1).ok());
  CHECK_FALSE(StratifiedSplit(span, 1, 1).ok());
}

TEST_CASE("the time split puts the latest rows in the test set", "[predictive]") {
  const std::vector<double> times = {5, 1, 9, 3, 7, 2, 8, 6, 4, 0};
  auto split = TimeSplit(times, 0.3);
  REQUIRE(split.ok());
  CHECK(split->test == std::vector<int64_t>{2, 4, 6});
  CHECK(split->train.size() == 7);
}

TEST_CASE("training learns the planted model and is deterministic", "[predictive]") {
  const Table t = Synthetic(3000, 1);
  auto a = TrainPredictive(t, Options());
  REQUIRE(a.ok());
  INFO(a->held_out.roc_auc);
  CHECK(a->held_out.roc_auc > 0.75);
  CHECK(a->held_out.rows == 600);
  CHECK(a->warnings.empty());
  const std::vector<std::string>& names = a->model.encoder().column_names();
  const std::vector<double>& w = a->model.weights();
  const auto weight = [&](const std::string& name) {
    return w[static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin())];
  };
  CHECK(weight("plan=pro") - weight("plan=free") == Approx(2).margin(0.4));
  CHECK(weight("x") > 1);  // 1.2 per unit of x, x has std ~1.15
  CHECK(a->model.encoder().features()[2].levels == std::vector<std::string>{"north", "south", "(other)"});
  auto b = TrainPredictive(t, Options());
  REQUIRE(b.ok());
  CHECK(a->model.ToBinary() == b->model.ToBinary());
  TrainOptions other_seed = Options();
  other_seed.seed = 7;
  auto c = TrainPredictive(t, other_seed);
  REQUIRE(c.ok());
  CHECK(c->split.test != a->split.test);

  TrainOptions balanced = Options();
  balanced.balanced_class_weight = true;
  balanced.time_column = "x";  // any numeric column orders rows
  auto d = TrainPredictive(t, balanced);
  // x has missing values, which a time column may not.
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(std::string(d.status().message()), Contains("the time column \"x\" is empty"));
}

TEST_CASE("the model round-trips through binary and JSON with identical predictions", "[predictive]") {
  const Table t = Synthetic(1000, 2);
  auto trained = TrainPredictive(t, Options());
  REQUIRE(trained.ok());
  auto direct = Predict(trained->model, t);
  REQUIRE(direct.ok());
  for (const std::string& bytes : {trained->model.ToBinary(), trained->model.ToJson()}) {
    auto loaded = PredictiveModel::Load(bytes);
    REQUIRE(loaded.ok());
    auto again = Predict(*loaded, t);
    REQUIRE(again.ok());
    CHECK(again->probabilities == direct->probabilities);
    CHECK(loaded->ToBinary() == trained->model.ToBinary());
  }
  CHECK_THAT(trained->model.ToJson(), Contains("\"schema_version\": 1") && Contains("\"positive_value\": \"won\""));
}

TEST_CASE("a newer model schema is refused and a truncated or corrupt model is an error", "[predictive]") {
  const Table t = Synthetic(500, 3);
  auto trained = TrainPredictive(t, Options());
  REQUIRE(trained.ok());
  v1::ScoreModel newer = trained->model.proto();
  newer.set_schema_version(2);
  const std::string expected = "model schema version 2 is newer than this saleskit supports (1)";
  auto from_binary = PredictiveModel::Load(newer.SerializeAsString());
  REQUIRE_FALSE(from_binary.ok());
  CHECK(from_binary.status().message() == expected);
  // A newer JSON file may have fields this version does not know.
  std::string json = trained->model.ToJson();
  json.replace(json.find("\"schema_version\": 1"), 19, "\"schema_version\": 2, \"new_thing\": [1, 2]");
  auto from_json = PredictiveModel::Load(json);
  REQUIRE_FALSE(from_json.ok());
  CHECK(from_json.status().message() == expected);

  // Every cut of the binary file is refused, as are cuts of the JSON file.
  const std::string binary = trained->model.ToBinary();
  for (size_t n = 0; n < binary.size(); ++n) {
    INFO(n);
    CHECK_FALSE(PredictiveModel::Load(binary.substr(0, n)).ok());
  }
  const std::string full_json = trained->model.ToJson();
  auto cut = PredictiveModel::Load(full_json.substr(0, full_json.size() / 2));
  REQUIRE_FALSE(cut.ok());
  CHECK_THAT(std::string(cut.status().message()), Contains("truncated or corrupt"));
  auto cut_binary = PredictiveModel::Load(binary.substr(0, binary.size() - 5));
  REQUIRE_FALSE(cut_binary.ok());
  CHECK_THAT(std::string(cut_binary.status().message()), Contains("truncated") || Contains("cut short"));
  CHECK_FALSE(PredictiveModel::Load("\x01\x02garbage").ok());
  CHECK_FALSE(PredictiveModel::Load("").ok());
  v1::ScoreModel wrong = trained->model.proto();
  wrong.add_weights(1);
  CHECK_THAT(std::string(PredictiveModel::FromProto(wrong).status().message()), Contains("weights for"));
}

TEST_CASE("predictions need the model's columns and count unseen levels", "[predictive]") {
  const Table t = Synthetic(500, 4);
  auto trained = TrainPredictive(t, Options());
  REQUIRE(trained.ok());
  auto csv = ReadTableCsv("x,plan\n1,pro\n");
  REQUIRE(csv.ok());
  auto missing = Predict(trained->model, *csv);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(std::string(missing.status().message()), Contains("no column \"region\""));
  auto fresh = ReadTableCsv("x,plan,region\n1,pro,north\n1,enterprise,west\n,pro,\n");
  REQUIRE(fresh.ok());
  auto p = Predict(trained->model, *fresh);
  REQUIRE(p.ok());
  REQUIRE(p->probabilities.size() == 3);
  REQUIRE(p->fallbacks.size() == 2);
  CHECK(p->fallbacks[0].feature == "plan");
  CHECK(p->fallbacks[0].unseen_levels == 1);
  CHECK(p->fallbacks[1].feature == "region");
  CHECK(p->fallbacks[1].unseen_levels == 1);
  CHECK(p->fallbacks[1].unexpected_missing == 1);
  CHECK(p->probabilities[0] > p->probabilities[1]);  // pro beats an unknown plan
}

TEST_CASE("explanations add up to the model's log-odds and name features by value", "[predictive]") {
  const Table t = Synthetic(1000, 5);
  auto trained = TrainPredictive(t, Options());
  REQUIRE(trained.ok());
  auto p = Predict(trained->model, t);
  REQUIRE(p.ok());
  for (int64_t row : {0, 3, 7}) {
    auto e = Explain(trained->model, t, row, 10);
    REQUIRE(e.ok());
    REQUIRE(e->top.size() == 3);
    double sum = e->base_log_odds;
    for (const Contribution& c : e->top) sum += c.log_odds;
    CHECK(sum == Approx(e->log_odds).margin(1e-9));
    CHECK(e->probability == Approx(p->probabilities[static_cast<size_t>(row)]).epsilon(1e-12));
    for (size_t i = 1; i < e->top.size(); ++i) CHECK(std::abs(e->top[i - 1].log_odds) >= std::abs(e->top[i].log_odds));
  }
  auto one = Explain(trained->model, t, 0, 1);
  REQUIRE(one.ok());
  REQUIRE(one->top.size() == 1);
  const Contribution& c = one->top[0];
  if (c.kind == ColumnKind::kCategorical) {
    CHECK(c.feature == absl::StrCat(c.feature.substr(0, c.feature.find('=')), "=", c.value));
  } else {
    CHECK(c.feature == "x");
  }
  auto missing_x = Explain(trained->model, t, 3, 3);  // row 3 has no x
  REQUIRE(missing_x.ok());
  for (const Contribution& m : missing_x->top) {
    if (m.feature == "x") CHECK(m.value.empty());
  }
  auto all = ExplainAll(trained->model, t, 2);
  REQUIRE(all.ok());
  CHECK((*all)[7].top[0].log_odds == Approx(Explain(trained->model, t, 7, 2)->top[0].log_odds));
  CHECK_FALSE(Explain(trained->model, t, 1000, 1).ok());
}

TEST_CASE("evaluation scores every row against the target", "[predictive]") {
  const Table t = Synthetic(1000, 6);
  auto trained = TrainPredictive(t, Options());
  REQUIRE(trained.ok());
  auto m = Evaluate(trained->model, t);
  REQUIRE(m.ok());
  CHECK(m->rows == 1000);
  CHECK(m->roc_auc > 0.7);
  CHECK(m->lift.size() == 10);
  auto no_target = Evaluate(trained->model, Synthetic(100, 7, false));
  REQUIRE_FALSE(no_target.ok());
  CHECK_THAT(std::string(no_target.status().message()), Contains("no target column \"outcome\""));
  auto odd = ReadTableCsv("x,plan,region,outcome\n1,pro,north,won\n1,pro,north,maybe\n");
  REQUIRE(odd.ok());
  auto bad = Evaluate(trained->model, *odd);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Contains("row 1 (line 3)") && Contains("\"maybe\""));
}

TEST_CASE("training refuses bad targets, bad features and too little data", "[predictive]") {
  const Table t = Synthetic(400, 8);
  const auto error = [&](const Table& table, const TrainOptions& o) {
    auto r = TrainPredictive(table, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(r.status().message());
  };
  TrainOptions o = Options();
  o.target = "result";
  CHECK_THAT(error(t, o), Contains("no target column \"result\""));
  o = Options();
  o.positive = "Won";
  CHECK_THAT(error(t, o), Contains("positive value \"Won\" never occurs in the target \"outcome\" (its values: \"lost\", \"won\")"));
  o = Options();
  o.target = "plan";
  o.positive = "pro";
  CHECK_THAT(error(t, o), Contains("the target \"plan\" is not binary: it has 3 distinct values (\"pro\", \"basic\", \"free\")"));
  o = Options();
  o.exclude = {"nope"};
  CHECK_THAT(error(t, o), Contains("excluded column \"nope\""));

  Table with_constant = Synthetic(400, 8);
  REQUIRE(with_constant.AddCategoricalColumn("country", std::vector<std::string>(400, "PT")).ok());
  CHECK_THAT(error(with_constant, Options()), Contains("feature \"country\" is constant") && Contains("--exclude country"));
  o = Options();
  o.exclude = {"country"};
  CHECK(TrainPredictive(with_constant, o).ok());
  Table with_null = Synthetic(400, 8);
  REQUIRE(with_null.AddNumericColumn("revenue", std::vector<std::optional<double>>(400)).ok());
  CHECK_THAT(error(with_null, Options()), Contains("feature \"revenue\" has no values"));

  CHECK_THAT(error(Synthetic(20, 9), Options()), Contains("too little data to train"));
  auto csv = ReadTableCsv("x,outcome\n1,won\n2,lost\n,won\n4,\n");
  REQUIRE(csv.ok());
  CHECK_THAT(error(*csv, Options()), Contains("row 3 (line 5): the target \"outcome\" is empty"));
  o = Options();
  o.l2 = 0;
  CHECK_THAT(error(t, o), Contains("l2 must be a positive number"));
  o = Options();
  o.test_fraction = 1.5;
  CHECK_THAT(error(t, o), Contains("test fraction"));
}

TEST_CASE("NaN and infinite values never reach training", "[predictive]") {
  auto csv = ReadTableCsv("x,outcome\n1,won\ninf,lost\n");
  REQUIRE_FALSE(csv.ok());
  CHECK_THAT(std::string(csv.status().message()), Contains("line 3, column \"x\": \"inf\" is not a finite number"));
  auto nan = ReadTableCsv("x,outcome\nNaN,won\n2,lost\n");
  REQUIRE_FALSE(nan.ok());
  CHECK_THAT(std::string(nan.status().message()), Contains("line 2, column \"x\""));
  Table t;
  CHECK_FALSE(t.AddNumericColumn("x", std::vector<std::optional<double>>{1.0, -HUGE_VAL}).ok());
}

TEST_CASE("few positives train with a warning and time splits train on the past", "[predictive]") {
  Table t = Synthetic(2000, 10);
  // Keep about 60 winners.
  TableColumn outcome = *t.Find("outcome");
  std::vector<std::string> rare = outcome.strings;
  int winners = 0;
  for (std::string& v : rare) {
    if (v == "won" && ++winners % 13 != 0) v = "lost";  // about 60 left, spread over time
  }
  Table u;
  std::vector<std::optional<double>> x;
  for (double v : t.Find("x")->numbers) x.push_back(std::isnan(v) ? std::nullopt : std::optional<double>(v));
  REQUIRE(u.AddNumericColumn("x", x).ok());
  REQUIRE(u.AddCategoricalColumn("plan", t.Find("plan")->strings).ok());
  REQUIRE(u.AddCategoricalColumn("outcome", rare).ok());
  std::vector<std::optional<double>> when;
  for (int i = 0; i < 2000; ++i) when.push_back(i);
  REQUIRE(u.AddNumericColumn("when", when).ok());
  TrainOptions o = Options();
  o.time_column = "when";
  auto r = TrainPredictive(u, o);
  INFO(r.status().message());
  REQUIRE(r.ok());
  REQUIRE(r->warnings.size() == 1);
  CHECK_THAT(r->warnings[0], Contains("rarer outcome"));
  CHECK(r->split.test.front() == 1600);
  CHECK(r->model.proto().training().split() == v1::ScoreTraining::TIME);
  CHECK(r->model.FeatureNames() == std::vector<std::string>{"x", "plan"});  // not the time column
}

TEST_CASE("a time split orders rows by timestamps and refuses bad ones", "[predictive]") {
  Table t = Synthetic(500, 11);
  std::vector<std::string> created;
  // Later rows are older: the test set is the first 100 rows.
  for (int i = 0; i < 500; ++i) created.push_back(FormatTimestamp(int64_t{1767225600} * 1000000 - int64_t{i} * 3600000000));
  Table dated = t;
  REQUIRE(dated.AddCategoricalColumn("created", created).ok());
  TrainOptions o = Options();
  o.time_column = "created";
  auto r = TrainPredictive(dated, o);
  REQUIRE(r.ok());
  std::vector<int64_t> first(100);
  std::iota(first.begin(), first.end(), int64_t{0});
  CHECK(r->split.test == first);
  created[42] = "yesterday";
  Table bad = t;
  REQUIRE(bad.AddCategoricalColumn("created", created).ok());
  auto e = TrainPredictive(bad, o);
  REQUIRE_FALSE(e.ok());
  CHECK_THAT(std::string(e.status().message()), Contains("row 42, time column \"created\""));
  o.time_column = "when";
  CHECK_THAT(std::string(TrainPredictive(dated, o).status().message()), Contains("no time column \"when\""));
}

TEST_CASE("FitPredictive fits on the given rows with no split, as training does on its training rows", "[predictive]") {
  const Table t = Synthetic(2000, 11);
  TrainOptions o = Options();
  auto trained = TrainPredictive(t, o);
  REQUIRE(trained.ok());
  // On the training rows of a split, the fit is the one TrainPredictive made.
  auto same = FitPredictive(t, o, trained->split.train);
  REQUIRE(same.ok());
  CHECK(same->model.weights() == trained->model.weights());
  CHECK(same->model.intercept() == trained->model.intercept());
  CHECK(same->model.proto().training().split() == v1::ScoreTraining::SPLIT_UNSPECIFIED);
  CHECK_FALSE(same->model.proto().has_held_out());
  CHECK(same->model.proto().training().train_rows() == static_cast<int64_t>(trained->split.train.size()));
  // Every row by default, deterministic, and the model file round-trips.
  auto all = FitPredictive(t, o);
  REQUIRE(all.ok());
  CHECK(all->model.proto().training().train_rows() == 2000);
  auto again = FitPredictive(t, o);
  REQUIRE(again.ok());
  CHECK(again->model.ToBinary() == all->model.ToBinary());
  auto loaded = PredictiveModel::Load(all->model.ToBinary());
  REQUIRE(loaded.ok());
  // Bad input is refused as in training.
  const int64_t out_of_range[] = {0, 2000};
  CHECK_THAT(std::string(FitPredictive(t, o, out_of_range).status().message()), Contains("row 2000 is out of range"));
  o.exclude = {"nope"};
  CHECK_THAT(std::string(FitPredictive(t, o).status().message()), Contains("excluded column \"nope\""));
  o.exclude.clear();
  o.positive = "maybe";
  CHECK_THAT(std::string(FitPredictive(t, o).status().message()), Contains("never occurs"));
  o.positive = "won";
  const int64_t few[] = {0, 1, 2, 3, 4, 5};
  CHECK_THAT(std::string(FitPredictive(t, o, few).status().message()), Contains("too little data to train"));
}

TEST_CASE("bank marketing: held-out AUC of a lead score without call duration", "[predictive][bank]") {
  // The environment may point elsewhere (a git worktree has no ../shared).
  const char* env = std::getenv("SALESKIT_SHARED_DATA_DIR");
  const std::string path =
      std::string(env != nullptr ? env : SALESKIT_SHARED_DATA_DIR) + "/bank-marketing/bank-full.csv";
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in);
  std::stringstream buffer;
  buffer << in.rdbuf();
  TableReadOptions read;
  read.categorical = {"y"};
  auto table = ReadTableCsv(buffer.str(), read);
  REQUIRE(table.ok());
  CHECK(table->rows() == 45211);
  TrainOptions o;
  o.target = "y";
  o.positive = "yes";
  o.exclude = {"duration"};
  auto r = TrainPredictive(*table, o);
  REQUIRE(r.ok());
  std::cout << "bank-full held-out AUC " << r->held_out.roc_auc << " PR AUC " << r->held_out.pr_auc << " on "
            << r->held_out.rows << " rows, top-decile lift " << r->held_out.lift[0] << "\n";
  CHECK(r->held_out.roc_auc >= 0.75);
  CHECK(r->held_out.rows == 9042);
  CHECK(r->warnings.empty());
}

}  // namespace
}  // namespace saleskit
