// Logistic regression: the fit is the penalised optimum (its gradient
// vanishes), recovers the generating coefficients, treats weights as
// repeated rows, is deterministic, and rejects bad input.
#include "saleskit/score/logistic.h"

#include <cmath>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

namespace saleskit {
namespace {

struct Data {
  Eigen::MatrixXd x;
  std::unique_ptr<bool[]> y;
  size_t n;
  absl::Span<const bool> labels() const { return absl::MakeConstSpan(y.get(), n); }
};

// Rows from a known model: z = 1.5 x0 - 2 x1 + 0.5 x2 - 0.7.
Data Generate(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  Data d{Eigen::MatrixXd(static_cast<Eigen::Index>(n), 3), std::unique_ptr<bool[]>(new bool[n]), n};
  for (size_t i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) d.x(static_cast<Eigen::Index>(i), j) = normal(rng);
    const double z = 1.5 * d.x(i, 0) - 2 * d.x(i, 1) + 0.5 * d.x(i, 2) - 0.7;
    d.y[i] = uniform(rng) < 1 / (1 + std::exp(-z));
  }
  return d;
}

TEST_CASE("logistic regression reaches the penalised optimum", "[score][logistic]") {
  const Data d = Generate(2000, 7);
  LogisticOptions options;
  options.l2 = 3.0;
  auto model = FitLogistic(d.x, d.labels(), options);
  REQUIRE(model.ok());
  CHECK(model->converged);
  CHECK(model->iterations < 15);
  // The gradient of the objective vanishes at the optimum.
  const Eigen::VectorXd p = PredictLogistic(*model, d.x);
  Eigen::VectorXd r(p.size());
  for (Eigen::Index i = 0; i < p.size(); ++i) r(i) = p(i) - (d.y[static_cast<size_t>(i)] ? 1.0 : 0.0);
  const Eigen::VectorXd gw = d.x.transpose() * r + options.l2 * model->weights;
  CHECK(gw.cwiseAbs().maxCoeff() < 1e-6);
  CHECK(std::abs(r.sum()) < 1e-6);
}

TEST_CASE("logistic regression recovers the generating coefficients", "[score][logistic]") {
  const Data d = Generate(200000, 11);
  LogisticOptions options;
  options.l2 = 1e-3;
  auto model = FitLogistic(d.x, d.labels(), options);
  REQUIRE(model.ok());
  CHECK(model->weights(0) == Approx(1.5).margin(0.05));
  CHECK(model->weights(1) == Approx(-2.0).margin(0.05));
  CHECK(model->weights(2) == Approx(0.5).margin(0.05));
  CHECK(model->intercept == Approx(-0.7).margin(0.05));
}

TEST_CASE("logistic regression: a weight of 2 is the row twice, fits are deterministic", "[score][logistic]") {
  const Data d = Generate(300, 3);
  std::vector<double> weights(d.n, 1.0);
  for (size_t i = 0; i < d.n; i += 3) weights[i] = 2.0;
  Eigen::MatrixXd twice(static_cast<Eigen::Index>(d.n + (d.n + 2) / 3), 3);
  std::vector<bool> y2;
  Eigen::Index row = 0;
  for (size_t i = 0; i < d.n; ++i) {
    for (int copy = 0; copy < (i % 3 == 0 ? 2 : 1); ++copy) {
      twice.row(row++) = d.x.row(static_cast<Eigen::Index>(i));
      y2.push_back(d.y[i]);
    }
  }
  std::unique_ptr<bool[]> plain(new bool[y2.size()]);
  for (size_t i = 0; i < y2.size(); ++i) plain[i] = y2[i];
  auto weighted = FitLogistic(d.x, d.labels(), {}, weights);
  auto repeated = FitLogistic(twice, absl::MakeConstSpan(plain.get(), y2.size()));
  REQUIRE(weighted.ok());
  REQUIRE(repeated.ok());
  for (int j = 0; j < 3; ++j) CHECK(weighted->weights(j) == Approx(repeated->weights(j)).epsilon(1e-9));
  CHECK(weighted->intercept == Approx(repeated->intercept).epsilon(1e-9));
  auto again = FitLogistic(d.x, d.labels(), {}, weights);
  REQUIRE(again.ok());
  CHECK(again->weights == weighted->weights);
  CHECK(again->intercept == weighted->intercept);
}

TEST_CASE("logistic regression: the float Hessian reaches the double Hessian's optimum", "[score][logistic]") {
  const Data d = Generate(20000, 13);
  LogisticOptions single, exact;
  exact.single_precision_hessian = false;
  auto a = FitLogistic(d.x, d.labels(), single);
  auto b = FitLogistic(d.x, d.labels(), exact);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->converged);
  CHECK(b->converged);
  for (int j = 0; j < 3; ++j) CHECK(a->weights(j) == Approx(b->weights(j)).epsilon(1e-9));
  CHECK(a->intercept == Approx(b->intercept).epsilon(1e-9));
}

