#include "saleskit/score/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "internal/json.h"

namespace saleskit {
namespace {

constexpr int kDeciles = 10;
constexpr double kClip = 1e-15;

// Row indices by probability, highest first; ties in row order.
std::vector<size_t> Descending(absl::Span<const double> p) {
  std::vector<size_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  return order;
}

}  // namespace

absl::StatusOr<BinaryMetrics> EvaluateBinary(absl::Span<const bool> labels, absl::Span<const double> probabilities) {
  if (labels.size() != probabilities.size()) {
    return absl::InvalidArgumentError(absl::StrCat(labels.size(), " labels but ", probabilities.size(),
                                                   " probabilities"));
  }
  const size_t n = labels.size();
  if (n < kDeciles) {
    return absl::InvalidArgumentError(absl::StrCat("evaluation needs at least ", kDeciles, " rows, got ", n));
  }
  BinaryMetrics m;
  m.rows = static_cast<int64_t>(n);
  for (size_t i = 0; i < n; ++i) {
    const double p = probabilities[i];
    if (!std::isfinite(p) || p < 0 || p > 1) {
      return absl::InvalidArgumentError(absl::StrCat("row ", i, ": the probability ", p, " is not in [0, 1]"));
    }
    m.positives += labels[i] ? 1 : 0;
  }
  const int64_t negatives = m.rows - m.positives;
  if (m.positives == 0 || negatives == 0) {
    return absl::InvalidArgumentError(absl::StrCat("every row is ", m.positives == 0 ? "negative" : "positive",
                                                   ": AUC needs both classes"));
  }
  const std::vector<size_t> order = Descending(probabilities);

  // ROC AUC from ranks (ascending, ties averaged); average precision from
  // the same groups of equal probability, walked from the top.
  double positive_rank_sum = 0;
  double ap = 0, tp = 0, fp = 0, last_recall = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    int64_t group_positives = 0;
    while (j < n && probabilities[order[j]] == probabilities[order[i]]) group_positives += labels[order[j++]] ? 1 : 0;
    // Descending positions i..j-1 are ascending ranks n-j+1 .. n-i; their mean:
    const double mean_rank = (static_cast<double>(n - j + 1) + static_cast<double>(n - i)) / 2;
    positive_rank_sum += mean_rank * static_cast<double>(group_positives);
    tp += static_cast<double>(group_positives);
    fp += static_cast<double>((j - i) - static_cast<size_t>(group_positives));
    const double recall = tp / static_cast<double>(m.positives);
    ap += (recall - last_recall) * (tp / (tp + fp));
    last_recall = recall;
    i = j;
  }
  const double p_count = static_cast<double>(m.positives);
  m.roc_auc = (positive_rank_sum - p_count * (p_count + 1) / 2) / (p_count * static_cast<double>(negatives));
  m.pr_auc = ap;

  double loss = 0, brier = 0;
  for (size_t i = 0; i < n; ++i) {
    const double p = std::clamp(probabilities[i], kClip, 1 - kClip);
    loss -= labels[i] ? std::log(p) : std::log1p(-p);
    const double d = probabilities[i] - (labels[i] ? 1.0 : 0.0);
    brier += d * d;
  }
  m.log_loss = loss / static_cast<double>(n);
  m.brier = brier / static_cast<double>(n);

  const double overall = p_count / static_cast<double>(n);
  size_t at = 0;
  double cumulative = 0;
  for (int d = 0; d < kDeciles; ++d) {
    const size_t size = n / kDeciles + (static_cast<size_t>(d) < n % kDeciles ? 1 : 0);
    double hits = 0;
    for (size_t k = 0; k < size; ++k) hits += labels[order[at++]] ? 1 : 0;
    cumulative += hits;
    m.lift.push_back(hits / static_cast<double>(size) / overall);
    m.cumulative_gains.push_back(cumulative / p_count);
  }

  std::vector<CalibrationBin> bins(kDeciles);
  std::vector<double> sums(kDeciles, 0), hits(kDeciles, 0);
  for (size_t i = 0; i < n; ++i) {
    const int b = std::min(kDeciles - 1, static_cast<int>(probabilities[i] * kDeciles));
    ++bins[b].count;
    sums[b] += probabilities[i];
    hits[b] += labels[i] ? 1 : 0;
  }
  for (int b = 0; b < kDeciles; ++b) {
    if (bins[b].count == 0) continue;
    CalibrationBin bin = bins[b];
    bin.lower = static_cast<double>(b) / kDeciles;
    bin.upper = static_cast<double>(b + 1) / kDeciles;
    bin.mean_probability = sums[b] / static_cast<double>(bin.count);
    bin.positive_rate = hits[b] / static_cast<double>(bin.count);
    m.calibration.push_back(bin);
  }
  return m;
}

std::string BinaryMetricsToJson(const BinaryMetrics& m) {
  std::string out = absl::StrCat("{\"rows\":", m.rows, ",\"positives\":", m.positives, ",\"auc\":");
  auto number = [&](double d) { internal::AppendJsonNumber(d, &out); };
  auto list = [&](const std::vector<double>& v) {
    out.push_back('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out.push_back(',');
      number(v[i]);
    }
    out.push_back(']');
  };
  number(m.roc_auc);
  out.append(",\"pr_auc\":");
  number(m.pr_auc);
  out.append(",\"log_loss\":");
  number(m.log_loss);
  out.append(",\"brier\":");
  number(m.brier);
  out.append(",\"lift\":");
  list(m.lift);
  out.append(",\"cumulative_gains\":");
  list(m.cumulative_gains);
  out.append(",\"calibration\":[");
  for (size_t i = 0; i < m.calibration.size(); ++i) {
    const CalibrationBin& b = m.calibration[i];
    out.append(i == 0 ? "{\"lower\":" : ",{\"lower\":");
    number(b.lower);
    out.append(",\"upper\":");
    number(b.upper);
    absl::StrAppend(&out, ",\"count\":", b.count, ",\"mean_probability\":");
    number(b.mean_probability);
    out.append(",\"positive_rate\":");
    number(b.positive_rate);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

}  // namespace saleskit
