#include "saleskit/segment/kmeans.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "internal/json.h"
#include "saleskit/status_macros.h"

namespace saleskit {
namespace {

// Uniform in [0, 1) from 53 random bits: the same on every standard library
// (std::uniform_real_distribution is implementation-defined).
double Uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
size_t UniformIndex(std::mt19937_64& rng, size_t n) { return static_cast<size_t>(rng() % n); }

uint64_t RunSeed(uint64_t seed, int run) {
  // SplitMix64 of seed and run: independent streams per restart.
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(run + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

using RowMap = Eigen::Map<const RowMajorMatrixXd>;

// Centres transposed (d x k, padded to an even k with zero columns), so that
// one row's dot products with every centre are SIMD lanes.
struct TransposedCentres {
  void Set(const RowMajorMatrixXd& c) {
    lanes = (c.rows() + 1) / 2 * 2;
    values.assign(static_cast<size_t>(c.cols() * lanes), 0.0);
    for (Eigen::Index a = 0; a < c.rows(); ++a) {
      for (Eigen::Index j = 0; j < c.cols(); ++j) values[j * lanes + a] = c(a, j);
    }
  }
  Eigen::Index lanes = 0;
  std::vector<double> values;
};

using Lanes = double __attribute__((vector_size(16)));  // two doubles: SSE2, on every x86-64

// out[0..2G) = dots of `row` with centres [2G) of `ct` (d x lanes), summed in j order.
template <int G>
void DotGroup(const double* row, Eigen::Index d, const double* ct, Eigen::Index lanes, double* out) {
  Lanes acc[G];
  for (int g = 0; g < G; ++g) acc[g] = Lanes{0, 0};
  for (Eigen::Index j = 0; j < d; ++j) {
    const Lanes xj = {row[j], row[j]};
    const double* cj = ct + j * lanes;
    for (int g = 0; g < G; ++g) {
      Lanes cv;
      std::memcpy(&cv, cj + 2 * g, sizeof(cv));
      acc[g] += xj * cv;
    }
  }
  std::memcpy(out, acc, sizeof(acc));
}

// out[0..lanes) = the dot products of `row` with every centre: for k and d
// this small, registers beat a matrix product (which packs its operands).
void RowDots(const double* row, Eigen::Index d, const TransposedCentres& ct, double* out) {
  Eigen::Index a = 0;
  for (; a + 8 <= ct.lanes; a += 8) DotGroup<4>(row, d, ct.values.data() + a, ct.lanes, out + a);
  switch ((ct.lanes - a) / 2) {
    case 3: DotGroup<3>(row, d, ct.values.data() + a, ct.lanes, out + a); break;
    case 2: DotGroup<2>(row, d, ct.values.data() + a, ct.lanes, out + a); break;
    case 1: DotGroup<1>(row, d, ct.values.data() + a, ct.lanes, out + a); break;
    default: break;
  }
}

// The squared distance of every row to centre `c`, into `d2` (or the minimum
// with what it holds). Computed directly, not as ||x||^2 - 2 x.c + ||c||^2:
// as fast for one centre, and exact for points at the centre.
void DistancesTo(const RowMap& x, const Eigen::RowVectorXd& c, bool keep_min, Eigen::VectorXd& d2) {
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const double v = (x.row(i) - c).squaredNorm();
    d2[i] = keep_min ? std::min(d2[i], v) : v;
  }
}

double SquaredDistance(const double* a, const double* b, Eigen::Index d) {
  double s = 0;
  for (Eigen::Index j = 0; j < d; ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

// k-means++ seeding: each centre after the first is drawn with probability
// proportional to D² (the squared distance to the nearest centre so far).
// With trials > 1 it is greedy k-means++: the candidate of `trials` D² draws
// that leaves the least potential (sum of D²) wins, as scikit-learn does.
// `d2`, `cumulative` (n) and `trial_d2` (n x trials) are scratch; d2 ends as
// each row's D².
RowMajorMatrixXd SeedPlusPlus(const RowMap& x, const Eigen::VectorXd& x2, int k, int trials, std::mt19937_64& rng,
                              Eigen::VectorXd& d2, Eigen::VectorXd& cumulative, RowMajorMatrixXd& trial_d2) {
  const Eigen::Index n = x.rows();
  RowMajorMatrixXd c(k, x.cols());
  c.row(0) = x.row(UniformIndex(rng, n));
  DistancesTo(x, c.row(0), /*keep_min=*/false, d2);
  double total = 0;
  for (Eigen::Index i = 0; i < n; ++i) cumulative[i] = total += d2[i];
  RowMajorMatrixXd candidates(trials, x.cols());
  Eigen::RowVectorXd candidate_norms(trials);
  TransposedCentres transposed;
  std::vector<double> dots(trials + 1);
  std::vector<double> potentials(trials);
  for (int j = 1; j < k; ++j) {
    if (!(total > 0)) {
      c.row(j) = x.row(UniformIndex(rng, n));  // every point is already a centre
      continue;
    }
    // The first row whose running total exceeds r: one with d2 > 0.
    for (int t = 0; t < trials; ++t) {
      const double r = Uniform01(rng) * total;
      const double* at = std::upper_bound(cumulative.data(), cumulative.data() + n, r);
      candidates.row(t) = x.row(std::min<Eigen::Index>(at - cumulative.data(), n - 1));
    }
    if (trials == 1) {
      c.row(j) = candidates.row(0);
      DistancesTo(x, c.row(j), /*keep_min=*/true, d2);
      total = 0;
      for (Eigen::Index i = 0; i < n; ++i) cumulative[i] = total += d2[i];
      continue;
    }
    // Every candidate's D² and potential in one pass, ||x||² − 2x·c + ||c||²;
    // the winner's D² is kept, not recomputed.
    candidate_norms = candidates.rowwise().squaredNorm().transpose();
    transposed.Set(candidates);
    std::fill(potentials.begin(), potentials.end(), 0.0);
    for (Eigen::Index i = 0; i < n; ++i) {
      RowDots(x.data() + i * x.cols(), x.cols(), transposed, dots.data());
      double* out = trial_d2.data() + i * trials;
      for (int t = 0; t < trials; ++t) {
        const double v = std::min(d2[i], std::max(0.0, x2[i] - 2.0 * dots[t] + candidate_norms[t]));
        out[t] = v;
        potentials[t] += v;
      }
    }
    const int best = static_cast<int>(std::min_element(potentials.begin(), potentials.end()) - potentials.begin());
    c.row(j) = candidates.row(best);
    total = 0;
    for (Eigen::Index i = 0; i < n; ++i) cumulative[i] = total += (d2[i] = trial_d2(i, best));
  }
  return c;
}

RowMajorMatrixXd SeedRandom(const RowMap& x, int k, std::mt19937_64& rng) {
  const size_t n = x.rows();
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  RowMajorMatrixXd c(k, x.cols());
  for (int j = 0; j < k; ++j) {
    std::swap(idx[j], idx[j + UniformIndex(rng, n - j)]);
    c.row(j) = x.row(idx[j]);
  }
  return c;
}

// Buffers of one Lloyd run, allocated once per KMeans call: no allocation
// inside the iterations.
struct LloydState {
  LloydState(Eigen::Index n, Eigen::Index d, int k, int trials)
      : labels(n),
        upper(n),
        lower(n),
        dist(n),
        cumulative(n),
        trial_d2(n, trials),
        sums(k, d),
        counts(k),
        dots(k + 1),
        c2(k),
        shift(k),
        half_gap(k) {}
  std::vector<int> labels;
  // Hamerly's bounds: each row's distance to its centroid is at most upper,
  // and to every other centroid at least lower.
  Eigen::VectorXd upper;
  Eigen::VectorXd lower;
  Eigen::VectorXd dist;        // squared distances to the centroids (seeding, refilling)
  Eigen::VectorXd cumulative;  // seeding's running sums of D²
  RowMajorMatrixXd trial_d2;   // seeding's D² per candidate
  RowMajorMatrixXd sums;       // per cluster, the sum of its rows
  std::vector<int64_t> counts;
  TransposedCentres transposed;
  std::vector<double> dots;    // one row's dot products with the centroids
  Eigen::RowVectorXd c2;       // ||c||^2 per centroid
  Eigen::VectorXd shift;       // how far each centroid moved in the last update
  Eigen::VectorXd half_gap;    // half the distance from each centroid to its nearest other
};

// The first pass of a run: every row against every centroid by
// ||x||^2 - 2 x.c + ||c||^2, which sets the labels and both bounds.
void AssignAll(const RowMap& x, const Eigen::VectorXd& x2, const RowMajorMatrixXd& c, LloydState& s) {
  const Eigen::Index n = x.rows();
  const Eigen::Index d = x.cols();
  const int k = static_cast<int>(c.rows());
  s.c2 = c.rowwise().squaredNorm().transpose();
  s.transposed.Set(c);
  const double inf = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < n; ++i) {
    RowDots(x.data() + i * d, d, s.transposed, s.dots.data());
    int best = 0;
    double best_value = s.c2[0] - 2.0 * s.dots[0], second_value = inf;
    for (int j = 1; j < k; ++j) {
      const double v = s.c2[j] - 2.0 * s.dots[j];
      if (v < best_value) {
        second_value = best_value;
        best_value = v;
        best = j;
      } else if (v < second_value) {
        second_value = v;
      }
    }
    s.labels[i] = best;
    s.upper[i] = std::sqrt(std::max(0.0, x2[i] + best_value));
    s.lower[i] = k > 1 ? std::sqrt(std::max(0.0, x2[i] + second_value)) : inf;
  }
}

// One Lloyd assignment over the rows, then each cluster's sum for the next
// means. Exact Lloyd, pruned as Hamerly (2010): a row whose distance to its
// centroid (upper bound, grown by that centroid's shift) is within the
// distance to any other (lower bound, shrunk by the largest other shift) or
// within half the gap to its centroid's nearest neighbour keeps its label
// without computing distances; most rows do after the first iterations.
// Returns whether any label changed.
bool AssignAndSum(const RowMap& x, const Eigen::VectorXd& x2, const RowMajorMatrixXd& c, bool first, LloydState& s) {
  const Eigen::Index n = x.rows();
  const Eigen::Index d = x.cols();
  const int k = static_cast<int>(c.rows());
  bool changed = false;
  if (first) {
    AssignAll(x, x2, c, s);
    changed = true;
  } else {
    // Half the distance from each centroid to its nearest other: a row
    // closer than that to its centroid cannot be closer to another.
    for (int a = 0; a < k; ++a) {
      double nearest = std::numeric_limits<double>::infinity();
      for (int b = 0; b < k; ++b) {
        if (b != a) nearest = std::min(nearest, SquaredDistance(c.row(a).data(), c.row(b).data(), d));
      }
      s.half_gap[a] = 0.5 * std::sqrt(nearest);
    }
    Eigen::Index far = 0;
    s.shift.maxCoeff(&far);
    double second_shift = 0;
    for (int j = 0; j < k; ++j) {
      if (j != far) second_shift = std::max(second_shift, s.shift[j]);
    }
    for (Eigen::Index i = 0; i < n; ++i) {
      const double* row = x.data() + i * d;
      const int a = s.labels[i];
      double u = s.upper[i] + s.shift[a];
      double l = s.lower[i] - (a == far ? second_shift : s.shift[far]);
      const double z = std::max(l, s.half_gap[a]);
      if (u > z) {
        u = std::sqrt(SquaredDistance(row, c.row(a).data(), d));
        if (u > z) {
          // Every centroid, directly; ties keep the lowest index as the first pass does.
          int best = 0;
          double best_d2 = SquaredDistance(row, c.data(), d);
          double second_d2 = std::numeric_limits<double>::infinity();
          for (int j = 1; j < k; ++j) {
            const double v = SquaredDistance(row, c.row(j).data(), d);
            if (v < best_d2) {
              second_d2 = best_d2;
              best_d2 = v;
              best = j;
            } else if (v < second_d2) {
              second_d2 = v;
            }
          }
          u = std::sqrt(best_d2);
          l = std::sqrt(second_d2);
          if (best != a) {
            s.labels[i] = best;
            changed = true;
          }
        }
      }
      s.upper[i] = u;
      s.lower[i] = l;
    }
  }
  s.sums.setZero();
  std::fill(s.counts.begin(), s.counts.end(), 0);
  for (Eigen::Index i = 0; i < n; ++i) {
    // Raw pointers: a short loop the compiler vectorises, without Eigen's per-row setup.
    double* sum = s.sums.data() + s.labels[i] * d;
    const double* row = x.data() + i * d;
    for (Eigen::Index j = 0; j < d; ++j) sum[j] += row[j];
    ++s.counts[s.labels[i]];
  }
  return changed;
}

// The means from AssignAndSum's sums, into `out`, and each centroid's shift
// from `previous`. An empty cluster keeps its centroid from `previous` unless
// `refill`, when it takes the row farthest from its centroid (which then is
// not taken again).
void Means(const RowMap& x, const RowMajorMatrixXd& previous, bool refill, LloydState& s, RowMajorMatrixXd& out) {
  const Eigen::Index d = x.cols();
  bool distances = false;
  for (Eigen::Index j = 0; j < previous.rows(); ++j) {
    if (s.counts[j] > 0) {
      out.row(j) = s.sums.row(j) / static_cast<double>(s.counts[j]);
    } else if (refill) {
      if (!distances) {  // rare: every row's squared distance to its centroid
        for (Eigen::Index i = 0; i < x.rows(); ++i) {
          s.dist[i] = SquaredDistance(x.data() + i * d, previous.row(s.labels[i]).data(), d);
        }
        distances = true;
      }
      Eigen::Index far;
      s.dist.maxCoeff(&far);
      out.row(j) = x.row(far);
      s.dist[far] = -1;
    } else {
      out.row(j) = previous.row(j);
    }
    s.shift[j] = std::sqrt(SquaredDistance(out.row(j).data(), previous.row(j).data(), d));
  }
}

absl::StatusOr<KMeansResult> RunKMeans(const RowMap& x, const KMeansOptions& options) {
  const Eigen::Index n = x.rows();
  if (n == 0 || x.cols() == 0) return absl::InvalidArgumentError("k-means: no points");
  if (options.k < 1) return absl::InvalidArgumentError(absl::StrCat("k-means: k must be at least 1, got ", options.k));
  if (options.k > n) {
    return absl::InvalidArgumentError(
        absl::StrCat("k-means: k = ", options.k, " is more than the number of points (", n, ")"));
  }
  if (options.restarts < 1) return absl::InvalidArgumentError("k-means: restarts must be at least 1");
  if (options.max_iterations < 0) return absl::InvalidArgumentError("k-means: max_iterations must be >= 0");
  if (options.local_trials < 0) return absl::InvalidArgumentError("k-means: local_trials must be >= 0");

  // Row by row over the contiguous rows (a column-wise Eigen reduction on a
  // row-major map would stride through memory once per column): squared
  // norms, column means, then the variance the tolerance is relative to.
  const int k = options.k;
  const int trials = options.local_trials > 0 ? options.local_trials : 2 + static_cast<int>(std::log(k));
  const Eigen::Index d = x.cols();
  Eigen::VectorXd x2(n);
  std::vector<double> col_mean(d, 0.0);
  bool finite = true;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double* row = x.data() + i * d;
    double norm = 0;
    for (Eigen::Index j = 0; j < d; ++j) {
      norm += row[j] * row[j];
      col_mean[j] += row[j];
    }
    x2[i] = norm;
    finite = finite && std::isfinite(norm);  // NaN and infinities propagate to the norm
  }
  // A norm that overflowed is not yet a value that is not finite.
  if (!finite && !x.allFinite()) return absl::InvalidArgumentError("k-means: a value is NaN or infinite");
  for (double& m : col_mean) m /= static_cast<double>(n);
  double ss = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double* row = x.data() + i * d;
    for (Eigen::Index j = 0; j < d; ++j) ss += (row[j] - col_mean[j]) * (row[j] - col_mean[j]);
  }
  const double mean_variance = ss / (static_cast<double>(n) * d);
  const double tol = options.tolerance * mean_variance;

  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  const bool greedy = options.init == KMeansInit::kKMeansPlusPlus && trials > 1;
  LloydState s(n, x.cols(), k, greedy ? trials : 0);
  RowMajorMatrixXd next(k, x.cols());
  for (int run = 0; run < options.restarts; ++run) {
    std::mt19937_64 rng(RunSeed(options.seed, run));
    RowMajorMatrixXd c = options.init == KMeansInit::kRandom
                             ? SeedRandom(x, k, rng)
                             : SeedPlusPlus(x, x2, k, trials, rng, s.dist, s.cumulative, s.trial_d2);
    std::fill(s.labels.begin(), s.labels.end(), -1);
    int iterations = 0;
    bool converged = false;  // labels and sums agree with `c`'s assignment
    for (int it = 0; it < options.max_iterations; ++it) {
      const bool changed = AssignAndSum(x, x2, c, /*first=*/it == 0, s);
      iterations = it + 1;
      if (!changed) {
        converged = true;
        break;
      }
      Means(x, c, /*refill=*/true, s, next);
      const double shift = (next - c).squaredNorm();
      c.swap(next);
      if (shift <= tol) break;
    }
    // Final labels against the last centroids, and centroids as their means.
    if (!converged) AssignAndSum(x, x2, c, /*first=*/iterations == 0, s);
    Means(x, c, /*refill=*/false, s, next);
    c.swap(next);
    double inertia = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double* row = x.data() + i * x.cols();
      const double* centre = c.data() + s.labels[i] * x.cols();
      for (Eigen::Index j = 0; j < x.cols(); ++j) inertia += (row[j] - centre[j]) * (row[j] - centre[j]);
    }
    if (inertia < best.inertia) {
      best.inertia = inertia;
      best.labels = s.labels;
      best.centroids = c;
      best.iterations = iterations;
    }
  }
  return best;
}

std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return "null";
  if (v == 0) return "0";  // no "-0"
  return absl::StrFormat("%.12g", v);
}


