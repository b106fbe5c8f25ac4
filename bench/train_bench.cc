// Speed of logistic regression (docs/benchmarks.md, "Training and scoring"):
// FitLogistic against scikit-learn on the same data in the same run, and
// batch scoring against one core's memory bandwidth.
//
//   build/bench/train_bench [--rows=N] [--score-rows=N] [--runs=N] [--export=DIR]
//                           [--python=PATH] [--no-peers]
//
// 1. Training. --rows (default 1M) synthetic rows of 50 features: 30
//    standardised numeric columns (correlated through a shared factor), two
//    5-level categories one-hot encoded with the first level dropped (8
//    columns) and 12 independent 0/1 flags (rates 3%-50%); labels drawn from a
//    known logistic model, about 15% positive. FitLogistic with l2 = 1
//    (scikit-learn's default C = 1), best of --runs (3), wall and CPU time.
//    Floor: <= 2 s on one core.
// 2. Peers. The data (X as column-major float64 .npy, y as uint8 .npy) and
//    saleskit's coefficients go to --export DIR (default ./train_bench_data);
//    then `PYTHON bench/train_peers.py DIR` fits scikit-learn's
//    LogisticRegression(C=1) with solver="lbfgs" and "newton-cholesky" at the
//    default tol (1e-4), and newton-cholesky at tol=1e-10 (the accuracy
//    reference), BLAS and OpenMP limited to one thread, and prints a `PEER`
//    line per solver: time, objective, max |coefficient difference| from
//    saleskit and AUC. The bench prints the ratios, and aborts if saleskit's
//    objective is higher than a peer's (both minimise the same strictly convex
//    function: a higher value is a wrong answer). Without scikit-learn
//    (--python=PATH, default python3) the peers are skipped with a message.
// 3. Scoring. Over --score-rows (default 10M) rows of the same generator,
//    column-major float64 (400 bytes a row): Eigen's product then the sigmoid
//    (the reference), PredictLogistic and ScoreLogistic (the kernel under
//    both), rows per second against the floor (50M rows/s) and against what
//    one core's read bandwidth permits.
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/strings/str_cat.h"
#include "bench_util.h"
#include "saleskit/score/logistic.h"
#include "saleskit/score/metrics.h"

namespace {

using saleskit::bench::ReadBandwidth;
using saleskit::bench::Rng;
using saleskit::bench::Stopwatch;

constexpr double kTrainFloorSeconds = 2.0;
constexpr int64_t kFloorRows = 1000000;
constexpr double kScoreFloorRowsPerSecond = 50e6;
constexpr int kFeatures = 50;
constexpr int kNumeric = 30;
constexpr int kCategories = 2, kLevels = 5;  // one-hot, first level dropped: 8 columns
constexpr int kFlags = kFeatures - kNumeric - kCategories * (kLevels - 1);
constexpr double kL2 = 1.0;

int64_t g_rows = kFloorRows;
int64_t g_score_rows = 10000000;
int g_runs = 3;
std::string g_export = "train_bench_data";
std::string g_python = "python3";
bool g_peers = true;

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "train_bench: %s\n", message.c_str());
  std::exit(1);
}

// The generating model: fixed coefficients of mixed sign and size.
struct TrueModel {
  double w[kFeatures];
  double intercept = -2.6;
  TrueModel() {
    Rng rng{12345};
    for (int j = 0; j < kFeatures; ++j) w[j] = (rng.Uniform() - 0.5) * (j < kNumeric ? 0.8 : 1.6);
  }
};

// Rows of the synthetic data; row i depends only on the seed and i's
// predecessors, so the first N rows are the same whatever the total.
struct Data {
  Eigen::MatrixXd x;
  std::vector<uint8_t> y;  // 0/1
};

