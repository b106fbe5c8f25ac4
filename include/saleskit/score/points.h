// Points scores: named sums of rule points about customers, kept current as
// records, events and the clock change (docs/scores.md).
//
// A score (v1::ScoreDef) has two kinds of rule:
// - condition rules give their points while a CEL condition about the
//   customer holds. Each is kept as a hidden segment of the SegmentCatalog,
//   so it is maintained exactly like a segment (dependency index, timers,
//   continuous re-evaluation);
// - event rules give their points for each event of a type or derived kind
//   counted after the score was defined, at most `max_per_window` events per
//   UTC epoch-aligned window (the earliest ones earn), fading by the score's
//   decay: halving every half-life (an event stops counting after ten
//   half-lives), or in full for a time frame. An event dated in the future
//   counts from its time on.
// The value is clamp(condition points + event points, min, max), computed
// from the rules' memberships and the customer's counted events in one fixed
// order, so the live value and a batch recompute are the same double.
//
// Each threshold a customer's value crosses, up or down, is a crossing
// record with its exact instant: a decaying score's timer fires when its
// value reaches the next threshold. A threshold may promote the lifecycle
// stage of a customer crossing it upward (the Engine applies it).
//
// The Engine owns one ScoreCatalog and drives it; hosts use the Engine's
// score methods. Not thread-safe on its own.
#ifndef SALESKIT_SCORE_POINTS_H_
#define SALESKIT_SCORE_POINTS_H_

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
#include "saleskit/segment/segments.h"
#include "saleskit/store/customer_store.h"
#include "saleskit/time.h"
#include "saleskit/v1/playbook.pb.h"

namespace saleskit {

// One customer's score, with its grade ("" below every band).
struct ScoreValue {
  double value = 0;
  std::string grade;
};

// Why a customer has the score they have.
struct ScoreExplanation {
  struct Event {
    absl::Time at;
    double full_points = 0;  // the rule's points
    double points = 0;       // what it is worth now (after decay; 0 over the window maximum)
    bool over_maximum = false;
    // When it stops counting (InfiniteFuture: never); with a half-life,
    // `points` halves every half-life until then.
    absl::Time expires;
  };
  struct Rule {
    std::string rule;        // its name, or its condition or event type
    bool is_event = false;
    double points = 0;       // what the rule contributes now
    bool holds = false;      // condition rules: whether the condition holds
    std::vector<Event> events;  // event rules: the counted events, oldest first
  };
  std::string score;
  std::string customer_id;
  double value = 0;          // after clamping
  double unclamped = 0;      // the rules' sum
  std::string grade;
  std::vector<Rule> rules;   // in definition order
};

class ScoreCatalog final : public ScoreSource {
 public:
  ScoreCatalog();
  ScoreCatalog(const ScoreCatalog&) = delete;
  ScoreCatalog& operator=(const ScoreCatalog&) = delete;
  ~ScoreCatalog() override;

  // Scores checked and compiled, not yet added.
  struct Prepared {
    struct Score;
    std::vector<std::shared_ptr<Score>> scores;
    std::vector<v1::SegmentDef> hidden;  // their condition rules, for SegmentCatalog::Define(..., hidden=true)
    // Rewrites an error about a hidden segment to name the score and rule.
    std::string Describe(absl::string_view message) const;
  };
  // Checks definitions, all or none. InvalidArgument naming the score (and
  // rule): a bad or duplicate name (within `defs` or with a defined score),
  // no rules, a rule with neither or both of condition and event, points not
  // finite, a condition that is not bool or reads score(), a maximum without
  // a window (or the reverse), a decay with both kinds or a non-positive
  // duration, min > max, a threshold or grade outside [min, max] or not
  // finite, two thresholds at one value.
  absl::StatusOr<Prepared> Prepare(absl::Span<const v1::ScoreDef> defs) const;
  // Adds prepared scores once their hidden segments are defined in `segments`.
  void Add(Prepared prepared, const SegmentCatalog& segments);
  // Computes the added scores for every customer at `now` (crossing records
  // for those at or above a threshold) and returns the promotions due.
  std::vector<std::pair<uint32_t, v1::LifecycleStage>> Initialize(const CustomerStore& store, absl::Time now);
  // Removes a score (its crossing records stay). NotFound if unknown.
  // Returns the hidden segment names to remove from the SegmentCatalog.
  absl::StatusOr<std::vector<std::string>> Remove(absl::string_view name);
  std::vector<v1::ScoreDef> Definitions() const;
  bool empty() const { return names_.empty(); }