std::string CsvField(absl::string_view s) {
  if (s.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

absl::string_view KindName(cel::Value::Kind kind) {
  switch (kind) {
    case cel::Value::Kind::kNull: return "null";
    case cel::Value::Kind::kBool: return "bool";
    case cel::Value::Kind::kInt: return "int";
    case cel::Value::Kind::kUint: return "uint";
    case cel::Value::Kind::kDouble: return "double";
    case cel::Value::Kind::kString: return "string";
    case cel::Value::Kind::kBytes: return "bytes";
    case cel::Value::Kind::kTimestamp: return "timestamp";
    case cel::Value::Kind::kDuration: return "duration";
    case cel::Value::Kind::kList: return "list";
    case cel::Value::Kind::kMap: return "map";
    case cel::Value::Kind::kStruct: return "message";
    case cel::Value::Kind::kType: return "type";
    case cel::Value::Kind::kOptional: return "optional";
    case cel::Value::Kind::kError: return "error";
  }
  return "unknown";
}

}  // namespace

// ------------------------------------------------------------------ core

absl::StatusOr<KMeansResult> KMeans(const Eigen::MatrixXd& x, const KMeansOptions& options) {
  // Rows contiguous for the row-at-a-time passes.
  const RowMajorMatrixXd rows = x;
  return RunKMeans(RowMap(rows.data(), rows.rows(), rows.cols()), options);
}

absl::StatusOr<KMeansResult> KMeans(const Eigen::Map<const RowMajorMatrixXd>& x, const KMeansOptions& options) {
  return RunKMeans(x, options);
}

absl::StatusOr<double> SampledSilhouette(const Eigen::MatrixXd& x, absl::Span<const int> labels, int sample_size,
                                         uint64_t seed) {
  const size_t n = x.rows();
  if (labels.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("silhouette: ", labels.size(), " labels for ", n, " points"));
  }
  if (sample_size < 2) return absl::InvalidArgumentError("silhouette: sample_size must be at least 2");
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  size_t m = n;
  if (n > static_cast<size_t>(sample_size)) {
    m = sample_size;
    std::mt19937_64 rng(seed);
    for (size_t j = 0; j < m; ++j) std::swap(idx[j], idx[j + UniformIndex(rng, n - j)]);
    idx.resize(m);
  }
  int clusters = 0;
  for (size_t i : idx) {
    if (labels[i] < 0) return absl::InvalidArgumentError("silhouette: a label is negative");
    clusters = std::max(clusters, labels[i] + 1);
  }
  Eigen::MatrixXd s(m, x.cols());
  std::vector<int> l(m);
  std::vector<int64_t> counts(clusters, 0);
  for (size_t j = 0; j < m; ++j) {
    s.row(j) = x.row(idx[j]);
    l[j] = labels[idx[j]];
    ++counts[l[j]];
  }
  if (std::count_if(counts.begin(), counts.end(), [](int64_t c) { return c > 0; }) < 2) {
    return absl::InvalidArgumentError("silhouette: the sample holds fewer than two clusters");
  }
  const Eigen::VectorXd s2 = s.rowwise().squaredNorm();
  Eigen::MatrixXd d = -2.0 * (s * s.transpose());
  d.rowwise() += s2.transpose();
  d.colwise() += s2;
  d = d.cwiseMax(0.0).cwiseSqrt();
  double total = 0;
  std::vector<double> sums(clusters);
  for (size_t i = 0; i < m; ++i) {
    std::fill(sums.begin(), sums.end(), 0.0);
    for (size_t j = 0; j < m; ++j) {
      if (j != i) sums[l[j]] += d(i, j);
    }
    if (counts[l[i]] < 2) continue;  // alone in its cluster: 0
    const double a = sums[l[i]] / static_cast<double>(counts[l[i]] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int c = 0; c < clusters; ++c) {
      if (c != l[i] && counts[c] > 0) b = std::min(b, sums[c] / static_cast<double>(counts[c]));
    }
    const double denom = std::max(a, b);
    if (denom > 0) total += (b - a) / denom;
  }
  return total / static_cast<double>(m);
}

