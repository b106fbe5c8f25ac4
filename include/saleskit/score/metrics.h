// How good a binary classifier's probabilities are: the evaluation numbers
// that `saleskit score eval` prints (docs/scoring.md, as scoring grows).
//
// Inputs are parallel spans: labels (true = positive) and predicted
// probabilities of the positive class, one per row. Definitions follow
// scikit-learn's, so that the two can be compared number for number:
// - roc_auc: the probability that a random positive is scored above a random
//   negative, ties counting one half (the Mann-Whitney U statistic).
// - pr_auc: average precision, sum over distinct thresholds (descending) of
//   (recall_n - recall_{n-1}) * precision_n.
// - log_loss: mean of -log(p) for positives and -log(1 - p) for negatives,
//   with p clipped to [1e-15, 1 - 1e-15].
// - brier: mean of (p - label)^2.
// - lift by decile: rows sorted by probability, highest first (ties broken
//   by row order), cut into 10 groups as equal as possible (the first
//   n % 10 groups one row larger); each decile's positive rate divided by
//   the overall rate; cumulative gains: the share of all positives in deciles
//   1..k.
// - calibration: 10 bins of equal width over [0, 1] (a probability of 1 in
//   the last); per non-empty bin its count, mean probability and positive rate.
#ifndef SALESKIT_SCORE_METRICS_H_
#define SALESKIT_SCORE_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace saleskit {

struct CalibrationBin {
  double lower = 0, upper = 0;  // the bin's probability range [lower, upper)
  int64_t count = 0;
  double mean_probability = 0;
  double positive_rate = 0;
};

struct BinaryMetrics {
  int64_t rows = 0;
  int64_t positives = 0;
  double roc_auc = 0;
  double pr_auc = 0;
  double log_loss = 0;
  double brier = 0;
  std::vector<double> lift;              // 10 deciles, the top (highest probabilities) first
  std::vector<double> cumulative_gains;  // 10 values, the last 1
  std::vector<CalibrationBin> calibration;  // the non-empty bins, lowest first
};

// Evaluates probabilities against labels. InvalidArgument for spans of
// different lengths, fewer than 10 rows (deciles need them), a probability
// that is not finite or outside [0, 1] (naming its row), and labels that are
// all one class (AUC is undefined).
absl::StatusOr<BinaryMetrics> EvaluateBinary(absl::Span<const bool> labels, absl::Span<const double> probabilities);

// {"rows","positives","auc","pr_auc","log_loss","brier","lift":[10],
//  "cumulative_gains":[10],"calibration":[{"lower","upper","count","mean_probability","positive_rate"}]}
std::string BinaryMetricsToJson(const BinaryMetrics& m);

}  // namespace saleskit

#endif  // SALESKIT_SCORE_METRICS_H_