Data Generate(int64_t n, uint64_t seed) {
  const TrueModel truth;
  Rng rng{seed};
  Data data{Eigen::MatrixXd(n, kFeatures), std::vector<uint8_t>(static_cast<size_t>(n))};
  double flag_rate[kFlags];
  for (int f = 0; f < kFlags; ++f) flag_rate[f] = 0.03 + 0.47 * f / (kFlags - 1);
  auto normal = [&rng] {  // Box-Muller, one of the pair
    const double u = 1 - rng.Uniform(), v = rng.Uniform();
    return std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * v);
  };
  double row[kFeatures];
  for (int64_t i = 0; i < n; ++i) {
    const double factor = normal();
    int j = 0;
    for (; j < kNumeric; ++j) row[j] = 0.6 * factor + 0.8 * normal();  // unit variance
    for (int c = 0; c < kCategories; ++c) {
      const int level = rng.Weighted({0.4, 0.25, 0.15, 0.12, 0.08});
      for (int l = 1; l < kLevels; ++l) row[j++] = level == l ? 1 : 0;
    }
    for (int f = 0; f < kFlags; ++f) row[j++] = rng.Uniform() < flag_rate[f] ? 1 : 0;
    double z = truth.intercept;
    for (j = 0; j < kFeatures; ++j) {
      data.x(i, j) = row[j];
      z += truth.w[j] * row[j];
    }
    data.y[static_cast<size_t>(i)] = rng.Uniform() < 1 / (1 + std::exp(-z)) ? 1 : 0;
  }
  return data;
}

// .npy version 1.0: a float64 matrix in Fortran (column-major) order, or a uint8 vector.
void WriteNpy(const std::string& path, const char* descr, bool fortran, const std::vector<int64_t>& shape,
              const void* bytes, size_t size) {
  std::string shape_text = "(";
  for (int64_t s : shape) absl::StrAppend(&shape_text, s, ",");
  if (shape.size() > 1) shape_text.pop_back();
  shape_text += ")";
  std::string header = absl::StrCat("{'descr': '", descr, "', 'fortran_order': ", fortran ? "True" : "False",
                                    ", 'shape': ", shape_text, ", }");
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) Fail(absl::StrCat("cannot write ", path));
  const uint16_t header_len = static_cast<uint16_t>(header.size());
  std::fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  std::fwrite(&header_len, 2, 1, f);  // little-endian hosts only, as the rest of the bench
  std::fwrite(header.data(), 1, header.size(), f);
  if (std::fwrite(bytes, 1, size, f) != size || std::fclose(f) != 0) Fail(absl::StrCat("cannot write ", path));
}

// ReadBandwidth timed by CPU time: on a loaded machine the wall clock counts
// time spent waiting for a core, and the rates below are by CPU time too.
double CpuReadBandwidth() {
  constexpr size_t kWords = size_t{1} << 27;  // 1 GiB, as ReadBandwidth
  std::vector<uint64_t> data(kWords);
  for (size_t i = 0; i < kWords; ++i) data[i] = i;
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    const Stopwatch sw;
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i < kWords; i += 4) {
      a += data[i];
      b += data[i + 1];
      c += data[i + 2];
      d += data[i + 3];
    }
    const double s = sw.Cpu();
    if (a + b + c + d != (kWords * (kWords - 1)) / 2) Fail("bandwidth sum is wrong");
    best = std::max(best, kWords * sizeof(uint64_t) / s);
  }
  return best;
}

struct Timing {
  double wall = 1e300, cpu = 1e300;
};

