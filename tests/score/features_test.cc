// The feature encoder: rare levels bucketed, unseen levels counted,
// standardisation, missing indicators, and the features it refuses.
#include "saleskit/score/features.h"

#include <cmath>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace saleskit {
namespace {

using Catch::Matchers::Contains;

std::vector<int64_t> AllRows(const Table& t) {
  std::vector<int64_t> rows(static_cast<size_t>(t.rows()));
  std::iota(rows.begin(), rows.end(), int64_t{0});
  return rows;
}

// 30 rows: job has a x12, b x10, c x3, d x1 and 4 missing; x is numeric with
// two missing; flat is numeric and never missing.
Table Training() {
  std::vector<std::string> job;
  for (int i = 0; i < 12; ++i) job.push_back("a");
  for (int i = 0; i < 10; ++i) job.push_back("b");
  for (int i = 0; i < 3; ++i) job.push_back("c");
  job.push_back("d");
  for (int i = 0; i < 4; ++i) job.push_back("");
  std::vector<std::optional<double>> x, z;
  for (int i = 0; i < 30; ++i) {
    x.push_back(i < 2 ? std::nullopt : std::optional<double>(i));
    z.push_back(i % 3);
  }
  Table t;
  REQUIRE(t.AddCategoricalColumn("job", job).ok());
  REQUIRE(t.AddNumericColumn("x", x).ok());
  REQUIRE(t.AddNumericColumn("z", z).ok());
  return t;
}

TEST_CASE("rare levels go to (other), with missing indicators and column names in order", "[features]") {
  const Table t = Training();
  auto encoder = FeatureEncoder::Fit(t, {"job", "x", "z"}, AllRows(t));
  REQUIRE(encoder.ok());
  const EncodedFeature& job = encoder->features()[0];
  CHECK(job.levels == std::vector<std::string>{"a", "b", "(other)"});
  CHECK(job.rare_levels == std::vector<std::string>{"c", "d"});
  CHECK(job.level_fractions[2] == Approx(4.0 / 30));
  CHECK(job.missing_indicator);
  CHECK(encoder->column_names() ==
        std::vector<std::string>{"job=a", "job=b", "job=(other)", "job=(missing)", "x", "x=(missing)", "z"});
  CHECK(encoder->column_features() == std::vector<int>{0, 0, 0, 0, 1, 1, 2});
  auto x = encoder->EncodeAll(t);
  REQUIRE(x.ok());
  CHECK(x->row(0) == (Eigen::RowVectorXd(7) << 1, 0, 0, 0, 0, 1, x->coeff(0, 6)).finished());  // "a", x missing
  CHECK(x->coeff(23, 2) == 1);  // "c" -> (other)
  CHECK(x->coeff(29, 3) == 1);  // missing job -> indicator only
  CHECK(x->row(29).head(3).sum() == 0);
  // Training means of the encoded columns are what explanations measure from.
  for (int j = 0; j < 7; ++j) CHECK(x->col(j).mean() == Approx(encoder->column_means()[static_cast<size_t>(j)]).margin(1e-12));
}

TEST_CASE("numerics are standardised with the training mean and population std and missing imputes the mean", "[features]") {
  const Table t = Training();
  auto encoder = FeatureEncoder::Fit(t, {"x"}, AllRows(t));
  REQUIRE(encoder.ok());
  const EncodedFeature& f = encoder->features()[0];
  CHECK(f.mean == Approx(15.5));  // 2..29
  CHECK(f.stddev == Approx(std::sqrt((28.0 * 28.0 - 1) / 12)));
  auto x = encoder->EncodeAll(t);
  REQUIRE(x.ok());
  CHECK(x->coeff(0, 0) == 0);  // imputed
  CHECK(x->coeff(0, 1) == 1);
  CHECK(x->coeff(2, 1) == 0);
  const Eigen::VectorXd present = x->col(0).tail(28);
  CHECK(present.mean() == Approx(0).margin(1e-12));
  CHECK(std::sqrt(present.squaredNorm() / 28) == Approx(1));
}

TEST_CASE("unseen levels map to (other) and are counted per column, never an error", "[features]") {
  const Table t = Training();
  auto encoder = FeatureEncoder::Fit(t, {"job", "z"}, AllRows(t));
  REQUIRE(encoder.ok());
  Table scoring;
  REQUIRE(scoring.AddCategoricalColumn("job", {"a", "zzz", "yyy", "c", ""}).ok());
  REQUIRE(scoring.AddNumericColumn("z", std::vector<std::optional<double>>{1.0, 2.0, std::nullopt, 0.0, 1.0}).ok());
  std::vector<FeatureFallbacks> fallbacks;
  auto x = encoder->EncodeAll(scoring, &fallbacks);
  REQUIRE(x.ok());
  CHECK(x->coeff(1, 2) == 1);
  CHECK(x->coeff(2, 2) == 1);
  CHECK(x->coeff(3, 2) == 1);  // rare in training: (other), but not unseen
  REQUIRE(fallbacks.size() == 2);
  CHECK(fallbacks[0].feature == "job");
  CHECK(fallbacks[0].unseen_levels == 2);
  CHECK(fallbacks[0].unexpected_missing == 0);  // job had missing values in training
  CHECK(fallbacks[1].feature == "z");
  CHECK(fallbacks[1].unexpected_missing == 1);
  CHECK(x->coeff(2, 4) == 0);  // z imputed with its mean
}

TEST_CASE("constant and all-missing features are errors naming the column", "[features]") {
  Table t;
  REQUIRE(t.AddNumericColumn("flat", std::vector<std::optional<double>>{5.0, 5.0, 5.0}).ok());
  REQUIRE(t.AddNumericColumn("empty", std::vector<std::optional<double>>{std::nullopt, std::nullopt, std::nullopt}).ok());
  REQUIRE(t.AddCategoricalColumn("same", {"x", "x", "x"}).ok());
  REQUIRE(t.AddCategoricalColumn("blank", {"", "", ""}).ok());
  REQUIRE(t.AddNumericColumn("sometimes", std::vector<std::optional<double>>{5.0, std::nullopt, 5.0}).ok());
  const std::vector<int64_t> rows = {0, 1, 2};
  for (const char* name : {"flat", "same"}) {
    auto e = FeatureEncoder::Fit(t, {name}, rows);
    REQUIRE_FALSE(e.ok());
    CHECK_THAT(std::string(e.status().message()),
               Contains(std::string("feature \"") + name + "\" is constant") && Contains(std::string("--exclude ") + name));
  }
  for (const char* name : {"empty", "blank"}) {
    auto e = FeatureEncoder::Fit(t, {name}, rows);
    REQUIRE_FALSE(e.ok());
    CHECK_THAT(std::string(e.status().message()),
               Contains(std::string("feature \"") + name + "\" has no values") && Contains("--exclude"));
  }
  // Present-or-missing still says something, through its indicator.
  CHECK(FeatureEncoder::Fit(t, {"sometimes"}, rows).ok());
  CHECK_THAT(std::string(FeatureEncoder::Fit(t, {"nope"}, rows).status().message()), Contains("no column \"nope\""));
}

TEST_CASE("encoding needs every feature's column and numbers where the model has numbers", "[features]") {
  const Table t = Training();
  auto encoder = FeatureEncoder::Fit(t, {"job", "x"}, AllRows(t));
  REQUIRE(encoder.ok());
  Table missing;
  REQUIRE(missing.AddCategoricalColumn("job", {"a"}).ok());
  auto x = encoder->EncodeAll(missing);
  REQUIRE_FALSE(x.ok());
  CHECK_THAT(std::string(x.status().message()), Contains("no column \"x\""));
  auto text = ReadTableCsv("job,x\na,1\nb,lots\n");
  REQUIRE(text.ok());
  auto bad = encoder->EncodeAll(*text);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Contains("row 1 (line 3), column \"x\"") && Contains("lots"));
}

