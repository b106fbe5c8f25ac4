#include "saleskit/score/predictive.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "saleskit/score/logistic.h"
#include "saleskit/status_macros.h"
#include "saleskit/time.h"

namespace saleskit {
namespace {

absl::Status Invalid(absl::string_view message) { return absl::InvalidArgumentError(message); }

// Labels of the target column: true where the value is `positive` (as text,
// or as a number when the column is numeric).
bool IsPositive(const TableColumn& column, int64_t row, absl::string_view positive, bool numeric_positive,
                double positive_number) {
  if (column.is_numeric()) return numeric_positive && column.numbers[static_cast<size_t>(row)] == positive_number;
  return column.strings[static_cast<size_t>(row)] == positive;
}

struct Target {
  std::vector<bool> labels;
  std::string negative;  // the other value seen, "" if none
};

// Reads the target's labels. With `negative` set (evaluating a model), only
// the positive and negative values are accepted; otherwise (training) the
// column must have exactly two distinct values, one of them `positive`.
absl::StatusOr<Target> ReadTarget(const Table& table, absl::string_view target, absl::string_view positive,
                                  const std::string* negative) {
  const TableColumn* column = table.Find(target);
  if (column == nullptr) return Invalid(absl::StrCat("the data has no target column \"", target, "\""));
  double positive_number = 0;
  const bool numeric_positive = column->is_numeric() && absl::SimpleAtod(positive, &positive_number);
  Target out;
  out.labels.reserve(static_cast<size_t>(table.rows()));
  std::map<std::string, int64_t> distinct;
  bool seen_positive = false;
  for (int64_t r = 0; r < table.rows(); ++r) {
    if (column->IsMissing(r)) {
      return Invalid(absl::StrCat(table.RowLabel(r), ": the target \"", target, "\" is empty; every row needs an outcome"));
    }
    const bool label = IsPositive(*column, r, positive, numeric_positive, positive_number);
    out.labels.push_back(label);
    seen_positive = seen_positive || label;
    if (label) continue;
    std::string text = column->ValueText(r);
    if (negative != nullptr && text != *negative) {
      return Invalid(absl::StrCat(table.RowLabel(r), ": the target \"", target, "\" is \"", text,
                                  "\"; the model knows only \"", positive, "\" and \"", *negative, "\""));
    }
    ++distinct[std::move(text)];
  }
  if (negative != nullptr) {
    out.negative = *negative;
    return out;
  }
  if (!seen_positive) {
    std::vector<std::string> values;
    for (const auto& [value, count] : distinct) {
      if (values.size() == 5) {
        values.push_back("...");
        break;
      }
      values.push_back(absl::StrCat("\"", value, "\""));
    }
    return Invalid(absl::StrCat("the positive value \"", positive, "\" never occurs in the target \"", target,
                                "\" (its values: ", values.empty() ? "none" : absl::StrJoin(values, ", "), ")"));
  }
  if (distinct.size() > 1) {
    std::vector<std::string> some;
    some.push_back(absl::StrCat("\"", positive, "\""));
    for (const auto& [value, count] : distinct) {
      if (some.size() == 5) break;
      some.push_back(absl::StrCat("\"", value, "\""));
    }
    return Invalid(absl::StrCat("the target \"", target, "\" is not binary: it has ", distinct.size() + 1,
                                " distinct values (", absl::StrJoin(some, ", "),
                                distinct.size() + 1 > some.size() ? ", ..." : "", ")"));
  }
  if (distinct.empty()) {
    return Invalid(absl::StrCat("the target \"", target, "\" has only the value \"", positive,
                                "\": a model needs both outcomes"));
  }
  out.negative = distinct.begin()->first;
  return out;
}

absl::StatusOr<std::vector<double>> ReadTimes(const Table& table, const TableColumn& column) {
  std::vector<double> times(static_cast<size_t>(table.rows()));
  for (int64_t r = 0; r < table.rows(); ++r) {
    if (column.IsMissing(r)) {
      return Invalid(absl::StrCat(table.RowLabel(r), ": the time column \"", column.name, "\" is empty"));
    }
    if (column.is_numeric()) {
      times[static_cast<size_t>(r)] = column.numbers[static_cast<size_t>(r)];
      continue;
    }
    absl::StatusOr<Micros> t = ParseTimestamp(column.strings[static_cast<size_t>(r)]);
    if (!t.ok()) {
      return Invalid(absl::StrCat(table.RowLabel(r), ", time column \"", column.name, "\": ", t.status().message()));
    }
    times[static_cast<size_t>(r)] = static_cast<double>(*t);
  }
  return times;
}

int64_t CountTrue(absl::Span<const bool> labels, absl::Span<const int64_t> rows) {
  int64_t n = 0;
  for (int64_t r : rows) n += labels[static_cast<size_t>(r)] ? 1 : 0;
  return n;
}

std::vector<bool> Select(absl::Span<const bool> labels, absl::Span<const int64_t> rows) {
  std::vector<bool> out;
  out.reserve(rows.size());
  for (int64_t r : rows) out.push_back(labels[static_cast<size_t>(r)]);
  return out;
}

// std::vector<bool> has no data(); the metrics and the fit take spans.
std::unique_ptr<bool[]> ToArray(const std::vector<bool>& v) {
  std::unique_ptr<bool[]> out(new bool[v.size()]);
  for (size_t i = 0; i < v.size(); ++i) out[i] = v[i];
  return out;
}

v1::ScoreFeature ToProto(const EncodedFeature& f) {
  v1::ScoreFeature p;
  p.set_name(f.name);
  p.set_kind(f.kind == ColumnKind::kNumeric ? v1::ScoreFeature::NUMERIC : v1::ScoreFeature::CATEGORICAL);
  for (const std::string& l : f.levels) p.add_levels(l);
  for (double x : f.level_fractions) p.add_level_fractions(x);
  for (const std::string& l : f.rare_levels) p.add_rare_levels(l);
  p.set_mean(f.mean);
  p.set_stddev(f.stddev);
  p.set_missing_indicator(f.missing_indicator);
  p.set_missing_fraction(f.missing_fraction);
  return p;
}

absl::StatusOr<EncodedFeature> FromProto(const v1::ScoreFeature& p) {
  EncodedFeature f;
  f.name = p.name();
  if (p.kind() == v1::ScoreFeature::NUMERIC) {
    f.kind = ColumnKind::kNumeric;
  } else if (p.kind() == v1::ScoreFeature::CATEGORICAL) {
    f.kind = ColumnKind::kCategorical;
  } else {
    return Invalid(absl::StrCat("feature \"", p.name(), "\" has no kind"));
  }
  f.levels.assign(p.levels().begin(), p.levels().end());
  f.level_fractions.assign(p.level_fractions().begin(), p.level_fractions().end());
  f.rare_levels.assign(p.rare_levels().begin(), p.rare_levels().end());
  f.mean = p.mean();
  f.stddev = p.stddev();
  f.missing_indicator = p.missing_indicator();
  f.missing_fraction = p.missing_fraction();
  return f;
}

v1::ScoreMetrics MetricsToProto(const BinaryMetrics& m) {
  v1::ScoreMetrics p;
  p.set_rows(m.rows);
  p.set_positives(m.positives);
  p.set_auc(m.roc_auc);
  p.set_pr_auc(m.pr_auc);
  p.set_log_loss(m.log_loss);
  p.set_brier(m.brier);
  for (double x : m.lift) p.add_lift(x);
  return p;
}

// The log-odds of each encoded row.
Eigen::VectorXd LogOdds(const PredictiveModel& model, const Eigen::MatrixXd& x) {
  const Eigen::Map<const Eigen::VectorXd> w(model.weights().data(), static_cast<Eigen::Index>(model.weights().size()));
  Eigen::VectorXd z = x * w;
  z.array() += model.intercept();
  return z;
}

double Sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

Explanation ExplainEncoded(const PredictiveModel& model, const Table& table, int64_t row, const Eigen::MatrixXd& x,
                           Eigen::Index xi, double base, int k) {
  const FeatureEncoder& encoder = model.encoder();
  const std::vector<double>& w = model.weights();
  const std::vector<double>& means = encoder.column_means();
  const std::vector<int>& of = encoder.column_features();
  std::vector<double> per_feature(encoder.features().size(), 0.0);
  double z = model.intercept();
  for (size_t j = 0; j < w.size(); ++j) {
    const double v = x(xi, static_cast<Eigen::Index>(j));
    z += w[j] * v;
    per_feature[static_cast<size_t>(of[j])] += w[j] * (v - means[j]);
  }
  Explanation e;
  e.log_odds = z;
  e.base_log_odds = base;
  e.probability = Sigmoid(z);
  std::vector<size_t> order(per_feature.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return std::abs(per_feature[a]) > std::abs(per_feature[b]); });
  const size_t n = std::min(order.size(), static_cast<size_t>(std::max(k, 0)));
  for (size_t i = 0; i < n; ++i) {
    const EncodedFeature& f = encoder.features()[order[i]];
    Contribution c;
    c.value = table.Find(f.name)->ValueText(row);
    c.feature = f.kind == ColumnKind::kNumeric
                    ? f.name
                    : absl::StrCat(f.name, "=", c.value.empty() ? std::string(kMissingLevel) : c.value);
    c.log_odds = per_feature[order[i]];
    c.kind = f.kind;
    e.top.push_back(std::move(c));
  }
  return e;
}

double BaseLogOdds(const PredictiveModel& model) {
  double base = model.intercept();
  for (size_t j = 0; j < model.weights().size(); ++j) base += model.weights()[j] * model.encoder().column_means()[j];
  return base;
}

// What FitRows made: the model's stored form (all but the held-out metrics,
// and not yet marked complete), the regression and the encoder.
struct FittedRows {
  v1::ScoreModel proto;
  LogisticModel fit;
  FeatureEncoder encoder;
};

// Learns the encoding of `features` and fits the regression on the rows
// `train` of `table` (labels `all_labels`, one per table row), appending
// warnings. The training record `training` gets the options and the fit.
absl::StatusOr<FittedRows> FitRows(const Table& table, const TrainOptions& options, const std::string& negative,
                                   absl::Span<const bool> all_labels, const std::vector<std::string>& features,
                                   absl::Span<const int64_t> train, v1::ScoreTraining training,
                                   std::vector<std::string>* warnings) {
  const int64_t train_rows = static_cast<int64_t>(train.size());
  const int64_t train_pos = CountTrue(all_labels, train);
  const int64_t train_neg = train_rows - train_pos;
  EncoderOptions encoder_options;
  encoder_options.min_level_count = options.min_level_count;
  SALESKIT_ASSIGN_OR_RETURN(FeatureEncoder encoder, FeatureEncoder::Fit(table, features, train, encoder_options));
  for (const EncodedFeature& f : encoder.features()) {
    if (f.kind == ColumnKind::kCategorical && f.levels.size() == 1) {
      warnings->push_back(absl::StrCat("feature \"", f.name, "\": every value is in fewer than ", options.min_level_count,
                                       " training rows, so it tells nothing (an id? consider excluding it)"));
    }
  }
  SALESKIT_ASSIGN_OR_RETURN(Eigen::MatrixXd x_train, encoder.Encode(table, train));
  const std::vector<bool> y_train = Select(all_labels, train);
  const std::unique_ptr<bool[]> y_train_array = ToArray(y_train);

  std::vector<double> sample_weights;
  if (options.balanced_class_weight) {
    const double n = static_cast<double>(train_rows);
    const double w_pos = n / (2.0 * static_cast<double>(train_pos));
    const double w_neg = n / (2.0 * static_cast<double>(train_neg));
    for (bool y : y_train) sample_weights.push_back(y ? w_pos : w_neg);
  }
  LogisticOptions logistic;
  logistic.l2 = options.l2;
  SALESKIT_ASSIGN_OR_RETURN(
      LogisticModel fit, FitLogistic(x_train, absl::MakeConstSpan(y_train_array.get(), y_train.size()), logistic,
                                     sample_weights));
  if (!fit.converged) {
    warnings->push_back(absl::StrCat("the regression did not converge in ", fit.iterations,
                                     " Newton steps; a larger l2 may help"));
  }

  v1::ScoreModel proto;
  proto.set_schema_version(kScoreModelSchemaVersion);
  proto.set_target(options.target);
  proto.set_positive_value(options.positive);
  proto.set_negative_value(negative);
  for (const EncodedFeature& f : encoder.features()) *proto.add_features() = ToProto(f);
  for (Eigen::Index j = 0; j < fit.weights.size(); ++j) proto.add_weights(fit.weights(j));
  proto.set_intercept(fit.intercept);
  training.set_l2(options.l2);
  training.set_balanced_class_weight(options.balanced_class_weight);
  training.set_seed(options.seed);
  training.set_test_fraction(options.test_fraction);
  training.set_min_level_count(options.min_level_count);
  for (const std::string& e : options.exclude) training.add_excluded(e);
  training.set_train_rows(train_rows);
  training.set_train_positives(train_pos);
  training.set_iterations(fit.iterations);
  training.set_converged(fit.converged);
  *proto.mutable_training() = training;

  return FittedRows{std::move(proto), std::move(fit), std::move(encoder)};
}

}  // namespace