// ------------------------------------------------------------------ features

absl::StatusOr<FeatureMatrix> BuildFeatureMatrix(absl::Span<const FeatureValues> features) {
  if (features.empty()) return absl::InvalidArgumentError("no features");
  const size_t n = features[0].values.size();
  if (n == 0) return absl::InvalidArgumentError("no customers");
  for (const FeatureValues& f : features) {
    if (f.values.size() != n) {
      return absl::InvalidArgumentError(absl::StrCat("feature \"", f.name, "\" has ", f.values.size(),
                                                     " values; the first feature has ", n));
    }
  }
  FeatureMatrix out;
  std::vector<std::vector<double>> numeric(features.size());
  std::vector<std::vector<int>> category_of(features.size());
  int columns = 0;
  for (size_t fi = 0; fi < features.size(); ++fi) {
    const FeatureValues& f = features[fi];
    FeatureEncoding enc;
    enc.name = f.name;
    enc.first_column = columns;
    // Classify: numeric, categorical or missing.
    int numbers = 0, labels = 0;
    size_t first_number = 0, first_label = 0;
    std::string first_error;
    std::vector<double> nums(n, std::numeric_limits<double>::quiet_NaN());
    std::vector<std::string> strs(n);
    std::vector<bool> present(n, false);
    for (size_t i = 0; i < n; ++i) {
      const cel::Value& v = f.values[i];
      switch (v.kind()) {
        case cel::Value::Kind::kNull:
          break;
        case cel::Value::Kind::kError:
          if (first_error.empty()) first_error = std::string(v.error_value().message());
          break;
        case cel::Value::Kind::kInt:
        case cel::Value::Kind::kUint:
        case cel::Value::Kind::kDouble:
        case cel::Value::Kind::kDuration:
        case cel::Value::Kind::kTimestamp: {
          double d = v.kind() == cel::Value::Kind::kInt      ? static_cast<double>(v.int_value())
                     : v.kind() == cel::Value::Kind::kUint   ? static_cast<double>(v.uint_value())
                     : v.kind() == cel::Value::Kind::kDouble ? v.double_value()
                     : v.kind() == cel::Value::Kind::kDuration
                         ? absl::ToDoubleSeconds(v.duration_value())
                         : absl::ToDoubleSeconds(v.timestamp_value() - absl::UnixEpoch());
          if (!std::isfinite(d)) break;  // NaN and infinities count as missing
          if (numbers++ == 0) first_number = i;
          nums[i] = d;
          present[i] = true;
          break;
        }
        case cel::Value::Kind::kBool:
        case cel::Value::Kind::kString:
          if (labels++ == 0) first_label = i;
          strs[i] = v.kind() == cel::Value::Kind::kBool ? (v.bool_value() ? "true" : "false")
                                                         : std::string(v.string_value());
          present[i] = true;
          break;
        default:
          return absl::InvalidArgumentError(absl::StrCat("feature \"", f.name, "\": value ", i + 1, " is a ",
                                                         KindName(v.kind()),
                                                         "; expected a number, duration, timestamp, string or bool"));
      }
    }
    if (numbers == 0 && labels == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("feature \"", f.name, "\" is null for every customer",
                       first_error.empty() ? "" : absl::StrCat(" (or an error, e.g. \"", first_error, "\")")));
    }
    if (numbers > 0 && labels > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "feature \"", f.name, "\" mixes numbers (", KindName(f.values[first_number].kind()), ", value ",
          first_number + 1, ") with categories (", KindName(f.values[first_label].kind()), ", value ",
          first_label + 1, "); convert one kind, e.g. with string() or double()"));
    }
    enc.missing = static_cast<int64_t>(n) - (numbers + labels);
    if (numbers > 0) {
      double sum = 0;
      for (size_t i = 0; i < n; ++i) {
        if (present[i]) sum += nums[i];
      }
      const double mean = sum / numbers;
      double ss = 0;
      for (size_t i = 0; i < n; ++i) {
        if (present[i]) ss += (nums[i] - mean) * (nums[i] - mean);
      }
      const double stddev = std::sqrt(ss / numbers);
      if (!(stddev > 1e-12 * std::max(1.0, std::fabs(mean)))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "feature \"", f.name, "\" has zero variance: every customer", enc.missing > 0 ? " with a value" : "",
            " has ", FormatNumber(nums[first_number]), ", so it cannot separate clusters"));
      }
      enc.mean = mean;
      enc.stddev = stddev;
      for (size_t i = 0; i < n; ++i) {
        if (!present[i]) nums[i] = mean;  // imputed: z = 0
      }
      numeric[fi] = std::move(nums);
      columns += 1;
    } else {
      std::map<std::string, int64_t> count;
      for (size_t i = 0; i < n; ++i) {
        if (!present[i]) strs[i] = "null";
        ++count[strs[i]];
      }
      if (count.size() < 2) {
        return absl::InvalidArgumentError(absl::StrCat("feature \"", f.name, "\" has zero variance: every customer is \"",
                                                       count.begin()->first, "\", so it cannot separate clusters"));
      }
      enc.categorical = true;
      std::map<std::string, int> index;
      for (const auto& [label, c] : count) {
        index[label] = static_cast<int>(enc.categories.size());
        enc.categories.push_back(label);
        enc.shares.push_back(static_cast<double>(c) / n);
      }
      enc.column_count = static_cast<int>(enc.categories.size());
      std::vector<int> cats(n);
      for (size_t i = 0; i < n; ++i) cats[i] = index[strs[i]];
      category_of[fi] = std::move(cats);
      enc.mean = 0;
      enc.stddev = 1;
      columns += enc.column_count;
    }
    out.features.push_back(std::move(enc));
  }
  out.x = Eigen::MatrixXd::Zero(n, columns);
  for (size_t fi = 0; fi < features.size(); ++fi) {
    const FeatureEncoding& enc = out.features[fi];
    for (size_t i = 0; i < n; ++i) {
      if (enc.categorical) {
        out.x(i, enc.first_column + category_of[fi][i]) = 1.0;
      } else {
        out.x(i, enc.first_column) = (numeric[fi][i] - enc.mean) / enc.stddev;
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------ clusters

absl::StatusOr<ClusterResult> ClusterFeatures(absl::Span<const std::string> customer_ids,
                                              absl::Span<const FeatureValues> features, const ClusterOptions& options) {
  const size_t n = customer_ids.size();
  if (n == 0) return absl::InvalidArgumentError("no customers to cluster");
  if (options.k < 0) return absl::InvalidArgumentError(absl::StrCat("k must be at least 1, got ", options.k));
  if (static_cast<size_t>(options.k) > n) {
    return absl::InvalidArgumentError(
        absl::StrCat("k = ", options.k, " is more than the number of customers (", n, ")"));
  }
  if (options.k == 0 && n < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("choosing k needs at least 3 customers, there are ", n, "; give k"));
  }
  if (options.k == 0 && options.max_k < 2) return absl::InvalidArgumentError("max_k must be at least 2");
  for (const FeatureValues& f : features) {
    if (f.values.size() != n) {
      return absl::InvalidArgumentError(
          absl::StrCat("feature \"", f.name, "\" has ", f.values.size(), " values for ", n, " customers"));
    }
  }
  SALESKIT_ASSIGN_OR_RETURN(FeatureMatrix fm, BuildFeatureMatrix(features));

  ClusterResult result;
  KMeansOptions km;
  km.restarts = options.restarts;
  km.max_iterations = options.max_iterations;
  km.tolerance = options.tolerance;
  km.seed = options.seed;
  KMeansResult chosen;
  if (options.k > 0) {
    km.k = options.k;
    SALESKIT_ASSIGN_OR_RETURN(chosen, KMeans(fm.x, km));
    result.k = options.k;
  } else {
    result.k_chosen = true;
    double best = -std::numeric_limits<double>::infinity();
    const int top = std::min<int>(options.max_k, static_cast<int>(n) - 1);
    for (int k = 2; k <= top; ++k) {
      km.k = k;
      SALESKIT_ASSIGN_OR_RETURN(KMeansResult r, KMeans(fm.x, km));
      auto s = SampledSilhouette(fm.x, r.labels, options.silhouette_sample, options.seed);
      const double score = s.ok() ? *s : -1.0;  // one cluster in the sample: worst
      result.silhouettes.emplace_back(k, score);
      if (score > best) {
        best = score;
        result.k = k;
        chosen = std::move(r);
      }
    }
  }

  // Renumber: largest cluster first, equal sizes by first customer.
  const int k = result.k;
  std::vector<int64_t> size(k, 0);
  std::vector<size_t> first(k, n);
  for (size_t i = 0; i < n; ++i) {
    ++size[chosen.labels[i]];
    first[chosen.labels[i]] = std::min(first[chosen.labels[i]], i);
  }
  std::vector<int> order(k);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return size[a] != size[b] ? size[a] > size[b] : first[a] < first[b]; });
  std::vector<int> renumber(k);
  for (int j = 0; j < k; ++j) renumber[order[j]] = j;

  result.inertia = chosen.inertia;
  result.customer_ids.assign(customer_ids.begin(), customer_ids.end());
  result.assignment.resize(n);
  for (size_t i = 0; i < n; ++i) result.assignment[i] = renumber[chosen.labels[i]];

  for (int j = 0; j < k; ++j) {
    const int old = order[j];
    const Eigen::RowVectorXd c = chosen.centroids.row(old);
    Cluster cl;
    cl.cluster = j;
    cl.size = size[old];
    std::vector<Distinction> all;
    for (const FeatureEncoding& enc : fm.features) {
      CentroidValue cv;
      cv.feature = enc.name;
      cv.categorical = enc.categorical;
      if (enc.categorical) {
        for (int ci = 0; ci < enc.column_count; ++ci) {
          const double share = c[enc.first_column + ci];
          const double p = enc.shares[ci];
          cv.shares.emplace_back(enc.categories[ci], share);
          all.push_back({enc.name, enc.categories[ci], (share - p) / std::sqrt(p * (1 - p)), share});
        }
      } else {
        const double z = c[enc.first_column];
        cv.value = z * enc.stddev + enc.mean;
        all.push_back({enc.name, "", z, cv.value});
      }
      cl.centroid.push_back(std::move(cv));
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const Distinction& a, const Distinction& b) { return std::fabs(a.z) > std::fabs(b.z); });
    if (static_cast<int>(all.size()) > options.top_features) all.resize(std::max(0, options.top_features));
    cl.distinguishing = std::move(all);
    result.clusters.push_back(std::move(cl));
  }
  result.features = std::move(fm.features);
  return result;
}

