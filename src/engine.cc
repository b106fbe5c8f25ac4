#include "saleskit/engine.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "internal/proto_time.h"
#include "saleskit/state/journal.h"
#include "saleskit/status_macros.h"
#include "state/internal/journal_entries.h"

namespace saleskit {

absl::StatusOr<RecordKind> ParseRecordKind(absl::string_view name) {
  if (name == "customers" || name == "customer") return RecordKind::kCustomers;
  if (name == "events" || name == "event") return RecordKind::kEvents;
  if (name == "accounts" || name == "account") return RecordKind::kAccounts;
  if (name == "deals" || name == "deal") return RecordKind::kDeals;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown record kind \"", name, "\"; expected customers, events, accounts or deals"));
}

absl::string_view RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kCustomers: return "customers";
    case RecordKind::kEvents: return "events";
    case RecordKind::kAccounts: return "accounts";
    case RecordKind::kDeals: return "deals";
  }
  return "?";
}

Engine::Engine(EngineOptions options)
    : options_(std::move(options)), store_(options_.store), now_(options_.start) {
  store_.AdvanceWindowsTo(ToMicros(now_));
  segments_.set_scores(&scores_);
  runner_.outbox().set_options(options_.outbox);
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(EngineOptions options) {
  if (options.store.dedup_horizon < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("dedup_horizon must not be negative");
  }
  if (options.outbox.max_attempts == 0 || options.outbox.retry_base <= absl::ZeroDuration() ||
      options.outbox.retry_max < options.outbox.retry_base) {
    return absl::InvalidArgumentError(
        "outbox options: max_attempts must be at least 1 and 0 < retry_base <= retry_max");
  }
  return std::unique_ptr<Engine>(new Engine(std::move(options)));
}

void Engine::Log(LogLevel level, absl::string_view message) const {
  if (options_.log) options_.log(level, message);
}

absl::Time Engine::now() const {
  absl::ReaderMutexLock lock(&mu_);
  return now_;
}

absl::Status Engine::AdvanceTo(absl::Time t) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  if (t < now_) {
    return absl::InvalidArgumentError(absl::StrCat("the clock only moves forward: ", absl::FormatTime(t),
                                                   " is before now (", absl::FormatTime(now_), ")"));
  }
  // Timers fire in time order, each at its own instant, with the windows
  // there, and the rules they trigger run there too.
  auto next = [&] { return std::min({segments_.next_due(), scores_.next_due(), runner_.next_due()}); };
  for (absl::Time due = next(); due <= t; due = next()) {
    now_ = std::max(due, now_);  // a rule timer may be overdue (an inactivity spell from an old event)
    store_.AdvanceWindowsTo(ToMicros(now_));
    segments_.FireDue(store_, now_);
    RefreshScores(scores_.TakeDue(now_));
    runner_.FireDue(store_, now_);
    RunRules();
  }
  now_ = t;
  store_.AdvanceWindowsTo(ToMicros(now_));
  segments_.ClockMoved(store_, now_);
  RefreshScores({});
  RunRules();
  return Journaled([&](v1::JournalEntry* e) { internal::ToProto(ToMicros(t), e->mutable_advance_to()); });
}

void Engine::AfterBatch() {
  // Rules see changes in the order they happened: what the batch wrote
  // before the segment changes and crossings it causes.
  runner_.NoteWrites(store_.changes(), store_, segments_, scores_, now_);
  scores_.ApplyEvents(store_.changes(), store_);
  segments_.Apply(store_.changes(), store_, now_);
  store_.changes().Clear();
  RefreshScores({});
}

void Engine::Committed(bool ok) {
  if (!ok) {
    runner_.DiscardEvents();
    return;
  }
  AfterBatch();
  RunRules();
}

void Engine::RunRules() {
  if (!runner_.active()) return;
  while (runner_.HasWork(segments_, scores_)) {
    automation::Effects effects = runner_.Decide(store_, segments_, scores_, now_);
    for (const automation::Effects::ScoreAdjustment& a : effects.adjustments) {
      absl::Status st = scores_.Adjust(a.score, a.row, a.points, now_, a.label, store_);
      if (!st.ok()) Log(LogLevel::kError, absl::StrCat("score adjustment failed: ", st.message()));
    }
    if (!effects.customers.records.empty()) {
      absl::StatusOr<LoadReport> report = store_.UpsertCustomers(effects.customers);
      if (report.ok()) {
        AfterBatch();
        continue;
      }
      // Values were checked against the store when decided, so this is a bug.
      Log(LogLevel::kError, absl::StrCat("rule actions could not be applied: ", report.status().message()));
    }
    if (!effects.adjustments.empty()) RefreshScores({});
  }
  runner_.EndCascade();
}

