// saleskit::Engine: the one object a host drives.
#ifndef SALESKIT_ENGINE_H_
#define SALESKIT_ENGINE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "saleskit/automation/outbox.h"
#include "saleskit/automation/runner.h"
#include "saleskit/batch.h"
#include "saleskit/cel/columnar.h"
#include "saleskit/cel/customer.h"
#include "saleskit/io/readers.h"
#include "saleskit/score/live_model.h"
#include "saleskit/score/points.h"
#include "saleskit/score/predictive.h"
#include "saleskit/segment/event_kinds.h"
#include "saleskit/segment/segments.h"
#include "saleskit/state/durability.h"
#include "saleskit/store/customer_store.h"
#include "saleskit/v1/automation.pb.h"
#include "saleskit/v1/playbook.pb.h"
#include "saleskit/v1/records.pb.h"

namespace saleskit {
namespace v1 {
class JournalEntry;
}  // namespace v1
class Journal;  // saleskit/state/journal.h

// The kinds of record a host loads.
enum class RecordKind { kCustomers, kEvents, kAccounts, kDeals };
// "customers", "events", "accounts", "deals".
absl::StatusOr<RecordKind> ParseRecordKind(absl::string_view name);
absl::string_view RecordKindName(RecordKind kind);

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
// Receives the engine's log lines. Called on the thread that made the call
// being logged, possibly while that call holds the engine's lock: a sink must
// not call back into the engine (it would deadlock), and should be quick.
using LogSink = std::function<void(LogLevel level, absl::string_view message)>;

struct EngineOptions {
  StoreOptions store;
  // Where the engine clock starts. Only AdvanceTo moves it afterwards.
  absl::Time start = absl::UnixEpoch();
  // Retries and the dead-letter limit of the outbox.
  automation::OutboxOptions outbox;
  LogSink log;
};

// How a durable engine (Engine::Open) journals its inputs (docs/state.md).
struct StateOptions {
  // kSync: every mutating call commits its journal entry before it returns,
  // so an OK return is the acknowledgement. kBatched: entries are committed
  // every `batch_records` entries or `batch_interval`, and by Flush().
  Durability durability = Durability::kSync;
  size_t batch_records = 1000;
  absl::Duration batch_interval = absl::Milliseconds(100);
  // The steady clock batch_interval is measured with (tests inject one); it
  // decides only when to commit, never what the state is.
  std::function<std::chrono::steady_clock::time_point()> clock;
  // A checkpoint is taken automatically once this many entries have been
  // journaled since the last one (0: only by Engine::Checkpoint). A
  // checkpoint writes the whole state, so it costs about what replaying
  // a few thousand batch entries costs: the default keeps reopen bounded
  // (at most this many entries to replay) while checkpoints stay rare
  // next to the entries they cover (docs/state.md).
  uint64_t checkpoint_every = 10000;
};

// A CEL expression compiled against an engine's customers (docs/cel.md).
// Immutable; share it freely. It stays valid after its engine is gone, but
// only its engine evaluates it.
class Expression {
 public:
  const std::string& source() const { return program_->source(); }
  const cel::Program& program() const { return *program_; }
  // The fields, attributes and event windows it reads.
  const cel::Dependencies& dependencies() const { return dependencies_; }
  // Whether it is a condition Match can run: compiled as one, or bool-typed.
  bool is_condition() const { return columnar_ != nullptr; }

