#include "saleskit/score/features.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "saleskit/status_macros.h"

namespace saleskit {
namespace {

absl::Status ConstantError(absl::string_view name, absl::string_view value) {
  return absl::InvalidArgumentError(absl::StrCat("feature \"", name, "\" is constant in the training rows (every value is \"",
                                                 value, "\"): it cannot be learnt from; leave it out (--exclude ", name, ")"));
}

absl::Status AllMissingError(absl::string_view name) {
  return absl::InvalidArgumentError(absl::StrCat("feature \"", name,
                                                 "\" has no values in the training rows (all missing): it cannot be "
                                                 "learnt from; leave it out (--exclude ",
                                                 name, ")"));
}

EncodedFeature FitNumeric(const TableColumn& column, absl::Span<const int64_t> rows, absl::Status* status) {
  EncodedFeature f;
  f.name = column.name;
  f.kind = ColumnKind::kNumeric;
  int64_t present = 0;
  double sum = 0;
  for (int64_t r : rows) {
    const double v = column.numbers[static_cast<size_t>(r)];
    if (std::isnan(v)) continue;
    ++present;
    sum += v;
  }
  const int64_t missing = static_cast<int64_t>(rows.size()) - present;
  if (present == 0) {
    *status = AllMissingError(column.name);
    return f;
  }
  f.mean = sum / static_cast<double>(present);
  // Two passes: the variance of values far from zero keeps its precision.
  double squares = 0;
  bool constant = true;
  double first = std::numeric_limits<double>::quiet_NaN();
  for (int64_t r : rows) {
    const double v = column.numbers[static_cast<size_t>(r)];
    if (std::isnan(v)) continue;
    if (std::isnan(first)) first = v;
    constant = constant && v == first;
    squares += (v - f.mean) * (v - f.mean);
  }
  if (constant && missing == 0) {
    *status = ConstantError(column.name, column.ValueText(rows[0]));
    return f;
  }
  f.stddev = std::sqrt(squares / static_cast<double>(present));
  // Constant where present but sometimes missing: only the indicator carries
  // anything; a unit scale keeps the (all-zero) value column harmless.
  if (constant || !(f.stddev > 0) || !std::isfinite(f.stddev)) f.stddev = 1;
  f.missing_indicator = missing > 0;
  f.missing_fraction = static_cast<double>(missing) / static_cast<double>(rows.size());
  return f;
}

EncodedFeature FitCategorical(const TableColumn& column, absl::Span<const int64_t> rows, int64_t min_level_count,
                               absl::Status* status) {
  EncodedFeature f;
  f.name = column.name;
  f.kind = ColumnKind::kCategorical;
  std::map<std::string, int64_t> counts;  // ordered: levels come out in byte order
  int64_t missing = 0;
  for (int64_t r : rows) {
    const std::string& v = column.strings[static_cast<size_t>(r)];
    if (v.empty()) {
      ++missing;
    } else {
      ++counts[v];
    }
  }
  if (counts.empty()) {
    *status = AllMissingError(column.name);
    return f;
  }
  if (counts.size() == 1 && missing == 0) {
    *status = ConstantError(column.name, counts.begin()->first);
    return f;
  }
  const double n = static_cast<double>(rows.size());
  int64_t other = 0;
  for (const auto& [level, count] : counts) {
    if (count >= min_level_count && level != kOtherLevel) {
      f.levels.push_back(level);
      f.level_fractions.push_back(static_cast<double>(count) / n);
    } else {
      other += count;
      if (f.rare_levels.size() < kMaxRareLevels) f.rare_levels.push_back(level);
    }
  }
  f.levels.emplace_back(kOtherLevel);
  f.level_fractions.push_back(static_cast<double>(other) / n);
  f.missing_indicator = missing > 0;
  f.missing_fraction = static_cast<double>(missing) / n;
  return f;
}

}  // namespace

FeatureEncoder::FeatureEncoder(std::vector<EncodedFeature> features) : features_(std::move(features)) {
  for (size_t i = 0; i < features_.size(); ++i) {
    const EncodedFeature& f = features_[i];
    first_column_.push_back(static_cast<int64_t>(column_names_.size()));
    auto add = [&](std::string name, double mean) {
      column_names_.push_back(std::move(name));
      column_features_.push_back(static_cast<int>(i));
      column_means_.push_back(mean);
    };
    absl::flat_hash_map<std::string, int> index;
    if (f.kind == ColumnKind::kNumeric) {
      add(f.name, 0);
    } else {
      for (size_t l = 0; l < f.levels.size(); ++l) {
        add(absl::StrCat(f.name, "=", f.levels[l]), f.level_fractions[l]);
        if (l + 1 < f.levels.size()) index.emplace(f.levels[l], static_cast<int>(l));
      }
    }
    if (f.missing_indicator) add(absl::StrCat(f.name, "=", kMissingLevel), f.missing_fraction);
    level_index_.push_back(std::move(index));
  }
}

absl::StatusOr<FeatureEncoder> FeatureEncoder::Fit(const Table& table, absl::Span<const std::string> features,
                                                   absl::Span<const int64_t> rows, const EncoderOptions& options) {
  if (options.min_level_count < 1) {
    return absl::InvalidArgumentError(absl::StrCat("min_level_count must be >= 1, got ", options.min_level_count));
  }
  if (rows.empty()) return absl::InvalidArgumentError("no training rows to learn the feature encoding from");
  if (features.empty()) return absl::InvalidArgumentError("no features to encode");
  std::vector<EncodedFeature> encodings;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& name : features) {
    if (!seen.insert(name).second) return absl::InvalidArgumentError(absl::StrCat("feature \"", name, "\" given twice"));
    const TableColumn* column = table.Find(name);
    if (column == nullptr) return absl::InvalidArgumentError(absl::StrCat("the data has no column \"", name, "\""));
    absl::Status status;
    EncodedFeature f = column->is_numeric() ? FitNumeric(*column, rows, &status)
                                             : FitCategorical(*column, rows, options.min_level_count, &status);
    SALESKIT_RETURN_IF_ERROR(status);
    encodings.push_back(std::move(f));
  }
  return FeatureEncoder(std::move(encodings));
}

