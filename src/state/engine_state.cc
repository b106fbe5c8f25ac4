// The durable engine: Engine::Open replays a state file's journal, and every
// successful mutation is journaled (docs/state.md).
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "internal/proto_time.h"
#include "saleskit/automation/runner.h"
#include "saleskit/engine.h"
#include "saleskit/state/journal.h"
#include "saleskit/status_macros.h"
#include "saleskit/time.h"
#include "state/internal/archive.h"
#include "state/internal/journal_entries.h"

namespace saleskit {
namespace internal {
namespace {

v1::BatchOptions ToProto(const LoadOptions& options) {
  v1::BatchOptions out;
  out.set_on_invalid(options.on_invalid == OnInvalid::kSkipRecord ? v1::BatchOptions::ON_INVALID_SKIP_RECORD
                                                                   : v1::BatchOptions::ON_INVALID_REJECT_BATCH);
  switch (options.unknown_customer) {
    case UnknownCustomer::kError: out.set_unknown_customer(v1::BatchOptions::UNKNOWN_CUSTOMER_ERROR); break;
    case UnknownCustomer::kSkip: out.set_unknown_customer(v1::BatchOptions::UNKNOWN_CUSTOMER_SKIP); break;
    case UnknownCustomer::kCreate: out.set_unknown_customer(v1::BatchOptions::UNKNOWN_CUSTOMER_CREATE); break;
  }
  return out;
}

template <typename Record, typename BatchProto>
void Fill(absl::Span<const Record> records, const LoadOptions& options, BatchProto* batch) {
  batch->mutable_records()->Reserve(static_cast<int>(records.size()));
  for (const Record& r : records) *batch->add_records() = r;
  *batch->mutable_options() = ToProto(options);
}

template <typename Record, typename BatchProto>
Batch<Record> ToBatch(const BatchProto& proto) {
  Batch<Record> batch;
  batch.records.assign(proto.records().begin(), proto.records().end());
  return batch;
}

absl::string_view EntryKind(const v1::JournalEntry& entry) {
  const auto* field = v1::JournalEntry::descriptor()->FindFieldByNumber(static_cast<int>(entry.entry_case()));
  return field != nullptr ? absl::string_view(field->name()) : absl::string_view("unknown");
}

constexpr char kStartKey[] = "engine_start_micros";

// The engine's part of a checkpoint archive: a format version, then the
// components in the order they are restored.
constexpr uint32_t kCheckpointMagic = 0x534b4350;  // "SKCP"
// Format 2 added task seqs; format 1 (no seqs) is still read.
constexpr uint32_t kCheckpointFormat = 2;

}  // namespace

void ToEntry(absl::Span<const v1::Customer> records, const LoadOptions& options, v1::JournalEntry* entry) {
  Fill(records, options, entry->mutable_customers());
}
void ToEntry(absl::Span<const v1::Event> records, const LoadOptions& options, v1::JournalEntry* entry) {
  Fill(records, options, entry->mutable_events());
}
void ToEntry(absl::Span<const v1::Account> records, const LoadOptions& options, v1::JournalEntry* entry) {
  Fill(records, options, entry->mutable_accounts());
}
void ToEntry(absl::Span<const v1::Deal> records, const LoadOptions& options, v1::JournalEntry* entry) {
  Fill(records, options, entry->mutable_deals());
}

LoadOptions FromProto(const v1::BatchOptions& options) {
  LoadOptions out;
  out.on_invalid = options.on_invalid() == v1::BatchOptions::ON_INVALID_SKIP_RECORD ? OnInvalid::kSkipRecord
                                                                                     : OnInvalid::kRejectBatch;
  switch (options.unknown_customer()) {
    case v1::BatchOptions::UNKNOWN_CUSTOMER_SKIP: out.unknown_customer = UnknownCustomer::kSkip; break;
    case v1::BatchOptions::UNKNOWN_CUSTOMER_CREATE: out.unknown_customer = UnknownCustomer::kCreate; break;
    default: out.unknown_customer = UnknownCustomer::kError; break;
  }
  return out;
}

}  // namespace internal

Engine::~Engine() = default;  // the journal commits what is pending as it closes

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(const std::string& path, EngineOptions options,
                                                     StateOptions state) {
  JournalOptions journal_options;
  journal_options.durability = state.durability;
  journal_options.batch_records = state.batch_records;
  journal_options.batch_interval = state.batch_interval;
  journal_options.clock = std::move(state.clock);
  SALESKIT_ASSIGN_OR_RETURN(std::unique_ptr<Journal> journal, Journal::Open(path, std::move(journal_options)));

  // The clock's start is part of the state: the file's own wins.
  SALESKIT_ASSIGN_OR_RETURN(std::optional<std::string> start, journal->Meta(internal::kStartKey));
  if (start) {
    int64_t micros = 0;
    if (!absl::SimpleAtoi(*start, &micros)) {
      return absl::DataLossError(absl::StrCat("state file ", path, " is damaged: its engine start \"", *start,
                                              "\" is not a number"));
    }
    options.start = absl::FromUnixMicros(micros);
  } else {
    SALESKIT_RETURN_IF_ERROR(journal->SetMeta(internal::kStartKey, absl::StrCat(absl::ToUnixMicros(options.start))));
    SALESKIT_RETURN_IF_ERROR(journal->Commit());
  }

  SALESKIT_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Create(std::move(options)));
  const uint64_t checkpoint = journal->checkpoint_seq();
  if (checkpoint > 0) {
    SALESKIT_ASSIGN_OR_RETURN(const std::string bytes, journal->ReadCheckpoint());
    internal::ArchiveReader in(bytes);
    absl::MutexLock lock(&engine->mu_);
    const absl::Status st = engine->LoadState(in);
    if (!st.ok()) {
      return absl::DataLossError(absl::StrCat("state file ", path, ": the checkpoint through entry seq ", checkpoint,
                                              " does not load: ", st.message()));
    }
  }
  bool erased = false;  // an erasure whose checkpoint did not happen (a crash in between)
  SALESKIT_RETURN_IF_ERROR(journal->ForEach([&](uint64_t seq, const v1::JournalEntry& entry) {
    erased = erased || entry.entry_case() == v1::JournalEntry::kCustomerErased ||
             entry.entry_case() == v1::JournalEntry::kCustomersErased;
    const absl::Status st = engine->Replay(entry);
    if (st.ok()) return st;
    return absl::DataLossError(absl::StrCat("state file ", path, ": entry seq ", seq, " (",
                                            internal::EntryKind(entry), ") does not replay: ", st.message()));
  }, checkpoint));
  absl::MutexLock lock(&engine->mu_);
  engine->journal_ = std::move(journal);
  engine->checkpoint_every_ = state.checkpoint_every;
  if (erased) {
    // Finish the erasure: the entries before it still hold the customer.
    absl::Status st = engine->CheckpointLocked();
    if (st.ok()) st = engine->journal_->TruncateWal();
    if (!st.ok()) {
      return absl::Status(st.code(), absl::StrCat("state file ", path, ": completing an interrupted erasure: ",
                                                  st.message()));
    }
  }
  return engine;
}