 private:
  friend class Engine;
  std::shared_ptr<const cel::Program> program_;
  cel::Dependencies dependencies_;
  std::unique_ptr<cel::ColumnarCondition> columnar_;  // conditions only
};

// Owns the customer store, the segments, derived event kinds, points scores,
// the automation rules with their outbox and audit log, and the engine clock.
//
// Thread safety: one writer at a time; any number of readers. Every method
// may be called from any thread; mutations are serialised and each read sees
// a state between two mutations. For several reads that must agree, hold a
// Snapshot. Nothing in the engine reads the wall clock.
class Engine {
 public:
  // An in-memory engine: nothing is journaled.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(EngineOptions options = {});
  // A durable engine over the state file at `path` (created if absent):
  // replays the file's journal into a fresh engine, then journals every
  // successful mutation (applied in memory, then appended; see StateOptions
  // for when it is acknowledged). `options.start` is recorded when the file
  // is created; an existing file's recorded start wins. Errors:
  // FailedPrecondition if the file is locked by another process or engine,
  // or was written by a newer saleskit; DataLoss naming the file and the
  // entry seq if it is not a saleskit state file, is damaged, or an entry
  // does not replay. If a journal write fails later, that call returns its
  // error and every later mutation fails with FailedPrecondition: reopen.
  // A file with a checkpoint loads it, then replays the entries after it;
  // a damaged checkpoint is DataLoss naming it.
  static absl::StatusOr<std::unique_ptr<Engine>> Open(const std::string& path, EngineOptions options = {},
                                                      StateOptions state = {});
  // Commits the pending journal entries: in kBatched mode, the
  // acknowledgement of every input before it. OK (and nothing done) for an
  // in-memory engine.
  absl::Status Flush();
  // The number of committed (acknowledged) journal entries: one per
  // successful mutating call since the file was created. A host that feeds
  // the engine an input stream resumes it from this position after a
  // reopen. 0 for an in-memory engine.
  uint64_t Acknowledged() const;
  // Writes a checkpoint: the whole engine state as of the last journaled
  // input, in one transaction with deleting the journal entries it covers,
  // so that a reopen loads it and replays only what came after
  // (docs/state.md). Commits pending entries first (it acknowledges them).
  // OK (and nothing done) for an in-memory engine; FailedPrecondition when
  // the engine refuses changes. On an error the state file is as it was.
  absl::Status Checkpoint();
  // The journal seq the state file's checkpoint covers through (0: none, or
  // an in-memory engine).
  uint64_t CheckpointSeq() const;
  // Whether mutations are journaled (made by Open).
  bool durable() const;
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- Clock ---
  absl::Time now() const;
  // Moves the clock forward to `t`. InvalidArgument if `t` is before now().
  absl::Status AdvanceTo(absl::Time t);

  // --- Loading (each call is one atomic batch, see LoadOptions) ---
  absl::StatusOr<LoadReport> UpsertCustomers(const Batch<v1::Customer>& batch, const LoadOptions& options = {});
  absl::StatusOr<LoadReport> IngestEvents(const Batch<v1::Event>& batch, const LoadOptions& options = {});
  absl::StatusOr<LoadReport> UpsertAccounts(const Batch<v1::Account>& batch, const LoadOptions& options = {});
  absl::StatusOr<LoadReport> UpsertDeals(const Batch<v1::Deal>& batch, const LoadOptions& options = {});
  // Parses `data` in `format` and loads it as `kind`. Parse errors and store
  // validation errors are handled alike under `options.on_invalid`.
  absl::StatusOr<LoadReport> Load(RecordKind kind, absl::string_view data, Format format,
                                  const LoadOptions& options = {}, const ReadOptions& read = {});

  // Removes every trace of a customer. NotFound if unknown. On a durable
  // engine the erasure is journaled and a checkpoint follows at once, which
  // deletes every journal entry and the previous checkpoint (the file
  // overwrites deleted content and its WAL is truncated): no byte of the
  // customer stays in the state file. If that checkpoint fails, the call
  // returns its error; the customer is erased in memory and the erasure is
  // journaled, but older entries still hold them until Checkpoint() succeeds.
  absl::Status EraseCustomer(absl::string_view id);
  // Erases every customer in `ids` as EraseCustomer does, all or none, with
  // one journal entry and one checkpoint for them all: erasing many
  // customers costs one checkpoint, not one each. The first id that is
  // unknown (NotFound) or repeats an earlier one (InvalidArgument) is the
  // error, naming it and its position, and nothing is erased. An empty list
  // does nothing.
  absl::Status EraseCustomers(absl::Span<const std::string> ids);

  // --- Reading ---
  absl::StatusOr<v1::Customer> GetCustomer(absl::string_view id) const;
  // The customer's event summaries (count, sum, first, last per type). NotFound if unknown.
  absl::StatusOr<v1::CustomerActivity> GetActivity(absl::string_view id) const;
  size_t customer_count() const;
  StoreStats Stats() const;

  // --- Conditions (CEL) ---
  // Compiles a CEL expression about customers; with `condition` it must be
  // bool. InvalidArgument with line:column for syntax, name and type errors
  // and windows that are not whole days or hours, and for in_segment() of a
  // segment not defined (the expression then reads its live membership);
  // ResourceExhausted over the size or nesting limits. The store keeps the
  // expression's event windows from now on (events ingested earlier are in
  // no window).
  absl::StatusOr<std::shared_ptr<const Expression>> Compile(absl::string_view source, bool condition = true);
  // Evaluates for one customer with the row evaluator. NotFound for an
  // unknown id. A failed evaluation (e.g. comparing a never-set field) is an
  // error value, not an error status: as a condition it does not match.
  absl::StatusOr<cel::Value> Evaluate(const Expression& expression, absl::string_view customer_id) const;
  // The ids of every customer a condition is true for, in id order, with the
  // columnar evaluator. FailedPrecondition for an expression that is not a condition.
  absl::StatusOr<std::vector<std::string>> Match(const Expression& condition) const;

