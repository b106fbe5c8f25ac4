// The customer as CEL sees it: the environment conditions about customers
// compile in, and activations that bind a customer for evaluation.
//
//   customer.country == "DE" && customer.employee_count >= 50 &&
//   events.count("email_click", days(30)) >= 2 && days_since(customer.created_at) < 90
//
// - `customer` is a saleskit.v1.Customer. A standard field never set reads as
//   null (CEL wrapper semantics), so `customer.employee_count < 10` is an
//   error, meaning "does not match", for an unknown company size; test
//   presence with has(customer.employee_count). `customer.lifecycle_stage` and
//   consent statuses are lowercase names ("lead", "opted_in"). Custom
//   attributes are `customer.attrs.NAME` or `customer.attrs["NAME"]`.
// - `account` is the customer's saleskit.v1.Account (null when none).
// - `now` is the engine clock (a timestamp).
// - events.count(type, window) and events.sum(type, window) count and sum the
//   customer's events of a type in a window of whole UTC days (days(N)) or
//   hours (hours(N)); events.last(type) is the latest occurred_at (an error
//   when there is none); days_since(ts) is whole days from ts to now.
// - in_segment("name") is whether the customer is a member of another
//   segment (docs/segments.md); the name must be a string literal.
#ifndef SALESKIT_CEL_CUSTOMER_H_
#define SALESKIT_CEL_CUSTOMER_H_

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "saleskit/cel/program.h"
#include "saleskit/store/columns.h"
#include "saleskit/store/customer_store.h"
#include "saleskit/store/event_windows.h"
#include "saleskit/v1/records.pb.h"

namespace saleskit::cel {

// The environment with `customer`, `account`, `now` and the behaviour
// functions declared. Built once.
const Environment& CustomerEnvironment();

// The environment of conditions about one event (derived event kinds):
// `event` is a saleskit.v1.Event, e.g.
//   event.type == "page_view" && event.properties.url.startsWith("/pricing")
const Environment& EventEnvironment();

// A message as a CEL struct, by protobuf reflection: optional fields unset
// read as null, enums as lowercase names, Timestamps as timestamps, maps of
// AttrValue as maps of plain values.
Value MessageValue(std::shared_ptr<const google::protobuf::Message> message);

// What a condition reads, from its checked AST.
struct Dependencies {
  struct WindowRead {
    std::string event_type;
    EventWindow window;
    bool operator<(const WindowRead& o) const {
      return std::tie(event_type, window.unit, window.length) < std::tie(o.event_type, o.window.unit, o.window.length);
    }
  };
  // Record fields read: "email", "attrs.plan", "consent"; "attrs" for an
  // attribute looked up by a computed name; "*" for the whole record.
  std::set<std::string> customer_fields;
  std::set<std::string> account_fields;
  std::set<std::string> segments;         // in_segment("name")
  std::set<std::string> scores;           // score("name")
  std::set<WindowRead> windows;           // events.count / events.sum
  std::set<std::string> last_event_types; // events.last
  bool reads_now = false;                 // now, windows, days_since, events.last
  // Whether `now` is read other than through windows, days_since and
  // events.last (e.g. `customer.created_at > now - duration("1h")`): the
  // value may then change at any instant.
  bool reads_now_directly = false;
};

// Membership of the segments an expression may name in in_segment(), as a
// bitmap over store rows (rows past its end are not members), and the points
// scores it may read with score().
class SegmentMembership {
 public:
  virtual ~SegmentMembership() = default;
  // nullptr when no segment has that name.
  virtual const Bitmap* Members(absl::string_view segment) const = 0;
  // The score of the customer at `row` at `now`; an error value when no
  // score has that name (the default: no scores).
  virtual Value Score(absl::string_view score, uint32_t row, absl::Time now) const;
};

// Validates and extracts a customer condition's reads. InvalidArgument (with
// line:column) when an event type or segment name is not a string literal or a window is not
// a constant whole number of days or hours (days(N), hours(N) or
// duration("...")), e.g. a window of 90 minutes.
absl::StatusOr<Dependencies> ExtractDependencies(const Program& program);

// The earliest instant after `now` at which the expression's value for the
// customer bound in `activation` may change with no new data, only time
// passing: the next UTC day (hour) boundary for day (hour) windows, the next
// whole day since the timestamp for days_since(ts), now + 1µs for an
// expression that compares `now` itself, absl::InfiniteFuture() when time
// does not matter. Conservative: the value may stay the same then. With a
// StoreCustomerActivation, a window changes when its oldest event leaves it
// or a later-dated event enters it (InfiniteFuture with no events kept).
absl::Time NextChange(const Program& program, const Activation& activation, absl::Time now);

// Compiles an expression about customers: parse, check in
// CustomerEnvironment(), and validate its windows (see ExtractDependencies).
absl::StatusOr<std::unique_ptr<Program>> CompileCustomerExpression(absl::string_view source,
                                                                   const CompileOptions& options = {});
// The same for a condition: the expression must be bool.
absl::StatusOr<std::unique_ptr<Program>> CompileCustomerCondition(absl::string_view source,
                                                                  const CompileOptions& options = {});

// Binds one customer of a store (and the clock) for the row evaluator. Event
// windows read the store's window columns, so the store must keep every
// window the program reads (CustomerStore::RequireWindow); in_segment()
// reads `segments` (an error when null). Holds no locks: the caller keeps
// the store and memberships unchanged while evaluating.
class StoreCustomerActivation : public Activation {
 public:
  StoreCustomerActivation(const CustomerStore& store, uint32_t row, absl::Time now,
                          const SegmentMembership* segments = nullptr);
  ~StoreCustomerActivation() override;
  std::optional<Value> FindVariable(absl::string_view name) const override;
  const BehaviourSource* behaviour() const override { return behaviour_.get(); }

 private:
  const CustomerStore& store_;
  uint32_t row_;
  absl::Time now_;
  mutable std::optional<Value> customer_;  // built on first use
  std::unique_ptr<BehaviourSource> behaviour_;
};

// Binds a standalone customer record (no event history: events.* are errors).
class RecordCustomerActivation : public Activation {
 public:
  RecordCustomerActivation(v1::Customer customer, absl::Time now,
                           std::optional<v1::Account> account = std::nullopt);
  std::optional<Value> FindVariable(absl::string_view name) const override;

 private:
  Value customer_;
  Value account_;
  absl::Time now_;
};

}  // namespace saleskit::cel

#endif  // SALESKIT_CEL_CUSTOMER_H_
