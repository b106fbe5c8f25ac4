#include "internal/history_input.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "internal/json.h"
#include "saleskit/batch.h"
#include "saleskit/score/metrics.h"
#include "saleskit/status_macros.h"
#include "saleskit/time.h"

namespace saleskit::internal {
namespace {

using google::protobuf::Value;

absl::Status KeyError(absl::string_view key, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("options_json: \"", key, "\" must be ", expected));
}

absl::StatusOr<std::string> KeyString(const Value& v, absl::string_view key) {
  if (v.kind_case() != Value::kStringValue) return KeyError(key, "a string");
  return v.string_value();
}

absl::StatusOr<double> KeyNumber(const Value& v, absl::string_view key) {
  if (v.kind_case() != Value::kNumberValue) return KeyError(key, "a number");
  return v.number_value();
}

absl::StatusOr<uint64_t> KeyWhole(const Value& v, absl::string_view key) {
  if (v.kind_case() != Value::kNumberValue) return KeyError(key, "a whole number >= 0");
  const double d = v.number_value();
  if (!(d >= 0 && d <= 9007199254740992.0) || d != std::floor(d)) return KeyError(key, "a whole number >= 0");
  return static_cast<uint64_t>(d);
}

// "marketing_qualified" or "LIFECYCLE_STAGE_MARKETING_QUALIFIED".
absl::StatusOr<v1::LifecycleStage> KeyStage(const Value& v) {
  if (v.kind_case() != Value::kStringValue) return KeyError("stage", "a lifecycle stage name");
  const std::optional<v1::LifecycleStage> stage = ParseLifecycleStage(v.string_value());
  if (!stage) {
    return absl::InvalidArgumentError(absl::StrCat(
        "options_json: \"stage\": unknown lifecycle stage \"", v.string_value(),
        "\" (subscriber, lead, marketing_qualified, sales_qualified, opportunity, customer, evangelist)"));
  }
  return *stage;
}

absl::StatusOr<std::vector<HistoryFeature>> KeyFeatures(const Value& v) {
  constexpr absl::string_view kExpected =
      "an object {name: expression}, or an array of [name, expression] pairs or {\"name\", \"expression\"} objects";
  std::vector<HistoryFeature> out;
  if (v.kind_case() == Value::kStructValue) {
    // protobuf's Struct is a map: keys come back in an unspecified order; sort them.
    for (const auto& [name, expr] : v.struct_value().fields()) {
      if (expr.kind_case() != Value::kStringValue) return KeyError("features", kExpected);
      out.push_back({name, expr.string_value()});
    }
    std::sort(out.begin(), out.end(), [](const HistoryFeature& a, const HistoryFeature& b) { return a.name < b.name; });
    return out;
  }
  if (v.kind_case() != Value::kListValue) return KeyError("features", kExpected);
  for (const Value& item : v.list_value().values()) {
    if (item.kind_case() == Value::kListValue && item.list_value().values_size() == 2 &&
        item.list_value().values(0).kind_case() == Value::kStringValue &&
        item.list_value().values(1).kind_case() == Value::kStringValue) {
      out.push_back({item.list_value().values(0).string_value(), item.list_value().values(1).string_value()});
      continue;
    }
    if (item.kind_case() == Value::kStructValue) {
      const auto& f = item.struct_value().fields();
      auto name = f.find("name");
      auto expr = f.find("expression");
      if (f.size() == 2 && name != f.end() && expr != f.end() && name->second.kind_case() == Value::kStringValue &&
          expr->second.kind_case() == Value::kStringValue) {
        out.push_back({name->second.string_value(), expr->second.string_value()});
        continue;
      }
    }
    return KeyError("features", kExpected);
  }
  return out;
}

absl::StatusOr<v1::Playbook> KeyPlaybook(const Value& v) {
  if (v.kind_case() != Value::kStructValue) return KeyError("playbook", "a saleskit.v1.Playbook object");
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(v.struct_value(), &json).ok()) {
    return KeyError("playbook", "a saleskit.v1.Playbook object");
  }
  v1::Playbook playbook;
  const auto parsed = google::protobuf::util::JsonStringToMessage(json, &playbook);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("options_json: \"playbook\": ", std::string(parsed.message())));
  }
  return playbook;
}

}  // namespace