void Engine::UpdateClassifier() {
  const EventKinds* kinds = &event_kinds_;
  automation::Runner* runner = &runner_;
  const bool has_kinds = !event_kinds_.empty();
  if (!has_kinds && !runner_.wants_events()) {
    store_.set_event_classifier(nullptr);
    return;
  }
  store_.set_event_classifier([kinds, runner](const v1::Event& e,
                                              const std::function<void(absl::string_view)>& emit) {
    if (!runner->wants_events()) return kinds->Classify(e, emit);
    absl::InlinedVector<std::string, 2> names;
    kinds->Classify(e, [&](absl::string_view kind) {
      emit(kind);
      names.emplace_back(kind);
    });
    runner->NoteEvent(e, names);
  });
}

void Engine::RefreshScores(const std::vector<uint32_t>& due) {
  score_rows_.assign(due.begin(), due.end());
  segments_.TakeHiddenChanges(&score_rows_);
  Promote(scores_.Refresh(&score_rows_, store_, now_));
}

void Engine::Promote(const std::vector<std::pair<uint32_t, v1::LifecycleStage>>& promotions) {
  if (promotions.empty()) return;
  // The highest stage per customer, in row order: one batch.
  std::vector<std::pair<uint32_t, v1::LifecycleStage>> sorted = promotions;
  std::sort(sorted.begin(), sorted.end());
  Batch<v1::Customer> batch;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i + 1 < sorted.size() && sorted[i + 1].first == sorted[i].first) continue;
    v1::Customer& c = batch.records.emplace_back();
    c.set_id(std::string(store_.IdOf(sorted[i].first)));
    c.set_lifecycle_stage(sorted[i].second);
  }
  absl::StatusOr<LoadReport> report = store_.UpsertCustomers(batch);
  if (!report.ok()) {  // cannot happen: the customers exist and the stage is valid
    Log(LogLevel::kError, absl::StrCat("lifecycle promotion failed: ", report.status().message()));
    store_.changes().Clear();
    return;
  }
  AfterBatch();  // promotions only move forward, so this ends
}

absl::StatusOr<LoadReport> Engine::UpsertCustomers(const Batch<v1::Customer>& batch, const LoadOptions& options) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  absl::StatusOr<LoadReport> report = store_.UpsertCustomers(batch, options);
  Committed(report.ok());
  if (report.ok()) {
    SALESKIT_RETURN_IF_ERROR(Journaled([&](v1::JournalEntry* e) { internal::ToEntry(batch.records, options, e); }));
  }
  return report;
}

absl::StatusOr<LoadReport> Engine::IngestEvents(const Batch<v1::Event>& batch, const LoadOptions& options) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  absl::StatusOr<LoadReport> report = store_.IngestEvents(batch, options);
  Committed(report.ok());
  if (report.ok()) {
    SALESKIT_RETURN_IF_ERROR(Journaled([&](v1::JournalEntry* e) { internal::ToEntry(batch.records, options, e); }));
  }
  return report;
}

absl::StatusOr<LoadReport> Engine::UpsertAccounts(const Batch<v1::Account>& batch, const LoadOptions& options) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  absl::StatusOr<LoadReport> report = store_.UpsertAccounts(batch, options);
  Committed(report.ok());
  if (report.ok()) {
    SALESKIT_RETURN_IF_ERROR(Journaled([&](v1::JournalEntry* e) { internal::ToEntry(batch.records, options, e); }));
  }
  return report;
}

absl::StatusOr<LoadReport> Engine::UpsertDeals(const Batch<v1::Deal>& batch, const LoadOptions& options) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  absl::StatusOr<LoadReport> report = store_.UpsertDeals(batch, options);
  Committed(report.ok());
  if (report.ok()) {
    SALESKIT_RETURN_IF_ERROR(Journaled([&](v1::JournalEntry* e) { internal::ToEntry(batch.records, options, e); }));
  }
  return report;
}

template <typename Record, typename Apply>
absl::StatusOr<LoadReport> Engine::LoadParsed(absl::string_view data, Format format, const LoadOptions& options,
                                              const ReadOptions& read, Apply apply) {
  SALESKIT_ASSIGN_OR_RETURN(std::unique_ptr<RecordSource<Record>> source, OpenSource<Record>(data, format, read));
  absl::StatusOr<LoadReport> report;
  {
    absl::MutexLock lock(&mu_);
    SALESKIT_RETURN_IF_ERROR(Writable());
    if (journal_ == nullptr) {
      report = apply(*source);
      Committed(report.ok());
    } else {
      // The parsed records are journaled, not the text.
      internal::RecordingSource<Record> recording(*source);
      report = apply(recording);
      Committed(report.ok());
      if (report.ok()) {
        SALESKIT_RETURN_IF_ERROR(
            Journaled([&](v1::JournalEntry* e) { internal::ToEntry(recording.records(), options, e); }));
      }
    }
  }
  if (report.ok() && !report->rejected.empty()) {
    Log(LogLevel::kWarning, absl::StrFormat("%d invalid record(s) skipped; first: %s", report->rejected.size(),
                                            report->rejected.front().ToString()));
  }
  return report;
}

