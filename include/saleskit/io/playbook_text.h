// Reading a playbook (saleskit.v1.Playbook) written as YAML or JSON, with
// errors that name the file, line and column (docs/playbooks.md).
//
//   segments:
//     - name: hot_saas
//       condition: customer.industry == "SaaS" && score("fit") >= 50
//   rules:
//     - name: welcome
//       trigger: {event: {type: signup}}
//       actions: [{send_email: {template_id: welcome}}]
//
// Keys are the proto field names. Enums take their full value name or, in
// any case, the name without the enum's common prefix ("marketing_qualified",
// "round_robin"); durations are "30d", "1d12h", "-7d", "90m", "1.5s";
// timestamps are RFC 3339. Every CEL condition is compiled while reading, so
// a syntax or type error in one is reported at its line and column in the
// file. Names an expression refers to (in_segment("x"), score("x")) are not
// resolved here: the engine checks them when the playbook is loaded.
#ifndef SALESKIT_IO_PLAYBOOK_TEXT_H_
#define SALESKIT_IO_PLAYBOOK_TEXT_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "saleskit/v1/playbook.pb.h"

namespace saleskit {

// A place in a text file, both 1-based; columns count characters (UTF-8
// code points), not bytes.
struct SourcePosition {
  int line = 0;
  int column = 0;
};

// A playbook and where its values were written, so that errors found later
// (by the engine, say) can point into the file. A plain value: copy it, share
// it across threads read-only.
struct ParsedPlaybook {
  v1::Playbook playbook;
  // The file name as given to ParsePlaybook, for messages.
  std::string file;
  // Where each value was written, by field path: "rules[2].trigger.event.condition",
  // "policies.caps[0].window", "" for the document itself. Map fields use
  // `field["key"]`.
  absl::flat_hash_map<std::string, SourcePosition> positions;

  // "file:line:column: message", at the value written for `path`, or at the
  // nearest enclosing value that was written ("rules[2].trigger" for a
  // defaulted "rules[2].trigger.event.condition"); "file: message" when
  // there is none.
  std::string Locate(absl::string_view path, absl::string_view message) const;
};

// Parses `text`, a YAML or JSON document whose top level is a Playbook, and
// compiles every CEL condition in it. `file` names the text in messages.
// InvalidArgument, "file:line:column: message", for: YAML syntax errors, an
// empty document or more than one, unknown keys (with a suggestion when one
// is close), duplicate keys, two members of one oneof, values of the wrong
// type or out of range, unknown enum values (listing the allowed ones), bad
// durations and timestamps, and CEL conditions that do not compile (all of
// them, one per line).
absl::StatusOr<ParsedPlaybook> ParsePlaybook(absl::string_view text, absl::string_view file = "<playbook>");

// Reads and parses the file at `path` (as ParsePlaybook, naming it `path`).
// NotFound when it cannot be opened.
absl::StatusOr<ParsedPlaybook> ReadPlaybookFile(const std::string& path);

}  // namespace saleskit

#endif  // SALESKIT_IO_PLAYBOOK_TEXT_H_
