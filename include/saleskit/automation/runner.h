// The automation runner (docs/automation.md): matches rule triggers against
// what changed, checks conditions and policies, and decides actions. Internal
// actions come back to the Engine as record writes; external ones go to the
// outbox. Every decision is an audit record.
//
// The Engine owns one Runner and drives it under its lock: it reports what
// each committed batch changed (NoteEvent, NoteWrites), fires timers in time
// order (FireDue), and calls Decide until a cascade ends, applying the
// Effects of each round. Not thread-safe on its own.
#ifndef SALESKIT_AUTOMATION_RUNNER_H_
#define SALESKIT_AUTOMATION_RUNNER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "saleskit/automation/outbox.h"
#include "saleskit/batch.h"
#include "saleskit/cel/customer.h"
#include "saleskit/cel/value.h"
#include "saleskit/score/points.h"
#include "saleskit/segment/segments.h"
#include "saleskit/store/customer_store.h"
#include "saleskit/time.h"
#include "saleskit/v1/automation.pb.h"
#include "saleskit/v1/playbook.pb.h"

namespace saleskit::internal {
class ArchiveWriter;
class ArchiveReader;
}  // namespace saleskit::internal

namespace saleskit::automation {

// What rules may refer to beyond their own playbook: the engine's segments
// (with the customer fields each reads) and scores (with their thresholds).
struct Names {
  // nullptr when there is no such segment; else the fields it reads.
  std::function<const std::set<std::string>*(absl::string_view segment)> segment_fields;
  // nullptr when there is no such score; else its definition.
  std::function<const v1::ScoreDef*(absl::string_view score)> score;
};

struct CompiledRule;
struct CompiledPool;
struct CompiledOwner;

// The automation half of a playbook (rules, owners, pools, policies),
// checked and compiled. Immutable and shareable; swapping one for another
// is atomic.
class RuleSet {
 public:
  // Checks and compiles, all or none. InvalidArgument naming the rule, pool
  // or owner and the field: bad or duplicate names, a rule without a trigger
  // or actions, a trigger or action naming an unknown segment, score,
  // threshold, field, pool or owner, a CEL condition that does not compile,
  // a bad time of day or unknown time zone, a cap or budget of 0 or without
  // a positive window, a routing pool with no available owner and no
  // available fallback, and rules whose writes trigger each other in a loop.
  static absl::StatusOr<std::shared_ptr<const RuleSet>> Compile(const v1::Playbook& playbook, const Names& names);
  ~RuleSet();

  const v1::Playbook& definition() const { return definition_; }
  const std::string& version() const { return definition_.version(); }
  size_t size() const { return static_cast<size_t>(definition_.rules_size()); }
  bool empty() const { return definition_.rules().empty(); }
  // The event windows its conditions read (events.count and events.sum):
  // the store must keep them before the rules run.
  const std::set<cel::Dependencies::WindowRead>& windows() const { return windows_; }

 private:
  friend class Runner;
  RuleSet();
  v1::Playbook definition_;  // rules, owners, pools, policies, version
  std::vector<CompiledRule> rules_;
  std::vector<CompiledOwner> owners_;
  std::vector<CompiledPool> pools_;
  absl::flat_hash_map<std::string, int> rule_index_, owner_index_, pool_index_;
  // Trigger indexes: name -> rules.
  absl::flat_hash_map<std::string, std::vector<int>> by_event_, by_segment_, by_score_, by_field_;
  std::vector<int> lifecycle_rules_, date_rules_, inactivity_rules_, schedule_rules_;
  std::vector<int> rank_;  // rule -> position in (priority desc, name) order
  std::set<cel::Dependencies::WindowRead> windows_;
  std::set<std::string> watched_fields_;  // field_changed, date, and owner_id for routing
  std::string default_zone_name_;
  struct Policies;
  std::unique_ptr<Policies> policies_;
};

// The internal writes of one round of decisions, for the Engine to apply.
struct Effects {
  Batch<v1::Customer> customers;  // one merged record per customer, in row order
  struct ScoreAdjustment {
    uint32_t row;
    std::string score;
    double points;
    std::string label;  // the rule, for explanations
  };
  std::vector<ScoreAdjustment> adjustments;
  bool empty() const { return customers.records.empty() && adjustments.empty(); }
};

// Counts of decisions per rule, for summaries.
struct RuleStats {
  std::string rule;
  uint64_t fired = 0;
  uint64_t skipped = 0;
  uint64_t applied = 0;   // internal actions applied
  uint64_t outbox = 0;    // external actions to the outbox (deferred included)
  uint64_t blocked = 0;   // actions skipped by a policy or routing
};

class Runner {
 public:
  // One change that triggered rules, shared by every rule it triggered:
  // `key` is unique per occurrence and names the outbox entries and tasks
  // decided for it; `text` describes it to people (the audit's trigger).
  struct Occurrence {
    std::string key;
    std::string text;
  };