TEST_CASE("a categorical feature scores a column read as numbers by their text", "[features]") {
  Table codes;
  std::vector<std::string> day;
  for (int i = 0; i < 40; ++i) day.push_back(i % 2 ? "5" : "12");
  REQUIRE(codes.AddCategoricalColumn("day", day).ok());
  std::vector<int64_t> rows(40);
  std::iota(rows.begin(), rows.end(), int64_t{0});
  auto encoder = FeatureEncoder::Fit(codes, {"day"}, rows);
  REQUIRE(encoder.ok());
  auto numbers = ReadTableCsv("day\n5\n12\n7\n");
  REQUIRE(numbers.ok());
  REQUIRE(numbers->Find("day")->is_numeric());
  std::vector<FeatureFallbacks> fallbacks;
  auto x = encoder->EncodeAll(*numbers, &fallbacks);
  REQUIRE(x.ok());
  CHECK(encoder->column_names() == std::vector<std::string>{"day=12", "day=5", "day=(other)"});
  CHECK(x->row(0) == Eigen::RowVector3d(0, 1, 0));
  CHECK(x->row(1) == Eigen::RowVector3d(1, 0, 0));
  CHECK(x->row(2) == Eigen::RowVector3d(0, 0, 1));
  REQUIRE(fallbacks.size() == 1);
  CHECK(fallbacks[0].unseen_levels == 1);
}

TEST_CASE("an encoder rebuilt from its encodings encodes the same", "[features]") {
  const Table t = Training();
  auto encoder = FeatureEncoder::Fit(t, {"job", "x", "z"}, AllRows(t));
  REQUIRE(encoder.ok());
  auto copy = FeatureEncoder::FromEncodings(encoder->features());
  REQUIRE(copy.ok());
  CHECK(*copy->EncodeAll(t) == *encoder->EncodeAll(t));
  std::vector<EncodedFeature> broken = encoder->features();
  broken[0].levels.pop_back();
  CHECK_FALSE(FeatureEncoder::FromEncodings(broken).ok());
}

}  // namespace
}  // namespace saleskit