absl::StatusOr<RowSplit> StratifiedSplit(absl::Span<const bool> labels, double test_fraction, uint64_t seed) {
  if (!(test_fraction > 0 && test_fraction < 1)) {
    return Invalid(absl::StrCat("the test fraction must be between 0 and 1 (exclusive), got ", test_fraction));
  }
  std::mt19937_64 rng(seed);
  RowSplit split;
  for (const bool cls : {false, true}) {
    std::vector<int64_t> rows;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == cls) rows.push_back(static_cast<int64_t>(i));
    }
    // Fisher-Yates with our own bounded draw: std::shuffle and the standard
    // distributions are not the same across standard libraries.
    for (size_t i = rows.size(); i > 1; --i) {
      const uint64_t bound = i;
      const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;  // reject the biased tail
      uint64_t draw;
      do {
        draw = rng();
      } while (draw >= limit);
      std::swap(rows[i - 1], rows[static_cast<size_t>(draw % bound)]);
    }
    const size_t n_test = static_cast<size_t>(std::llround(test_fraction * static_cast<double>(rows.size())));
    split.test.insert(split.test.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n_test));
    split.train.insert(split.train.end(), rows.begin() + static_cast<std::ptrdiff_t>(n_test), rows.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

absl::StatusOr<RowSplit> TimeSplit(absl::Span<const double> times, double test_fraction) {
  if (!(test_fraction > 0 && test_fraction < 1)) {
    return Invalid(absl::StrCat("the test fraction must be between 0 and 1 (exclusive), got ", test_fraction));
  }
  std::vector<int64_t> order(times.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  for (size_t i = 0; i < times.size(); ++i) {
    if (std::isnan(times[i])) return Invalid(absl::StrCat("row ", i, ": the time is missing"));
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return times[static_cast<size_t>(a)] < times[static_cast<size_t>(b)]; });
  const size_t n_test = std::min(
      times.size(), static_cast<size_t>(std::ceil(test_fraction * static_cast<double>(times.size()) - 1e-9)));
  RowSplit split;
  split.train.assign(order.begin(), order.end() - static_cast<std::ptrdiff_t>(n_test));
  split.test.assign(order.end() - static_cast<std::ptrdiff_t>(n_test), order.end());
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

absl::StatusOr<PredictiveModel> PredictiveModel::FromProto(v1::ScoreModel proto) {
  if (proto.schema_version() > kScoreModelSchemaVersion) {
    return Invalid(absl::StrCat("model schema version ", proto.schema_version(),
                                " is newer than this saleskit supports (", kScoreModelSchemaVersion, ")"));
  }
  if (proto.schema_version() == 0) return Invalid("not a saleskit score model: it has no schema_version");
  if (!proto.complete()) return Invalid("the model is incomplete (the file was cut short?)");
  if (proto.target().empty() || proto.positive_value().empty()) {
    return Invalid("the model names no target column or positive value");
  }
  std::vector<EncodedFeature> encodings;
  for (const v1::ScoreFeature& f : proto.features()) {
    SALESKIT_ASSIGN_OR_RETURN(EncodedFeature e, saleskit::FromProto(f));
    encodings.push_back(std::move(e));
  }
  absl::StatusOr<FeatureEncoder> encoder = FeatureEncoder::FromEncodings(std::move(encodings));
  if (!encoder.ok()) return Invalid(absl::StrCat("the model's features are inconsistent: ", encoder.status().message()));
  if (proto.weights_size() != encoder->width()) {
    return Invalid(absl::StrCat("the model has ", proto.weights_size(), " weights for ", encoder->width(),
                                " encoded feature columns"));
  }
  std::vector<double> weights(proto.weights().begin(), proto.weights().end());
  weights.push_back(proto.intercept());
  for (double w : weights) {
    if (!std::isfinite(w)) return Invalid("the model has a weight that is not a finite number");
  }
  weights.pop_back();
  return PredictiveModel(std::move(proto), *std::move(encoder), std::move(weights));
}

absl::StatusOr<PredictiveModel> PredictiveModel::Load(absl::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) ++i;
  if (i == bytes.size()) return Invalid("the model file is empty");
  v1::ScoreModel proto;
  if (bytes[i] == '{') {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;  // a newer schema's fields: the version check says why
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(bytes.data(), bytes.size()), &proto, options);
    if (!status.ok()) {
      return Invalid(absl::StrCat("the model file is not a valid JSON score model (truncated or corrupt?): ",
                                  std::string(status.message())));
    }
  } else if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Invalid("the model file is not a valid binary score model (truncated or corrupt?)");
  }
  return FromProto(std::move(proto));
}