absl::StatusOr<FeatureEncoder> FeatureEncoder::FromEncodings(std::vector<EncodedFeature> encodings) {
  if (encodings.empty()) return absl::InvalidArgumentError("no features");
  absl::flat_hash_set<std::string> seen;
  for (const EncodedFeature& f : encodings) {
    if (f.name.empty()) return absl::InvalidArgumentError("a feature has no name");
    if (!seen.insert(f.name).second) return absl::InvalidArgumentError(absl::StrCat("feature \"", f.name, "\" given twice"));
    const std::string where = absl::StrCat("feature \"", f.name, "\": ");
    if (f.kind == ColumnKind::kNumeric) {
      if (!std::isfinite(f.mean) || !std::isfinite(f.stddev) || !(f.stddev > 0)) {
        return absl::InvalidArgumentError(absl::StrCat(where, "needs a finite mean and a positive standard deviation"));
      }
    } else {
      if (f.levels.empty() || f.levels.back() != kOtherLevel) {
        return absl::InvalidArgumentError(absl::StrCat(where, "the last level must be \"", kOtherLevel, "\""));
      }
      if (f.level_fractions.size() != f.levels.size()) {
        return absl::InvalidArgumentError(absl::StrCat(where, f.levels.size(), " levels but ", f.level_fractions.size(),
                                                       " level fractions"));
      }
      absl::flat_hash_set<std::string> levels;
      for (const std::string& l : f.levels) {
        if (!levels.insert(l).second) return absl::InvalidArgumentError(absl::StrCat(where, "level \"", l, "\" given twice"));
      }
      if (!std::is_sorted(f.rare_levels.begin(), f.rare_levels.end())) {
        return absl::InvalidArgumentError(absl::StrCat(where, "rare levels must be in byte order"));
      }
    }
    if (!std::isfinite(f.missing_fraction)) return absl::InvalidArgumentError(absl::StrCat(where, "bad missing fraction"));
  }
  return FeatureEncoder(std::move(encodings));
}

