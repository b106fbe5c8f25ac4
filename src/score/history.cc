#include "saleskit/score/history.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "internal/proto_time.h"
#include "saleskit/engine.h"
#include "saleskit/io/readers.h"
#include "saleskit/status_macros.h"

namespace saleskit {
namespace {

// The stage an event's "stage" property names, or UNSPECIFIED.
v1::LifecycleStage StageNamed(const v1::Event& e) {
  auto it = e.properties().find("stage");
  if (it == e.properties().end()) return v1::LIFECYCLE_STAGE_UNSPECIFIED;
  const std::optional<v1::LifecycleStage> stage = ParseLifecycleStage(it->second);
  return stage && *stage != v1::LIFECYCLE_STAGE_OTHER ? *stage : v1::LIFECYCLE_STAGE_UNSPECIFIED;
}

// Each customer's first conversion time (absent: never), over every record.
absl::flat_hash_map<std::string, Micros> Conversions(const HistoryRecords& records, const HistoryOptions& options) {
  absl::flat_hash_map<std::string, Micros> first;
  auto note = [&](const std::string& id, Micros at) {
    auto [it, inserted] = first.try_emplace(id, at);
    if (!inserted) it->second = std::min(it->second, at);
  };
  if (options.stage != v1::LIFECYCLE_STAGE_UNSPECIFIED) {
    for (const v1::Event& e : records.events) {
      if (e.type() != options.stage_event_type) continue;
      const v1::LifecycleStage reached = StageNamed(e);
      if (reached != v1::LIFECYCLE_STAGE_UNSPECIFIED && reached >= options.stage) {
        note(e.customer_id(), internal::FromProto(e.occurred_at()));
      }
    }
  }
  if (options.won_deal) {
    absl::flat_hash_map<std::string, std::vector<std::string>> by_account;
    for (const v1::Customer& c : records.customers) {
      if (c.has_account_id()) by_account[c.account_id()].push_back(c.id());
    }
    for (const v1::Deal& d : records.deals) {
      if (d.status() != v1::Deal::WON || !d.has_close_date()) continue;
      const Micros at = internal::FromProto(d.close_date());
      if (d.has_customer_id()) {
        note(d.customer_id(), at);
      } else if (d.has_account_id()) {
        for (const std::string& id : by_account[d.account_id()]) note(id, at);
      }
    }
  }
  return first;
}

}  // namespace

absl::StatusOr<Table> BuildHistoryTable(const HistoryRecords& records, const HistoryOptions& options) {
  if (options.stage == v1::LIFECYCLE_STAGE_UNSPECIFIED && !options.won_deal) {
    return absl::InvalidArgumentError("choose an outcome: a lifecycle stage reached, a won deal, or both");
  }
  if (options.stage == v1::LIFECYCLE_STAGE_OTHER) {
    return absl::InvalidArgumentError("the outcome stage must be a funnel stage, not OTHER");
  }
  if (options.horizon <= absl::ZeroDuration()) return absl::InvalidArgumentError("the horizon must be positive");
  if (options.features.empty()) return absl::InvalidArgumentError("no features: give at least one CEL expression");
  absl::flat_hash_set<std::string> names = {kHistoryIdColumn, kHistoryOutcomeColumn};
  for (const HistoryFeature& f : options.features) {
    if (f.name.empty()) return absl::InvalidArgumentError(absl::StrCat("feature `", f.expression, "` has no name"));
    if (!names.insert(f.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("feature name \"", f.name, "\" is taken or reserved"));
    }
  }
  const Micros reference = ToMicros(options.reference);
  // Data after the reference time is what makes an outcome observable.
  Micros latest = INT64_MIN;
  for (const v1::Event& e : records.events) latest = std::max(latest, internal::FromProto(e.occurred_at()));
  for (const v1::Deal& d : records.deals) {
    if (d.has_close_date()) latest = std::max(latest, internal::FromProto(d.close_date()));
  }
  if (latest <= reference) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the reference time ", FormatTimestamp(reference), " is not before any event or deal",
        latest == INT64_MIN ? "" : absl::StrCat(" (the latest is ", FormatTimestamp(latest), ")"),
        ": no outcome can be observed after it"));
  }

  // A fresh engine that sees the past only: playbook and features first, so
  // that their windows count every event.
  EngineOptions engine_options;
  Micros earliest = reference;
  for (const v1::Event& e : records.events) earliest = std::min(earliest, internal::FromProto(e.occurred_at()));
  engine_options.start = ToTime(earliest);
  SALESKIT_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::Create(engine_options));
  SALESKIT_RETURN_IF_ERROR(engine->DefinePlaybook(options.playbook));
  std::vector<std::shared_ptr<const Expression>> compiled;
  for (const HistoryFeature& f : options.features) {
    absl::StatusOr<std::shared_ptr<const Expression>> e = engine->Compile(f.expression, /*condition=*/false);
    if (!e.ok()) return absl::InvalidArgumentError(absl::StrCat("feature \"", f.name, "\": ", e.status().message()));
    compiled.push_back(*std::move(e));
  }
  LoadOptions load;
  load.unknown_customer = UnknownCustomer::kSkip;
  Batch<v1::Account> accounts;
  accounts.records = records.accounts;
  SALESKIT_RETURN_IF_ERROR(engine->UpsertAccounts(accounts, load).status());
  Batch<v1::Customer> customers;
  for (const v1::Customer& c : records.customers) {
    if (!c.has_created_at() || internal::FromProto(c.created_at()) <= reference) customers.records.push_back(c);
  }
  SALESKIT_RETURN_IF_ERROR(engine->UpsertCustomers(customers, load).status());
  Batch<v1::Event> past;
  for (const v1::Event& e : records.events) {
    if (internal::FromProto(e.occurred_at()) <= reference) past.records.push_back(e);
  }
  SALESKIT_RETURN_IF_ERROR(engine->IngestEvents(past, load).status());
  SALESKIT_RETURN_IF_ERROR(engine->AdvanceTo(options.reference));

  // Eligible customers: not converted by the reference time.
  const absl::flat_hash_map<std::string, Micros> converted = Conversions(records, options);
  const Micros until = ToMicros(options.reference + options.horizon);
  std::vector<std::string> ids;
  std::vector<std::string> outcome;
  for (const v1::Customer& c : customers.records) ids.push_back(c.id());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.erase(std::remove_if(ids.begin(), ids.end(),
                           [&](const std::string& id) {
                             auto it = converted.find(id);
                             return it != converted.end() && it->second <= reference;
                           }),
            ids.end());
  if (ids.empty()) return absl::InvalidArgumentError("no customer existed and had not converted at the reference time");
  for (const std::string& id : ids) {
    auto it = converted.find(id);
    outcome.push_back(it != converted.end() && it->second <= until ? "yes" : "no");
  }

  Table table;
  SALESKIT_RETURN_IF_ERROR(table.AddCategoricalColumn(kHistoryIdColumn, ids));
  for (size_t f = 0; f < compiled.size(); ++f) {
    std::vector<std::optional<double>> numbers(ids.size());
    std::vector<std::string> strings(ids.size());
    bool any_number = false, any_string = false;
    for (size_t i = 0; i < ids.size(); ++i) {
      SALESKIT_ASSIGN_OR_RETURN(cel::Value v, engine->Evaluate(*compiled[f], ids[i]));
      switch (v.kind()) {
        case cel::Value::Kind::kBool: numbers[i] = v.bool_value() ? 1 : 0; any_number = true; break;
        case cel::Value::Kind::kInt: numbers[i] = static_cast<double>(v.int_value()); any_number = true; break;
        case cel::Value::Kind::kUint: numbers[i] = static_cast<double>(v.uint_value()); any_number = true; break;
        case cel::Value::Kind::kDouble:
          if (std::isfinite(v.double_value())) {
            numbers[i] = v.double_value();
            any_number = true;
          }
          break;
        case cel::Value::Kind::kString:
          strings[i] = std::string(v.string_value());
          any_string = true;
          break;
        case cel::Value::Kind::kNull:
        case cel::Value::Kind::kError:
          break;  // missing
        default:
          return absl::InvalidArgumentError(
              absl::StrCat("feature \"", options.features[f].name, "\" gives ", v.DebugString(),
                           " for customer \"", ids[i], "\"; a feature must be a number, bool, string or enum"));
      }
    }
    if (any_number && any_string) {
      return absl::InvalidArgumentError(
          absl::StrCat("feature \"", options.features[f].name, "\" gives numbers for some customers and strings for others"));
    }
    if (any_string) {
      SALESKIT_RETURN_IF_ERROR(table.AddCategoricalColumn(options.features[f].name, std::move(strings)));
    } else {
      SALESKIT_RETURN_IF_ERROR(table.AddNumericColumn(options.features[f].name, numbers));
    }
  }
  SALESKIT_RETURN_IF_ERROR(table.AddCategoricalColumn(kHistoryOutcomeColumn, std::move(outcome)));
  return table;
}

absl::StatusOr<TrainResult> TrainFromHistory(const HistoryRecords& records, const HistoryOptions& options,
                                             TrainOptions train) {
  SALESKIT_ASSIGN_OR_RETURN(Table table, BuildHistoryTable(records, options));
  train.target = kHistoryOutcomeColumn;
  train.positive = "yes";
  train.exclude.push_back(kHistoryIdColumn);
  SALESKIT_ASSIGN_OR_RETURN(TrainResult result, TrainPredictive(table, train));
  // Remember the expressions, so that live customers can be scored.
  v1::ScoreModel proto = result.model.proto();
  for (v1::ScoreFeature& f : *proto.mutable_features()) {
    for (const HistoryFeature& h : options.features) {
      if (h.name == f.name()) f.set_expression(h.expression);
    }
  }
  SALESKIT_ASSIGN_OR_RETURN(result.model, PredictiveModel::FromProto(std::move(proto)));
  return result;
}

}  // namespace saleskit
