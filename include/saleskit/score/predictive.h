// Predictive scores: a logistic regression trained on a table of past
// outcomes (won/lost, converted or not), then used to score, explain and
// evaluate new rows (docs/predictive.md).
//
// Training splits the rows into training and held-out test rows (stratified
// random with a seed, or by time), learns the feature encoding
// (features.h) from the training rows only, fits an L2 logistic regression
// (logistic.h) and reports the held-out metrics (metrics.h). Everything is
// deterministic: the same table and options give the same model, bit for bit
// on one build.
#ifndef SALESKIT_SCORE_PREDICTIVE_H_
#define SALESKIT_SCORE_PREDICTIVE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "saleskit/score/features.h"
#include "saleskit/score/metrics.h"
#include "saleskit/score/table.h"
#include "saleskit/v1/model.pb.h"

namespace saleskit {

// The model schema version this build writes and the newest it reads.
inline constexpr uint32_t kScoreModelSchemaVersion = 1;

// Training refuses fewer training rows than this, or fewer positives or
// negatives among them than kMinTrainClassRows; it warns when the rarer class
// has fewer than kFewClassRowsWarning training rows.
inline constexpr int64_t kMinTrainRows = 20;
inline constexpr int64_t kMinTrainClassRows = 5;
inline constexpr int64_t kFewClassRowsWarning = 50;

struct TrainOptions {
  std::string target;    // the outcome column (required)
  std::string positive;  // its positive value, as text ("yes", "won", "1")
  // Columns that are not features (ids, leaks such as call duration). Every
  // other column except the target and the time column is a feature.
  std::vector<std::string> exclude;
  double test_fraction = 0.2;  // in (0, 1)
  uint64_t seed = 42;          // for the stratified split
  // When set, the split is by time: the rows with the latest values of this
  // column (numbers, or timestamps saleskit parses) are the test set. It is
  // not a feature.
  std::string time_column;
  double l2 = 1.0;              // the L2 penalty (1/C), > 0
  bool balanced_class_weight = false;  // weight classes n / (2 * class rows), as scikit-learn's "balanced"
  int64_t min_level_count = 10;        // see EncoderOptions
};

// A split of row indices (each ascending).
struct RowSplit {
  std::vector<int64_t> train;
  std::vector<int64_t> test;
};

// Stratified random split: within each class, round(test_fraction * class
// rows) rows go to the test set, chosen by a Fisher-Yates shuffle driven by
// std::mt19937_64(seed) (whose outputs the standard fixes, so the split is the
// same with every standard library). InvalidArgument unless 0 < test_fraction < 1.
absl::StatusOr<RowSplit> StratifiedSplit(absl::Span<const bool> labels, double test_fraction, uint64_t seed);

// Time split: rows ordered by `times` (ties by row), the last
// ceil(test_fraction * rows) are the test set. InvalidArgument unless
// 0 < test_fraction < 1, or when a time is NaN.
absl::StatusOr<RowSplit> TimeSplit(absl::Span<const double> times, double test_fraction);

// A trained model: the encoder and the regression, with their stored form.
// Immutable and safe to share across threads.
class PredictiveModel {
 public:
  // Builds a model from its stored form. InvalidArgument for a schema
  // version newer than kScoreModelSchemaVersion ("model schema version N is
  // newer than this saleskit supports (1)"), an incomplete message, or an
  // inconsistent one (weights not matching the encoded columns, ...).
  static absl::StatusOr<PredictiveModel> FromProto(v1::ScoreModel proto);
  // Reads a model file's bytes: JSON when the first non-blank byte is '{',
  // else binary protobuf. InvalidArgument for truncated or corrupt bytes, and
  // as FromProto.
  static absl::StatusOr<PredictiveModel> Load(absl::string_view bytes);

  const v1::ScoreModel& proto() const { return proto_; }
  const FeatureEncoder& encoder() const { return encoder_; }
  // One per encoded column (encoder().column_names()).
  const std::vector<double>& weights() const { return weights_; }
  double intercept() const { return proto_.intercept(); }
  // The names of the table columns the model reads, and those of them that
  // are categorical (for reading a CSV to score).
  std::vector<std::string> FeatureNames() const;
  std::vector<std::string> CategoricalFeatureNames() const;