template <typename Record>
absl::Status ReadHistoryRecords(absl::string_view what, absl::string_view data, Format format,
                                const ReadOptions& read, std::vector<Record>* out) {
  if (data.empty()) return absl::OkStatus();
  absl::StatusOr<ReadResult<Record>> result = ReadRecords<Record>(data, format, read);
  if (!result.ok()) return absl::Status(result.status().code(), absl::StrCat(what, ": ", result.status().message()));
  if (!result->errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", BatchRejected(result->errors).message()));
  }
  for (Record& r : result->batch.records) out->push_back(std::move(r));
  return absl::OkStatus();
}

template absl::Status ReadHistoryRecords(absl::string_view, absl::string_view, Format, const ReadOptions&,
                                         std::vector<v1::Customer>*);
template absl::Status ReadHistoryRecords(absl::string_view, absl::string_view, Format, const ReadOptions&,
                                         std::vector<v1::Account>*);
template absl::Status ReadHistoryRecords(absl::string_view, absl::string_view, Format, const ReadOptions&,
                                         std::vector<v1::Event>*);
template absl::Status ReadHistoryRecords(absl::string_view, absl::string_view, Format, const ReadOptions&,
                                         std::vector<v1::Deal>*);

absl::StatusOr<HistoryTraining> ParseHistoryOptionsJson(absl::string_view json) {
  google::protobuf::Struct root;
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(google::protobuf::StringPiece(json.data(), json.size()), &root);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("options_json is not a JSON object: ", std::string(parsed.message())));
  }
  HistoryTraining out;
  HistoryOptions& h = out.history;
  TrainOptions& t = out.train;
  bool has_reference = false;
  for (const auto& [key, value] : root.fields()) {
    if (value.kind_case() == Value::kNullValue) continue;
    if (key == "reference") {
      SALESKIT_ASSIGN_OR_RETURN(std::string text, KeyString(value, key));
      absl::StatusOr<Micros> at = ParseTimestamp(text);
      if (!at.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("options_json: \"reference\": ", at.status().message()));
      }
      h.reference = ToTime(*at);
      has_reference = true;
    } else if (key == "horizon_days") {
      SALESKIT_ASSIGN_OR_RETURN(double days, KeyNumber(value, key));
      if (!(days > 0) || !std::isfinite(days)) return KeyError(key, "a number of days > 0");
      h.horizon = absl::Seconds(days * 86400.0);
    } else if (key == "stage") {
      SALESKIT_ASSIGN_OR_RETURN(h.stage, KeyStage(value));
    } else if (key == "stage_event_type") {
      SALESKIT_ASSIGN_OR_RETURN(h.stage_event_type, KeyString(value, key));
    } else if (key == "won_deal") {
      if (value.kind_case() != Value::kBoolValue) return KeyError(key, "true or false");
      h.won_deal = value.bool_value();
    } else if (key == "features") {
      SALESKIT_ASSIGN_OR_RETURN(h.features, KeyFeatures(value));
    } else if (key == "playbook") {
      SALESKIT_ASSIGN_OR_RETURN(h.playbook, KeyPlaybook(value));
    } else if (key == "test_fraction") {
      SALESKIT_ASSIGN_OR_RETURN(t.test_fraction, KeyNumber(value, key));
    } else if (key == "l2") {
      SALESKIT_ASSIGN_OR_RETURN(t.l2, KeyNumber(value, key));
    } else if (key == "seed") {
      SALESKIT_ASSIGN_OR_RETURN(t.seed, KeyWhole(value, key));
    } else if (key == "min_level_count") {
      SALESKIT_ASSIGN_OR_RETURN(uint64_t n, KeyWhole(value, key));
      t.min_level_count = static_cast<int64_t>(n);
    } else if (key == "class_weight") {
      if (value.kind_case() != Value::kStringValue || value.string_value() != "balanced") {
        return KeyError(key, "\"balanced\" or null");
      }
      t.balanced_class_weight = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("options_json: unknown key \"", key, "\""));
    }
  }
  if (!has_reference) return absl::InvalidArgumentError("options_json: \"reference\" is required");
  if (h.features.empty()) return absl::InvalidArgumentError("options_json: \"features\" is required");
  return out;
}

std::string TrainReportJson(const TrainResult& result) {
  std::string report = absl::StrCat("{\"train_rows\":", result.split.train.size(),
                                    ",\"test_rows\":", result.split.test.size(),
                                    ",\"encoded_columns\":", result.model.weights().size(),
                                    ",\"held_out\":", BinaryMetricsToJson(result.held_out), ",\"warnings\":[");
  for (size_t i = 0; i < result.warnings.size(); ++i) {
    if (i > 0) report += ",";
    AppendJsonString(result.warnings[i], &report);
  }
  return report + "]}";
}

}  // namespace saleskit::internal