absl::Status Engine::Checkpoint() {
  absl::MutexLock lock(&mu_);
  if (journal_ == nullptr) return absl::OkStatus();
  SALESKIT_RETURN_IF_ERROR(Writable());
  return CheckpointLocked();
}

uint64_t Engine::CheckpointSeq() const {
  absl::ReaderMutexLock lock(&mu_);
  return journal_ == nullptr ? 0 : journal_->checkpoint_seq();
}

absl::Status Engine::CheckpointLocked() {
  // The pending entries first: a failure there loses them (the engine then
  // refuses changes, as after any failed commit).
  absl::Status st = journal_->Commit();
  if (!st.ok()) {
    journal_error_ = st;
    Log(LogLevel::kError, absl::StrCat("journal commit failed; the engine refuses further changes: ", st.message()));
    return st;
  }
  // A failed checkpoint changes nothing: the journal still holds every entry.
  return journal_->WriteCheckpoint([this](const Journal::PartSink& put) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    internal::ArchiveWriter out(put);
    SaveState(out);
    return out.Finish();
  });
}

void Engine::SaveState(internal::ArchiveWriter& out) const {
  out.Pod(internal::kCheckpointMagic);
  out.Pod(internal::kCheckpointFormat);
  out.Pod(journal_->appended());
  out.Pod(ToMicros(now_));
  const std::vector<v1::EventKindDef>& kinds = event_kinds_.definitions();
  out.Seq(kinds, [&out](v1::EventKindDef& k) { out.Msg(k); });
  store_.Save(out);
  scores_.Save(out);
  segments_.Save(out);
  const uint8_t has_rules = runner_.rules() != nullptr;
  out.Pod(has_rules);
  if (has_rules) out.Msg(runner_.rules()->definition());
  runner_.Save(out);
  out.Pod(internal::kCheckpointMagic);
}

