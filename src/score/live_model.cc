#include "saleskit/score/live_model.h"

#include <cmath>
#include <limits>
#include <optional>

#include <Eigen/Dense>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "saleskit/cel/customer.h"
#include "saleskit/engine.h"
#include "saleskit/io/readers.h"
#include "saleskit/status_macros.h"

// GCC on x86-64 builds the marked functions twice (AVX2 and baseline) and
// picks one when the program loads. Not under the sanitizers, whose runtime
// is not ready when ifunc resolvers run; elsewhere, one baseline build.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define SALESKIT_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SALESKIT_AVX2_CLONES
#endif

namespace saleskit {
namespace {

constexpr size_t kBlock = 2048;

std::optional<StringField> StringFieldNamed(absl::string_view name) {
  for (int f = 0; f < kStringFieldCount; ++f) {
    if (StringFieldName(static_cast<StringField>(f)) == name) return static_cast<StringField>(f);
  }
  return std::nullopt;
}

// `events.count("type", days(N))` (or events.sum, or hours): {sum, type, window}.
struct WindowRead {
  bool sum;
  std::string type;
  EventWindow window;
};
std::optional<WindowRead> ParseWindowRead(absl::string_view s) {
  WindowRead w;
  if (absl::ConsumePrefix(&s, "events.count(\"")) {
    w.sum = false;
  } else if (absl::ConsumePrefix(&s, "events.sum(\"")) {
    w.sum = true;
  } else {
    return std::nullopt;
  }
  const size_t quote = s.find('"');
  if (quote == absl::string_view::npos) return std::nullopt;
  w.type = std::string(s.substr(0, quote));
  if (w.type.find('\\') != std::string::npos) return std::nullopt;
  s.remove_prefix(quote + 1);
  if (!absl::ConsumePrefix(&s, ", ")) return std::nullopt;
  if (absl::ConsumePrefix(&s, "days(")) {
    w.window.unit = EventWindow::Unit::kDay;
  } else if (absl::ConsumePrefix(&s, "hours(")) {
    w.window.unit = EventWindow::Unit::kHour;
  } else {
    return std::nullopt;
  }
  if (!absl::ConsumeSuffix(&s, "))") || !absl::SimpleAtoi(s, &w.window.length)) return std::nullopt;
  return w;
}

// logit[i] += sum of a[k] * column k's value at row lo + i: the window
// counts four columns a pass (one pass over the logits instead of four), then
// the sums. Built twice, for AVX2 and for the baseline, and chosen when the
// program loads; each row's additions are in the same order in both.
SALESKIT_AVX2_CLONES void AddWindowTerms(
    const std::vector<const int32_t*>& count_cols, const std::vector<double>& count_a,
    const std::vector<const double*>& sum_cols, const std::vector<double>& sum_a, size_t lo, size_t n,
    double* logit) {
  size_t k = 0;
  for (; k + 4 <= count_cols.size(); k += 4) {
    const int32_t *c0 = count_cols[k] + lo, *c1 = count_cols[k + 1] + lo, *c2 = count_cols[k + 2] + lo,
                  *c3 = count_cols[k + 3] + lo;
    const double a0 = count_a[k], a1 = count_a[k + 1], a2 = count_a[k + 2], a3 = count_a[k + 3];
    for (size_t i = 0; i < n; ++i) {
      logit[i] += (a0 * static_cast<double>(c0[i]) + a1 * static_cast<double>(c1[i])) +
                  (a2 * static_cast<double>(c2[i]) + a3 * static_cast<double>(c3[i]));
    }
  }
  for (; k < count_cols.size(); ++k) {
    const int32_t* c = count_cols[k] + lo;
    for (size_t i = 0; i < n; ++i) logit[i] += count_a[k] * static_cast<double>(c[i]);
  }
  for (size_t j = 0; j < sum_cols.size(); ++j) {
    const double* c = sum_cols[j] + lo;
    for (size_t i = 0; i < n; ++i) logit[i] += sum_a[j] * c[i];
  }
}

}  // namespace

struct LiveModel::Reader {
  enum class Kind { kStringField, kLifecycle, kInt64, kDouble, kWindowCount, kWindowSum, kRow };
  Kind kind = Kind::kRow;
  StringField field = StringField::kCountry;
  WindowRead window{};
  const Expression* expression = nullptr;
  bool categorical = false;
  // Numeric: weight * ((x - mean) / stddev) when present, `missing` when not.
  double weight = 0, mean = 0, stddev = 1;
  // Categorical: the weight of each kept level ("(other)" included).
  absl::flat_hash_map<std::string, double> levels;
  double other = 0;
  double missing = 0;  // numeric and categorical