absl::StatusOr<LoadReport> Engine::Load(RecordKind kind, absl::string_view data, Format format,
                                        const LoadOptions& options, const ReadOptions& read) {
  absl::StatusOr<LoadReport> report;
  switch (kind) {
    case RecordKind::kCustomers:
      report = LoadParsed<v1::Customer>(data, format, options, read, [&](RecordSource<v1::Customer>& s)
                                          ABSL_NO_THREAD_SAFETY_ANALYSIS { return store_.UpsertCustomers(s, options); });
      break;
    case RecordKind::kEvents:
      report = LoadParsed<v1::Event>(data, format, options, read, [&](RecordSource<v1::Event>& s)
                                       ABSL_NO_THREAD_SAFETY_ANALYSIS { return store_.IngestEvents(s, options); });
      break;
    case RecordKind::kAccounts:
      report = LoadParsed<v1::Account>(data, format, options, read, [&](RecordSource<v1::Account>& s)
                                         ABSL_NO_THREAD_SAFETY_ANALYSIS { return store_.UpsertAccounts(s, options); });
      break;
    case RecordKind::kDeals:
      report = LoadParsed<v1::Deal>(data, format, options, read, [&](RecordSource<v1::Deal>& s)
                                      ABSL_NO_THREAD_SAFETY_ANALYSIS { return store_.UpsertDeals(s, options); });
      break;
  }
  if (report.ok()) {
    Log(LogLevel::kDebug, absl::StrFormat("loaded %s: %d received, %d inserted, %d updated", RecordKindName(kind),
                                          report->received, report->inserted, report->updated));
  }
  return report;
}

absl::Status Engine::EraseCustomer(absl::string_view id) {
  const std::string ids[] = {std::string(id)};
  return EraseCustomers(ids);
}

