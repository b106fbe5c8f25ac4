// Live segments: named CEL conditions about customers whose membership is
// kept current as records, events and the clock change (docs/segments.md).
//
// The Engine owns one SegmentCatalog and drives it; hosts use the Engine's
// segment methods. The catalog is not thread-safe on its own.
//
// How membership stays current:
// - after every committed batch, only the segments that read what the batch
//   wrote are re-evaluated, and only for the customers it touched (the
//   dependency index: record fields, attributes, event types and windows,
//   account fields, and in_segment() references);
// - time: each customer has one timer, the earliest instant at which any of
//   its time-dependent segments may change with no new data (the oldest event
//   leaving a window, the next whole day of days_since()); the engine fires
//   timers in time order as its clock moves, so a member of "2 clicks in 30
//   days" leaves at the start of the day its older click falls out. A
//   condition that compares `now` directly ("continuous") is re-evaluated
//   for every customer each time the clock moves;
// - in_segment("other") reads the other segment's membership: segments are
//   evaluated in dependency order, and a change propagates to the segments
//   that reference the changed one.
// Every membership change is an enter or exit record with its time, in a log
// read by sequence number. Incremental membership always equals a full batch
// evaluation at the same clock (property-tested).
#ifndef SALESKIT_SEGMENT_SEGMENTS_H_
#define SALESKIT_SEGMENT_SEGMENTS_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "saleskit/cel/columnar.h"
#include "saleskit/cel/customer.h"
#include "saleskit/cel/value.h"
#include "saleskit/store/columns.h"
#include "saleskit/store/customer_store.h"
#include "saleskit/v1/playbook.pb.h"

namespace saleskit {

// One customer entering or leaving one segment.
struct SegmentChange {
  enum class Kind : uint8_t { kEnter, kExit };
  uint64_t seq = 0;  // position in the change log: from 1, increasing by 1 (gaps after erasure)
  absl::Time at;     // the engine clock when membership changed
  std::string segment;
  std::string customer_id;
  Kind kind = Kind::kEnter;
};
// "enter" or "exit".
absl::string_view SegmentChangeKindName(SegmentChange::Kind kind);

// The value of one clause of a segment's condition for one customer. The
// clauses are the operands of the condition's && and || chains and ! (at any
// depth), in source order, each with its depth: the top-level operands have
// depth 0, the operands of a nested chain depth 1, and so on.
struct ClauseValue {
  int depth = 0;
  std::string text;   // the clause's source text, e.g. `customer.country == "DE"`
  cel::Value value;   // true, false, or an error (which does not match)
};
// The clauses of a condition and their values for the customer bound in
// `activation` (the whole condition when it has a single clause).
std::vector<ClauseValue> ExplainCondition(const cel::Program& program, const cel::Activation& activation);

struct SegmentExplanation {
  std::string segment;
  std::string condition;
  std::string customer_id;
  bool member = false;
  std::vector<ClauseValue> clauses;
};

// Checks a segment or event kind name: 1-128 bytes of letters, digits, '_',
// '-' and '.', starting with a letter. InvalidArgument naming `what` otherwise.
absl::Status ValidateDefinitionName(absl::string_view name, absl::string_view what);

// What segments need from the points scores they read with score()
// (implemented by ScoreCatalog, score/points.h).
class ScoreSource {
 public:
  // What a score's value depends on.
  struct Reads {
    std::vector<std::string> segments;     // the hidden segments of its condition rules
    std::vector<std::string> event_types;  // the types and kinds of its event rules
    bool time_dependent = false;           // event points: the value changes as time passes
  };
  virtual ~ScoreSource() = default;
  // nullptr when no score has that name.
  virtual const Reads* ScoreReads(absl::string_view score) const = 0;
  // The value of a score for the customer at `row` at `now`.
  virtual cel::Value ScoreValue(absl::string_view score, uint32_t row, absl::Time now) const = 0;
};

class SegmentCatalog final : public cel::SegmentMembership {
 public:
  SegmentCatalog();
  SegmentCatalog(const SegmentCatalog&) = delete;
  SegmentCatalog& operator=(const SegmentCatalog&) = delete;
  ~SegmentCatalog() override;