  // --- Segments (docs/segments.md) ---
  // Defines segments, all or none (SegmentCatalog::Define lists the errors),
  // evaluates them for every customer at now(), and from then on keeps their
  // membership current on every batch, erasure and clock move.
  absl::Status DefineSegments(absl::Span<const v1::SegmentDef> segments);
  absl::Status DefineSegment(absl::string_view name, absl::string_view condition,
                             absl::string_view description = "");
  // NotFound if unknown; FailedPrecondition while another segment reads it.
  absl::Status RemoveSegment(absl::string_view name);
  // The segments, in dependency order.
  std::vector<v1::SegmentDef> Segments() const;
  // The members' ids, sorted. NotFound for an unknown segment.
  absl::StatusOr<std::vector<std::string>> SegmentMembers(absl::string_view segment) const;
  absl::StatusOr<size_t> SegmentCount(absl::string_view segment) const;
  // NotFound for an unknown segment or customer.
  absl::StatusOr<bool> IsMember(absl::string_view segment, absl::string_view customer_id) const;
  // Enter and exit records with seq > `after`, oldest first, at most `limit`.
  std::vector<SegmentChange> SegmentChangesSince(uint64_t after, size_t limit = SIZE_MAX) const;
  // The seq of the newest change record (0 before the first).
  uint64_t LastSegmentChange() const;
  // Forgets the change records with seq <= `through` (consumed by the host).
  void TrimSegmentChanges(uint64_t through);
  // The value of each clause of the segment's condition for the customer.
  absl::StatusOr<SegmentExplanation> ExplainSegment(absl::string_view segment, absl::string_view customer_id) const;
  // Every segment evaluated from scratch by the columnar evaluator at now():
  // {name, member rows (CustomerStore rows; Snapshot::store().IdOf names
  // them)}, in dependency order. What the live memberships must equal.
  std::vector<std::pair<std::string, Bitmap>> EvaluateSegments() const;

  // --- Derived event kinds (docs/segments.md) ---
  // Defines kinds, all or none (EventKinds::Define lists the errors). Events
  // ingested from then on that satisfy a kind also count under its name.
  absl::Status DefineEventKinds(absl::Span<const v1::EventKindDef> kinds);
  std::vector<v1::EventKindDef> EventKindDefinitions() const;
  // Loads a playbook as one unit, all or none (docs/automation.md): its
  // event kinds, segments and scores are defined (those already defined
  // exactly so are kept; a different definition under a defined name is
  // InvalidArgument: remove it first), and its rules, owners, pools and
  // policies replace the ones running, atomically. Every rule is checked
  // first (automation::RuleSet::Compile lists the errors). Rules see only
  // changes made after they are loaded; routing pointers, caps, the outbox
  // and the audit log carry over from the previous version.
  absl::Status DefinePlaybook(const v1::Playbook& playbook);
  // The kinds, segments (in dependency order) and scores defined, and the
  // rules, owners, pools, policies and version running.
  v1::Playbook GetPlaybook() const;