absl::Status Engine::EraseCustomers(absl::Span<const std::string> ids) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  if (ids.empty()) return absl::OkStatus();
  std::vector<uint32_t> rows;
  rows.reserve(ids.size());
  absl::flat_hash_map<absl::string_view, size_t> seen;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto refused = [&](const absl::Status& st) {
      if (ids.size() == 1) return st;
      return absl::Status(st.code(), absl::StrCat("erase ", i + 1, " of ", ids.size(), ": ", st.message(),
                                                  "; nothing was erased"));
    };
    if (auto [it, fresh] = seen.emplace(ids[i], i); !fresh) {
      return refused(absl::InvalidArgumentError(
          absl::StrCat("customer \"", ids[i], "\" is erase ", it->second + 1, " too")));
    }
    absl::StatusOr<uint32_t> row = RowOf(ids[i]);
    if (!row.ok()) return refused(row.status());
    rows.push_back(*row);
  }
  for (uint32_t row : rows) {
    segments_.Erase(row);
    scores_.Erase(row);
  }
  runner_.EraseCustomers(rows, ids);
  SALESKIT_RETURN_IF_ERROR(store_.EraseCustomers(ids));  // checked above: cannot fail
  if (journal_ == nullptr) return absl::OkStatus();
  // Journaled, then covered at once by a checkpoint that deletes every
  // entry (this one too) and the previous checkpoint: the customers'
  // records and events are in none of what stays (docs/state.md). One id
  // is journaled as the older single-customer entry.
  SALESKIT_RETURN_IF_ERROR(Journaled([&](v1::JournalEntry* e) {
    if (ids.size() == 1) {
      e->set_customer_erased(ids[0]);
    } else {
      e->mutable_customers_erased()->mutable_ids()->Add(ids.begin(), ids.end());
    }
  }));
  absl::Status st = CheckpointLocked();
  if (st.ok()) st = journal_->TruncateWal();
  if (!st.ok()) {
    const std::string who = ids.size() == 1 ? absl::StrCat("customer \"", ids[0], "\" is")
                                            : absl::StrCat(ids.size(), " customers are");
    return absl::Status(st.code(), absl::StrCat(who, " erased, but the state file ", journal_->path(),
                                                " may still hold their records until a checkpoint succeeds: ",
                                                st.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> Engine::RowOf(absl::string_view customer_id) const {
  std::optional<uint32_t> row = store_.FindRow(customer_id);
  if (!row) return absl::NotFoundError(absl::StrCat("no customer with id \"", customer_id, "\""));
  return *row;
}

absl::StatusOr<v1::Customer> Engine::GetCustomer(absl::string_view id) const {
  absl::ReaderMutexLock lock(&mu_);
  return store_.GetCustomer(id);
}

absl::StatusOr<v1::CustomerActivity> Engine::GetActivity(absl::string_view id) const {
  absl::ReaderMutexLock lock(&mu_);
  std::optional<uint32_t> row = store_.FindRow(id);
  if (!row) return absl::NotFoundError(absl::StrCat("no customer with id \"", id, "\""));
  v1::CustomerActivity activity;
  activity.set_customer_id(std::string(id));
  for (const auto& [type, e] : store_.EventSummaries(*row)) {
    v1::EventSummary* s = activity.add_events();
    s->set_type(type);
    s->set_count(e.count);
    s->set_sum(e.sum);
    internal::ToProto(e.first, s->mutable_first());
    internal::ToProto(e.last, s->mutable_last());
  }
  return activity;
}

size_t Engine::customer_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return store_.customer_count();
}

StoreStats Engine::Stats() const {
  absl::ReaderMutexLock lock(&mu_);
  return store_.Stats();
}

// ---------------------------------------------------------------- conditions

absl::StatusOr<std::shared_ptr<const Expression>> Engine::Compile(absl::string_view source, bool condition) {
  cel::CompileOptions options;
  options.require_bool = condition;
  SALESKIT_ASSIGN_OR_RETURN(std::unique_ptr<cel::Program> program, cel::CompileCustomerExpression(source, options));
  auto expression = std::shared_ptr<Expression>(new Expression());
  SALESKIT_ASSIGN_OR_RETURN(expression->dependencies_, cel::ExtractDependencies(*program));
  expression->program_ = std::move(program);
  // A condition may also be dyn-typed (customer.attrs.vip): a non-bool value then does not match.
  if (condition || expression->program_->result_type().kind == cel::Type::Kind::kBool) {
    expression->columnar_ = cel::ColumnarCondition::Plan(expression->program_);
  }
  absl::MutexLock lock(&mu_);
  for (const std::string& segment : expression->dependencies_.segments) {
    if (segments_.Members(segment) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("in_segment(\"", segment, "\"): there is no segment named \"", segment, "\""));
    }
  }
  // New windows change what later events count in: an input to journal.
  v1::WindowsRequired added;
  for (const auto& w : expression->dependencies_.windows) {
    if (journal_ != nullptr && !store_.FindWindow(w.event_type, w.window)) {
      SALESKIT_RETURN_IF_ERROR(Writable());
      v1::WindowsRequired::Window* a = added.add_windows();
      a->set_event_type(w.event_type);
      a->set_hours(w.window.unit == EventWindow::Unit::kHour);
      a->set_length(w.window.length);
    }
    store_.RequireWindow(w.event_type, w.window);
  }
  if (added.windows_size() > 0) {
    SALESKIT_RETURN_IF_ERROR(Journaled([&](v1::JournalEntry* e) { *e->mutable_windows_required() = added; }));
  }
  return std::shared_ptr<const Expression>(std::move(expression));
}

absl::StatusOr<cel::Value> Engine::Evaluate(const Expression& expression, absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  std::optional<uint32_t> row = store_.FindRow(customer_id);
  if (!row) return absl::NotFoundError(absl::StrCat("no customer with id \"", customer_id, "\""));
  if (expression.is_condition()) {
    // The compiled row path; the generic evaluator only to explain an error.
    if (std::optional<bool> decided = expression.columnar_->EvaluateRow(store_, *row, now_, &segments_)) {
      return cel::Value::Bool(*decided);
    }
  }
  cel::StoreCustomerActivation activation(store_, *row, now_, &segments_);
  return expression.program().Evaluate(activation);
}

absl::StatusOr<std::vector<std::string>> Engine::Match(const Expression& condition) const {
  if (!condition.is_condition()) {
    return absl::FailedPreconditionError(
        absl::StrCat("not a condition (its type is ", condition.program().result_type().DebugString(), "): ",
                     condition.source()));
  }
  absl::ReaderMutexLock lock(&mu_);
  return store_.SortedIds(condition.columnar_->Evaluate(store_, now_, &segments_).matched);
}

// ---------------------------------------------------------------- segments

absl::Status Engine::DefineSegments(absl::Span<const v1::SegmentDef> segments) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  SALESKIT_RETURN_IF_ERROR(DefineLocked({}, segments));
  return Journaled([&](v1::JournalEntry* e) {
    for (const v1::SegmentDef& d : segments) *e->mutable_segments_defined()->add_segments() = d;
  });
}