  // The stable 128-bit id of an action decided for a trigger occurrence:
  // names its outbox entry or task (Text(): 32 hex digits).
  struct ActionId {
    uint64_t hi = 0, lo = 0;
    std::string Text() const;
  };

  Runner();
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Installs a rule set (nullptr: none) at `now`: indexes its triggers and
  // sets its timers for every customer. Routing pointers (by pool name),
  // caps, outbox, tasks and audit carry over.
  // Changes up to `segment_seq` and `crossing_seq` are not triggers.
  void Install(std::shared_ptr<const RuleSet> rules, const CustomerStore& store, absl::Time now,
               uint64_t segment_seq, uint64_t crossing_seq);
  const std::shared_ptr<const RuleSet>& rules() const { return rules_; }
  bool active() const { return rules_ != nullptr && !rules_->empty(); }
  // Whether NoteEvent needs to see each counted event.
  bool wants_events() const;

  // --- What changed (the Engine reports each committed batch) ---
  // One counted (non-duplicate) event and the derived kinds it counted
  // under, while its batch applies.
  void NoteEvent(const v1::Event& event, absl::Span<const std::string> kinds);
  // The batch failed: forgets what NoteEvent saw of it.
  void DiscardEvents();
  // What a committed batch changed: fields, lifecycle stages, owners,
  // event times (for inactivity and date timers). Called before the batch's
  // segment changes and crossings are made, so that triggers queue in the
  // order things happened (earlier changes in the logs are queued first).
  void NoteWrites(const StoreChanges& changes, const CustomerStore& store, const SegmentCatalog& segments,
                  const ScoreCatalog& scores, absl::Time now);

  // --- Time ---
  absl::Time next_due() const;
  // Queues the triggers of the timers due at or before `at`.
  void FireDue(const CustomerStore& store, absl::Time at);

  // --- Deciding ---
  // Whether there is anything to decide (queued triggers, or segment changes
  // and score crossings since the last round).
  bool HasWork(const SegmentCatalog& segments, const ScoreCatalog& scores) const;
  // Decides every queued trigger at `now`: audit records, outbox entries,
  // tasks. Returns the internal writes; the changes they cause are the next
  // round, one level deeper in the cascade.
  Effects Decide(const CustomerStore& store, const SegmentCatalog& segments, const ScoreCatalog& scores,
                 absl::Time now);
  // The cascade is over: the next changes come from the host or the clock.
  void EndCascade();

  // --- Host-facing state ---
  Outbox& outbox() { return outbox_; }
  const Outbox& outbox() const { return outbox_; }
  // Audit records with seq > `after`, oldest first, at most `limit`; with a
  // customer id or a rule name, only theirs.
  std::vector<v1::AuditRecord> Audit(uint64_t after, size_t limit, absl::string_view customer_id = {},
                                     absl::string_view rule = {}) const;
  uint64_t last_audit_seq() const { return next_audit_seq_ - 1; }
  void TrimAudit(uint64_t through);
  // Tasks, oldest first; with a customer id only theirs.
  std::vector<v1::Task> Tasks(absl::string_view customer_id = {}) const;
  // Tasks with seq > `after`, oldest first, at most `limit`.
  std::vector<v1::Task> TasksSince(uint64_t after, size_t limit) const;
  uint64_t last_task_seq() const { return next_task_seq_ - 1; }
  // Forgets the tasks with seq <= `through`.
  void TrimTasks(uint64_t through);
  // Decision counts per rule of the installed rule set, in rule order.
  std::vector<RuleStats> Stats() const;
  // Forgets every trace of the customers `customer_ids` (distinct), at
  // `rows` (the same order): audit, outbox, tasks, timers, caps. One pass
  // over the audit, the outbox and the tasks for all of them.
  void EraseCustomers(absl::Span<const uint32_t> rows, absl::Span<const std::string> customer_ids);
  // Overrides the installed playbook's `unavailable` flag of an owner
  // (Engine::SetOwnerAvailable). Kept across Install for owners the new
  // rule set still has. NotFound for an owner the installed set lacks.
  absl::Status SetOwnerAvailable(absl::string_view owner_id, bool available);