absl::StatusOr<ClusterResult> ClusterCustomers(const Engine& engine,
                                               absl::Span<const std::shared_ptr<const Expression>> features,
                                               const ClusterOptions& options) {
  if (features.empty()) return absl::InvalidArgumentError("no features");
  std::vector<std::string> ids;
  {
    auto snap = engine.Read();
    const CustomerStore& store = snap.store();
    for (uint32_t row = 0; row < store.row_capacity(); ++row) {
      if (store.live().Get(row)) ids.emplace_back(store.IdOf(row));
    }
  }
  std::sort(ids.begin(), ids.end());
  std::vector<FeatureValues> values;
  for (const auto& expr : features) {
    FeatureValues f;
    f.name = expr->source();
    f.values.reserve(ids.size());
    for (const std::string& id : ids) {
      SALESKIT_ASSIGN_OR_RETURN(cel::Value v, engine.Evaluate(*expr, id));
      f.values.push_back(std::move(v));
    }
    values.push_back(std::move(f));
  }
  return ClusterFeatures(ids, values, options);
}

absl::StatusOr<ClusterResult> ClusterRecords(absl::Span<const std::string> features,
                                             const ClusterRecordsInput& input, const ClusterOptions& options) {
  if (features.empty()) return absl::InvalidArgumentError("no features");
  EngineOptions engine_options;
  if (input.now) engine_options.start = *input.now;
  SALESKIT_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::Create(engine_options));
  // Compile before loading: the store keeps an expression's event windows only from then on.
  std::vector<std::shared_ptr<const Expression>> expressions;
  for (const std::string& source : features) {
    auto expression = engine->Compile(source, /*condition=*/false);
    if (!expression.ok()) {
      return absl::Status(expression.status().code(),
                          absl::StrCat("feature \"", source, "\": ", expression.status().message()));
    }
    expressions.push_back(*std::move(expression));
  }
  auto customers = engine->Load(RecordKind::kCustomers, input.customers, input.customers_format, {},
                                input.customers_read);
  if (!customers.ok()) {
    return absl::Status(customers.status().code(), absl::StrCat("customers: ", customers.status().message()));
  }
  if (!input.events.empty()) {
    auto events = engine->Load(RecordKind::kEvents, input.events, input.events_format);
    if (!events.ok()) {
      return absl::Status(events.status().code(), absl::StrCat("events: ", events.status().message()));
    }
  }
  if (!input.now) {
    const Micros latest = engine->Read().store().latest_event_time().value_or(0);
    if (latest > 0) SALESKIT_RETURN_IF_ERROR(engine->AdvanceTo(absl::FromUnixMicros(latest)));
  }
  return ClusterCustomers(*engine, expressions, options);
}