  double Numeric(double x) const { return weight * ((x - mean) / stddev); }
  double Category(absl::string_view s) const {
    if (s.empty()) return missing;
    auto it = levels.find(s);
    return it == levels.end() ? other : it->second;
  }
  // The row evaluator's value for one customer: a number, a string, or missing.
  double Evaluate(const CustomerStore& store, uint32_t row, absl::Time now,
                  const cel::SegmentMembership* segments, std::string* text, std::optional<double>* number) const {
    cel::StoreCustomerActivation act(store, row, now, segments);
    const cel::Value v = expression->program().Evaluate(act);
    std::optional<double> x;
    switch (v.kind()) {
      case cel::Value::Kind::kBool: x = v.bool_value() ? 1 : 0; break;
      case cel::Value::Kind::kInt: x = static_cast<double>(v.int_value()); break;
      case cel::Value::Kind::kUint: x = static_cast<double>(v.uint_value()); break;
      case cel::Value::Kind::kDouble:
        if (std::isfinite(v.double_value())) x = v.double_value();
        break;
      case cel::Value::Kind::kString:
        if (categorical) {
          if (text != nullptr) *text = std::string(v.string_value());
          return Category(v.string_value());
        }
        break;
      default:
        break;
    }
    if (number != nullptr) *number = x;
    if (categorical) return x ? Category(absl::StrCat(*x)) : missing;
    return x ? Numeric(*x) : missing;
  }
};

LiveModel::LiveModel(PredictiveModel model, std::vector<std::shared_ptr<const Expression>> features)
    : model_(std::move(model)), expressions_(std::move(features)) {
  const FeatureEncoder& enc = model_.encoder();
  const std::vector<double>& w = model_.weights();
  std::vector<std::vector<int>> columns(enc.features().size());
  for (size_t c = 0; c < enc.column_features().size(); ++c) columns[enc.column_features()[c]].push_back(static_cast<int>(c));
  for (size_t f = 0; f < enc.features().size(); ++f) {
    const EncodedFeature& ef = enc.features()[f];
    auto r = std::make_unique<Reader>();
    r->expression = expressions_[f].get();
    r->categorical = ef.kind == ColumnKind::kCategorical;
    const std::vector<int>& cols = columns[f];
    if (r->categorical) {
      for (size_t k = 0; k < ef.levels.size(); ++k) r->levels[ef.levels[k]] = w[cols[k]];
      r->other = w[cols[ef.levels.size() - 1]];
      r->missing = ef.missing_indicator ? w[cols[ef.levels.size()]] : r->other;
    } else {
      r->weight = w[cols[0]];
      r->mean = ef.mean;
      r->stddev = ef.stddev;
      r->missing = ef.missing_indicator ? w[cols[1]] : 0;
    }
    // Column-wise reads for the plain forms.
    const std::string& src = r->expression->source();
    absl::string_view field = src;
    if (absl::ConsumePrefix(&field, "customer.")) {
      if (std::optional<StringField> sf = StringFieldNamed(field); sf && r->categorical) {
        r->kind = Reader::Kind::kStringField;
        r->field = *sf;
      } else if (field == "lifecycle_stage" && r->categorical) {
        r->kind = Reader::Kind::kLifecycle;
      } else if (field == "employee_count" && !r->categorical) {
        r->kind = Reader::Kind::kInt64;
      } else if (field == "annual_revenue" && !r->categorical) {
        r->kind = Reader::Kind::kDouble;
      }
    } else if (std::optional<WindowRead> wr = ParseWindowRead(src); wr && !r->categorical) {
      r->kind = wr->sum ? Reader::Kind::kWindowSum : Reader::Kind::kWindowCount;
      r->window = *wr;
    }
    readers_.push_back(std::move(r));
  }
}

LiveModel::~LiveModel() = default;

int LiveModel::columnar_features() const {
  int n = 0;
  for (const auto& r : readers_) n += r->kind != Reader::Kind::kRow;
  return n;
}

// Built for AVX2 and for the baseline, chosen when the program loads (see
// AddWindowTerms). A machine always runs the same one, so results repeat
// bit for bit; between an AVX2 machine and an older one they may differ in
// the last bits (Eigen's vectorised exp).
SALESKIT_AVX2_CLONES void LiveModel::ScoreAll(
    const CustomerStore& store, absl::Time now, const cel::SegmentMembership* segments,
    std::vector<double>* out_vector) const {
  const size_t rows = store.row_capacity();
  out_vector->resize(rows);
  double* out = out_vector->data();
  // Per string or lifecycle feature, the weight of each dictionary code (index code + 1: kNone first).
  std::vector<std::vector<double>> by_code(readers_.size());
  std::vector<int> window_columns(readers_.size(), -1);
  for (size_t f = 0; f < readers_.size(); ++f) {
    const Reader& r = *readers_[f];
    if (r.kind == Reader::Kind::kStringField) {
      const StringDictionary& dict = store.string_dictionary(r.field);
      std::vector<double>& t = by_code[f];
      t.resize(dict.code_limit() + 1);
      t[0] = r.missing;
      for (size_t c = 0; c < dict.code_limit(); ++c) t[c + 1] = r.Category(dict.Get(static_cast<int32_t>(c)));
    } else if (r.kind == Reader::Kind::kLifecycle) {
      for (int s = 0; s < 256; ++s) by_code[f].push_back(r.Category(LifecycleStageName(static_cast<v1::LifecycleStage>(s))));
    } else if (r.kind == Reader::Kind::kWindowCount || r.kind == Reader::Kind::kWindowSum) {
      std::optional<int> col = store.FindWindow(r.window.type, r.window.window);
      window_columns[f] = col ? *col : -1;
    }
  }
  // Window counts and sums are a * x + b: the b's join the intercept, and the
  // a * x terms are summed four columns at a time (one pass over the block's
  // logits instead of four).
  double base = model_.intercept();
  std::vector<const int32_t*> count_cols;
  std::vector<const double*> sum_cols;
  std::vector<double> count_a, sum_a;
  for (size_t f = 0; f < readers_.size(); ++f) {
    const Reader& r = *readers_[f];
    if (r.kind != Reader::Kind::kWindowCount && r.kind != Reader::Kind::kWindowSum) continue;
    if (window_columns[f] < 0) {  // no such window yet: every count is 0
      base += r.Numeric(0);
      continue;
    }
    base += -r.weight * r.mean / r.stddev;
    if (r.kind == Reader::Kind::kWindowCount) {
      count_cols.push_back(store.windows().counts(window_columns[f]).data());
      count_a.push_back(r.weight / r.stddev);
    } else {
      sum_cols.push_back(store.windows().sums(window_columns[f]).data());
      sum_a.push_back(r.weight / r.stddev);
    }
  }
  double logit[kBlock];
  for (size_t lo = 0; lo < rows; lo += kBlock) {
    const size_t n = std::min(kBlock, rows - lo);
    std::fill_n(logit, n, base);
    AddWindowTerms(count_cols, count_a, sum_cols, sum_a, lo, n, logit);
    for (size_t f = 0; f < readers_.size(); ++f) {
      const Reader& r = *readers_[f];
      switch (r.kind) {
        case Reader::Kind::kStringField: {
          const int32_t* codes = store.string_codes(r.field).data() + lo;
          const double* t = by_code[f].data() + 1;
          for (size_t i = 0; i < n; ++i) logit[i] += t[codes[i]];
          break;
        }
        case Reader::Kind::kLifecycle: {
          const uint8_t* stages = store.lifecycle_stage().data() + lo;
          const double* t = by_code[f].data();
          for (size_t i = 0; i < n; ++i) logit[i] += t[stages[i]];
          break;
        }
        case Reader::Kind::kInt64: {
          const NumericColumn<int64_t>& col = store.employee_count();
          const double a = r.weight / r.stddev, b = -r.weight * r.mean / r.stddev;
          for (size_t i = 0; i < n; ++i) {
            const double x = a * static_cast<double>(col.values[lo + i]) + b;
            logit[i] += col.valid.Get(lo + i) ? x : r.missing;
          }
          break;
        }
        case Reader::Kind::kDouble: {
          const NumericColumn<double>& col = store.annual_revenue();
          const double a = r.weight / r.stddev, b = -r.weight * r.mean / r.stddev;
          for (size_t i = 0; i < n; ++i) {
            const double x = a * col.values[lo + i] + b;
            logit[i] += col.valid.Get(lo + i) ? x : r.missing;
          }
          break;
        }
        case Reader::Kind::kWindowCount:
        case Reader::Kind::kWindowSum:
          break;  // above
        case Reader::Kind::kRow:
          for (size_t i = 0; i < n; ++i) {
            const uint32_t row = static_cast<uint32_t>(lo + i);
            if (store.live().Get(row)) logit[i] += r.Evaluate(store, row, now, segments, nullptr, nullptr);
          }
          break;
      }
    }
    // The sigmoid, vectorised by Eigen; rows without a customer stay NaN.
    Eigen::Map<Eigen::ArrayXd> z(logit, static_cast<Eigen::Index>(n));
    z = ((-z).exp() + 1.0).inverse();
    const uint64_t* live = store.live().words().data();
    for (size_t i = 0; i < n; ++i) {
      const size_t row = lo + i;
      out[row] = (live[row >> 6] >> (row & 63)) & 1 ? logit[i] : std::numeric_limits<double>::quiet_NaN();
    }
  }
}

absl::StatusOr<Table> LiveModel::FeatureRow(const CustomerStore& store, uint32_t row, absl::Time now,
                                            const cel::SegmentMembership* segments) const {
  Table table;
  const FeatureEncoder& enc = model_.encoder();
  for (size_t f = 0; f < readers_.size(); ++f) {
    std::string text;
    std::optional<double> number;
    readers_[f]->Evaluate(store, row, now, segments, &text, &number);
    if (readers_[f]->categorical) {
      if (text.empty() && number) text = absl::StrCat(*number);
      SALESKIT_RETURN_IF_ERROR(table.AddCategoricalColumn(enc.features()[f].name, {text}));
    } else {
      SALESKIT_RETURN_IF_ERROR(table.AddNumericColumn(enc.features()[f].name, {number}));
    }
  }
  return table;
}

}  // namespace saleskit
