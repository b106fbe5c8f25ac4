#include "saleskit/score/logistic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"

namespace saleskit {
namespace {

// One exp: exp(-|z|) is exp(-z) for z >= 0 and exp(z) below.
double Sigmoid(double z) {
  const double e = std::exp(-std::abs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

// Rows per block of the Hessian pass: the sqrt(h)-scaled block (1024 x 51,
// 200 KB in float, 420 KB in double) stays in L2 while Eigen's rank-k update
// reads it, and X is read in runs of 8 KB per column.
constexpr Eigen::Index kBlockRows = 1024;

// Rows per block of the margin kernel: the block's margins (16 KB) stay in L1
// while the columns stream past.
constexpr Eigen::Index kMarginBlockRows = 2048;

// z = X w + b, row blocks over column-major X: X is read in runs of 16 KB
// per column (Eigen's product takes 128 bytes of every column per 16 rows,
// three times slower here) and z stays in L1. Eight columns per
// sweep over the block: an eighth of the loads and stores of z, and still
// each row's sum in column order, so z does not depend on the block size.
// With `sigmoid`, z becomes P(positive) while the block is in cache.
void Margins(const Eigen::MatrixXd& x, const double* w, double b, double* z, bool sigmoid = false) {
  const Eigen::Index n = x.rows(), d = x.cols();
  const double* columns = x.data();
  for (Eigen::Index i0 = 0; i0 < n; i0 += kMarginBlockRows) {
    const Eigen::Index m = std::min(kMarginBlockRows, n - i0);
    double* zb = z + i0;
    for (Eigen::Index i = 0; i < m; ++i) zb[i] = b;
    Eigen::Index j = 0;
    for (; j + 8 <= d; j += 8) {
      const double* c = columns + j * n + i0;
      const double* wj = w + j;
      for (Eigen::Index i = 0; i < m; ++i) {
        zb[i] = (((((((zb[i] + wj[0] * c[i]) + wj[1] * c[n + i]) + wj[2] * c[2 * n + i]) + wj[3] * c[3 * n + i]) +
                    wj[4] * c[4 * n + i]) +
                   wj[5] * c[5 * n + i]) +
                  wj[6] * c[6 * n + i]) +
                 wj[7] * c[7 * n + i];
      }
    }
    for (; j < d; ++j) {
      const double wj = w[j];
      const double* col = columns + j * n + i0;
      for (Eigen::Index i = 0; i < m; ++i) zb[i] += wj * col[i];
    }
    if (sigmoid) {
      for (Eigen::Index i = 0; i < m; ++i) zb[i] = Sigmoid(zb[i]);
    }
  }
}

// Adds X^T diag(h) X (with a column of ones for the intercept) to the lower
// triangle of `hessian`, a symmetric rank-k update per block of rows: half
// the work of a general product. T = float halves the work again; each
// block's sum is then added in double. With `xr`, also X^T r from the same
// read of X (column j's block sums added in row-block order).
template <typename T>
void AddHessian(const Eigen::MatrixXd& x, const Eigen::VectorXd& sqrt_h, bool intercept, Eigen::MatrixXd& hessian,
                const Eigen::VectorXd* r = nullptr, Eigen::VectorXd* xr = nullptr) {
  const Eigen::Index n = x.rows(), d = x.cols(), k = hessian.rows();
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  Matrix block(kBlockRows, k), sum(k, k);
  if (xr != nullptr) xr->setZero(d);
  for (Eigen::Index i0 = 0; i0 < n; i0 += kBlockRows) {
    const Eigen::Index m = std::min(kBlockRows, n - i0);
    auto rows = block.topRows(m);
    for (Eigen::Index j = 0; j < d; ++j) {
      const auto column = x.col(j).segment(i0, m);
      if (xr != nullptr) (*xr)(j) += column.dot(r->segment(i0, m));
      rows.col(j) = column.cwiseProduct(sqrt_h.segment(i0, m)).template cast<T>();
    }
    if (intercept) rows.col(d) = sqrt_h.segment(i0, m).template cast<T>();
    if constexpr (std::is_same_v<T, double>) {
      hessian.selfadjointView<Eigen::Lower>().rankUpdate(rows.transpose());
    } else {
      sum.setZero();
      sum.template selfadjointView<Eigen::Lower>().rankUpdate(rows.transpose());
      hessian.triangularView<Eigen::Lower>() += sum.template cast<double>();
    }
  }
}

// Row-major order of the first bad input, so the message names the same row
// and column whichever way the matrix is scanned.
absl::Status FirstBadInput(const Eigen::MatrixXd& x, absl::Span<const double> weights) {
  const Eigen::Index n = x.rows(), d = x.cols();
  // The common case (all finite) is one column-major scan; the row-major
  // search only runs when something is wrong.
  const bool x_ok = x.allFinite();
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!x_ok) {
      for (Eigen::Index j = 0; j < d; ++j) {
        if (!std::isfinite(x(i, j))) {
          return absl::InvalidArgumentError(absl::StrCat("row ", i, ", column ", j, ": ", x(i, j), " is not finite"));
        }
      }
    }
    if (!weights.empty()) {
      const double w = weights[static_cast<size_t>(i)];
      if (!(w >= 0) || !std::isfinite(w)) {
        return absl::InvalidArgumentError(
            absl::StrCat("row ", i, ": the weight ", w, " is not a finite non-negative number"));
      }
    } else if (x_ok) {
      break;
    }
  }
  return absl::OkStatus();
}

// The per-row terms at margins z, from one exp per row: e = exp(-|z|) gives
// both log(1 + exp(z)) = max(z, 0) + log1p(e) and the sigmoid.
double Objective(const Eigen::VectorXd& z, const Eigen::VectorXd& s, const Eigen::VectorXd& target,
                 Eigen::VectorXd& e) {
  double f = 0;
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    e(i) = std::exp(-std::abs(z(i)));
    f += s(i) * (std::max(z(i), 0.0) + std::log1p(e(i)) - target(i) * z(i));
  }
  return f;
}

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
  if (absl::Status bad = FirstBadInput(x, weights); !bad.ok()) return bad;
  bool seen[2] = {false, false};
  for (bool label : y) seen[label ? 1 : 0] = true;
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
  const double gradient_limit = options.tolerance * std::max(1.0, total_weight);
  auto penalty = [&](const Eigen::VectorXd& t) { return 0.5 * options.l2 * t.head(d).squaredNorm(); };