TEST_CASE("logistic regression: nearly collinear columns still reach the optimum", "[score][logistic]") {
  // Columns 0 and 3 differ by 1e-7: the Hessian's condition number is far
  // beyond what a float Hessian can steer, so the fit must fall back to double.
  const Data base = Generate(5000, 17);
  Eigen::MatrixXd x(base.x.rows(), 4);
  x.leftCols(3) = base.x;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  for (Eigen::Index i = 0; i < x.rows(); ++i) x(i, 3) = x(i, 0) + 1e-7 * normal(rng);
  LogisticOptions options;
  options.l2 = 1e-8;
  auto model = FitLogistic(x, base.labels(), options);
  REQUIRE(model.ok());
  CHECK(model->converged);
  const Eigen::VectorXd p = PredictLogistic(*model, x);
  Eigen::VectorXd r(p.size());
  for (Eigen::Index i = 0; i < p.size(); ++i) r(i) = p(i) - (base.y[static_cast<size_t>(i)] ? 1.0 : 0.0);
  const Eigen::VectorXd gw = x.transpose() * r + options.l2 * model->weights;
  CHECK(gw.cwiseAbs().maxCoeff() < 1e-5);
  CHECK(std::abs(r.sum()) < 1e-5);
  // The two copies of column 0 share its coefficient of about 1.5.
  CHECK(model->weights(0) + model->weights(3) == Approx(1.5).margin(0.1));
}

TEST_CASE("logistic scoring: ScoreLogistic is PredictLogistic without the allocation", "[score][logistic]") {
  const Data d = Generate(3000, 19);  // not a multiple of the kernel's block
  auto model = FitLogistic(d.x, d.labels());
  REQUIRE(model.ok());
  const Eigen::VectorXd p = PredictLogistic(*model, d.x);
  std::vector<double> out(d.n);
  ScoreLogistic(*model, d.x, absl::MakeSpan(out));
  for (size_t i = 0; i < d.n; ++i) REQUIRE(out[i] == p(static_cast<Eigen::Index>(i)));
  // The kernel sums each row in column order; Eigen's product agrees to rounding.
  Eigen::VectorXd z = d.x * model->weights;
  for (Eigen::Index i = 0; i < z.size(); ++i) CHECK(p(i) == Approx(1 / (1 + std::exp(-(z(i) + model->intercept)))).epsilon(1e-13));
}

TEST_CASE("logistic regression: bad inputs say what is wrong", "[score][logistic][bad-input]") {
  Data d = Generate(50, 5);
  CHECK(FitLogistic(d.x.topRows(10), d.labels()).status().message() == "10 rows but 50 labels");
  LogisticOptions zero;
  zero.l2 = 0;
  CHECK(FitLogistic(d.x, d.labels(), zero).status().message() == "l2 must be positive and finite, not 0");
  Eigen::MatrixXd bad = d.x;
  bad(4, 2) = std::numeric_limits<double>::infinity();
  CHECK(FitLogistic(bad, d.labels()).status().message() == "row 4, column 2: inf is not finite");
  std::vector<double> negative(d.n, 1.0);
  negative[9] = -1;
  CHECK(FitLogistic(d.x, d.labels(), {}, negative).status().message() ==
        "row 9: the weight -1 is not a finite non-negative number");
  for (size_t i = 0; i < d.n; ++i) d.y[i] = false;
  CHECK(FitLogistic(d.x, d.labels()).status().message() == "every row is negative: a model needs both classes");
}

}  // namespace
}  // namespace saleskit