  // The stored form as binary protobuf, and as JSON (proto3 JSON mapping,
  // field names as in model.proto).
  std::string ToBinary() const;
  std::string ToJson() const;

 private:
  PredictiveModel(v1::ScoreModel proto, FeatureEncoder encoder, std::vector<double> weights)
      : proto_(std::move(proto)), encoder_(std::move(encoder)), weights_(std::move(weights)) {}

  v1::ScoreModel proto_;
  FeatureEncoder encoder_;
  std::vector<double> weights_;
};

struct TrainResult {
  PredictiveModel model;
  RowSplit split;
  BinaryMetrics held_out;             // on the test rows
  std::vector<std::string> warnings;  // things to look at that did not stop training
};

// Trains a model on `table` (see the header comment). InvalidArgument for:
// a missing or empty target/positive option, the target, time or an excluded
// column not in the table, a target with a missing value (naming the row), a
// target with more than two distinct values (naming some), a positive value
// that never occurs, too few rows or classes in the training or test rows
// (see kMinTrainRows; metrics need at least 10 test rows of both classes), no
// features left, a constant or all-missing feature (naming it), and bad
// options (l2 <= 0, a test fraction outside (0, 1)).
absl::StatusOr<TrainResult> TrainPredictive(const Table& table, const TrainOptions& options);

struct FitResult {
  PredictiveModel model;
  std::vector<std::string> warnings;  // as TrainResult's
};

// Fits a model on the rows `rows` of `table` (every row when empty), with no
// held-out split: for hosts that split the data themselves (the Python
// estimator saleskit.LogisticScorer). Uses the options' target, positive,
// exclude, l2, balanced_class_weight and min_level_count; the time column,
// when set, is left out of the features; test_fraction and seed are unused.
// The target is read (and must be binary, with `positive` among its values)
// over every row of the table. The model's training record has split
// SPLIT_UNSPECIFIED and no held-out metrics. InvalidArgument as
// TrainPredictive (except for the test rows), and for a row out of range.
absl::StatusOr<FitResult> FitPredictive(const Table& table, const TrainOptions& options,
                                        absl::Span<const int64_t> rows = {});

struct Predictions {
  std::vector<double> probabilities;        // P(positive), one per table row
  std::vector<FeatureFallbacks> fallbacks;  // per feature, unseen levels and unexpected missing values
};

// Scores every row of `table`. InvalidArgument naming the column when the
// table lacks one the model needs or a numeric feature's value is not a number.
absl::StatusOr<Predictions> Predict(const PredictiveModel& model, const Table& table);

// One feature's part in a score, in log-odds relative to the average training
// row: the sum over the feature's encoded columns of weight * (value - the
// column's training mean).
struct Contribution {
  std::string feature;  // "balance", or "job=student" for a categorical
  std::string value;    // the row's value as text, "" when missing
  ColumnKind kind = ColumnKind::kNumeric;  // the feature's kind
  double log_odds = 0;
};

struct Explanation {
  double probability = 0;
  double log_odds = 0;       // the model's log-odds for the row
  double base_log_odds = 0;  // the log-odds of the average training row; plus every contribution = log_odds
  std::vector<Contribution> top;  // the k largest by absolute value, largest first (ties: model order)
};

// Explains row `row` of `table` with its top `k` contributions (k >= 0).
// InvalidArgument for a row out of range, and as Predict.
absl::StatusOr<Explanation> Explain(const PredictiveModel& model, const Table& table, int64_t row, int k);

// Explains every row of `table` (as Explain, encoding the table once).
absl::StatusOr<std::vector<Explanation>> ExplainAll(const PredictiveModel& model, const Table& table, int k);

// Metrics of the model on every row of `table`, which must have the model's
// target column with only its two values (InvalidArgument naming the row
// otherwise), and as Predict and EvaluateBinary.
absl::StatusOr<BinaryMetrics> Evaluate(const PredictiveModel& model, const Table& table,
                                       std::vector<FeatureFallbacks>* fallbacks = nullptr);

}  // namespace saleskit

#endif  // SALESKIT_SCORE_PREDICTIVE_H_
