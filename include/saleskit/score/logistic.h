// Logistic regression with an L2 penalty, trained by Newton's method (IRLS)
// on Eigen: the numeric core of saleskit's predictive scores.
//
// The objective is scikit-learn's LogisticRegression(penalty="l2", C=1/l2):
//   sum_i s_i * logloss(y_i, sigmoid(x_i . w + b)) + (l2 / 2) * |w|^2
// with sample weights s_i (1 by default; class weights are sample weights),
// the intercept b not penalised. The same data and options give the same
// coefficients bit for bit (one build).
//
// Cost: a Newton step reads X two or three times and does about
// rows * (cols + 1)^2 / 2 float multiply-adds for the Hessian; 1M x 50 takes about
// 6 steps and 1.5 s on one core (docs/benchmarks.md). X is column-major, as
// Eigen's MatrixXd; no threads; besides X, eight vectors of one double a row.
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
  // Newton steps from a Hessian summed in float over blocks of 1024 rows (the
  // blocks' sums added in double): about half the time per step. Only the
  // step's direction is approximate: the gradient, which decides convergence,
  // and the optimum it finds are double. When a step shrinks the gradient by
  // less than 4x or needs halving (a badly conditioned problem), the rest of
  // the fit uses the double Hessian. false: double from the start.
  bool single_precision_hessian = true;
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

// PredictLogistic into `out` (one entry per row of X), without allocating:
// the batch scoring kernel. Rows are scored in blocks that stay in cache, X is
// read once, and each row's margin is summed in column order, so the result
// does not depend on the block size and equals PredictLogistic bit for bit.
// Throughput is bound by memory: 8 * cols bytes a row. `out` must have
// x.rows() entries and the model x.cols() weights.
void ScoreLogistic(const LogisticModel& model, const Eigen::MatrixXd& x, absl::Span<double> out);

}  // namespace saleskit

#endif  // SALESKIT_SCORE_LOGISTIC_H_