absl::Status Engine::LoadState(internal::ArchiveReader& in) {
  uint32_t magic = 0, format = 0;
  in.Pod(magic);
  in.Pod(format);
  if (in.ok() && magic != internal::kCheckpointMagic) return absl::DataLossError("it is not a saleskit checkpoint");
  if (in.ok() && (format < 1 || format > internal::kCheckpointFormat)) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint format ", format, " is not one this saleskit reads (1 to ", internal::kCheckpointFormat,
                     ")"));
  }
  uint64_t seq = 0;
  int64_t now = 0;
  in.Pod(seq);
  in.Pod(now);
  now_ = absl::FromUnixMicros(now);
  std::vector<v1::EventKindDef> kinds;
  in.Seq(kinds, [&in](v1::EventKindDef& k) { in.Msg(k); });
  SALESKIT_RETURN_IF_ERROR(in.status());
  SALESKIT_RETURN_IF_ERROR(store_.Load(in));
  if (!kinds.empty()) {
    // Checked against an empty store: the restored one has the kinds' events already.
    const CustomerStore empty;
    absl::StatusOr<EventKinds::Prepared> prepared = event_kinds_.Prepare(kinds, empty);
    if (!prepared.ok()) return absl::DataLossError(absl::StrCat("its event kinds: ", prepared.status().message()));
    event_kinds_.Add(std::move(*prepared));
  }
  SALESKIT_RETURN_IF_ERROR(scores_.Load(in));
  SALESKIT_RETURN_IF_ERROR(segments_.Load(in, store_));
  SALESKIT_RETURN_IF_ERROR(scores_.Link(segments_));
  uint8_t has_rules = 0;
  in.Pod(has_rules);
  std::shared_ptr<const automation::RuleSet> rules;
  if (has_rules) {
    v1::Playbook playbook;
    in.Msg(playbook);
    SALESKIT_RETURN_IF_ERROR(in.status());
    const std::vector<v1::ScoreDef> defined_scores = scores_.Definitions();
    const automation::Names names = RuleNames(defined_scores);
    absl::StatusOr<std::shared_ptr<const automation::RuleSet>> compiled = automation::RuleSet::Compile(playbook, names);
    if (!compiled.ok()) return absl::DataLossError(absl::StrCat("its rules: ", compiled.status().message()));
    rules = std::move(*compiled);
  }
  SALESKIT_RETURN_IF_ERROR(runner_.Load(in, std::move(rules), format));
  uint32_t end = 0;
  in.Pod(end);
  if (in.ok() && (end != internal::kCheckpointMagic || !in.at_end())) in.Fail("the checkpoint does not end where it should");
  SALESKIT_RETURN_IF_ERROR(in.status());
  UpdateClassifier();
  return absl::OkStatus();
}

absl::Status Engine::Writable() const {
  if (journal_error_.ok()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the engine refuses changes since its state file could not be written (", journal_error_.message(),
                   "); reopen it with Engine::Open"));
}

absl::Status Engine::Journaled(const std::function<void(v1::JournalEntry*)>& fill) {
  if (journal_ == nullptr) return absl::OkStatus();
  v1::JournalEntry entry;
  fill(&entry);
  absl::Status st = journal_->Append(entry);
  if (!st.ok()) {
    journal_error_ = st;
    Log(LogLevel::kError, absl::StrCat("journal write failed; the engine refuses further changes: ", st.message()));
    return absl::Status(st.code(), absl::StrCat("applied in memory but not journaled (not acknowledged): ",
                                                st.message()));
  }
  if (checkpoint_every_ > 0 && journal_->appended() - journal_->checkpoint_seq() >= checkpoint_every_) {
    // The call itself succeeded (its entry is appended): a failed automatic
    // checkpoint is logged, and the next entry tries again.
    st = CheckpointLocked();
    if (!st.ok()) Log(LogLevel::kWarning, absl::StrCat("automatic checkpoint failed: ", st.message()));
    return journal_error_.ok() ? absl::OkStatus() : st;
  }
  return absl::OkStatus();
}

absl::Status Engine::Flush() {
  absl::MutexLock lock(&mu_);
  if (journal_ == nullptr) return absl::OkStatus();
  SALESKIT_RETURN_IF_ERROR(Writable());
  absl::Status st = journal_->Commit();
  if (!st.ok()) {
    journal_error_ = st;
    Log(LogLevel::kError, absl::StrCat("journal commit failed; the engine refuses further changes: ", st.message()));
  }
  return st;
}

