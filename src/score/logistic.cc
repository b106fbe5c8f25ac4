#include "saleskit/score/logistic.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace saleskit {
namespace {

// log(1 + exp(z)) without overflow.
double Softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }
double Sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

}  // namespace

absl::StatusOr<LogisticModel> FitLogistic(const Eigen::MatrixXd& x, absl::Span<const bool> y,
                                          const LogisticOptions& options, absl::Span<const double> weights) {
  const Eigen::Index n = x.rows(), d = x.cols();
  if (static_cast<size_t>(n) != y.size()) {
    return absl::InvalidArgumentError(absl::StrCat(n, " rows but ", y.size(), " labels"));
  }
  if (!weights.empty() && weights.size() != y.size()) {
    return absl::InvalidArgumentError(absl::StrCat(n, " rows but ", weights.size(), " weights"));
  }
  if (n == 0) return absl::InvalidArgumentError("no rows to train on");
  if (!(options.l2 > 0) || !std::isfinite(options.l2)) {
    return absl::InvalidArgumentError(absl::StrCat("l2 must be positive and finite, not ", options.l2));
  }
  bool seen[2] = {false, false};
  for (Eigen::Index i = 0; i < n; ++i) {
    seen[y[static_cast<size_t>(i)] ? 1 : 0] = true;
    for (Eigen::Index j = 0; j < d; ++j) {
      if (!std::isfinite(x(i, j))) {
        return absl::InvalidArgumentError(absl::StrCat("row ", i, ", column ", j, ": ", x(i, j), " is not finite"));
      }
    }
    if (!weights.empty() && (!(weights[static_cast<size_t>(i)] >= 0) || !std::isfinite(weights[static_cast<size_t>(i)]))) {
      return absl::InvalidArgumentError(absl::StrCat("row ", i, ": the weight ", weights[static_cast<size_t>(i)],
                                                     " is not a finite non-negative number"));
    }
  }
  if (!seen[0] || !seen[1]) {
    return absl::InvalidArgumentError(
        absl::StrCat("every row is ", seen[1] ? "positive" : "negative", ": a model needs both classes"));
  }

  // Parameters theta = (w, b); the intercept, when fitted, is the last entry.
  const Eigen::Index k = d + (options.fit_intercept ? 1 : 0);
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(k);
  Eigen::VectorXd s(n), target(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    s(i) = weights.empty() ? 1.0 : weights[static_cast<size_t>(i)];
    target(i) = y[static_cast<size_t>(i)] ? 1.0 : 0.0;
  }
  const double total_weight = s.sum();
  auto margins = [&](const Eigen::VectorXd& t) -> Eigen::VectorXd {
    Eigen::VectorXd z = x * t.head(d);
    if (options.fit_intercept) z.array() += t(d);
    return z;
  };
  auto objective = [&](const Eigen::VectorXd& t, const Eigen::VectorXd& z) {
    double f = 0;
    for (Eigen::Index i = 0; i < n; ++i) f += s(i) * (Softplus(z(i)) - target(i) * z(i));
    return f + 0.5 * options.l2 * t.head(d).squaredNorm();
  };

  LogisticModel model;
  Eigen::VectorXd z = margins(theta);
  double f = objective(theta, z);
  for (int it = 0; it < options.max_iterations; ++it) {
    Eigen::VectorXd p(n), h(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      p(i) = Sigmoid(z(i));
      h(i) = s(i) * p(i) * (1 - p(i));
    }
    const Eigen::VectorXd r = s.cwiseProduct(p - target);
    Eigen::VectorXd gradient(k);
    gradient.head(d) = x.transpose() * r + options.l2 * theta.head(d);
    if (options.fit_intercept) gradient(d) = r.sum();
    if (gradient.cwiseAbs().maxCoeff() <= options.tolerance * std::max(1.0, total_weight)) {
      model.converged = true;
      break;
    }
    Eigen::MatrixXd hessian(k, k);
    hessian.topLeftCorner(d, d) = x.transpose() * h.asDiagonal() * x;
    hessian.topLeftCorner(d, d).diagonal().array() += options.l2;
    if (options.fit_intercept) {
      const Eigen::VectorXd xh = x.transpose() * h;
      hessian.block(0, d, d, 1) = xh;
      hessian.block(d, 0, 1, d) = xh.transpose();
      hessian(d, d) = std::max(h.sum(), 1e-12);
    }
    const Eigen::VectorXd step = hessian.ldlt().solve(gradient);
    // Newton's step, halved until the objective does not increase.
    double scale = 1;
    Eigen::VectorXd next, next_z;
    double next_f = f;
    for (int halving = 0; halving < 30; ++halving, scale /= 2) {
      next = theta - scale * step;
      next_z = margins(next);
      next_f = objective(next, next_z);
      if (next_f <= f) break;
    }
    ++model.iterations;
    const bool stalled = next_f >= f && scale < 1e-8;
    if (!stalled) {
      theta = next;
      z = next_z;
      f = next_f;
    }
    if (stalled || (step * scale).cwiseAbs().maxCoeff() < 1e-14) {
      model.converged = true;
      break;
    }
  }
  model.weights = theta.head(d);
  model.intercept = options.fit_intercept ? theta(d) : 0;
  return model;
}

Eigen::VectorXd PredictLogistic(const LogisticModel& model, const Eigen::MatrixXd& x) {
  Eigen::VectorXd z = x * model.weights;
  z.array() += model.intercept;
  for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = Sigmoid(z(i));
  return z;
}

}  // namespace saleskit
