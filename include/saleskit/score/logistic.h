// Logistic regression with an L2 penalty, trained by Newton's method (IRLS)
// on Eigen: the numeric core of saleskit's predictive scores.
//
// The objective is scikit-learn's LogisticRegression(penalty="l2", C=1/l2):
//   sum_i s_i * logloss(y_i, sigmoid(x_i . w + b)) + (l2 / 2) * |w|^2
// with sample weights s_i (1 by default; class weights are sample weights),
// the intercept b not penalised. The same data and options give the same
// coefficients bit for bit (one build).
#ifndef SALESKIT_SCORE_LOGISTIC_H_
#define SALESKIT_SCORE_LOGISTIC_H_

#include <Eigen/Dense>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace saleskit {

struct LogisticOptions {
  double l2 = 1.0;            // 1/C in scikit-learn's terms; > 0
  bool fit_intercept = true;
  int max_iterations = 100;   // Newton steps
  double tolerance = 1e-10;   // stop when the largest gradient entry is below this (relative to the rows' weight)
};

struct LogisticModel {
  Eigen::VectorXd weights;    // one per column of X
  double intercept = 0;
  int iterations = 0;         // Newton steps taken
  bool converged = false;
};

// Fits on X (rows x features) and labels y (true = positive). `weights` is
// empty or one non-negative weight per row. InvalidArgument for mismatched
// sizes, no rows, a non-finite value (naming row and column), a negative or
// non-finite weight, l2 <= 0, and labels that are all one class.
absl::StatusOr<LogisticModel> FitLogistic(const Eigen::MatrixXd& x, absl::Span<const bool> y,
                                          const LogisticOptions& options = {},
                                          absl::Span<const double> weights = {});

// P(positive) for each row of X.
Eigen::VectorXd PredictLogistic(const LogisticModel& model, const Eigen::MatrixXd& x);

}  // namespace saleskit

#endif  // SALESKIT_SCORE_LOGISTIC_H_
