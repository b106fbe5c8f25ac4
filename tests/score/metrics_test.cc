// Evaluation metrics: a worked example, ties, agreement with brute-force
// definitions on random data, and the bad inputs.
#include "saleskit/score/metrics.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test_util.h"

namespace saleskit {
namespace {

std::vector<bool> Labels(std::initializer_list<int> v) {
  std::vector<bool> out;
  for (int x : v) out.push_back(x != 0);
  return out;
}

// The labels as a std::vector<bool> cannot be a Span: copy to a plain array.
absl::StatusOr<BinaryMetrics> Eval(const std::vector<bool>& labels, const std::vector<double>& p) {
  std::unique_ptr<bool[]> plain(new bool[labels.size()]);
  for (size_t i = 0; i < labels.size(); ++i) plain[i] = labels[i];
  return EvaluateBinary(absl::MakeConstSpan(plain.get(), labels.size()), p);
}

TEST_CASE("metrics of a worked example", "[score][metrics]") {
  const std::vector<double> p = {0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2, 0.1};
  const std::vector<bool> y = Labels({1, 1, 0, 1, 0, 1, 0, 0, 0, 0});
  auto m = Eval(y, p);
  REQUIRE(m.ok());
  CHECK(m->rows == 10);
  CHECK(m->positives == 4);
  // 21 of the 24 (positive, negative) pairs are ordered right.
  CHECK(m->roc_auc == Approx(21.0 / 24));
  // Precision at each positive: 1/1, 2/2, 3/4, 4/6; each adds a quarter of recall.
  CHECK(m->pr_auc == Approx(0.25 * (1 + 1 + 0.75 + 4.0 / 6)));
  CHECK(m->brier == Approx(1.5525 / 10));
  double loss = 0;
  for (size_t i = 0; i < p.size(); ++i) loss -= y[i] ? std::log(p[i]) : std::log(1 - p[i]);
  CHECK(m->log_loss == Approx(loss / 10));
  CHECK(m->lift == std::vector<double>{2.5, 2.5, 0, 2.5, 0, 2.5, 0, 0, 0, 0});
  CHECK(m->cumulative_gains == std::vector<double>{0.25, 0.5, 0.5, 0.75, 0.75, 1, 1, 1, 1, 1});
  REQUIRE(m->calibration.size() == 9);  // 0.5 and 0.55 share the bin [0.5, 0.6)
  CHECK(m->calibration[4].lower == 0.5);
  CHECK(m->calibration[4].count == 2);
  CHECK(m->calibration[4].mean_probability == Approx(0.525));
  CHECK(m->calibration[4].positive_rate == 0.5);
  const std::string json = BinaryMetricsToJson(*m);
  CHECK(json.rfind("{\"rows\":10,\"positives\":4,\"auc\":0.875,\"pr_auc\":", 0) == 0);
  CHECK(json.find("\"lift\":[2.5,2.5,0,2.5,0,2.5,0,0,0,0]") != std::string::npos);
}

TEST_CASE("metrics: tied probabilities count one half", "[score][metrics]") {
  const std::vector<double> p(20, 0.3);
  std::vector<bool> y(20, false);
  for (int i = 0; i < 5; ++i) y[static_cast<size_t>(i) * 4] = true;
  auto m = Eval(y, p);
  REQUIRE(m.ok());
  CHECK(m->roc_auc == 0.5);
  CHECK(m->pr_auc == Approx(0.25));  // one threshold: precision 5/20 at recall 1
  REQUIRE(m->calibration.size() == 1);
  CHECK(m->calibration[0].positive_rate == 0.25);
}

TEST_CASE("metrics agree with their brute-force definitions", "[score][metrics][property]") {
  const int iterations = testing::PropertyIterations(50);
  for (int it = 0; it < iterations; ++it) {
    std::mt19937_64 rng(1000 + it);
    const size_t n = 10 + rng() % 200;
    std::vector<double> p(n);
    std::vector<bool> y(n);
    for (size_t i = 0; i < n; ++i) {
      p[i] = static_cast<double>(rng() % 21) / 20;  // many ties
      y[i] = (rng() % 100) < 20 + 60 * p[i];
    }
    y[0] = true;
    y[1] = false;
    auto m = Eval(y, p);
    REQUIRE(m.ok());
    double pairs = 0, good = 0;
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) {
        if (!y[i] || y[j]) continue;
        pairs += 1;
        good += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
      }
    }
    CHECK(m->roc_auc == Approx(good / pairs));
    // Average precision: at each distinct threshold t, precision and recall of "p >= t".
    std::vector<double> thresholds(p);
    std::sort(thresholds.rbegin(), thresholds.rend());
    thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
    double ap = 0, last_recall = 0, positives = static_cast<double>(m->positives);
    for (double t : thresholds) {
      double tp = 0, predicted = 0;
      for (size_t i = 0; i < n; ++i) {
        if (p[i] >= t) {
          predicted += 1;
          tp += y[i] ? 1 : 0;
        }
      }
      ap += (tp / positives - last_recall) * (tp / predicted);
      last_recall = tp / positives;
    }
    CHECK(m->pr_auc == Approx(ap));
    CHECK(m->cumulative_gains.back() == Approx(1.0));
    int64_t in_bins = 0;
    for (const CalibrationBin& b : m->calibration) in_bins += b.count;
    CHECK(in_bins == static_cast<int64_t>(n));
  }
}

TEST_CASE("metrics: bad inputs say what is wrong", "[score][metrics][bad-input]") {
  const std::vector<double> p = {0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2, 0.1};
  const std::vector<bool> y = Labels({1, 1, 0, 1, 0, 1, 0, 0, 0, 0});
  CHECK(Eval(y, std::vector<double>(p.begin(), p.end() - 1)).status().message() ==
        "10 labels but 9 probabilities");
  CHECK(Eval(std::vector<bool>(y.begin(), y.begin() + 5), std::vector<double>(p.begin(), p.begin() + 5))
            .status()
            .message() == "evaluation needs at least 10 rows, got 5");
  std::vector<double> nan = p;
  nan[3] = std::nan("");
  CHECK(Eval(y, nan).status().message() == "row 3: the probability nan is not in [0, 1]");
  std::vector<double> big = p;
  big[7] = 1.5;
  CHECK(Eval(y, big).status().message() == "row 7: the probability 1.5 is not in [0, 1]");
  CHECK(Eval(std::vector<bool>(10, true), p).status().message() == "every row is positive: AUC needs both classes");
}

}  // namespace
}  // namespace saleskit