std::vector<std::string> PredictiveModel::FeatureNames() const {
  std::vector<std::string> out;
  for (const EncodedFeature& f : encoder_.features()) out.push_back(f.name);
  return out;
}

std::vector<std::string> PredictiveModel::CategoricalFeatureNames() const {
  std::vector<std::string> out;
  for (const EncodedFeature& f : encoder_.features()) {
    if (f.kind == ColumnKind::kCategorical) out.push_back(f.name);
  }
  return out;
}

std::string PredictiveModel::ToBinary() const {
  std::string out;
  proto_.SerializeToString(&out);
  return out;
}

std::string PredictiveModel::ToJson() const {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(proto_, &out, options);
  return out;
}

absl::StatusOr<TrainResult> TrainPredictive(const Table& table, const TrainOptions& options) {
  if (options.target.empty()) return Invalid("no target column given");
  if (options.positive.empty()) return Invalid("no positive value given for the target");
  if (!(options.l2 > 0) || !std::isfinite(options.l2)) {
    return Invalid(absl::StrCat("l2 must be a positive number, got ", options.l2));
  }
  SALESKIT_ASSIGN_OR_RETURN(Target target, ReadTarget(table, options.target, options.positive, nullptr));
  const std::vector<bool>& labels = target.labels;
  const std::unique_ptr<bool[]> label_array = ToArray(labels);
  const absl::Span<const bool> all_labels(label_array.get(), labels.size());

  // Features: every column but the target, the time column and the excluded ones.
  absl::flat_hash_set<std::string> excluded(options.exclude.begin(), options.exclude.end());
  for (const std::string& name : options.exclude) {
    if (table.Find(name) == nullptr) return Invalid(absl::StrCat("excluded column \"", name, "\" is not in the data"));
  }
  RowSplit split;
  v1::ScoreTraining training;
  if (!options.time_column.empty()) {
    const TableColumn* time = table.Find(options.time_column);
    if (time == nullptr) return Invalid(absl::StrCat("the data has no time column \"", options.time_column, "\""));
    if (options.time_column == options.target) return Invalid("the time column cannot be the target");
    SALESKIT_ASSIGN_OR_RETURN(std::vector<double> times, ReadTimes(table, *time));
    SALESKIT_ASSIGN_OR_RETURN(split, TimeSplit(times, options.test_fraction));
    training.set_split(v1::ScoreTraining::TIME);
    training.set_time_column(options.time_column);
  } else {
    SALESKIT_ASSIGN_OR_RETURN(split, StratifiedSplit(all_labels, options.test_fraction, options.seed));
    training.set_split(v1::ScoreTraining::STRATIFIED);
  }
  std::vector<std::string> features;
  for (const TableColumn& c : table.columns()) {
    if (c.name != options.target && c.name != options.time_column && !excluded.contains(c.name)) {
      features.push_back(c.name);
    }
  }
  if (features.empty()) return Invalid("no feature columns left after the target, time and excluded columns");

  // Enough data to learn from and to measure on.
  const int64_t train_rows = static_cast<int64_t>(split.train.size());
  const int64_t train_pos = CountTrue(all_labels, split.train);
  const int64_t train_neg = train_rows - train_pos;
  if (train_rows < kMinTrainRows || train_pos < kMinTrainClassRows || train_neg < kMinTrainClassRows) {
    return Invalid(absl::StrCat("too little data to train: ", train_rows, " training rows (", train_pos, " \"",
                                options.positive, "\", ", train_neg, " other); at least ", kMinTrainRows, " rows and ",
                                kMinTrainClassRows, " of each outcome are needed"));
  }
  const int64_t test_rows = static_cast<int64_t>(split.test.size());
  const int64_t test_pos = CountTrue(all_labels, split.test);
  if (test_rows < 10 || test_pos == 0 || test_pos == test_rows) {
    return Invalid(absl::StrCat("too little data to test: ", test_rows, " test rows (", test_pos, " \"", options.positive,
                                "\"); held-out metrics need at least 10 rows with both outcomes (more data or a "
                                "larger test fraction)"));
  }
  std::vector<std::string> warnings;
  if (std::min(train_pos, train_neg) < kFewClassRowsWarning) {
    warnings.push_back(absl::StrCat("only ", std::min(train_pos, train_neg), " training rows have the rarer outcome; the model "
                                    "and its metrics will be noisy (", kFewClassRowsWarning, "+ recommended)"));
  }

  SALESKIT_ASSIGN_OR_RETURN(
      FittedRows fitted, FitRows(table, options, target.negative, all_labels, features, split.train, training, &warnings));
  v1::ScoreModel& proto = fitted.proto;
  const LogisticModel& fit = fitted.fit;
  SALESKIT_ASSIGN_OR_RETURN(Eigen::MatrixXd x_test, fitted.encoder.Encode(table, split.test));
  const Eigen::VectorXd p_test = PredictLogistic(fit, x_test);
  const std::vector<bool> y_test = Select(all_labels, split.test);
  const std::unique_ptr<bool[]> y_test_array = ToArray(y_test);
  SALESKIT_ASSIGN_OR_RETURN(BinaryMetrics held_out,
                            EvaluateBinary(absl::MakeConstSpan(y_test_array.get(), y_test.size()),
                                           absl::MakeConstSpan(p_test.data(), static_cast<size_t>(p_test.size()))));
  *proto.mutable_held_out() = MetricsToProto(held_out);
  proto.set_complete(true);
  SALESKIT_ASSIGN_OR_RETURN(PredictiveModel model, PredictiveModel::FromProto(std::move(proto)));
  return TrainResult{std::move(model), std::move(split), std::move(held_out), std::move(warnings)};
}

