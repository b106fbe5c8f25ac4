#include "cli/score.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "saleskit/engine.h"
#include "internal/json.h"
#include "saleskit/io/csv.h"
#include "saleskit/io/readers.h"
#include "saleskit/score/history.h"
#include "saleskit/score/predictive.h"
#include "saleskit/status_macros.h"
#include "saleskit/time.h"

namespace saleskit::cli {
namespace {

constexpr char kUsage[] =
    "usage: saleskit score train --data FILE --target COL --positive VALUE --out MODEL\n"
    "                            [--exclude COL,...] [--categorical COL,...] [--test-fraction F]\n"
    "                            [--seed S] [--l2 X] [--class-weight balanced] [--time-column COL]\n"
    "                            [--min-level-count N] [--format text|json]\n"
    "       saleskit score history --customers FILE --events FILE [--deals FILE] [--accounts FILE]\n"
    "                              --reference TIME [--horizon-days N] (--stage STAGE | --won-deal)\n"
    "                              --feature NAME=CEL... --out MODEL [train's fitting flags]\n"
    "       saleskit score eval --model MODEL --data FILE [--format text|json]\n"
    "       saleskit score predict --model MODEL --data FILE [--id COL] [--explain K]\n"
    "       saleskit score predict --model MODEL --customers FILE [--events FILE] [--accounts FILE]\n"
    "                              [--now TIME] [--explain K]\n"
    "  train: fits a logistic regression on the CSV's rows (every column but the target,\n"
    "    the time column and the excluded ones is a feature), prints the held-out metrics\n"
    "    and writes the model (MODEL ending in .json: JSON, otherwise binary protobuf).\n"
    "    The test set is a stratified random --test-fraction (default 0.2, --seed 42), or\n"
    "    the latest rows by --time-column.\n"
    "  history: trains on the records' own history: each customer as they were at\n"
    "    --reference (only events up to then; features are CEL expressions), labelled by\n"
    "    reaching --stage (a lifecycle_stage_changed event with property stage) or winning\n"
    "    a deal within --horizon-days (default 30) after it.\n"
    "  eval: the model's metrics on every row of FILE (which needs the target column).\n"
    "  predict: CSV row,probability (or id,probability with --id COL), and with --explain K\n"
    "    the top K reasons as columns reason1..reasonK, each FEATURE[=VALUE]:LOG_ODDS.\n"
    "    With --customers instead of --data, a model from 'score history' scores the loaded\n"
    "    customers at --now (default: the latest event): CSV customer_id,probability.\n"
    "  See docs/predictive.md.\n";

int UsageError(std::ostream& err, absl::string_view message) {
  return Usage(err, absl::InvalidArgumentError(message), kUsage);
}

int Fail(std::ostream& err, const absl::Status& status) {
  err << "saleskit: " << status.message() << "\n";
  return 1;
}

// Comma-separated lists, from every use of a repeatable flag.
std::vector<std::string> ListFlag(const Args& args, const std::string& name) {
  std::vector<std::string> out;
  for (const std::string& value : args.GetAll(name)) {
    for (absl::string_view item : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      out.emplace_back(absl::StripAsciiWhitespace(item));
    }
  }
  return out;
}

absl::StatusOr<Table> ReadTableFile(const std::string& path, const TableReadOptions& options) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<Table> table = ReadTableCsv(*text, options);
  if (!table.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", table.status().message()));
  return table;
}

absl::StatusOr<PredictiveModel> LoadModel(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<PredictiveModel> model = PredictiveModel::Load(*bytes);
  if (!model.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", model.status().message()));
  return model;
}

std::string Number(double d) {
  std::string out;
  internal::AppendJsonNumber(d, &out);
  return out;
}

void PrintMetricsText(const BinaryMetrics& m, std::ostream& out) {
  out << absl::StrFormat("AUC %.4f, PR AUC %.4f, log loss %.4f, Brier %.4f\n", m.roc_auc, m.pr_auc, m.log_loss,
                         m.brier);
  out << "lift by decile (top first):";
  for (double l : m.lift) out << absl::StrFormat(" %.2f", l);
  out << "\n";
}

void NoteFallbacks(const std::vector<FeatureFallbacks>& fallbacks, std::ostream& err) {
  for (const FeatureFallbacks& f : fallbacks) {
    if (f.unseen_levels > 0) {
      err << "note: column \"" << f.feature << "\": " << f.unseen_levels
          << " rows have a value not seen in training (scored as " << kOtherLevel << ")\n";
    }
    if (f.unexpected_missing > 0) {
      err << "note: column \"" << f.feature << "\": " << f.unexpected_missing
          << " rows are missing a value that was never missing in training (imputed)\n";
    }
  }
}

std::string FallbacksJson(const std::vector<FeatureFallbacks>& fallbacks) {
  std::string out = "[";
  for (size_t i = 0; i < fallbacks.size(); ++i) {
    if (i > 0) out += ",";
    out += "{\"feature\":";
    internal::AppendJsonString(fallbacks[i].feature, &out);
    absl::StrAppend(&out, ",\"unseen_levels\":", fallbacks[i].unseen_levels,
                    ",\"unexpected_missing\":", fallbacks[i].unexpected_missing, "}");
  }
  return out + "]";
}

absl::StatusOr<std::string> Format(const Args& args) {
  const std::string format = args.Get("format").value_or("text");
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(absl::StrCat("--format: expected text or json, got \"", format, "\""));
  }
  return format;
}

// The fitting flags train and history share: --test-fraction, --seed, --l2,
// --min-level-count, --class-weight.
absl::Status TrainFlags(const Args& args, TrainOptions* options_out) {
  TrainOptions& options = *options_out;
  if (auto v = args.Get("test-fraction");
      v && (!absl::SimpleAtod(*v, &options.test_fraction) || !(options.test_fraction > 0 && options.test_fraction < 1))) {
    return absl::InvalidArgumentError(absl::StrCat("--test-fraction: expected a number between 0 and 1, got \"", *v, "\""));
  }
  if (auto v = args.Get("seed"); v && !absl::SimpleAtoi(*v, &options.seed)) {
    return absl::InvalidArgumentError(absl::StrCat("--seed: expected a whole number >= 0, got \"", *v, "\""));
  }
  if (auto v = args.Get("l2"); v && (!absl::SimpleAtod(*v, &options.l2) || !(options.l2 > 0) || !std::isfinite(options.l2))) {
    return absl::InvalidArgumentError(absl::StrCat("--l2: expected a positive number, got \"", *v, "\""));
  }
  if (auto v = args.Get("min-level-count");
      v && (!absl::SimpleAtoi(*v, &options.min_level_count) || options.min_level_count < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("--min-level-count: expected a whole number >= 1, got \"", *v, "\""));
  }
  if (auto v = args.Get("class-weight")) {
    if (*v != "balanced" && *v != "none") {
      return absl::InvalidArgumentError(absl::StrCat("--class-weight: expected balanced or none, got \"", *v, "\""));
    }
    options.balanced_class_weight = *v == "balanced";
  }
  return absl::OkStatus();
}

// Writes the model to `path` (JSON when it ends in .json) and prints the
// training summary and held-out metrics in `format` (text or json).
int WriteAndReport(const TrainResult& result, const std::string& split, const std::string& path,
                   const std::string& format, std::ostream& out, std::ostream& err) {
  const bool json_model = absl::EndsWithIgnoreCase(path, ".json");
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    const std::string bytes = json_model ? result.model.ToJson() : result.model.ToBinary();
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (json_model) file << "\n";
    if (!file.good()) return Fail(err, absl::InternalError(absl::StrCat("cannot write \"", path, "\"")));
  }
  const v1::ScoreModel& proto = result.model.proto();
  const int64_t test_rows = static_cast<int64_t>(result.split.test.size());
  if (format == "json") {
    std::string json = "{\"target\":";
    internal::AppendJsonString(proto.target(), &json);
    json += ",\"positive\":";
    internal::AppendJsonString(proto.positive_value(), &json);
    absl::StrAppend(&json, ",\"train_rows\":", proto.training().train_rows(),
                    ",\"train_positives\":", proto.training().train_positives(), ",\"test_rows\":", test_rows,
                    ",\"test_positives\":", result.held_out.positives, ",\"features\":", proto.features_size(),
                    ",\"encoded_columns\":", proto.weights_size(), ",\"held_out\":", BinaryMetricsToJson(result.held_out),
                    ",\"warnings\":[");
    for (size_t i = 0; i < result.warnings.size(); ++i) {
      if (i > 0) json += ",";
      internal::AppendJsonString(result.warnings[i], &json);
    }
    json += "],\"model\":";
    internal::AppendJsonString(path, &json);
    out << json << "}\n";
  } else {
    out << "target: " << proto.target() << " = \"" << proto.positive_value() << "\" (other: \""
        << proto.negative_value() << "\")\n";
    out << "split: "
        << split
        << "; " << proto.training().train_rows() << " training rows (" << proto.training().train_positives()
        << " positive), " << test_rows << " test rows (" << result.held_out.positives << " positive)\n";
    out << "features: " << proto.features_size() << " (" << proto.weights_size() << " encoded columns)\n";
    out << "held-out: ";
    PrintMetricsText(result.held_out, out);
    out << "model: " << path << (json_model ? " (JSON)\n" : " (binary protobuf)\n");
  }
  for (const std::string& w : result.warnings) err << "warning: " << w << "\n";
  return 0;
}

int ScoreTrain(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  const std::optional<Args> args =
      ParseFlags(argv,
                 {"data", "target", "positive", "exclude", "categorical", "test-fraction", "seed", "l2",
                  "class-weight", "time-column", "format", "out", "min-level-count"},
                 {}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  for (const char* required : {"data", "target", "positive", "out"}) {
    if (!args->Get(required)) return UsageError(err, absl::StrCat("score train: --", required, " is required"));
  }
  const absl::StatusOr<std::string> format = Format(*args);
  if (!format.ok()) return UsageError(err, format.status().message());
  TrainOptions options;
  options.target = *args->Get("target");
  options.positive = *args->Get("positive");
  options.exclude = ListFlag(*args, "exclude");
  options.time_column = args->Get("time-column").value_or("");
  if (absl::Status st = TrainFlags(*args, &options); !st.ok()) return UsageError(err, st.message());
  // The target is compared as text ("1" is "1"), and excluded columns are
  // never checked as numbers: only their presence matters.
  TableReadOptions read;
  read.categorical = ListFlag(*args, "categorical");
  read.categorical.push_back(options.target);
  read.categorical.insert(read.categorical.end(), options.exclude.begin(), options.exclude.end());
  absl::StatusOr<Table> table = ReadTableFile(*args->Get("data"), read);
  if (!table.ok()) return Fail(err, table.status());
  absl::StatusOr<TrainResult> result = TrainPredictive(*table, options);
  if (!result.ok()) return Fail(err, result.status());

  return WriteAndReport(*result,
                        options.time_column.empty() ? absl::StrCat("stratified random, seed ", options.seed)
                                                    : absl::StrCat("by time (", options.time_column, ")"),
                        *args->Get("out"), *format, out, err);
}

int ScoreEval(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  const std::optional<Args> args = ParseFlags(argv, {"model", "data", "format"}, {}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  for (const char* required : {"model", "data"}) {
    if (!args->Get(required)) return UsageError(err, absl::StrCat("score eval: --", required, " is required"));
  }
  const absl::StatusOr<std::string> format = Format(*args);
  if (!format.ok()) return UsageError(err, format.status().message());
  absl::StatusOr<PredictiveModel> model = LoadModel(*args->Get("model"));
  if (!model.ok()) return Fail(err, model.status());
  TableReadOptions read;
  read.only = model->FeatureNames();
  read.only.push_back(model->proto().target());
  read.categorical = model->CategoricalFeatureNames();
  read.categorical.push_back(model->proto().target());
  absl::StatusOr<Table> table = ReadTableFile(*args->Get("data"), read);
  if (!table.ok()) return Fail(err, table.status());
  std::vector<FeatureFallbacks> fallbacks;
  absl::StatusOr<BinaryMetrics> metrics = Evaluate(*model, *table, &fallbacks);
  if (!metrics.ok()) return Fail(err, metrics.status());
  if (*format == "json") {
    std::string json = BinaryMetricsToJson(*metrics);
    json.pop_back();  // the closing brace: the fallbacks join the metrics' object
    out << json << ",\"fallbacks\":" << FallbacksJson(fallbacks) << "}\n";
  } else {
    out << "rows: " << metrics->rows << " (" << metrics->positives << " positive)\n";
    PrintMetricsText(*metrics, out);
  }
  NoteFallbacks(fallbacks, err);
  return 0;
}

// Appends ",reason1..,reasonK" cells: FEATURE[=VALUE]:LOG_ODDS.
void AppendReasons(const Explanation& x, int k, std::string* text) {
  for (int i = 0; i < k; ++i) {
    *text += ",";
    if (static_cast<size_t>(i) >= x.top.size()) continue;
    const Contribution& c = x.top[static_cast<size_t>(i)];
    const bool categorical = c.kind == ColumnKind::kCategorical;
    AppendCsvCell(absl::StrFormat("%s%s:%+.4f", c.feature,
                                  categorical ? "" : absl::StrCat("=", c.value.empty() ? std::string(kMissingLevel) : c.value),
                                  c.log_odds),
                  text);
  }
}

// `score predict --customers`: a history-trained model bound to an engine
// that loads the files, scoring every customer at --now.
int PredictLive(const Args& args, int explain, std::ostream& out, std::ostream& err) {
  absl::StatusOr<PredictiveModel> model = LoadModel(*args.Get("model"));
  if (!model.ok()) return Fail(err, model.status());
  std::unique_ptr<Engine> engine = *Engine::Create();
  // Bound before loading, so that its windows count every event.
  absl::StatusOr<std::shared_ptr<const LiveModel>> bound = engine->BindModel(*model);
  if (!bound.ok()) return Fail(err, bound.status());
  const ImportTotals loaded = LoadKindFiles(*engine, args, err);
  if (loaded.usage) return 2;
  if (loaded.failed) return 1;
  if (auto now = args.Get("now")) {
    absl::StatusOr<Micros> t = ParseTimestamp(*now);
    if (!t.ok()) return UsageError(err, absl::StrCat("--now: ", t.status().message()));
    if (absl::Status st = engine->AdvanceTo(ToTime(*t)); !st.ok()) return Fail(err, st);
  } else {
    AdvanceToLatestEvent(*engine);
  }
  const std::vector<std::pair<std::string, double>> rows = engine->PredictById(**bound);
  std::string text = "customer_id,probability";
  for (int k = 1; k <= explain; ++k) absl::StrAppend(&text, ",reason", k);
  text += "\n";
  for (const auto& [id, p] : rows) {
    AppendCsvCell(id, &text);
    absl::StrAppendFormat(&text, ",%.6g", p);
    if (explain > 0) {
      absl::StatusOr<Explanation> x = engine->ExplainPrediction(**bound, id, explain);
      if (!x.ok()) return Fail(err, x.status());
      AppendReasons(*x, explain, &text);
    }
    text += "\n";
  }
  out << text;
  return 0;
}

int ScorePredict(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  const std::optional<Args> args =
      ParseFlags(argv, {"model", "data", "id", "explain", "customers", "events", "accounts", "now"}, {}, kUsage, out,
                 err, &exit_code);
  if (!args) return exit_code;
  if (!args->Get("model")) return UsageError(err, "score predict: --model is required");
  if (args->Get("data").has_value() == args->Get("customers").has_value()) {
    return UsageError(err, "score predict: give --data (a table) or --customers (records to score live)");
  }
  int explain = 0;
  if (auto v = args->Get("explain"); v && (!absl::SimpleAtoi(*v, &explain) || explain < 1)) {
    return UsageError(err, absl::StrCat("--explain: expected a whole number >= 1, got \"", *v, "\""));
  }
  if (args->Get("customers")) return PredictLive(*args, explain, out, err);
  const std::optional<std::string> id = args->Get("id");
  absl::StatusOr<PredictiveModel> model = LoadModel(*args->Get("model"));
  if (!model.ok()) return Fail(err, model.status());
  TableReadOptions read;
  read.only = model->FeatureNames();
  read.categorical = model->CategoricalFeatureNames();
  if (id) {
    read.only.push_back(*id);
    read.categorical.push_back(*id);
  }
  absl::StatusOr<Table> table = ReadTableFile(*args->Get("data"), read);
  if (!table.ok()) return Fail(err, table.status());
  const TableColumn* id_column = id ? table->Find(*id) : nullptr;
  if (id && id_column == nullptr) {
    return Fail(err, absl::InvalidArgumentError(absl::StrCat("the data has no id column \"", *id, "\"")));
  }
  absl::StatusOr<Predictions> predictions = Predict(*model, *table);
  if (!predictions.ok()) return Fail(err, predictions.status());
  std::vector<Explanation> explanations;
  if (explain > 0) {
    absl::StatusOr<std::vector<Explanation>> all = ExplainAll(*model, *table, explain);
    if (!all.ok()) return Fail(err, all.status());
    explanations = *std::move(all);
  }
  std::string text;
  text += id ? "id" : "row";
  text += ",probability";
  for (int k = 1; k <= explain; ++k) absl::StrAppend(&text, ",reason", k);
  text += "\n";
  for (int64_t r = 0; r < table->rows(); ++r) {
    if (id_column != nullptr) {
      AppendCsvCell(id_column->strings[static_cast<size_t>(r)], &text);
    } else {
      absl::StrAppend(&text, r);
    }
    absl::StrAppendFormat(&text, ",%.6g", predictions->probabilities[static_cast<size_t>(r)]);
    if (explain > 0) AppendReasons(explanations[static_cast<size_t>(r)], explain, &text);
    text += "\n";
  }
  out << text;
  NoteFallbacks(predictions->fallbacks, err);
  return 0;
}

// Reads a file of records of one kind (format from its name). Parse errors
// fail the command, naming the file and record.
template <typename Record>
absl::Status ReadKind(const std::string& path, std::vector<Record>* out) {
  SALESKIT_ASSIGN_OR_RETURN(saleskit::Format format, FormatFromPath(path));
  SALESKIT_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  absl::StatusOr<ReadResult<Record>> read = ReadRecords<Record>(data, format);
  if (!read.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", read.status().message()));
  if (!read->errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", read->errors.front().ToString()));
  }
  *out = std::move(read->batch.records);
  return absl::OkStatus();
}

int ScoreHistory(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  const std::optional<Args> args =
      ParseFlags(argv,
                 {"customers", "events", "deals", "accounts", "reference", "horizon-days", "stage", "feature",
                  "out", "format", "test-fraction", "seed", "l2", "class-weight", "min-level-count"},
                 {"won-deal"}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  for (const char* required : {"customers", "events", "reference", "feature", "out"}) {
    if (!args->Get(required)) return UsageError(err, absl::StrCat("score history: --", required, " is required"));
  }
  const absl::StatusOr<std::string> format = Format(*args);
  if (!format.ok()) return UsageError(err, format.status().message());
  HistoryOptions options;
  absl::StatusOr<Micros> reference = ParseTimestamp(*args->Get("reference"));
  if (!reference.ok()) return UsageError(err, absl::StrCat("--reference: ", reference.status().message()));
  options.reference = ToTime(*reference);
  int64_t days = 30;
  if (auto v = args->Get("horizon-days"); v && (!absl::SimpleAtoi(*v, &days) || days < 1)) {
    return UsageError(err, absl::StrCat("--horizon-days: expected a whole number >= 1, got \"", *v, "\""));
  }
  options.horizon = absl::Hours(24 * days);
  if (auto v = args->Get("stage")) {
    const std::optional<v1::LifecycleStage> stage = ParseLifecycleStage(*v);
    if (!stage) return UsageError(err, absl::StrCat("--stage: not a lifecycle stage: \"", *v, "\""));
    options.stage = *stage;
  }
  options.won_deal = args->Has("won-deal");
  for (const std::string& f : args->GetAll("feature")) {
    const size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0) {
      return UsageError(err, absl::StrCat("--feature: expected NAME=CEL, got \"", f, "\""));
    }
    options.features.push_back({f.substr(0, eq), f.substr(eq + 1)});
  }
  TrainOptions train;
  if (absl::Status st = TrainFlags(*args, &train); !st.ok()) return UsageError(err, st.message());
  HistoryRecords records;
  absl::Status read = ReadKind(*args->Get("customers"), &records.customers);
  if (read.ok()) read = ReadKind(*args->Get("events"), &records.events);
  if (read.ok() && args->Get("deals")) read = ReadKind(*args->Get("deals"), &records.deals);
  if (read.ok() && args->Get("accounts")) read = ReadKind(*args->Get("accounts"), &records.accounts);
  if (!read.ok()) return Fail(err, read);
  absl::StatusOr<TrainResult> result = TrainFromHistory(records, options, train);
  if (!result.ok()) return Fail(err, result.status());
  return WriteAndReport(*result,
                        absl::StrCat("stratified random, seed ", train.seed, "; features as of ",
                                     FormatTimestamp(*reference), ", outcome within ", days, " days"),
                        *args->Get("out"), *format, out, err);
}

}  // namespace

int RunScore(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) return UsageError(err, "score: expected train, eval or predict");
  const std::string& sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "train") return ScoreTrain(rest, out, err);
  if (sub == "history") return ScoreHistory(rest, out, err);
  if (sub == "eval") return ScoreEval(rest, out, err);
  if (sub == "predict") return ScorePredict(rest, out, err);
  if (sub == "--help" || sub == "help" || sub == "-h") {
    out << kUsage;
    return 0;
  }
  return UsageError(err, absl::StrCat("score: unknown subcommand \"", sub, "\" (expected train, history, eval or predict)"));
}

}  // namespace saleskit::cli