  // --- Checkpoints (src/automation/runner_snapshot.cc, docs/state.md) ---
  // Writes the runner's state between cascades: the outbox, tasks and audit
  // records (as their protos), decision counts, routing pointers, caps
  // history, timers and the field shadows rules compare against.
  void Save(internal::ArchiveWriter& out) const;
  // Restores what Save wrote into this fresh runner, running `rules` (the
  // rule set the saved runner ran, compiled again; nullptr for none)
  // without re-arming anything. DataLoss when the archive is inconsistent.
  // `format` is the checkpoint's (docs/state.md): format 1 has no task seqs,
  // which its tasks get here in order, from 1.
  absl::Status Load(internal::ArchiveReader& in, std::shared_ptr<const RuleSet> rules, uint32_t format);

 private:
  struct Pending;
  struct Timer {
    Micros at;
    int rule;
    uint32_t row;     // schedules: the zone's index
    bool operator>(const Timer& o) const {
      return std::tie(at, rule, row) > std::tie(o.at, o.rule, o.row);
    }
  };
  class Decider;

  void QueueEvents(const CustomerStore& store);
  void QueueSegmentChanges(const SegmentCatalog& segments, const CustomerStore& store);
  void QueueCrossings(const ScoreCatalog& scores, const CustomerStore& store);
  void ScheduleRow(const CustomerStore& store, uint32_t row, absl::Time now, bool created);
  void ArmDate(int rule, uint32_t row, const v1::Customer& c, absl::Time now);
  void ArmSchedules(const CustomerStore& store, absl::Time now);
  struct AuditEntry;
  void AppendAudit(AuditEntry record);
  // EraseCustomers' part for one row: timers, caps, field shadows.
  void EraseRow(uint32_t row);
  // Save's and Load's shared part (runner_snapshot.cc).
  template <typename Archive>
  void PersistPlain(Archive& ar);

  std::shared_ptr<const RuleSet> rules_;
  Outbox outbox_;
  struct PendingEvent;
  std::vector<Pending> pending_;
  std::vector<Pending> work_;  // Decide's, kept for its capacity
  std::vector<std::pair<const Occurrence*, size_t>> runs_;  // Decide's
  std::vector<PendingEvent> events_;  // matched during a batch; rows resolved once it commits
  uint64_t segment_cursor_ = 0, crossing_cursor_ = 0;
  uint32_t depth_ = 0;
  // Rules whose actions wrote a row in this cascade (loop protection).
  absl::flat_hash_map<uint32_t, std::vector<int>> origins_;
  uint64_t change_counter_ = 0;  // names field and stage changes in trigger keys

  // Last known text of each watched field, by row ("" = absent).
  absl::flat_hash_map<std::string, std::vector<std::string>> shadows_;
  std::vector<std::string> shadow_fields_;
  std::vector<uint8_t> stage_shadow_;
  absl::flat_hash_map<std::string, int64_t> owner_load_;

  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  absl::flat_hash_map<uint64_t, Micros> armed_;  // (rule, row) -> due; a timer not matching is stale
  absl::flat_hash_map<uint64_t, Micros> date_fired_;  // (rule, row) -> field value already fired for
  absl::flat_hash_map<uint64_t, Micros> last_event_;  // (inactivity rule, row) -> latest such event
  std::vector<std::string> zones_;  // schedule zones in use: [0] = the default
  absl::flat_hash_map<std::string, int> zone_index_;