absl::StatusOr<FitResult> FitPredictive(const Table& table, const TrainOptions& options,
                                        absl::Span<const int64_t> rows) {
  if (options.target.empty()) return Invalid("no target column given");
  if (options.positive.empty()) return Invalid("no positive value given for the target");
  if (!(options.l2 > 0) || !std::isfinite(options.l2)) {
    return Invalid(absl::StrCat("l2 must be a positive number, got ", options.l2));
  }
  SALESKIT_ASSIGN_OR_RETURN(Target target, ReadTarget(table, options.target, options.positive, nullptr));
  const std::unique_ptr<bool[]> label_array = ToArray(target.labels);
  const absl::Span<const bool> all_labels(label_array.get(), target.labels.size());
  absl::flat_hash_set<std::string> excluded(options.exclude.begin(), options.exclude.end());
  for (const std::string& name : options.exclude) {
    if (table.Find(name) == nullptr) return Invalid(absl::StrCat("excluded column \"", name, "\" is not in the data"));
  }
  if (!options.time_column.empty() && table.Find(options.time_column) == nullptr) {
    return Invalid(absl::StrCat("the data has no time column \"", options.time_column, "\""));
  }
  std::vector<int64_t> train(rows.begin(), rows.end());
  if (rows.empty()) {
    train.resize(static_cast<size_t>(table.rows()));
    std::iota(train.begin(), train.end(), int64_t{0});
  }
  for (int64_t r : train) {
    if (r < 0 || r >= table.rows()) {
      return Invalid(absl::StrCat("row ", r, " is out of range: the data has ", table.rows(), " rows"));
    }
  }
  std::vector<std::string> features;
  for (const TableColumn& c : table.columns()) {
    if (c.name != options.target && c.name != options.time_column && !excluded.contains(c.name)) {
      features.push_back(c.name);
    }
  }
  if (features.empty()) return Invalid("no feature columns left after the target, time and excluded columns");
  const int64_t train_rows = static_cast<int64_t>(train.size());
  const int64_t train_pos = CountTrue(all_labels, train);
  const int64_t train_neg = train_rows - train_pos;
  if (train_rows < kMinTrainRows || train_pos < kMinTrainClassRows || train_neg < kMinTrainClassRows) {
    return Invalid(absl::StrCat("too little data to train: ", train_rows, " training rows (", train_pos, " \"",
                                options.positive, "\", ", train_neg, " other); at least ", kMinTrainRows, " rows and ",
                                kMinTrainClassRows, " of each outcome are needed"));
  }
  std::vector<std::string> warnings;
  if (std::min(train_pos, train_neg) < kFewClassRowsWarning) {
    warnings.push_back(absl::StrCat("only ", std::min(train_pos, train_neg), " training rows have the rarer outcome; the model "
                                    "will be noisy (", kFewClassRowsWarning, "+ recommended)"));
  }
  v1::ScoreTraining training;
  training.set_split(v1::ScoreTraining::SPLIT_UNSPECIFIED);
  if (!options.time_column.empty()) training.set_time_column(options.time_column);
  SALESKIT_ASSIGN_OR_RETURN(
      FittedRows fitted, FitRows(table, options, target.negative, all_labels, features, train, training, &warnings));
  fitted.proto.mutable_training()->set_test_fraction(0);
  fitted.proto.set_complete(true);
  SALESKIT_ASSIGN_OR_RETURN(PredictiveModel model, PredictiveModel::FromProto(std::move(fitted.proto)));
  return FitResult{std::move(model), std::move(warnings)};
}