absl::StatusOr<Eigen::MatrixXd> FeatureEncoder::EncodeAll(const Table& table,
                                                          std::vector<FeatureFallbacks>* fallbacks) const {
  std::vector<int64_t> rows(static_cast<size_t>(table.rows()));
  std::iota(rows.begin(), rows.end(), int64_t{0});
  return Encode(table, rows, fallbacks);
}

absl::StatusOr<Eigen::MatrixXd> FeatureEncoder::Encode(const Table& table, absl::Span<const int64_t> rows,
                                                       std::vector<FeatureFallbacks>* fallbacks) const {
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(rows.size()), width());
  if (fallbacks != nullptr) fallbacks->clear();
  for (size_t fi = 0; fi < features_.size(); ++fi) {
    const EncodedFeature& f = features_[fi];
    const TableColumn* column = table.Find(f.name);
    if (column == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("the data has no column \"", f.name, "\", which the model needs"));
    }
    const Eigen::Index first = first_column_[fi];
    const Eigen::Index indicator =
        f.missing_indicator ? first + (f.kind == ColumnKind::kNumeric ? 1 : static_cast<Eigen::Index>(f.levels.size())) : -1;
    FeatureFallbacks counts;
    counts.feature = f.name;
    for (size_t i = 0; i < rows.size(); ++i) {
      const int64_t r = rows[i];
      const Eigen::Index xi = static_cast<Eigen::Index>(i);
      if (f.kind == ColumnKind::kNumeric) {
        double v;
        if (column->is_numeric()) {
          v = column->numbers[static_cast<size_t>(r)];
        } else {
          const std::string& s = column->strings[static_cast<size_t>(r)];
          if (s.empty()) {
            v = std::numeric_limits<double>::quiet_NaN();
          } else if (!absl::SimpleAtod(s, &v) || !std::isfinite(v)) {
            return absl::InvalidArgumentError(absl::StrCat(table.RowLabel(r), ", column \"", f.name,
                                                           "\": the model takes finite numbers here, got \"", s, "\""));
          }
        }
        if (std::isnan(v)) {
          if (indicator >= 0) {
            x(xi, indicator) = 1;
          } else {
            ++counts.unexpected_missing;
          }
          // x(xi, first) stays 0: the training mean, standardised.
        } else {
          x(xi, first) = (v - f.mean) / f.stddev;
        }
        continue;
      }
      // A categorical feature read as numbers (a CSV of codes) compares by
      // the numbers' text; a string column is looked up without copying.
      std::string number_text;
      if (column->is_numeric()) number_text = column->ValueText(r);
      const std::string& text = column->is_numeric() ? number_text : column->strings[static_cast<size_t>(r)];
      const Eigen::Index other = first + static_cast<Eigen::Index>(f.levels.size()) - 1;
      if (text.empty()) {
        if (indicator >= 0) {
          x(xi, indicator) = 1;
        } else {
          ++counts.unexpected_missing;
          x(xi, other) = 1;
        }
        continue;
      }
      const auto& index = level_index_[fi];
      const auto it = index.find(text);
      if (it != index.end()) {
        x(xi, first + it->second) = 1;
      } else {
        x(xi, other) = 1;
        // A level that was rare in training is known, not unseen.
        if (!std::binary_search(f.rare_levels.begin(), f.rare_levels.end(), text)) ++counts.unseen_levels;
      }
    }
    if (fallbacks != nullptr && (counts.unseen_levels > 0 || counts.unexpected_missing > 0)) {
      fallbacks->push_back(std::move(counts));
    }
  }
  return x;
}

}  // namespace saleskit