// The peers' PEER lines: solver, seconds (wall, cpu), iterations, objective,
// max |coefficient difference| from saleskit, AUC.
struct Peer {
  char solver[64];
  double wall, cpu;
  int iterations;
  double objective, max_coef_diff, intercept_diff, auc, saleskit_objective;
};

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) { return saleskit::bench::FlagValue(arg, flag); };
    if (auto v = value("--rows")) {
      g_rows = std::stoll(*v);
    } else if (auto v = value("--score-rows")) {
      g_score_rows = std::stoll(*v);
    } else if (auto v = value("--runs")) {
      g_runs = std::stoi(*v);
    } else if (auto v = value("--export")) {
      g_export = *v;
    } else if (auto v = value("--python")) {
      g_python = *v;
    } else if (arg == "--no-peers") {
      g_peers = false;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--rows=N] [--score-rows=N] [--runs=N] [--export=DIR] [--python=PATH] [--no-peers]\n",
                   argv[0]);
      return 2;
    }
  }
  if (g_rows < 100 || g_score_rows < 1 || g_runs < 1) Fail("--rows must be >= 100, the others positive");

  // ================================================================ training
  std::printf("generating %lld x %d training rows and %lld scoring rows...\n", static_cast<long long>(g_rows),
              kFeatures, static_cast<long long>(g_score_rows));
  const Data train = Generate(g_rows, 42);
  std::unique_ptr<bool[]> labels(new bool[train.y.size()]);
  int64_t positives = 0;
  for (size_t i = 0; i < train.y.size(); ++i) {
    labels[i] = train.y[i] != 0;
    positives += train.y[i];
  }
  const absl::Span<const bool> y(labels.get(), train.y.size());
  std::printf("training data: %lld rows, %d features (%d numeric, %d one-hot, %d flags), %.1f%% positive\n",
              static_cast<long long>(g_rows), kFeatures, kNumeric, kCategories * (kLevels - 1), kFlags,
              100.0 * positives / g_rows);

  saleskit::LogisticOptions options;
  options.l2 = kL2;
  Timing fit;
  saleskit::LogisticModel model;
  for (int run = 0; run < g_runs; ++run) {
    const Stopwatch sw;
    auto fitted = saleskit::FitLogistic(train.x, y, options);
    const double wall = sw.Wall(), cpu = sw.Cpu();
    if (!fitted.ok()) Fail(std::string(fitted.status().message()));
    if (run > 0 && (fitted->weights != model.weights || fitted->intercept != model.intercept)) {
      Fail("two fits of the same data differ");
    }
    model = *std::move(fitted);
    fit.wall = std::min(fit.wall, wall);
    fit.cpu = std::min(fit.cpu, cpu);
    std::printf("  FitLogistic run %d: %.3f s wall, %.3f s cpu, %d Newton steps, converged %s\n", run + 1, wall, cpu,
                model.iterations, model.converged ? "yes" : "no");
  }
  const Eigen::VectorXd p_train = saleskit::PredictLogistic(model, train.x);
  const auto metrics = saleskit::EvaluateBinary(y, absl::MakeConstSpan(p_train.data(), static_cast<size_t>(p_train.size())));
  if (!metrics.ok()) Fail(std::string(metrics.status().message()));
  const double auc = metrics->roc_auc;
  std::printf("saleskit FitLogistic, %lld x %d, l2 = %g: %.3f s wall, %.3f s cpu (best of %d), %d Newton steps, "
              "train AUC %.6f\n",
              static_cast<long long>(g_rows), kFeatures, kL2, fit.wall, fit.cpu, g_runs, model.iterations, auc);
  if (g_rows == kFloorRows) {
    std::printf("floor: <= %.1f s on one core: %s (x%.2f of the floor)\n", kTrainFloorSeconds,
                fit.cpu <= kTrainFloorSeconds ? "MEETS" : "MISSES", fit.cpu / kTrainFloorSeconds);
  } else {
    std::printf("floor: <= %.1f s for %lld rows; not judged at --rows=%lld\n", kTrainFloorSeconds,
                static_cast<long long>(kFloorRows), static_cast<long long>(g_rows));
  }

  // ================================================================ peers
  std::vector<Peer> peers;
  if (g_peers) {
    mkdir(g_export.c_str(), 0755);
    WriteNpy(g_export + "/x.npy", "<f8", /*fortran=*/true, {g_rows, kFeatures}, train.x.data(),
             static_cast<size_t>(train.x.size()) * sizeof(double));
    WriteNpy(g_export + "/y.npy", "|u1", false, {g_rows}, train.y.data(), train.y.size());
    std::vector<double> coef(model.weights.data(), model.weights.data() + kFeatures);
    coef.push_back(model.intercept);
    WriteNpy(g_export + "/saleskit_coef.npy", "<f8", false, {kFeatures + 1}, coef.data(), coef.size() * 8);
    const std::string command = absl::StrCat("OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 '",
                                             g_python, "' '", SALESKIT_SOURCE_DIR, "/bench/train_peers.py' '",
                                             g_export, "' --l2=", kL2, " 2>&1");
    std::printf("running the peers: %s\n", command.c_str());
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) Fail("cannot start the peers");
    char line[1024];
    while (std::fgets(line, sizeof line, pipe) != nullptr) {
      std::printf("  | %s", line);
      Peer peer;
      if (std::sscanf(line, "PEER %63s wall=%lf cpu=%lf iterations=%d objective=%lf max_coef_diff=%lf "
                            "intercept_diff=%lf auc=%lf saleskit_objective=%lf",
                      peer.solver, &peer.wall, &peer.cpu, &peer.iterations, &peer.objective, &peer.max_coef_diff,
                      &peer.intercept_diff, &peer.auc, &peer.saleskit_objective) == 9) {
        peers.push_back(peer);
      }
    }
    const int status = pclose(pipe);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 3) {
      std::printf("scikit-learn is not installed for %s: no peers, no ratio (--python=PATH)\n", g_python.c_str());
    } else if (code != 0) {
      std::printf("the peers failed (exit status %d): no ratio\n", code);
    }
  }
  for (const Peer& peer : peers) {
    std::printf("vs scikit-learn %s: %.3f s wall, %.3f s cpu, %d iterations; saleskit/sklearn = %.3f by cpu "
                "(sklearn/saleskit x%.2f); max |coef diff| %.2e, |intercept diff| %.2e\n",
                peer.solver, peer.wall, peer.cpu, peer.iterations, fit.cpu / peer.cpu, peer.cpu / fit.cpu,
                peer.max_coef_diff, peer.intercept_diff);
    // Both minimise the same strictly convex objective: saleskit's must not be
    // higher than a peer's (a peer at its default tol stops earlier, higher).
    std::printf("  objective: saleskit %.10g, sklearn %.10g (saleskit lower by %.3g); AUC %.6f vs %.6f\n",
                peer.saleskit_objective, peer.objective, peer.objective - peer.saleskit_objective, auc, peer.auc);
    if (peer.saleskit_objective > peer.objective + 1e-9 * std::abs(peer.objective)) {
      Fail(absl::StrCat("saleskit's objective is higher than sklearn ", peer.solver, "'s: a wrong optimum"));
    }
  }

  // ================================================================ scoring
  Data score = Generate(g_score_rows, 43);
  score.y.clear();
  score.y.shrink_to_fit();
  const double wall_bandwidth = ReadBandwidth();
  const double bandwidth = CpuReadBandwidth();
  const double bytes_per_row = kFeatures * sizeof(double);
  const double bound = bandwidth / bytes_per_row;
  std::printf("scoring %lld rows x %d features, column-major float64: %.0f bytes/row; one core reads %.1f GB/s "
              "per CPU second (%.1f GB/s by wall clock), so at most %.1f M rows/s\n",
              static_cast<long long>(g_score_rows), kFeatures, bytes_per_row, bandwidth / 1e9, wall_bandwidth / 1e9,
              bound / 1e6);
  // Reference: Eigen's general matrix-vector product, then the sigmoid (what
  // PredictLogistic was before ScoreLogistic).
  Timing eigen, predict, kernel;
  Eigen::VectorXd reference, predicted, out(g_score_rows);
  for (int run = 0; run < g_runs; ++run) {
    {
      const Stopwatch sw;
      reference.noalias() = score.x * model.weights;
      for (Eigen::Index i = 0; i < reference.size(); ++i) {
        reference(i) = 1 / (1 + std::exp(-(reference(i) + model.intercept)));
      }
      eigen.wall = std::min(eigen.wall, sw.Wall());
      eigen.cpu = std::min(eigen.cpu, sw.Cpu());
    }
    {
      const Stopwatch sw;
      predicted = saleskit::PredictLogistic(model, score.x);
      predict.wall = std::min(predict.wall, sw.Wall());
      predict.cpu = std::min(predict.cpu, sw.Cpu());
    }
    {
      const Stopwatch sw;
      saleskit::ScoreLogistic(model, score.x, absl::MakeSpan(out.data(), static_cast<size_t>(out.size())));
      kernel.wall = std::min(kernel.wall, sw.Wall());
      kernel.cpu = std::min(kernel.cpu, sw.Cpu());
    }
  }
  if (predicted != out) Fail("PredictLogistic and ScoreLogistic differ");
  const double max_diff = (reference - out).cwiseAbs().maxCoeff();
  if (!(max_diff < 1e-12)) Fail(absl::StrCat("ScoreLogistic differs from Eigen's product by ", max_diff));
  const std::pair<const char*, Timing> rows[] = {
      {"Eigen x * w, then sigmoid", eigen}, {"PredictLogistic", predict}, {"ScoreLogistic", kernel}};
  // Rates by CPU time: on a shared machine the wall time includes waiting for a core.
  for (const auto& [name, t] : rows) {
    const double rate = g_score_rows / t.cpu;
    std::printf("%s: %.3f s cpu, %.3f s wall (best of %d): %.1f M rows/s (%.1f by wall), %.1f GB/s, %.0f%% of the "
                "bandwidth bound; floor 50M rows/s: %s\n",
                name, t.cpu, t.wall, g_runs, rate / 1e6, g_score_rows / t.wall / 1e6, rate * bytes_per_row / 1e9,
                100 * rate / bound, rate >= kScoreFloorRowsPerSecond ? "MEETS" : "MISSES");
  }
  std::printf("ScoreLogistic agrees with Eigen's product to %.1e\n", max_diff);
  return 0;
}