absl::StatusOr<Predictions> Predict(const PredictiveModel& model, const Table& table) {
  Predictions out;
  SALESKIT_ASSIGN_OR_RETURN(Eigen::MatrixXd x, model.encoder().EncodeAll(table, &out.fallbacks));
  const Eigen::VectorXd z = LogOdds(model, x);
  out.probabilities.reserve(static_cast<size_t>(z.size()));
  for (Eigen::Index i = 0; i < z.size(); ++i) out.probabilities.push_back(Sigmoid(z(i)));
  return out;
}

absl::StatusOr<Explanation> Explain(const PredictiveModel& model, const Table& table, int64_t row, int k) {
  if (row < 0 || row >= table.rows()) {
    return Invalid(absl::StrCat("row ", row, " is out of range: the data has ", table.rows(), " rows"));
  }
  const int64_t rows[1] = {row};
  SALESKIT_ASSIGN_OR_RETURN(Eigen::MatrixXd x, model.encoder().Encode(table, rows));
  return ExplainEncoded(model, table, row, x, 0, BaseLogOdds(model), k);
}

absl::StatusOr<std::vector<Explanation>> ExplainAll(const PredictiveModel& model, const Table& table, int k) {
  SALESKIT_ASSIGN_OR_RETURN(Eigen::MatrixXd x, model.encoder().EncodeAll(table));
  const double base = BaseLogOdds(model);
  std::vector<Explanation> out;
  out.reserve(static_cast<size_t>(table.rows()));
  for (int64_t r = 0; r < table.rows(); ++r) out.push_back(ExplainEncoded(model, table, r, x, r, base, k));
  return out;
}

absl::StatusOr<BinaryMetrics> Evaluate(const PredictiveModel& model, const Table& table,
                                       std::vector<FeatureFallbacks>* fallbacks) {
  const std::string& negative = model.proto().negative_value();
  SALESKIT_ASSIGN_OR_RETURN(Target target,
                            ReadTarget(table, model.proto().target(), model.proto().positive_value(), &negative));
  SALESKIT_ASSIGN_OR_RETURN(Predictions predictions, Predict(model, table));
  if (fallbacks != nullptr) *fallbacks = predictions.fallbacks;
  const std::unique_ptr<bool[]> labels = ToArray(target.labels);
  return EvaluateBinary(absl::MakeConstSpan(labels.get(), target.labels.size()), predictions.probabilities);
}

}  // namespace saleskit