absl::Status Engine::DefineLocked(absl::Span<const v1::EventKindDef> kinds,
                                  absl::Span<const v1::SegmentDef> segments, absl::Span<const v1::ScoreDef> scores) {
  SALESKIT_ASSIGN_OR_RETURN(EventKinds::Prepared prepared, event_kinds_.Prepare(kinds, store_));
  SALESKIT_ASSIGN_OR_RETURN(ScoreCatalog::Prepared new_scores, scores_.Prepare(scores));
  // Scores first (their condition rules as hidden segments), so that the
  // segments may read them; undone if a segment fails.
  std::vector<std::string> score_names, hidden;
  for (const v1::ScoreDef& s : scores) score_names.push_back(s.name());
  for (const v1::SegmentDef& h : new_scores.hidden) hidden.push_back(h.name());
  if (!hidden.empty()) {
    absl::Status st = segments_.Define(new_scores.hidden, store_, now_, /*hidden=*/true);
    if (!st.ok()) return absl::Status(st.code(), new_scores.Describe(st.message()));
  }
  score_rows_.clear();
  segments_.TakeHiddenChanges(&score_rows_);  // Initialize computes every row
  scores_.Add(std::move(new_scores), segments_);
  if (!segments.empty()) {
    absl::Status st = segments_.Define(segments, store_, now_);
    if (!st.ok()) {
      for (const std::string& name : score_names) (void)scores_.Remove(name);
      for (auto it = hidden.rbegin(); it != hidden.rend(); ++it) (void)segments_.Remove(*it);
      return st;
    }
  }
  if (!prepared.defs.empty()) {
    event_kinds_.Add(std::move(prepared));
    UpdateClassifier();
  }
  store_.set_track_changes(!segments_.empty() || !scores_.empty() || runner_.active());
  Promote(scores_.Initialize(store_, now_));
  return absl::OkStatus();
}

namespace {

// Splits `defs` into those not defined yet; a defined name with another
// definition is an error (a running engine does not redefine in place).
template <typename Def>
absl::StatusOr<std::vector<Def>> NewDefinitions(const google::protobuf::RepeatedPtrField<Def>& defs,
                                                const std::vector<Def>& defined, absl::string_view what) {
  std::vector<Def> fresh;
  for (const Def& d : defs) {
    auto it = std::find_if(defined.begin(), defined.end(), [&](const Def& e) { return e.name() == d.name(); });
    if (it == defined.end()) {
      fresh.push_back(d);
    } else if (SerializeDeterministic(*it) != SerializeDeterministic(d)) {
      return absl::InvalidArgumentError(absl::StrCat(what, " \"", d.name(), "\": a ", what,
                                                     " with this name already exists, defined differently; remove it "
                                                     "before loading the new definition"));
    }
  }
  return fresh;
}

}  // namespace

automation::Names Engine::RuleNames(const std::vector<v1::ScoreDef>& scores) const {
  automation::Names names;
  names.segment_fields = [this](absl::string_view name) ABSL_NO_THREAD_SAFETY_ANALYSIS -> const std::set<std::string>* {
    const cel::Dependencies* reads = segments_.Reads(name);
    return reads == nullptr ? nullptr : &reads->customer_fields;
  };
  names.score = [&scores](absl::string_view name) -> const v1::ScoreDef* {
    for (const v1::ScoreDef& s : scores) {
      if (s.name() == name) return &s;
    }
    return nullptr;
  };
  return names;
}

absl::Status Engine::DefinePlaybook(const v1::Playbook& playbook) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  SALESKIT_ASSIGN_OR_RETURN(std::vector<v1::EventKindDef> kinds,
                            NewDefinitions(playbook.event_kinds(), event_kinds_.definitions(), "event kind"));
  SALESKIT_ASSIGN_OR_RETURN(std::vector<v1::SegmentDef> segments,
                            NewDefinitions(playbook.segments(), segments_.Definitions(), "segment"));
  const std::vector<v1::ScoreDef> defined_scores = scores_.Definitions();
  SALESKIT_ASSIGN_OR_RETURN(std::vector<v1::ScoreDef> scores,
                            NewDefinitions(playbook.scores(), defined_scores, "score"));
  // Rules are checked before anything is defined, against what will be.
  const automation::Names names = RuleNames(defined_scores);
  SALESKIT_ASSIGN_OR_RETURN(std::shared_ptr<const automation::RuleSet> rules,
                            automation::RuleSet::Compile(playbook, names));
  SALESKIT_RETURN_IF_ERROR(DefineLocked(kinds, segments, scores));
  for (const cel::Dependencies::WindowRead& w : rules->windows()) store_.RequireWindow(w.event_type, w.window);
  // Rules see what changes from here on.
  runner_.Install(std::move(rules), store_, now_, segments_.last_seq(),
                  scores_.last_seq());
  UpdateClassifier();
  store_.set_track_changes(!segments_.empty() || !scores_.empty() || runner_.active());
  Log(LogLevel::kInfo, absl::StrFormat("playbook %s loaded: %d rules", playbook.version().empty() ? "(unversioned)" : playbook.version(),
                                       playbook.rules_size()));
  return Journaled([&](v1::JournalEntry* e) { *e->mutable_playbook() = playbook; });
}

