#include "internal/automation_json.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "internal/json.h"
#include "internal/proto_time.h"
#include "saleskit/time.h"

namespace saleskit::internal {
namespace {

void AppendKey(absl::string_view key, std::string* out) {
  if (out->back() != '{') out->push_back(',');
  AppendJsonString(key, out);
  out->push_back(':');
}

void AppendString(absl::string_view key, absl::string_view value, std::string* out) {
  AppendKey(key, out);
  AppendJsonString(value, out);
}

// "" is null: the records leave a field empty when there is nothing to say.
void AppendOptionalString(absl::string_view key, absl::string_view value, std::string* out) {
  AppendKey(key, out);
  if (value.empty()) {
    out->append("null");
  } else {
    AppendJsonString(value, out);
  }
}

void AppendTime(absl::string_view key, const google::protobuf::Timestamp& t, bool present, std::string* out) {
  AppendKey(key, out);
  if (!present) {
    out->append("null");
    return;
  }
  absl::StrAppend(out, "\"", FormatTimestamp(FromProto(t)), "\"");
}

// An enum value's name in lower case; null for the unspecified value 0.
void AppendEnum(absl::string_view key, int value, const std::string& name, std::string* out) {
  AppendKey(key, out);
  if (value == 0) {
    out->append("null");
    return;
  }
  AppendJsonString(absl::AsciiStrToLower(name), out);
}

void AppendUint(absl::string_view key, uint64_t value, std::string* out) {
  AppendKey(key, out);
  absl::StrAppend(out, value);
}

}  // namespace

std::string OutboxEntriesJson(const std::vector<v1::OutboxEntry>& entries) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out = "[";
  for (const v1::OutboxEntry& e : entries) {
    if (out.size() > 1) out += ",";
    out += "{";
    AppendUint("seq", e.seq(), &out);
    AppendString("id", e.id(), &out);
    AppendString("customer_id", e.customer_id(), &out);
    AppendString("rule", e.rule(), &out);
    AppendString("trigger", e.trigger(), &out);
    AppendKey("action", &out);
    std::string action;
    if (!google::protobuf::util::MessageToJsonString(e.action(), &action, options).ok()) action = "{}";
    out += action;
    AppendOptionalString("owner_id", e.owner_id(), &out);
    AppendTime("created_at", e.created_at(), e.has_created_at(), &out);
    AppendTime("available_at", e.available_at(), e.has_available_at(), &out);
    AppendUint("attempts", e.attempts(), &out);
    AppendEnum("state", e.state(), v1::OutboxEntry::State_Name(e.state()), &out);
    AppendOptionalString("last_error", e.last_error(), &out);
    out += "}";
  }
  return out + "]";
}

std::string AuditJson(const std::vector<v1::AuditRecord>& records) {
  std::string out = "[";
  for (const v1::AuditRecord& r : records) {
    if (out.size() > 1) out += ",";
    out += "{";
    AppendUint("seq", r.seq(), &out);
    AppendTime("at", r.at(), r.has_at(), &out);
    AppendString("rule", r.rule(), &out);
    AppendOptionalString("playbook_version", r.playbook_version(), &out);
    AppendString("customer_id", r.customer_id(), &out);
    AppendString("trigger", r.trigger(), &out);
    AppendUint("depth", r.depth(), &out);
    AppendEnum("outcome", r.outcome(), v1::AuditRecord::Outcome_Name(r.outcome()), &out);
    AppendEnum("reason", r.reason(), v1::SkipReason_Name(r.reason()), &out);
    AppendKey("reads", &out);
    out += "[";
    for (int i = 0; i < r.reads_size(); ++i) {
      out += i == 0 ? "{" : ",{";
      AppendString("name", r.reads(i).name(), &out);
      AppendString("value", r.reads(i).value(), &out);
      out += "}";
    }
    out += "]";
    AppendKey("actions", &out);
    out += "[";
    for (int i = 0; i < r.actions_size(); ++i) {
      const v1::ActionResult& a = r.actions(i);
      out += i == 0 ? "{" : ",{";
      AppendUint("index", a.index(), &out);
      AppendOptionalString("id", a.id(), &out);
      AppendEnum("result", a.result(), v1::ActionResult::Result_Name(a.result()), &out);
      AppendEnum("reason", a.reason(), v1::SkipReason_Name(a.reason()), &out);
      AppendOptionalString("detail", a.detail(), &out);
      out += "}";
    }
    out += "]}";
  }
  return out + "]";
}

std::string TasksJson(const std::vector<v1::Task>& tasks) {
  std::string out = "[";
  for (const v1::Task& t : tasks) {
    if (out.size() > 1) out += ",";
    out += "{";
    AppendUint("seq", t.seq(), &out);
    AppendString("id", t.id(), &out);
    AppendString("customer_id", t.customer_id(), &out);
    AppendOptionalString("owner_id", t.owner_id(), &out);
    AppendString("title", t.title(), &out);
    AppendString("rule", t.rule(), &out);
    AppendTime("created_at", t.created_at(), t.has_created_at(), &out);
    AppendTime("due_at", t.due_at(), t.has_due_at(), &out);
    out += "}";
  }
  return out + "]";
}

std::string RuleStatsJson(const std::vector<automation::RuleStats>& stats) {
  std::string out = "[";
  for (const automation::RuleStats& s : stats) {
    if (out.size() > 1) out += ",";
    out += "{";
    AppendString("rule", s.rule, &out);
    AppendUint("fired", s.fired, &out);
    AppendUint("skipped", s.skipped, &out);
    AppendUint("applied", s.applied, &out);
    AppendUint("outbox", s.outbox, &out);
    AppendUint("blocked", s.blocked, &out);
    out += "}";
  }
  return out + "]";
}

absl::StatusOr<v1::OutboxEntry::State> ParseOutboxState(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower.empty() || lower == "any") return v1::OutboxEntry::STATE_UNSPECIFIED;
  if (lower == "pending") return v1::OutboxEntry::PENDING;
  if (lower == "done") return v1::OutboxEntry::DONE;
  if (lower == "dead") return v1::OutboxEntry::DEAD;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown outbox state \"", text, "\": expected \"pending\", \"done\" or \"dead\""));
}

}  // namespace saleskit::internal