  // --- Automation (docs/automation.md) ---
  // Marks an owner of the running playbook available or not (on leave)
  // without a new playbook version: routing skips an unavailable owner, as
  // for the playbook's `unavailable` flag, which this overrides. A mutation
  // (journaled). The override stays in force when a later playbook version
  // still lists the owner, whatever that version's flag says; it is
  // forgotten when a version drops the owner. NotFound for an owner not in
  // the running playbook (or with no playbook).
  absl::Status SetOwnerAvailable(absl::string_view owner_id, bool available);
  // Up to `limit` outbox entries due now, in order, each customer's in their
  // order; they stay in flight until acked or nacked (see automation::Outbox).
  std::vector<v1::OutboxEntry> PollOutbox(size_t limit);
  // The same into `out`, resized to the entries polled, whose messages are
  // refilled rather than made anew: a host that polls in a loop with one
  // vector allocates little once it has grown. Returns how many it polled.
  size_t PollOutbox(size_t limit, std::vector<v1::OutboxEntry>* out);
  // The host delivered the entry. NotFound for an unknown id;
  // FailedPrecondition for a dead one. Acking twice is OK.
  absl::Status AckOutbox(absl::string_view id);
  // Acks a batch of delivered entries in one write (one journal entry, where
  // acking one by one writes one each), all or none: the first id AckOutbox
  // would refuse is the error, naming the id and its position, and no entry
  // is acked. Repeats and done entries are OK.
  absl::Status AckOutbox(absl::Span<const std::string> ids);
  // Delivery failed: retried with exponential backoff, then dead-lettered
  // (EngineOptions::outbox). NotFound / FailedPrecondition as AckOutbox.
  absl::Status NackOutbox(absl::string_view id, absl::string_view error);
  // Outbox entries with seq > `after` in `state` (UNSPECIFIED: any), oldest first.
  std::vector<v1::OutboxEntry> OutboxEntries(uint64_t after = 0, size_t limit = SIZE_MAX,
                                             v1::OutboxEntry::State state = v1::OutboxEntry::STATE_UNSPECIFIED) const;
  // Audit records with seq > `after`, oldest first, at most `limit`; with a
  // customer id and/or a rule name, only those.
  std::vector<v1::AuditRecord> Audit(uint64_t after = 0, size_t limit = SIZE_MAX, absl::string_view customer_id = {},
                                     absl::string_view rule = {}) const;
  // The seq of the newest audit record (0 before the first).
  uint64_t LastAudit() const;
  // Forgets the audit records with seq <= `through` (the host has stored them).
  void TrimAudit(uint64_t through);
  // Forgets the done and dead outbox entries with seq <= `through`.
  void TrimOutbox(uint64_t through);
  // Tasks the rules created, oldest first; with a customer id only theirs.
  std::vector<v1::Task> Tasks(absl::string_view customer_id = {}) const;
  // Tasks with seq > `after`, oldest first, at most `limit`: a host polls
  // with `after` = the last seq it handed to its CRM, then trims through it.
  std::vector<v1::Task> TasksSince(uint64_t after, size_t limit = SIZE_MAX) const;
  // The seq of the newest task (0 before the first; trimming keeps it).
  uint64_t LastTask() const;
  // Forgets the tasks with seq <= `through` (the host has them). Journaled.
  void TrimTasks(uint64_t through);
  // Decision counts per running rule, in playbook order.
  std::vector<automation::RuleStats> RuleStats() const;

  // --- Points scores (docs/scores.md) ---
  // Defines scores, all or none (ScoreCatalog::Prepare lists the errors;
  // their conditions are checked as segments' are). Computes them for every
  // customer at now(): a customer at or above a threshold gets an up
  // crossing (and its promotion). Event rules count events ingested from
  // then on. From then on every batch, erasure and clock move keeps them current.
  absl::Status DefineScores(absl::Span<const v1::ScoreDef> scores);
  // NotFound if unknown; FailedPrecondition while a segment reads it.
  absl::Status RemoveScore(absl::string_view name);
  std::vector<v1::ScoreDef> Scores() const;
  // A customer's score and grade at now(). NotFound for an unknown score or customer.
  absl::StatusOr<ScoreValue> GetScore(absl::string_view score, absl::string_view customer_id) const;
  // The rules, events and decay behind a customer's score.
  absl::StatusOr<ScoreExplanation> ExplainScore(absl::string_view score, absl::string_view customer_id) const;
  // Every score recomputed from scratch at now(): {name, value by store
  // row}. What the live values must equal.
  std::vector<std::pair<std::string, std::vector<double>>> EvaluateScores() const;
  // Threshold crossings with seq > `after`, oldest first, at most `limit`.
  std::vector<v1::ScoreCrossing> ScoreCrossingsSince(uint64_t after, size_t limit = SIZE_MAX) const;
  // The seq of the newest crossing (0 before the first).
  uint64_t LastScoreCrossing() const;
  // Forgets the crossings with seq <= `through`.
  void TrimScoreCrossings(uint64_t through);