v1::Playbook Engine::GetPlaybook() const {
  absl::ReaderMutexLock lock(&mu_);
  v1::Playbook out;
  for (const v1::EventKindDef& k : event_kinds_.definitions()) *out.add_event_kinds() = k;
  for (v1::SegmentDef& s : segments_.Definitions()) *out.add_segments() = std::move(s);
  for (v1::ScoreDef& s : scores_.Definitions()) *out.add_scores() = std::move(s);
  if (runner_.rules() != nullptr) {
    const v1::Playbook& automation = runner_.rules()->definition();
    *out.mutable_rules() = automation.rules();
    *out.mutable_owners() = automation.owners();
    *out.mutable_pools() = automation.pools();
    if (automation.has_policies()) *out.mutable_policies() = automation.policies();
    out.set_version(automation.version());
  }
  return out;
}

// ---------------------------------------------------------------- automation

absl::Status Engine::SetOwnerAvailable(absl::string_view owner_id, bool available) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  SALESKIT_RETURN_IF_ERROR(runner_.SetOwnerAvailable(owner_id, available));
  return Journaled([&](v1::JournalEntry* e) {
    e->mutable_owner_availability()->set_owner_id(std::string(owner_id));
    e->mutable_owner_availability()->set_available(available);
  });
}

std::vector<v1::OutboxEntry> Engine::PollOutbox(size_t limit) {
  std::vector<v1::OutboxEntry> out;
  PollOutbox(limit, &out);
  return out;
}

size_t Engine::PollOutbox(size_t limit, std::vector<v1::OutboxEntry>* out) {
  absl::MutexLock lock(&mu_);
  runner_.outbox().Poll(now_, limit, out);
  return out->size();
}

absl::Status Engine::AckOutbox(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  SALESKIT_RETURN_IF_ERROR(runner_.outbox().Ack(id));
  return Journaled([&](v1::JournalEntry* e) { e->set_outbox_acked(std::string(id)); });
}

absl::Status Engine::AckOutbox(absl::Span<const std::string> ids) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  SALESKIT_RETURN_IF_ERROR(runner_.outbox().Ack(ids));
  return Journaled([&](v1::JournalEntry* e) { e->mutable_outbox_acks()->mutable_ids()->Add(ids.begin(), ids.end()); });
}

absl::Status Engine::NackOutbox(absl::string_view id, absl::string_view error) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  SALESKIT_RETURN_IF_ERROR(runner_.outbox().Nack(id, error, now_));
  return Journaled([&](v1::JournalEntry* e) {
    e->mutable_outbox_nacked()->set_id(std::string(id));
    e->mutable_outbox_nacked()->set_error(std::string(error));
  });
}

std::vector<v1::OutboxEntry> Engine::OutboxEntries(uint64_t after, size_t limit, v1::OutboxEntry::State state) const {
  absl::ReaderMutexLock lock(&mu_);
  return runner_.outbox().Entries(after, limit, state);
}

std::vector<v1::AuditRecord> Engine::Audit(uint64_t after, size_t limit, absl::string_view customer_id,
                                           absl::string_view rule) const {
  absl::ReaderMutexLock lock(&mu_);
  return runner_.Audit(after, limit, customer_id, rule);
}

uint64_t Engine::LastAudit() const {
  absl::ReaderMutexLock lock(&mu_);
  return runner_.last_audit_seq();
}

void Engine::TrimOutbox(uint64_t through) {
  absl::MutexLock lock(&mu_);
  if (!Writable().ok()) return;
  runner_.outbox().Trim(through);
  (void)Journaled([&](v1::JournalEntry* e) { e->set_outbox_trimmed(through); });  // a failure is logged
}

void Engine::TrimAudit(uint64_t through) {
  absl::MutexLock lock(&mu_);
  if (!Writable().ok()) return;
  runner_.TrimAudit(through);
  (void)Journaled([&](v1::JournalEntry* e) { e->set_audit_trimmed(through); });  // a failure is logged
}

std::vector<v1::Task> Engine::Tasks(absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  return runner_.Tasks(customer_id);
}

std::vector<v1::Task> Engine::TasksSince(uint64_t after, size_t limit) const {
  absl::ReaderMutexLock lock(&mu_);
  return runner_.TasksSince(after, limit);
}

uint64_t Engine::LastTask() const {
  absl::ReaderMutexLock lock(&mu_);
  return runner_.last_task_seq();
}