  // Recent outreach per row: {time, channel}, for caps and the budget.
  absl::flat_hash_map<uint32_t, std::vector<std::pair<Micros, std::string>>> recent_;
  // Routing state by pool name: round-robin position, weighted current weights.
  absl::flat_hash_map<std::string, int> round_robin_;
  absl::flat_hash_map<std::string, std::vector<double>> weighted_;

  // Owner availability set by the host, by owner id: overrides the playbook's flag.
  absl::flat_hash_map<std::string, bool> owner_available_;

  std::vector<v1::Task> tasks_;  // by seq
  uint64_t next_task_seq_ = 1;
  // One decision, kept compact on the hot path; Audit() makes the
  // v1::AuditRecord (names, texts and literals) when it is read.
  struct AuditEntry {
    struct Action {
      uint32_t index = 0;
      v1::ActionResult::Result result = v1::ActionResult::RESULT_UNSPECIFIED;
      v1::SkipReason reason = v1::SKIP_REASON_UNSPECIFIED;
      std::optional<ActionId> id;
      std::string detail;
    };
    struct Read {
      cel::Value value;     // a scalar or an error
      std::string literal;  // lists, maps and messages, already written out
    };
    uint64_t seq = 0;
    Micros at = 0;
    uint32_t version = 0;  // key in versions_
    int rule = 0;          // in that rule set
    uint32_t depth = 0;
    v1::AuditRecord::Outcome outcome = v1::AuditRecord::OUTCOME_UNSPECIFIED;
    v1::SkipReason reason = v1::SKIP_REASON_UNSPECIFIED;
    std::string customer_id;
    std::shared_ptr<const Occurrence> trigger;
    absl::InlinedVector<Read, 2> reads;  // CompiledRule::reads order
    absl::InlinedVector<Action, 1> actions;
    // A record restored from a checkpoint, whose rule set is not kept: the
    // record as it was read then (of the fields above, only seq, version and
    // customer_id are set).
    std::shared_ptr<const v1::AuditRecord> restored;
  };
  v1::AuditRecord ToRecord(const AuditEntry& e) const;
  absl::string_view RuleName(const AuditEntry& e) const;

  // The audit entries, oldest first: a vector whose trimmed front is given
  // back in bulk, so appending and trimming allocate only when it grows.
  class AuditLog {
   public:
    using const_iterator = std::vector<AuditEntry>::const_iterator;
    bool empty() const { return head_ == entries_.size(); }
    const AuditEntry& front() const { return entries_[head_]; }
    const AuditEntry& back() const { return entries_.back(); }
    const_iterator begin() const { return entries_.begin() + static_cast<std::ptrdiff_t>(head_); }
    const_iterator end() const { return entries_.end(); }
    AuditEntry& emplace_back() {
      if (empty()) clear();
      return entries_.emplace_back();
    }
    void pop_front() {
      entries_[head_++] = AuditEntry();  // frees what it held now
      if (head_ >= 1024 && head_ * 2 >= entries_.size()) {
        entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
    }
    void clear() {
      entries_.clear();
      head_ = 0;
    }
    template <typename Pred>
    void erase_if(Pred pred) {
      entries_.erase(std::remove_if(begin_mutable(), entries_.end(), pred), entries_.end());
    }

   private:
    std::vector<AuditEntry>::iterator begin_mutable() {
      return entries_.begin() + static_cast<std::ptrdiff_t>(head_);
    }
    std::vector<AuditEntry> entries_;
    size_t head_ = 0;  // entries_[0, head_) are trimmed
  };
  AuditLog audit_;
  uint64_t next_audit_seq_ = 1;
  // The rule sets the audit entries name, by install number (the latest is
  // rules_); older ones go when no entry names them.
  absl::flat_hash_map<uint32_t, std::shared_ptr<const RuleSet>> versions_;
  uint32_t version_ = 0;  // install number of rules_
  void DropUnusedVersions();
  std::vector<RuleStats> stats_;  // per rule of rules_; carried over by name
};

}  // namespace saleskit::automation

#endif  // SALESKIT_AUTOMATION_RUNNER_H_