// ------------------------------------------------------------------ writers

std::string ClusterAssignmentsToCsv(const ClusterResult& result) {
  std::string out = "customer_id,cluster\n";
  for (size_t i = 0; i < result.customer_ids.size(); ++i) {
    absl::StrAppend(&out, CsvField(result.customer_ids[i]), ",", result.assignment[i], "\n");
  }
  return out;
}

std::string ClusterToJson(const ClusterResult& result) {
  std::string out = absl::StrCat("{\"k\":", result.k, ",\"k_chosen\":", result.k_chosen ? "true" : "false",
                                 ",\"silhouettes\":[");
  for (size_t i = 0; i < result.silhouettes.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", "{\"k\":", result.silhouettes[i].first,
                    ",\"silhouette\":", FormatNumber(result.silhouettes[i].second), "}");
  }
  out += "],\"clusters\":[";
  for (size_t j = 0; j < result.clusters.size(); ++j) {
    const Cluster& cl = result.clusters[j];
    absl::StrAppend(&out, j ? "," : "", "{\"cluster\":", cl.cluster, ",\"size\":", cl.size, ",\"centroid\":{");
    for (size_t f = 0; f < cl.centroid.size(); ++f) {
      const CentroidValue& cv = cl.centroid[f];
      absl::StrAppend(&out, f ? "," : "", saleskit::internal::JsonString(cv.feature), ":");
      if (cv.categorical) {
        out += "{";
        for (size_t c = 0; c < cv.shares.size(); ++c) {
          absl::StrAppend(&out, c ? "," : "", saleskit::internal::JsonString(cv.shares[c].first), ":", FormatNumber(cv.shares[c].second));
        }
        out += "}";
      } else {
        out += FormatNumber(cv.value);
      }
    }
    out += "},\"distinguishing\":[";
    for (size_t d = 0; d < cl.distinguishing.size(); ++d) {
      const Distinction& x = cl.distinguishing[d];
      absl::StrAppend(&out, d ? "," : "", "{\"feature\":", saleskit::internal::JsonString(x.feature));
      if (!x.category.empty()) absl::StrAppend(&out, ",\"category\":", saleskit::internal::JsonString(x.category));
      absl::StrAppend(&out, ",\"z\":", FormatNumber(x.z), ",\"value\":", FormatNumber(x.value), "}");
    }
    out += "]}";
  }
  out += "],\"assignments\":{";
  for (size_t i = 0; i < result.customer_ids.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", saleskit::internal::JsonString(result.customer_ids[i]), ":", result.assignment[i]);
  }
  out += "}}\n";
  return out;
}