void Engine::TrimTasks(uint64_t through) {
  absl::MutexLock lock(&mu_);
  if (!Writable().ok()) return;
  runner_.TrimTasks(through);
  (void)Journaled([&](v1::JournalEntry* e) { e->set_tasks_trimmed(through); });  // a failure is logged
}

std::vector<automation::RuleStats> Engine::RuleStats() const {
  absl::ReaderMutexLock lock(&mu_);
  return runner_.Stats();
}

absl::Status Engine::DefineSegment(absl::string_view name, absl::string_view condition,
                                   absl::string_view description) {
  v1::SegmentDef def;
  def.set_name(std::string(name));
  def.set_condition(std::string(condition));
  def.set_description(std::string(description));
  return DefineSegments(absl::MakeConstSpan(&def, 1));
}

absl::Status Engine::RemoveSegment(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  SALESKIT_RETURN_IF_ERROR(segments_.Remove(name));
  if (segments_.empty() && scores_.empty()) store_.set_track_changes(false);
  return Journaled([&](v1::JournalEntry* e) { e->set_segment_removed(std::string(name)); });
}

std::vector<v1::SegmentDef> Engine::Segments() const {
  absl::ReaderMutexLock lock(&mu_);
  return segments_.Definitions();
}

absl::StatusOr<std::vector<std::string>> Engine::SegmentMembers(absl::string_view segment) const {
  absl::ReaderMutexLock lock(&mu_);
  const Bitmap* members = segments_.Members(segment);
  if (members == nullptr) return absl::NotFoundError(absl::StrCat("no segment named \"", segment, "\""));
  return store_.SortedIds(*members);
}

absl::StatusOr<size_t> Engine::SegmentCount(absl::string_view segment) const {
  absl::ReaderMutexLock lock(&mu_);
  return segments_.Count(segment);
}

absl::StatusOr<bool> Engine::IsMember(absl::string_view segment, absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  SALESKIT_ASSIGN_OR_RETURN(size_t count, segments_.Count(segment));  // NotFound for an unknown segment
  (void)count;
  SALESKIT_ASSIGN_OR_RETURN(uint32_t row, RowOf(customer_id));
  return segments_.IsMember(segment, row);
}

std::vector<SegmentChange> Engine::SegmentChangesSince(uint64_t after, size_t limit) const {
  absl::ReaderMutexLock lock(&mu_);
  return segments_.ChangesSince(after, limit, store_);
}

uint64_t Engine::LastSegmentChange() const {
  absl::ReaderMutexLock lock(&mu_);
  return segments_.last_seq();
}

void Engine::TrimSegmentChanges(uint64_t through) {
  absl::MutexLock lock(&mu_);
  if (!Writable().ok()) return;
  segments_.TrimChanges(through);
  (void)Journaled([&](v1::JournalEntry* e) { e->set_segment_changes_trimmed(through); });  // a failure is logged
}

absl::StatusOr<SegmentExplanation> Engine::ExplainSegment(absl::string_view segment,
                                                          absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  SALESKIT_ASSIGN_OR_RETURN(size_t count, segments_.Count(segment));
  (void)count;
  SALESKIT_ASSIGN_OR_RETURN(uint32_t row, RowOf(customer_id));
  return segments_.Explain(segment, row, store_, now_);
}

std::vector<std::pair<std::string, Bitmap>> Engine::EvaluateSegments() const {
  absl::ReaderMutexLock lock(&mu_);
  return segments_.EvaluateAll(store_, now_);
}

absl::Status Engine::DefineEventKinds(absl::Span<const v1::EventKindDef> kinds) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  SALESKIT_RETURN_IF_ERROR(DefineLocked(kinds, {}));
  return Journaled([&](v1::JournalEntry* e) {
    for (const v1::EventKindDef& d : kinds) *e->mutable_event_kinds_defined()->add_kinds() = d;
  });
}

std::vector<v1::EventKindDef> Engine::EventKindDefinitions() const {
  absl::ReaderMutexLock lock(&mu_);
  return event_kinds_.definitions();
}

// ---------------------------------------------------------------- scores

absl::Status Engine::DefineScores(absl::Span<const v1::ScoreDef> scores) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  SALESKIT_RETURN_IF_ERROR(DefineLocked({}, {}, scores));
  return Journaled([&](v1::JournalEntry* e) {
    for (const v1::ScoreDef& d : scores) *e->mutable_scores_defined()->add_scores() = d;
  });
}

