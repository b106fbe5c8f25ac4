// Feature encoding for predictive scores: turns table columns into the
// numeric matrix a logistic regression takes, with everything learnt from the
// training rows only (docs/predictive.md, "Encoding").
//
// - A numeric feature is standardised with the training mean and population
//   standard deviation: (x - mean) / std.
// - A categorical feature is one-hot encoded, one column per level seen in at
//   least `min_level_count` training rows (levels in byte order), plus one
//   "(other)" column that takes the rarer levels and, when scoring, levels
//   never seen in training. Unseen levels are counted per feature, never an
//   error.
// - A feature with missing values in the training rows gets an extra
//   "(missing)" indicator column; a missing numeric is imputed the training
//   mean (0 after standardising). A value missing when scoring for a feature
//   that had none in training is imputed the same way (numeric) or goes to
//   "(other)" (categorical), and is counted.
// - A feature that is constant or entirely missing in the training rows is an
//   error naming it: it carries nothing to learn from.
//
// The encoder works on the generic Table, whatever computed its columns. It
// is immutable once built and safe to share across threads.
#ifndef SALESKIT_SCORE_FEATURES_H_
#define SALESKIT_SCORE_FEATURES_H_

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "saleskit/score/table.h"

namespace saleskit {

// The name of the bucket for rare and unseen levels, and of the indicator of
// missing values, as they appear in encoded column names ("job=(other)").
inline constexpr absl::string_view kOtherLevel = "(other)";
inline constexpr absl::string_view kMissingLevel = "(missing)";
// At most this many rare levels are remembered per feature (an id-like
// column would otherwise copy itself into the model); rarer levels beyond
// them are counted as unseen when scoring.
inline constexpr size_t kMaxRareLevels = 1000;

// What the encoder learnt about one feature (one table column).
struct EncodedFeature {
  std::string name;
  ColumnKind kind = ColumnKind::kNumeric;
  // Categorical: the kept levels in byte order, then kOtherLevel (always last).
  std::vector<std::string> levels;
  // Categorical: the share of training rows at each of `levels`.
  std::vector<double> level_fractions;
  // Categorical: levels seen in training but too rare to keep (in "(other)"),
  // in byte order, at most kMaxRareLevels of them: scoring one of these is
  // not counted as unseen.
  std::vector<std::string> rare_levels;
  // Numeric: the training mean and population standard deviation (> 0).
  double mean = 0;
  double stddev = 1;
  // Whether the feature had missing values in training (and so has an
  // indicator column), and the share of training rows missing it.
  bool missing_indicator = false;
  double missing_fraction = 0;
};

struct EncoderOptions {
  // A categorical level seen in fewer training rows than this goes into
  // "(other)". Must be >= 1.
  int64_t min_level_count = 10;
};

// Per feature, the rows that the encoding had to fall back for.
struct FeatureFallbacks {
  std::string feature;
  int64_t unseen_levels = 0;       // categorical levels not among the trained ones -> "(other)"
  int64_t unexpected_missing = 0;  // missing, but the feature had no missing values in training
};

class FeatureEncoder {
 public:
  // Learns the encoding of `features` (column names of `table`) from the rows
  // `rows` of `table`. InvalidArgument naming the feature for: a name not in
  // the table or given twice, a constant feature (one distinct value and none
  // missing), an all-missing feature, no rows, min_level_count < 1.
  static absl::StatusOr<FeatureEncoder> Fit(const Table& table, absl::Span<const std::string> features,
                                            absl::Span<const int64_t> rows, const EncoderOptions& options = {});

  // Rebuilds an encoder from what Fit learnt (as stored in a model file).
  // InvalidArgument when an encoding is inconsistent (no name, a duplicate,
  // a categorical without "(other)" last, fractions of the wrong length, a
  // standard deviation that is not positive and finite).
  static absl::StatusOr<FeatureEncoder> FromEncodings(std::vector<EncodedFeature> encodings);

  const std::vector<EncodedFeature>& features() const { return features_; }
  // The encoded columns' names, in matrix order: "balance", "balance=(missing)",
  // "job=admin.", ..., "job=(other)", "job=(missing)".
  const std::vector<std::string>& column_names() const { return column_names_; }
  // For each encoded column, the index of its feature in features().
  const std::vector<int>& column_features() const { return column_features_; }
  // For each encoded column, its mean over the training rows (0 for a
  // standardised numeric, the level or missing share for the others).
  const std::vector<double>& column_means() const { return column_means_; }
  int64_t width() const { return static_cast<int64_t>(column_names_.size()); }

  // Encodes the rows `rows` of `table` (one matrix row each, in that order).
  // `fallbacks`, when not null, receives one entry per feature that needed a
  // fallback. InvalidArgument naming the column when the table lacks a
  // feature's column, or a numeric feature's column holds a value that is not
  // a number (naming the row).
  absl::StatusOr<Eigen::MatrixXd> Encode(const Table& table, absl::Span<const int64_t> rows,
                                         std::vector<FeatureFallbacks>* fallbacks = nullptr) const;
  // Encodes every row of `table`.
  absl::StatusOr<Eigen::MatrixXd> EncodeAll(const Table& table,
                                            std::vector<FeatureFallbacks>* fallbacks = nullptr) const;

 private:
  explicit FeatureEncoder(std::vector<EncodedFeature> features);

  std::vector<EncodedFeature> features_;
  std::vector<std::string> column_names_;
  std::vector<int> column_features_;
  std::vector<double> column_means_;
  std::vector<int64_t> first_column_;  // per feature, its first encoded column
  std::vector<absl::flat_hash_map<std::string, int>> level_index_;  // per feature, kept level -> offset
};

}  // namespace saleskit

#endif  // SALESKIT_SCORE_FEATURES_H_