  // --- Keeping scores current (the Engine calls these) ---
  // Counts the committed batch's events for the event rules (before the
  // segments are re-evaluated: segments read scores).
  void ApplyEvents(const StoreChanges& changes, const CustomerStore& store);
  // Recomputes the scores of `*rows` and of the rows the last ApplyEvents
  // touched at `now`: crossing records, timers. Returns the promotions due.
  // `*rows` is scratch (sorted and extended).
  std::vector<std::pair<uint32_t, v1::LifecycleStage>> Refresh(std::vector<uint32_t>* rows, const CustomerStore& store,
                                                               absl::Time now);
  // Adds `points` to a customer's score at `at`, counted like an event's
  // points (they fade by the score's decay); explanations show them under
  // `label`. The next Refresh recomputes the row. NotFound for an unknown
  // score; InvalidArgument for points that are not finite.
  absl::Status Adjust(absl::string_view score, uint32_t row, double points, absl::Time at, absl::string_view label,
                      const CustomerStore& store);
  // Forgets a customer: counted events, levels, timer, crossing records.
  void Erase(uint32_t row);
  absl::Time next_due() const;
  // The rows whose timer is at or before `at` (their timers cleared), for Refresh.
  std::vector<uint32_t> TakeDue(absl::Time at);

  // --- Reading ---
  const Reads* ScoreReads(absl::string_view score) const override;
  cel::Value ScoreValue(absl::string_view score, uint32_t row, absl::Time now) const override;
  // NotFound for an unknown score.
  absl::StatusOr<saleskit::ScoreValue> Get(absl::string_view score, uint32_t row, absl::Time now) const;
  absl::StatusOr<ScoreExplanation> Explain(absl::string_view score, uint32_t row, const CustomerStore& store,
                                           absl::Time now) const;
  // Every score recomputed from scratch: condition rules by the columnar
  // evaluator (not the hidden memberships), event points from the counted
  // events. {name, value by store row (0 for rows without a customer)}, in
  // definition order. What the live values must equal.
  std::vector<std::pair<std::string, std::vector<double>>> EvaluateAll(const CustomerStore& store,
                                                                       const SegmentCatalog& segments,
                                                                       absl::Time now) const;
  // Crossing records with seq > `after`, oldest first, at most `limit`.
  std::vector<v1::ScoreCrossing> CrossingsSince(uint64_t after, size_t limit, const CustomerStore& store) const;
  uint64_t last_seq() const { return next_seq_ - 1; }
  void TrimCrossings(uint64_t through);
  // The grade of `value` under a score's bands ("" below every band).
  absl::StatusOr<std::string> Grade(absl::string_view score, double value) const;

  // --- Checkpoints (docs/state.md) ---
  // Writes every score slot (removed ones too, for their crossing records):
  // definitions, score adjustments, counted events, levels, timers and the
  // crossing log.
  void Save(internal::ArchiveWriter& out) const;
  // Restores what Save wrote into this empty catalog, compiling the
  // definitions without computing anything. Link must follow once the
  // segments (their hidden condition segments) are restored.
  absl::Status Load(internal::ArchiveReader& in);
  // Points the condition rules at their hidden segments' memberships.
  // DataLoss naming a hidden segment that is missing.
  absl::Status Link(const SegmentCatalog& segments);

 private:
  using Score = Prepared::Score;
  struct LogEntry {
    uint64_t seq;
    Micros at;
    uint32_t row;
    uint32_t score;  // slot
    uint16_t threshold;
    bool up;
    v1::LifecycleStage promoted;
    double value;
  };
  absl::StatusOr<const Score*> Find(absl::string_view name) const;
  // Re-levels one row of one score at `now`; appends crossings and
  // promotions. Returns when the row's value may next change by time alone.
  Micros Level(Score& s, uint32_t row, Micros now, const CustomerStore& store,
             std::vector<std::pair<uint32_t, v1::LifecycleStage>>* promotions);
  void Schedule(uint32_t row, Micros at);
  void Reindex();

  std::vector<std::shared_ptr<Score>> scores_;  // live, in definition order
  std::vector<std::shared_ptr<const Score>> slots_;  // every score ever added, for crossing records
  absl::flat_hash_map<std::string, int> names_;
  // Event type -> (score position, rule index) of its event rules.
  absl::flat_hash_map<std::string, std::vector<std::pair<int, int>>> by_event_type_;
  std::vector<uint32_t> touched_;  // rows the last ApplyEvents counted events for
  absl::btree_set<std::pair<Micros, uint32_t>> timers_;
  std::vector<Micros> timer_of_row_;  // INT64_MAX: none
  std::vector<LogEntry> log_;
  uint64_t next_seq_ = 1;
};

}  // namespace saleskit

#endif  // SALESKIT_SCORE_POINTS_H_