uint64_t Engine::Acknowledged() const {
  absl::ReaderMutexLock lock(&mu_);
  return journal_ == nullptr ? 0 : journal_->committed();
}

bool Engine::durable() const {
  absl::ReaderMutexLock lock(&mu_);
  return journal_ != nullptr;
}

absl::Status Engine::Replay(const v1::JournalEntry& e) {
  using v1::JournalEntry;
  switch (e.entry_case()) {
    case JournalEntry::kCustomers:
      return UpsertCustomers(internal::ToBatch<v1::Customer>(e.customers()), internal::FromProto(e.customers().options()))
          .status();
    case JournalEntry::kEvents:
      return IngestEvents(internal::ToBatch<v1::Event>(e.events()), internal::FromProto(e.events().options())).status();
    case JournalEntry::kAccounts:
      return UpsertAccounts(internal::ToBatch<v1::Account>(e.accounts()), internal::FromProto(e.accounts().options()))
          .status();
    case JournalEntry::kDeals:
      return UpsertDeals(internal::ToBatch<v1::Deal>(e.deals()), internal::FromProto(e.deals().options())).status();
    case JournalEntry::kAdvanceTo:
      return AdvanceTo(absl::FromUnixMicros(internal::FromProto(e.advance_to())));
    case JournalEntry::kPlaybook:
      return DefinePlaybook(e.playbook());
    case JournalEntry::kSegmentsDefined: {
      const std::vector<v1::SegmentDef> defs(e.segments_defined().segments().begin(),
                                             e.segments_defined().segments().end());
      return DefineSegments(defs);
    }
    case JournalEntry::kScoresDefined: {
      const std::vector<v1::ScoreDef> defs(e.scores_defined().scores().begin(), e.scores_defined().scores().end());
      return DefineScores(defs);
    }
    case JournalEntry::kEventKindsDefined: {
      const std::vector<v1::EventKindDef> defs(e.event_kinds_defined().kinds().begin(),
                                               e.event_kinds_defined().kinds().end());
      return DefineEventKinds(defs);
    }
    case JournalEntry::kSegmentRemoved:
      return RemoveSegment(e.segment_removed());
    case JournalEntry::kScoreRemoved:
      return RemoveScore(e.score_removed());
    case JournalEntry::kCustomerErased:
      return EraseCustomer(e.customer_erased());
    case JournalEntry::kCustomersErased: {
      const std::vector<std::string> ids(e.customers_erased().ids().begin(), e.customers_erased().ids().end());
      return EraseCustomers(ids);
    }
    case JournalEntry::kSegmentChangesTrimmed:
      TrimSegmentChanges(e.segment_changes_trimmed());
      return absl::OkStatus();
    case JournalEntry::kScoreCrossingsTrimmed:
      TrimScoreCrossings(e.score_crossings_trimmed());
      return absl::OkStatus();
    case JournalEntry::kOutboxAcked:
      return AckOutbox(e.outbox_acked());
    case JournalEntry::kOutboxAcks: {
      const std::vector<std::string> ids(e.outbox_acks().ids().begin(), e.outbox_acks().ids().end());
      return AckOutbox(absl::MakeConstSpan(ids));
    }
    case JournalEntry::kOutboxNacked:
      return NackOutbox(e.outbox_nacked().id(), e.outbox_nacked().error());
    case JournalEntry::kOutboxTrimmed:
      TrimOutbox(e.outbox_trimmed());
      return absl::OkStatus();
    case JournalEntry::kAuditTrimmed:
      TrimAudit(e.audit_trimmed());
      return absl::OkStatus();
    case JournalEntry::kTasksTrimmed:
      TrimTasks(e.tasks_trimmed());
      return absl::OkStatus();
    case JournalEntry::kOwnerAvailability:
      return SetOwnerAvailable(e.owner_availability().owner_id(), e.owner_availability().available());
    case JournalEntry::kWindowsRequired: {
      absl::MutexLock lock(&mu_);
      for (const auto& w : e.windows_required().windows()) {
        if (w.length() < 1) return absl::InvalidArgumentError("a window of length < 1");
        EventWindow window;
        window.unit = w.hours() ? EventWindow::Unit::kHour : EventWindow::Unit::kDay;
        window.length = w.length();
        store_.RequireWindow(w.event_type(), window);
      }
      return absl::OkStatus();
    }
    case JournalEntry::ENTRY_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("an entry of a kind this saleskit does not know (written by a newer saleskit?)");
}

}  // namespace saleskit