absl::Status Engine::RemoveScore(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  SALESKIT_RETURN_IF_ERROR(Writable());
  if (scores_.ScoreReads(name) == nullptr) return absl::NotFoundError(absl::StrCat("no score named \"", name, "\""));
  const std::string reader = segments_.ScoreReader(name);
  if (!reader.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("score \"", name, "\" is read by segment \"", reader, "\"; remove that first"));
  }
  SALESKIT_ASSIGN_OR_RETURN(std::vector<std::string> hidden, scores_.Remove(name));
  for (auto it = hidden.rbegin(); it != hidden.rend(); ++it) SALESKIT_RETURN_IF_ERROR(segments_.Remove(*it));
  if (segments_.empty() && scores_.empty()) store_.set_track_changes(false);
  return Journaled([&](v1::JournalEntry* e) { e->set_score_removed(std::string(name)); });
}

std::vector<v1::ScoreDef> Engine::Scores() const {
  absl::ReaderMutexLock lock(&mu_);
  return scores_.Definitions();
}

absl::StatusOr<ScoreValue> Engine::GetScore(absl::string_view score, absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  if (scores_.ScoreReads(score) == nullptr) return absl::NotFoundError(absl::StrCat("no score named \"", score, "\""));
  SALESKIT_ASSIGN_OR_RETURN(uint32_t row, RowOf(customer_id));
  return scores_.Get(score, row, now_);
}

absl::StatusOr<ScoreExplanation> Engine::ExplainScore(absl::string_view score, absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  if (scores_.ScoreReads(score) == nullptr) return absl::NotFoundError(absl::StrCat("no score named \"", score, "\""));
  SALESKIT_ASSIGN_OR_RETURN(uint32_t row, RowOf(customer_id));
  return scores_.Explain(score, row, store_, now_);
}

std::vector<std::pair<std::string, std::vector<double>>> Engine::EvaluateScores() const {
  absl::ReaderMutexLock lock(&mu_);
  return scores_.EvaluateAll(store_, segments_, now_);
}

std::vector<v1::ScoreCrossing> Engine::ScoreCrossingsSince(uint64_t after, size_t limit) const {
  absl::ReaderMutexLock lock(&mu_);
  return scores_.CrossingsSince(after, limit, store_);
}

uint64_t Engine::LastScoreCrossing() const {
  absl::ReaderMutexLock lock(&mu_);
  return scores_.last_seq();
}

void Engine::TrimScoreCrossings(uint64_t through) {
  absl::MutexLock lock(&mu_);
  if (!Writable().ok()) return;
  scores_.TrimCrossings(through);
  (void)Journaled([&](v1::JournalEntry* e) { e->set_score_crossings_trimmed(through); });  // a failure is logged
}

// ---------------------------------------------------------------- predictive models

absl::StatusOr<std::shared_ptr<const LiveModel>> Engine::BindModel(const PredictiveModel& model) {
  std::vector<std::shared_ptr<const Expression>> features;
  for (const v1::ScoreFeature& f : model.proto().features()) {
    if (f.expression().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "feature \"", f.name(), "\" has no CEL expression: only a model trained from history can score live customers"));
    }
    absl::StatusOr<std::shared_ptr<const Expression>> e = Compile(f.expression(), /*condition=*/false);
    if (!e.ok()) return absl::InvalidArgumentError(absl::StrCat("feature \"", f.name(), "\": ", e.status().message()));
    features.push_back(*std::move(e));
  }
  return std::make_shared<const LiveModel>(model, std::move(features));
}

std::vector<double> Engine::PredictAll(const LiveModel& model) const {
  std::vector<double> out;
  PredictAll(model, &out);
  return out;
}

void Engine::PredictAll(const LiveModel& model, std::vector<double>* out) const {
  absl::ReaderMutexLock lock(&mu_);
  model.ScoreAll(store_, now_, &segments_, out);
}

std::vector<std::pair<std::string, double>> Engine::PredictById(const LiveModel& model) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<double> p;
  model.ScoreAll(store_, now_, &segments_, &p);
  std::vector<std::pair<std::string, double>> out;
  for (auto& [id, row] : store_.RowsById()) out.emplace_back(std::move(id), p[row]);
  return out;
}

absl::StatusOr<double> Engine::Predict(const LiveModel& model, absl::string_view customer_id) const {
  SALESKIT_ASSIGN_OR_RETURN(Explanation x, ExplainPrediction(model, customer_id, 0));
  return x.probability;
}

absl::StatusOr<Explanation> Engine::ExplainPrediction(const LiveModel& model, absl::string_view customer_id,
                                                      int k) const {
  absl::ReaderMutexLock lock(&mu_);
  SALESKIT_ASSIGN_OR_RETURN(uint32_t row, RowOf(customer_id));
  SALESKIT_ASSIGN_OR_RETURN(Table table, model.FeatureRow(store_, row, now_, &segments_));
  return saleskit::Explain(model.model(), table, 0, k);
}

}  // namespace saleskit