std::string ClusterSummaryText(const ClusterResult& result) {
  std::string out = absl::StrCat("k = ", result.k);
  if (result.k_chosen) {
    out += " (chosen by sampled silhouette:";
    for (const auto& [k, s] : result.silhouettes) absl::StrAppend(&out, " k=", k, " ", absl::StrFormat("%.3f", s));
    out += ")";
  }
  absl::StrAppend(&out, "; ", result.customer_ids.size(), " customers\n");
  for (const Cluster& cl : result.clusters) {
    absl::StrAppend(&out, "cluster ", cl.cluster, ": ", cl.size, " customers\n  centroid:");
    for (size_t f = 0; f < cl.centroid.size(); ++f) {
      const CentroidValue& cv = cl.centroid[f];
      absl::StrAppend(&out, f ? ";" : "", " ", cv.feature, " = ");
      if (cv.categorical) {
        for (size_t c = 0; c < cv.shares.size(); ++c) {
          absl::StrAppend(&out, c ? ", " : "", cv.shares[c].first, " ",
                          absl::StrFormat("%.0f%%", 100 * cv.shares[c].second));
        }
      } else {
        out += absl::StrFormat("%.6g", cv.value);
      }
    }
    out += "\n  distinguishing:";
    for (size_t d = 0; d < cl.distinguishing.size(); ++d) {
      const Distinction& x = cl.distinguishing[d];
      absl::StrAppend(&out, d ? "," : "", " ", x.feature, x.category.empty() ? "" : absl::StrCat(" = ", x.category),
                      absl::StrFormat(" %+.2f sd", x.z));
    }
    out += "\n";
  }
  return out;
}

}  // namespace saleskit