  // --- Predictive models (docs/predictive.md) ---
  // Binds a model trained from history (score/history.h) to this engine:
  // compiles its features' CEL expressions, whose event windows the store
  // keeps from now on (events ingested earlier are in no window: bind before
  // loading events, as for segments). InvalidArgument naming a feature that
  // has no expression (a model trained on a CSV table) or does not compile.
  absl::StatusOr<std::shared_ptr<const LiveModel>> BindModel(const PredictiveModel& model);
  // P(positive) at now() for every store row (NaN for rows without a
  // customer; Snapshot::store().IdOf names rows), read column-wise.
  std::vector<double> PredictAll(const LiveModel& model) const;
  // The same into `*out`, reusing its memory: for scoring the store again and again.
  void PredictAll(const LiveModel& model, std::vector<double>* out) const;
  // {customer id, P(positive)} for every customer, in id order, from one read.
  std::vector<std::pair<std::string, double>> PredictById(const LiveModel& model) const;
  // One customer's P(positive), and its top `k` contributions. NotFound for
  // an unknown customer.
  absl::StatusOr<double> Predict(const LiveModel& model, absl::string_view customer_id) const;
  absl::StatusOr<Explanation> ExplainPrediction(const LiveModel& model, absl::string_view customer_id, int k) const;

  // A consistent read view: while it lives, writers wait. Keep it short.
  class Snapshot {
   public:
    const CustomerStore& store() const { return engine_->store_; }
    const SegmentCatalog& segments() const { return engine_->segments_; }
    const ScoreCatalog& scores() const { return engine_->scores_; }
    absl::Time now() const { return engine_->now_; }

   private:
    friend class Engine;
    explicit Snapshot(const Engine* engine) : engine_(engine), lock_(&engine->mu_) {}
    const Engine* engine_;
    absl::ReaderMutexLock lock_;
  };
  Snapshot Read() const { return Snapshot(this); }

  void Log(LogLevel level, absl::string_view message) const;

 private:
  explicit Engine(EngineOptions options);
  // Journaling (src/state/engine_state.cc). Writable: the engine still
  // accepts mutations. Journaled: appends the entry `fill` builds (only
  // called for a durable engine).
  absl::Status Writable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status Journaled(const std::function<void(v1::JournalEntry*)>& fill) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies one journal entry through the public mutations.
  absl::Status Replay(const v1::JournalEntry& entry);
  // Checkpoints (src/state/engine_state.cc): the whole state as one archive.
  absl::Status CheckpointLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What rules may name, for RuleSet::Compile: the segments defined now and
  // `scores` (kept alive by the caller while the names are used).
  automation::Names RuleNames(const std::vector<v1::ScoreDef>& scores) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SaveState(internal::ArchiveWriter& out) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status LoadState(internal::ArchiveReader& in) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  template <typename Record, typename Apply>
  absl::StatusOr<LoadReport> LoadParsed(absl::string_view data, Format format, const LoadOptions& options,
                                        const ReadOptions& read, Apply apply);

  // After a committed batch: brings segment memberships and scores up to
  // date, applying the lifecycle promotions of crossed thresholds.
  void AfterBatch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Recomputes the scores of `rows` (and what the last batch touched) and
  // applies the promotions due, each as a batch of its own.
  void RefreshScores(const std::vector<uint32_t>& due) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Promote(const std::vector<std::pair<uint32_t, v1::LifecycleStage>>& promotions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Decides the rules the last changes triggered, applying their internal
  // actions and deciding what those trigger, until the cascade ends.
  void RunRules() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A batch was applied (`ok`) or rolled back: keeps the rules in step.
  void Committed(bool ok) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Installs the store's event classifier: derived kinds, and the rules' event triggers.
  void UpdateClassifier() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<uint32_t> RowOf(absl::string_view customer_id) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status DefineLocked(absl::Span<const v1::EventKindDef> kinds, absl::Span<const v1::SegmentDef> segments,
                            absl::Span<const v1::ScoreDef> scores = {}) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  EngineOptions options_;
  mutable absl::Mutex mu_;
  CustomerStore store_ ABSL_GUARDED_BY(mu_);
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  SegmentCatalog segments_ ABSL_GUARDED_BY(mu_);
  ScoreCatalog scores_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> score_rows_ ABSL_GUARDED_BY(mu_);  // scratch for RefreshScores
  EventKinds event_kinds_ ABSL_GUARDED_BY(mu_);
  automation::Runner runner_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Journal> journal_ ABSL_GUARDED_BY(mu_);  // null: in memory
  absl::Status journal_error_ ABSL_GUARDED_BY(mu_);        // set: refuses mutations
  uint64_t checkpoint_every_ ABSL_GUARDED_BY(mu_) = 0;     // StateOptions::checkpoint_every
};

}  // namespace saleskit

#endif  // SALESKIT_ENGINE_H_
