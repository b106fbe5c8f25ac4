// The automation runner's records (outbox entries, audit records, tasks, rule
// statistics) as the JSON the C API returns and the Python package reads, so
// that both surfaces print them identically.
//
// Shape: one object per record with snake_case keys; seq, counts and depths
// are JSON numbers (not the strings of the protobuf JSON mapping); times are
// RFC 3339 strings in UTC; enum values are lower-case names ("pending",
// "fired", "no_consent"), as segment changes and score crossings print
// theirs; absent values (no owner, no reason, no error) are null. An
// outbox entry's action is the saleskit.v1.Action in the protobuf JSON
// mapping with proto field names, exactly as saleskit_playbook_get prints
// it in the playbook.
#ifndef SALESKIT_SRC_INTERNAL_AUTOMATION_JSON_H_
#define SALESKIT_SRC_INTERNAL_AUTOMATION_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "saleskit/automation/runner.h"
#include "saleskit/v1/automation.pb.h"

namespace saleskit::internal {

// [{"seq":1,"id":"...","customer_id":"c1","rule":"welcome","trigger":"event signup e1 at ...",
//   "action":{"send_email":{"template_id":"welcome-de"}},"owner_id":null,
//   "created_at":"2026-11-02T12:00:00Z","available_at":"2026-11-02T12:00:00Z",
//   "attempts":0,"state":"pending","last_error":null}]
std::string OutboxEntriesJson(const std::vector<v1::OutboxEntry>& entries);

// [{"seq":1,"at":"...","rule":"welcome","playbook_version":"v1","customer_id":"c1",
//   "trigger":"...","depth":0,"outcome":"fired","reason":null,
//   "reads":[{"name":"customer.country == \"DE\"","value":"true"}],
//   "actions":[{"index":0,"id":"...","result":"outbox","reason":null,"detail":null}]}]
std::string AuditJson(const std::vector<v1::AuditRecord>& records);

// [{"id":"...","customer_id":"c1","owner_id":"ann","title":"Call","rule":"route",
//   "created_at":"...","due_at":"..."}]
std::string TasksJson(const std::vector<v1::Task>& tasks);

// [{"rule":"welcome","fired":1,"skipped":1,"applied":1,"outbox":1,"blocked":0}]
std::string RuleStatsJson(const std::vector<automation::RuleStats>& stats);

// "pending", "done", "dead" (and "" for STATE_UNSPECIFIED) to the state;
// InvalidArgument naming the text otherwise. "" and "any" are UNSPECIFIED.
absl::StatusOr<v1::OutboxEntry::State> ParseOutboxState(absl::string_view text);

}  // namespace saleskit::internal

#endif  // SALESKIT_SRC_INTERNAL_AUTOMATION_JSON_H_