  // Per Newton step, X is read twice or three times: the gradient (X^T r), the
  // Hessian (AddHessian) and the step's change of margins u = X step. Far from
  // the optimum the gradient comes from the Hessian's read of X (a Hessian is
  // needed anyway); near it, from a read of its own, because the gradient may
  // show convergence and make the Hessian unnecessary. The step halving needs
  // no pass over X: the margins at theta - a step are z - a u.
  LogisticModel model;
  Eigen::VectorXd z(n), e(n), next_z(n), r(n), sqrt_h(n), u(n);
  if (options.fit_intercept) {
    // Start from the intercept-only optimum (the weighted positive rate's log odds), one step fewer.
    const double positive = s.dot(target);
    if (positive > 0 && positive < total_weight) theta(d) = std::log(positive / (total_weight - positive));
  }
  z.setConstant(options.fit_intercept ? theta(d) : 0.0);
  double f = Objective(z, s, target, e) + penalty(theta);
  Eigen::VectorXd gradient(k), step(k), next(k), xr(d);
  Eigen::MatrixXd hessian(k, k);
  bool single = options.single_precision_hessian;
  double last_gradient = std::numeric_limits<double>::infinity(), last_move = std::numeric_limits<double>::infinity();
  for (int it = 0; it < options.max_iterations; ++it) {
    double h_sum = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double p = z(i) >= 0 ? 1 / (1 + e(i)) : e(i) / (1 + e(i));
      const double h = s(i) * p * (1 - p);
      r(i) = s(i) * (p - target(i));
      sqrt_h(i) = std::sqrt(h);
      h_sum += h;
    }
    // Far: the last step moved some margin by 0.5 or more.
    const bool far = last_move >= 0.5;
    if (it >= 8) single = false;
    hessian.setZero();
    if (far) {
      if (single) {
        AddHessian<float>(x, sqrt_h, options.fit_intercept, hessian, &r, &xr);
      } else {
        AddHessian<double>(x, sqrt_h, options.fit_intercept, hessian, &r, &xr);
      }
    } else {
      xr.noalias() = x.transpose() * r;
    }
    gradient.head(d) = xr + options.l2 * theta.head(d);
    if (options.fit_intercept) gradient(d) = r.sum();
    const double largest = gradient.cwiseAbs().maxCoeff();
    if (largest <= gradient_limit) {
      model.converged = true;
      break;
    }
    if (!far) {
      // A float Hessian steers as well as a double one unless the problem is
      // badly conditioned. Once the margins move by less than 0.5 a step, an
      // exact Newton step shrinks the gradient by far more than 4x; when a
      // float step does not (or after 8 steps), the rest of the fit uses the
      // double Hessian.
      if (largest > 0.25 * last_gradient) single = false;
      if (single) {
        AddHessian<float>(x, sqrt_h, options.fit_intercept, hessian);
      } else {
        AddHessian<double>(x, sqrt_h, options.fit_intercept, hessian);
      }
    }
    last_gradient = largest;
    hessian.diagonal().head(d).array() += options.l2;
    if (options.fit_intercept) hessian(d, d) = std::max(h_sum, 1e-12);
    step = hessian.selfadjointView<Eigen::Lower>().ldlt().solve(gradient);
    Margins(x, step.data(), options.fit_intercept ? step(d) : 0.0, u.data());
    // Newton's step, halved until the objective does not increase.
    double scale = 1;
    double next_f = f;
    for (int halving = 0; halving < 30; ++halving, scale /= 2) {
      next = theta - scale * step;
      next_z = z - scale * u;
      next_f = Objective(next_z, s, target, r) + penalty(next);  // r: scratch until the next step
      if (next_f <= f) break;
    }
    ++model.iterations;
    const bool stalled = next_f >= f && scale < 1e-8;
    if (stalled && single) {
      single = false;  // retry the step with the double Hessian
      continue;
    }
    if (scale < 1) single = false;
    last_move = scale * u.cwiseAbs().maxCoeff();
    if (!stalled) {
      theta = next;
      z.swap(next_z);
      e.swap(r);
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
  Eigen::VectorXd p(x.rows());
  ScoreLogistic(model, x, absl::MakeSpan(p.data(), static_cast<size_t>(p.size())));
  return p;
}

void ScoreLogistic(const LogisticModel& model, const Eigen::MatrixXd& x, absl::Span<double> out) {
  Margins(x, model.weights.data(), model.intercept, out.data(), /*sigmoid=*/true);
}

}  // namespace saleskit