  // --- Definitions ---
  // Adds segments, all or none. Each condition must be bool (a dyn-typed
  // condition is accepted; a non-bool value does not match). Errors
  // (InvalidArgument, naming the segment): a bad or duplicate name, a syntax,
  // type or window error in the condition (with line:column), in_segment() of
  // an unknown segment, and a cycle of in_segment() references (naming it:
  // "a -> b -> a"). The new segments are evaluated for every customer at
  // `now`; each member gets an enter record. The store keeps their windows
  // from now on (events ingested earlier are in no window).
  //
  // `hidden` segments (the condition rules of points scores) take names no
  // host can write (starting with '_'), are not listed by Definitions() and
  // write no change records: their membership changes are collected for
  // TakeHiddenChanges() instead.
  absl::Status Define(absl::Span<const v1::SegmentDef> defs, CustomerStore& store, absl::Time now,
                      bool hidden = false);
  // Removes a segment and its memberships (its change records stay).
  // NotFound if unknown; FailedPrecondition while another segment refers to it.
  absl::Status Remove(absl::string_view name);
  // The definitions, in dependency order (a segment after those it reads).
  std::vector<v1::SegmentDef> Definitions() const;
  bool empty() const { return names_.empty(); }
  // Where score() reads scores; a score read by a segment counts as a
  // reference to its hidden segments and as a read of its event types, and
  // makes the segment re-evaluated on each clock move when time-dependent.
  void set_scores(const ScoreSource* scores) { scores_ = scores; }
  // Appends to `rows` the rows whose membership of a hidden segment changed
  // since the last call (unsorted, possibly repeated), and forgets them.
  void TakeHiddenChanges(std::vector<uint32_t>* rows) {
    rows->insert(rows->end(), hidden_changes_.begin(), hidden_changes_.end());
    hidden_changes_.clear();
  }
  // The name of a segment that reads the score, or "" when none does.
  std::string ScoreReader(absl::string_view score) const;

  // --- Keeping membership current (the Engine calls these) ---
  // Re-evaluates what the store's last committed batch changed, at `now`.
  void Apply(const StoreChanges& changes, const CustomerStore& store, absl::Time now);
  // Forgets a customer entirely, before the store erases them: memberships,
  // timer and every change record about them (no exit record is written).
  void Erase(uint32_t row);
  // The earliest timer, InfiniteFuture when none.
  absl::Time next_due() const;
  // Re-evaluates the customers whose timer is at or before `at`, at `at`
  // (the store's windows must be at `at`), and sets their next timers.
  void FireDue(const CustomerStore& store, absl::Time at);
  // After the clock moved to `now`: re-evaluates the continuous segments.
  void ClockMoved(const CustomerStore& store, absl::Time now);

  // --- Reading ---
  // The member bitmap over store rows (cel::SegmentMembership); nullptr when unknown.
  const Bitmap* Members(absl::string_view segment) const override;
  // score("name"), through set_scores().
  cel::Value Score(absl::string_view score, uint32_t row, absl::Time now) const override;
  // NotFound for an unknown segment in all of these.
  absl::StatusOr<size_t> Count(absl::string_view segment) const;
  absl::StatusOr<bool> IsMember(absl::string_view segment, uint32_t row) const;
  // Every segment evaluated from scratch by the columnar evaluator, in
  // Definitions() order: {name, members}. The live memberships are not
  // changed (this is what they must equal).
  std::vector<std::pair<std::string, Bitmap>> EvaluateAll(const CustomerStore& store, absl::Time now) const;
  // Change records with seq > `after`, oldest first, at most `limit`.
  std::vector<SegmentChange> ChangesSince(uint64_t after, size_t limit, const CustomerStore& store) const;
  // Calls f(seq, segment name, row, kind) for each change record with seq >
  // `after`, oldest first, without copying names or ids (the runner's feed).
  template <typename F>
  void ForEachChangeSince(uint64_t after, F f) const {
    auto it = std::upper_bound(log_.begin(), log_.end(), after,
                               [](uint64_t seq, const LogEntry& e) { return seq < e.seq; });
    for (; it != log_.end(); ++it) f(it->seq, absl::string_view(slot_names_[it->segment]), it->row, it->kind);
  }
  // The seq of the newest change record (0 before the first).
  uint64_t last_seq() const { return next_seq_ - 1; }
  // Drops the change records with seq <= `through` (the host has consumed them).
  void TrimChanges(uint64_t through);
  size_t change_log_size() const { return log_.size(); }
  // What a segment's condition reads; nullptr for an unknown segment.
  const cel::Dependencies* Reads(absl::string_view segment) const;
  // The value of each clause of the segment's condition for one customer.
  absl::StatusOr<SegmentExplanation> Explain(absl::string_view segment, uint32_t row, const CustomerStore& store,
                                             absl::Time now) const;
  // Bytes held by memberships, timers and the change log.
  size_t MemoryBytes() const;

