// Derived event kinds: named CEL conditions over one event's type and
// properties. An event that satisfies a kind's condition is counted once more,
// under the kind's name, so windows read kinds like event types:
//
//   pricing_view: event.type == "page_view" && event.properties.url.startsWith("/pricing")
//   events.count("pricing_view", days(30)) >= 2
//
// Kinds classify events as they are ingested: events ingested before a kind
// was defined are not counted under it. docs/segments.md has the details.
#ifndef SALESKIT_SEGMENT_EVENT_KINDS_H_
#define SALESKIT_SEGMENT_EVENT_KINDS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "saleskit/cel/program.h"
#include "saleskit/store/customer_store.h"
#include "saleskit/v1/playbook.pb.h"
#include "saleskit/v1/records.pb.h"

namespace saleskit {

class EventKinds {
 public:
  // Adds kinds, all or none. InvalidArgument naming the kind for: a bad or
  // duplicate name, a name that is already an event type in `store` (its
  // counts would mix), and a condition that does not compile or is not bool
  // (with line:column).
  absl::Status Define(absl::Span<const v1::EventKindDef> kinds, const CustomerStore& store);
  // Define in two steps, for a caller that must check more before adding:
  // Prepare checks and compiles (changing nothing), Add adds.
  struct Prepared {
    std::vector<v1::EventKindDef> defs;
    std::vector<std::unique_ptr<cel::Program>> programs;
  };
  absl::StatusOr<Prepared> Prepare(absl::Span<const v1::EventKindDef> kinds, const CustomerStore& store) const;
  void Add(Prepared prepared);
  const std::vector<v1::EventKindDef>& definitions() const { return defs_; }
  bool empty() const { return defs_.empty(); }
  // Passes the name of each kind the event satisfies to `emit`, in
  // definition order. A condition that fails to evaluate (e.g. a missing
  // property) does not match.
  void Classify(const v1::Event& event, const std::function<void(absl::string_view kind)>& emit) const;

 private:
  std::vector<v1::EventKindDef> defs_;
  std::vector<std::unique_ptr<cel::Program>> programs_;
};

}  // namespace saleskit

#endif  // SALESKIT_SEGMENT_EVENT_KINDS_H_