  // --- Checkpoints (docs/state.md) ---
  // Writes every segment slot (removed ones by name, for their change
  // records), the definitions, memberships, timers and the change log.
  void Save(internal::ArchiveWriter& out) const;
  // Restores what Save wrote into this empty catalog over a restored
  // `store` (whose window columns the segments find again), compiling the
  // definitions without evaluating them. The scores the segments read
  // must be restored first (set_scores).
  absl::Status Load(internal::ArchiveReader& in, CustomerStore& store);

 private:
  struct Segment;
  struct LogEntry {
    uint64_t seq;
    Micros at;
    uint32_t row;
    uint32_t segment;  // index into segments_
    SegmentChange::Kind kind;
  };

  absl::StatusOr<int> Find(absl::string_view name) const;
  // Compiles one definition (no name checks): Define's first step.
  absl::StatusOr<std::unique_ptr<Segment>> CompileSegment(const v1::SegmentDef& def, bool hidden) const;
  // Finds or adds its window columns and plans its columnar evaluation.
  static void Plan(Segment& segment, CustomerStore& store);
  // Evaluates the segments marked in dirty_ for one row, in dependency order,
  // propagating changes to dependents; records changes at `now`. Returns the
  // earliest next change of the days_since segments it evaluated.
  Micros EvaluateRow(const CustomerStore& store, uint32_t row, absl::Time now);
  void SetMember(int segment, uint32_t row, bool member, absl::Time now);
  void Schedule(uint32_t row, Micros at);
  // The earliest time-driven change of one segment for one row.
  Micros NextChange(const Segment& s, const CustomerStore& store, uint32_t row, absl::Time now) const;
  // ... of one window column, and of every time-dependent segment (a full timer).
  static Micros WindowNextChange(const CustomerStore& store, int column, uint32_t row, absl::Time now);
  Micros TimedNextChange(const CustomerStore& store, uint32_t row, absl::Time now) const;
  void Reindex();

  std::vector<std::unique_ptr<Segment>> segments_;  // by index; removed ones stay as null
  absl::flat_hash_map<std::string, int> names_;     // live segments
  std::vector<int> order_;                          // live segments in dependency order
  std::vector<std::string> slot_names_;             // every index's name, for change records

  // Dependency index (rebuilt on Define/Remove).
  std::vector<std::vector<int>> by_field_;          // Customer field index -> readers
  absl::flat_hash_map<std::string, std::vector<int>> by_attr_;
  std::vector<int> any_attr_;                       // read attributes by computed name
  std::vector<int> whole_record_;                   // read `customer` as a whole
  struct TypeReaders {
    std::vector<int> segments;       // read the type's windows or last event
    std::vector<int> timed_columns;  // its window columns that time-dependent segments read
  };
  absl::flat_hash_map<std::string, TypeReaders> by_event_type_;
  std::vector<int> account_readers_;
  std::vector<int> time_dependent_;                 // timers (windows, days_since)
  std::vector<int> walkers_;                        // of those, the ones with days_since
  std::vector<int> timed_columns_;                  // window columns time-dependent segments read
  std::vector<int> continuous_;                     // compare `now` directly

  std::vector<uint8_t> dirty_;                      // by segment index, scratch
  size_t covered_rows_ = 0;                         // rows every membership bitmap and timer_of_row_ cover
  // The memberships again, row-major (words_per_row_ words per row, bit =
  // segment index), so that re-evaluating one customer reads one cache line
  // instead of one per segment.
  std::vector<uint64_t> row_words_;
  size_t words_per_row_ = 1;
  bool RowBit(int segment, uint32_t row) const {
    return (row_words_[row * words_per_row_ + static_cast<size_t>(segment) / 64] >> (segment % 64)) & 1;
  }
  void RebuildRowWords();
  absl::btree_set<std::pair<Micros, uint32_t>> timers_;
  std::vector<Micros> timer_of_row_;                // INT64_MAX: none
  std::vector<LogEntry> log_;
  uint64_t next_seq_ = 1;
  const ScoreSource* scores_ = nullptr;
  std::vector<uint32_t> hidden_changes_;
};

}  // namespace saleskit

#endif  // SALESKIT_SEGMENT_SEGMENTS_H_
