#include "cli/run.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <numeric>
#include <ostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/args.h"
#include "internal/automation_json.h"
#include "saleskit/io/playbook_text.h"
#include "saleskit/status_macros.h"
#include "saleskit/time.h"

namespace saleskit::cli {
namespace {

constexpr absl::Duration kBatchSpan = absl::Hours(1);

Micros MicrosOf(const google::protobuf::Timestamp& t) { return t.seconds() * 1000000 + t.nanos() / 1000; }

// The start of the UTC hour `t` is in.
Micros FloorToHour(Micros t) {
  constexpr Micros kHour = 3600LL * 1000000;
  return (t >= 0 ? t / kHour : (t - kHour + 1) / kHour) * kHour;
}

std::string TimeText(absl::Time t) { return FormatTimestamp(ToMicros(t)); }

std::string Plural(int64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

// "send_email welcome_v3", "assign_owner pool inbound_territories", ...
std::string ActionText(const v1::Action& a) {
  switch (a.kind_case()) {
    case v1::Action::kSetField: return absl::StrCat("set_field ", a.set_field().field());
    case v1::Action::kAddTag: return absl::StrCat("add_tag ", a.add_tag());
    case v1::Action::kRemoveTag: return absl::StrCat("remove_tag ", a.remove_tag());
    case v1::Action::kSetLifecycleStage:
      return absl::StrCat("set_lifecycle_stage ", LifecycleStageName(a.set_lifecycle_stage()));
    case v1::Action::kAdjustScore:
      return absl::StrFormat("adjust_score %s %+g", a.adjust_score().score(), a.adjust_score().points());
    case v1::Action::kAssignOwner:
      return a.assign_owner().has_owner() ? absl::StrCat("assign_owner ", a.assign_owner().owner())
                                          : absl::StrCat("assign_owner pool ", a.assign_owner().pool());
    case v1::Action::kCreateTask: return "create_task";
    case v1::Action::kSendEmail: return absl::StrCat("send_email ", a.send_email().template_id());
    case v1::Action::kNotifyOwner: return "notify_owner";
    case v1::Action::kWebhook: return absl::StrCat("webhook ", a.webhook().name());
    case v1::Action::KIND_NOT_SET: break;
  }
  return "(no action)";
}

std::string SkipReasonText(v1::SkipReason reason) { return absl::AsciiStrToLower(v1::SkipReason_Name(reason)); }

// "condition_false 120, self_trigger 3", most frequent first; "none" when empty.
std::string CountsText(const std::map<std::string, int64_t>& counts) {
  std::vector<std::pair<int64_t, std::string>> sorted;
  for (const auto& [name, n] : counts) sorted.emplace_back(-n, name);
  std::sort(sorted.begin(), sorted.end());
  std::string text;
  for (const auto& [n, name] : sorted) absl::StrAppend(&text, text.empty() ? "" : ", ", name, " ", -n);
  return text.empty() ? "none" : text;
}

template <typename T>
std::string Names(const google::protobuf::RepeatedPtrField<T>& items) {
  return absl::StrJoin(items, ", ", [](std::string* out, const T& item) { out->append(item.name()); });
}

std::string StrategyText(v1::RoutingPool::Strategy s) {
  return absl::AsciiStrToLower(v1::RoutingPool::Strategy_Name(s));
}

// The file of `kind` in `dir`: DIR/KIND.csv (or .tsv, .ndjson, .jsonl, .json, .pb, .binpb).
std::optional<std::string> FindKindFile(const std::string& dir, absl::string_view kind) {
  for (const char* ext : {"csv", "tsv", "ndjson", "jsonl", "json", "pb", "binpb"}) {
    std::string path = absl::StrCat(dir, "/", kind, ".", ext);
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) return path;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<DataFile>> ReadDataDir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("--data: \"", dir, "\" is not a directory"));
  }
  std::vector<DataFile> files;
  const std::pair<const char*, RecordKind> kinds[] = {{"accounts", RecordKind::kAccounts},
                                                      {"customers", RecordKind::kCustomers},
                                                      {"deals", RecordKind::kDeals},
                                                      {"events", RecordKind::kEvents}};
  for (const auto& [name, kind] : kinds) {
    std::optional<std::string> path = FindKindFile(dir, name);
    if (!path) {
      if (kind == RecordKind::kCustomers || kind == RecordKind::kEvents) {
        return absl::NotFoundError(absl::StrCat("--data: no ", name, " file in \"", dir, "\" (", name,
                                                ".csv, .ndjson, .json or .pb; 'saleskit gen --out DIR' writes one)"));
      }
      continue;
    }
    SALESKIT_ASSIGN_OR_RETURN(std::string data, ReadFile(*path));
    SALESKIT_ASSIGN_OR_RETURN(Format format, FormatFromPath(*path));
    files.push_back({*path, std::move(data), format, kind});
  }
  return files;
}

absl::StatusOr<ReadResult<v1::Event>> ReadEvents(const DataFile& file) {
  absl::StatusOr<ReadResult<v1::Event>> events = ReadRecords<v1::Event>(file.data, file.format);
  if (!events.ok()) return absl::Status(events.status().code(), absl::StrCat(file.name, ": ", events.status().message()));
  if (!events->errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file.name, ": ", BatchRejected(events->errors).message()));
  }
  return events;
}

}  // namespace
absl::StatusOr<v1::Playbook> LoadPlaybook(Engine& engine, const std::string& path,
                                          std::optional<absl::string_view> text) {
  absl::StatusOr<ParsedPlaybook> parsed = text ? ParsePlaybook(*text, path) : ReadPlaybookFile(path);
  if (!parsed.ok()) return parsed.status();
  if (absl::Status s = engine.DefinePlaybook(parsed->playbook); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
  }
  return std::move(parsed->playbook);
}

std::string PlaybookCounts(const v1::Playbook& p) {
  return absl::StrCat(Plural(p.event_kinds_size(), "event kind", "event kinds"), ", ",
                      Plural(p.segments_size(), "segment", "segments"), ", ",
                      Plural(p.scores_size(), "score", "scores"), ", ", Plural(p.rules_size(), "rule", "rules"), ", ",
                      Plural(p.owners_size(), "owner", "owners"), ", ", Plural(p.pools_size(), "pool", "pools"));
}

absl::StatusOr<std::optional<absl::Time>> FirstEventHour(const std::vector<DataFile>& files) {
  std::optional<Micros> first;
  for (const DataFile& f : files) {
    if (f.kind != RecordKind::kEvents) continue;
    SALESKIT_ASSIGN_OR_RETURN(ReadResult<v1::Event> events, ReadEvents(f));
    for (const v1::Event& e : events.batch.records) {
      const Micros at = MicrosOf(e.occurred_at());
      if (!first || at < *first) first = at;
    }
  }
  if (!first) return std::optional<absl::Time>();
  return std::optional<absl::Time>(absl::FromUnixMicros(FloorToHour(*first)));
}

absl::StatusOr<ReplaySummary> Replay(Engine& engine, const std::vector<DataFile>& files,
                                     std::optional<absl::Time> until) {
  ReplaySummary summary;
  summary.start = engine.now();
  if (until && *until < engine.now()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--until ", TimeText(*until), " is before the first event hour ", TimeText(engine.now())));
  }
  // Records first, in the order import uses; each file is one batch.
  for (RecordKind kind : {RecordKind::kAccounts, RecordKind::kCustomers, RecordKind::kDeals}) {
    for (const DataFile& f : files) {
      if (f.kind != kind) continue;
      absl::StatusOr<LoadReport> report = engine.Load(kind, f.data, f.format);
      if (!report.ok()) {
        return absl::Status(report.status().code(), absl::StrCat(f.name, ": ", report.status().message()));
      }
      int64_t& n = kind == RecordKind::kAccounts ? summary.accounts
                   : kind == RecordKind::kCustomers ? summary.customers
                                                    : summary.deals;
      n += static_cast<int64_t>(report->received);
    }
  }
  // Then the events, in time order (stable: equal times keep file order).
  Batch<v1::Event> all;
  std::vector<std::string> sources;  // the file of each event, for messages
  for (const DataFile& f : files) {
    if (f.kind != RecordKind::kEvents) continue;
    SALESKIT_ASSIGN_OR_RETURN(ReadResult<v1::Event> events, ReadEvents(f));
    for (size_t i = 0; i < events.batch.records.size(); ++i) {
      all.Add(std::move(events.batch.records[i]), events.batch.IndexOf(i), events.batch.LineOf(i));
      sources.push_back(f.name);
    }
  }
  std::vector<size_t> order(all.records.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return MicrosOf(all.records[a].occurred_at()) < MicrosOf(all.records[b].occurred_at());
  });
  for (size_t begin = 0; begin < order.size();) {
    const Micros first = MicrosOf(all.records[order[begin]].occurred_at());
    if (until && ToTime(first) > *until) {
      summary.after_until = static_cast<int64_t>(order.size() - begin);
      break;
    }
    // One clock hour of events (none later than --until).
    const Micros hour_end = FloorToHour(first) + absl::ToInt64Microseconds(kBatchSpan);
    Batch<v1::Event> batch;
    Micros last = first;
    size_t end = begin;
    for (; end < order.size(); ++end) {
      const Micros at = MicrosOf(all.records[order[end]].occurred_at());
      if (at >= hour_end || (until && ToTime(at) > *until)) break;
      last = at;
      batch.Add(std::move(all.records[order[end]]), all.IndexOf(order[end]), all.LineOf(order[end]));
    }
    if (ToTime(last) > engine.now()) SALESKIT_RETURN_IF_ERROR(engine.AdvanceTo(ToTime(last)));
    absl::StatusOr<LoadReport> report = engine.IngestEvents(batch);
    if (!report.ok()) {
      return absl::Status(report.status().code(), absl::StrCat(sources[order[begin]], ": ", report.status().message()));
    }
    summary.events += static_cast<int64_t>(report->received);
    summary.duplicates += static_cast<int64_t>(report->duplicates);
    summary.unknown += static_cast<int64_t>(report->skipped_unknown_customer);
    ++summary.batches;
    begin = end;
  }
  const absl::Time end = until.value_or(engine.now());
  if (end > engine.now()) SALESKIT_RETURN_IF_ERROR(engine.AdvanceTo(end));
  summary.end = engine.now();
  return summary;
}

void PrintAutomation(const Engine& engine, size_t limit, std::ostream& out) {
  const std::vector<automation::RuleStats> stats = engine.RuleStats();
  size_t width = 4;
  for (const automation::RuleStats& s : stats) width = std::max(width, s.rule.size());
  const int w = static_cast<int>(width);
  out << absl::StrFormat("actions per rule\n  %-*s %7s %7s %7s %7s %7s\n", w, "rule", "fired", "skipped", "applied",
                         "outbox", "blocked");
  for (const automation::RuleStats& s : stats) {
    out << absl::StrFormat("  %-*s %7d %7d %7d %7d %7d\n", w, s.rule, s.fired, s.skipped, s.applied, s.outbox,
                           s.blocked);
  }
  // Skip reasons from the audit log, read a page at a time.
  std::map<std::string, int64_t> rule_skips, action_skips;
  constexpr size_t kPage = 4096;
  for (uint64_t after = 0;;) {
    const std::vector<v1::AuditRecord> page = engine.Audit(after, kPage);
    for (const v1::AuditRecord& r : page) {
      if (r.outcome() == v1::AuditRecord::SKIPPED) ++rule_skips[SkipReasonText(r.reason())];
      for (const v1::ActionResult& a : r.actions()) {
        if (a.result() == v1::ActionResult::SKIPPED) ++action_skips[SkipReasonText(a.reason())];
      }
    }
    if (page.size() < kPage) break;
    after = page.back().seq();
  }
  out << "skip reasons\n";
  out << "  rules:   " << CountsText(rule_skips) << "\n";
  out << "  actions: " << CountsText(action_skips) << "\n";
  int64_t entries = 0;
  std::map<std::string, int64_t> by_state;
  for (uint64_t after = 0;;) {
    const std::vector<v1::OutboxEntry> page = engine.OutboxEntries(after, kPage);
    for (const v1::OutboxEntry& e : page) {
      ++entries;
      ++by_state[absl::AsciiStrToLower(v1::OutboxEntry::State_Name(e.state()))];
    }
    if (page.size() < kPage) break;
    after = page.back().seq();
  }
  const std::vector<v1::OutboxEntry> first = engine.OutboxEntries(0, limit);
  out << absl::StrFormat("outbox: %d entries (%s)%s\n", entries, CountsText(by_state),
                         first.empty() ? "" : absl::StrCat("; the first ", first.size(), ":"));
  for (const v1::OutboxEntry& e : first) {
    out << absl::StrFormat("  %-10s %-*s %-28s available %s\n", e.customer_id(), w, e.rule(), ActionText(e.action()),
                           FormatTimestamp(MicrosOf(e.available_at())));
  }
  out << absl::StrFormat("tasks: %d\n", engine.Tasks().size());
}

// ------------------------------------------------------------------ playbook

int RunPlaybook(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit playbook check FILE\n"
      "  Reads a playbook written as YAML or JSON (docs/playbooks.md), loads it into a fresh\n"
      "  engine (which checks names, loops, pools and time zones) and prints what it defines.\n"
      "  An error is printed as file:line:column: message (the engine's as file: message) and\n"
      "  the exit code is 1.\n";
  int exit_code = 0;
  std::optional<Args> args = ParseCommand(raw, {}, {}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  if (args->positional.empty() || args->positional[0] != "check") {
    return Usage(err,
                 absl::InvalidArgumentError(args->positional.empty()
                                                ? "expected a subcommand: check"
                                                : absl::StrCat("unknown subcommand \"", args->positional[0],
                                                               "\": expected check")),
                 kUsage);
  }
  if (args->positional.size() != 2) {
    return Usage(err, absl::InvalidArgumentError("expected one playbook file"), kUsage);
  }
  const std::string& path = args->positional[1];
  std::unique_ptr<Engine> engine = *Engine::Create();
  absl::StatusOr<v1::Playbook> p = LoadPlaybook(*engine, path);
  if (!p.ok()) {
    err << p.status().message() << "\n";
    return 1;
  }
  out << path << ": ok" << (p->version().empty() ? "" : absl::StrCat(", version ", p->version())) << "\n";
  auto line = [&](absl::string_view what, int n, const std::string& names) {
    out << absl::StrFormat("  %-12s %2d%s\n", what, n, names.empty() ? "" : absl::StrCat("  ", names));
  };
  line("event kinds", p->event_kinds_size(), Names(p->event_kinds()));
  line("segments", p->segments_size(), Names(p->segments()));
  line("scores", p->scores_size(), Names(p->scores()));
  line("rules", p->rules_size(), Names(p->rules()));
  line("owners", p->owners_size(),
       absl::StrJoin(p->owners(), ", ", [](std::string* o, const v1::Owner& owner) {
         absl::StrAppend(o, owner.id(), owner.unavailable() ? " (unavailable)" : "");
       }));
  line("pools", p->pools_size(), absl::StrJoin(p->pools(), ", ", [](std::string* o, const v1::RoutingPool& pool) {
         absl::StrAppend(o, pool.name(), " (", StrategyText(pool.strategy()), ")");
       }));
  const v1::Policies& pol = p->policies();
  out << absl::StrFormat("  %-12s %s, %s%s%s\n", "policies",
                         pol.timezone().empty() ? "timezone UTC" : absl::StrCat("timezone ", pol.timezone()),
                         Plural(pol.caps_size(), "cap", "caps"), pol.has_contact_budget() ? ", a contact budget" : "",
                         pol.has_quiet_hours() ? ", quiet hours" : "");
  return 0;
}

// ------------------------------------------------------------------ run

int RunRun(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit run --playbook FILE --data DIR [--until TIME] [--limit N] [--state FILE]\n"
      "                    [--checkpoint-every N]\n"
      "  Loads the playbook into a fresh engine, then replays the CRM in DIR (as 'saleskit gen'\n"
      "  writes it: accounts, customers, deals and events .csv/.ndjson/.json/.pb) in time order:\n"
      "  the records, then the events one clock hour at a time, the clock moved to each hour's\n"
      "  last event before it is ingested so that time-driven rules fire in order, and finally\n"
      "  to --until (default: the last event; later events are not replayed). Prints per rule\n"
      "  what fired and what its actions did, the skip reasons, the first --limit (10) outbox\n"
      "  entries and the number of tasks.\n"
      "  --state FILE  keep the engine's state in FILE, a new SQLite file (docs/state.md)\n"
      "  --checkpoint-every N  with --state: a checkpoint every N journal entries (default\n"
      "                10000; 0: none); 'saleskit state FILE' reads the file afterwards\n";
  int exit_code = 0;
  const std::optional<Args> args = ParseFlags(raw, {"playbook", "data", "until", "state", "limit", "checkpoint-every"},
                                              {}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  const std::optional<std::string> state_path = args->Get("state");
  if (state_path && std::filesystem::exists(*state_path)) {
    // Resuming a replay into an existing state file would load the data twice.
    err << "saleskit: --state: " << *state_path << " exists; give a new file (resuming a run is not supported)\n";
    return 2;
  }
  const std::optional<std::string> playbook_path = args->Get("playbook");
  const std::optional<std::string> dir = args->Get("data");
  if (!playbook_path) return Usage(err, absl::InvalidArgumentError("--playbook is required"), kUsage);
  if (!dir) return Usage(err, absl::InvalidArgumentError("--data is required"), kUsage);
  std::optional<absl::Time> until;
  if (auto v = args->Get("until")) {
    absl::StatusOr<Micros> t = ParseTimestamp(*v);
    if (!t.ok()) return Usage(err, absl::InvalidArgumentError(absl::StrCat("--until: ", t.status().message())), kUsage);
    until = ToTime(*t);
  }
  size_t limit = 10;
  if (auto v = args->Get("limit"); v && !absl::SimpleAtoi(*v, &limit)) {
    return Usage(err, absl::InvalidArgumentError(absl::StrCat("--limit: expected a whole number, got \"", *v, "\"")),
                 kUsage);
  }
  StateOptions state;
  state.durability = Durability::kBatched;
  if (auto v = args->Get("checkpoint-every")) {
    if (!absl::SimpleAtoi(*v, &state.checkpoint_every)) {
      return Usage(
          err, absl::InvalidArgumentError(absl::StrCat("--checkpoint-every: expected a whole number, got \"", *v, "\"")),
          kUsage);
    }
    if (!state_path) return Usage(err, absl::InvalidArgumentError("--checkpoint-every needs --state"), kUsage);
  }
  absl::StatusOr<std::vector<DataFile>> files = ReadDataDir(*dir);
  if (!files.ok()) {
    err << "saleskit: " << files.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<std::optional<absl::Time>> start = FirstEventHour(*files);
  if (!start.ok()) {
    err << "saleskit: " << start.status().message() << "\n";
    return 1;
  }
  EngineOptions options;
  // The clock starts at the first event's hour, not the epoch: schedules begin there.
  if (*start) options.start = **start;
  std::unique_ptr<Engine> engine;
  if (state_path) {
    absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(*state_path, options, state);
    if (!opened.ok()) {
      err << "saleskit: " << opened.status().message() << "\n";
      return 1;
    }
    engine = std::move(*opened);
  } else {
    engine = *Engine::Create(options);
  }
  absl::StatusOr<v1::Playbook> playbook = LoadPlaybook(*engine, *playbook_path);
  if (!playbook.ok()) {
    err << playbook.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<ReplaySummary> replay = Replay(*engine, *files, until);
  if (replay.ok() && state_path) {
    if (absl::Status flushed = engine->Flush(); !flushed.ok()) replay = flushed;
  }
  if (!replay.ok()) {
    err << "saleskit: " << replay.status().message() << "\n";
    return 1;
  }
  out << "playbook " << *playbook_path
      << (playbook->version().empty() ? "" : absl::StrCat(" (", playbook->version(), ")")) << ": "
      << PlaybookCounts(*playbook) << "\n";
  out << absl::StrFormat("data %s: %d accounts, %d customers, %d deals; %d events in %d hourly batches", *dir,
                         replay->accounts, replay->customers, replay->deals, replay->events, replay->batches);
  out << absl::StrFormat(" (%d duplicates, %d for unknown customers skipped", replay->duplicates, replay->unknown);
  out << (replay->after_until ? absl::StrFormat(", %d after --until not replayed)\n", replay->after_until) : ")\n");
  out << "clock " << TimeText(replay->start) << " -> " << TimeText(replay->end) << "\n\n";
  PrintAutomation(*engine, limit, out);
  return 0;
}

// ------------------------------------------------------------------ state

namespace {
// Opens an existing state file (Engine::Open would create a missing one).
absl::StatusOr<std::unique_ptr<Engine>> OpenExisting(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    return absl::NotFoundError(absl::StrCat("state file ", path, " does not exist"));
  }
  return Engine::Open(path, EngineOptions(), StateOptions());
}
}  // namespace

int RunState(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit state FILE [--checkpoint] [--limit N]\n"
      "  Opens the state file FILE (as 'saleskit run --state' or a host wrote it; docs/state.md):\n"
      "  loads its checkpoint and replays the journal after it, then prints the inputs it holds,\n"
      "  the clock, what the store holds and the automation summary 'saleskit run' prints (the\n"
      "  first --limit (10) outbox entries). A file that is damaged is an error naming it.\n"
      "  --checkpoint  write a checkpoint first, so later opens replay nothing before it\n";
  int exit_code = 0;
  std::optional<Args> args = ParseCommand(raw, {"limit"}, {"checkpoint"}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  if (args->positional.size() != 1) {
    return Usage(err, absl::InvalidArgumentError("expected one state FILE"), kUsage);
  }
  const std::string& path = args->positional[0];
  size_t limit = 10;
  if (auto v = args->Get("limit"); v && !absl::SimpleAtoi(*v, &limit)) {
    return Usage(err, absl::InvalidArgumentError(absl::StrCat("--limit: expected a whole number, got \"", *v, "\"")),
                 kUsage);
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = OpenExisting(path);
  if (!engine.ok()) {
    err << "saleskit: " << engine.status().message() << "\n";
    return 1;
  }
  const uint64_t loaded_through = (*engine)->CheckpointSeq();
  if (args->Has("checkpoint")) {
    if (absl::Status st = (*engine)->Checkpoint(); !st.ok()) {
      err << "saleskit: " << st.message() << "\n";
      return 1;
    }
  }
  const uint64_t inputs = (*engine)->Acknowledged();
  out << "state " << path << ": " << inputs << " inputs; checkpoint through " << (*engine)->CheckpointSeq();
  out << (args->Has("checkpoint") ? " (written now)" : "") << "; opened from the checkpoint through " << loaded_through
      << " and " << (inputs - loaded_through) << " replayed entries\n";
  const StoreStats stats = (*engine)->Stats();
  const v1::Playbook playbook = (*engine)->GetPlaybook();
  out << "clock " << TimeText((*engine)->now()) << "; " << stats.customers << " customers, " << stats.accounts
      << " accounts, " << stats.deals << " deals, " << stats.events << " events\n";
  out << "playbook" << (playbook.version().empty() ? "" : absl::StrCat(" (", playbook.version(), ")")) << ": "
      << PlaybookCounts(playbook) << "\n\n";
  PrintAutomation(**engine, limit, out);
  return 0;
}

// ------------------------------------------------------------------ outbox

int RunOutbox(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit outbox FILE [--limit N]\n"
      "       saleskit outbox FILE --ack ID [--ack ID ...]\n"
      "       saleskit outbox FILE --nack ID [--error TEXT]\n"
      "  The outbox of the state file FILE (docs/automation.md#outbox), for a host that delivers\n"
      "  from a shell. Without --ack or --nack: prints the entries due at the file's clock, at\n"
      "  most --limit (all by default) and one per customer, as a JSON array (as the C API's\n"
      "  saleskit_outbox_poll). --ack: the entries were delivered, all or none, in one write.\n"
      "  --nack: delivering the entry failed with TEXT; it is retried after a backoff.\n";
  int exit_code = 0;
  std::optional<Args> args =
      ParseCommand(raw, {"limit", "ack", "nack", "error"}, {}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  if (args->positional.size() != 1) {
    return Usage(err, absl::InvalidArgumentError("expected one state FILE"), kUsage);
  }
  const std::vector<std::string> acks = args->GetAll("ack");
  const std::vector<std::string> nacks = args->GetAll("nack");
  if (!acks.empty() && !nacks.empty()) {
    return Usage(err, absl::InvalidArgumentError("--ack and --nack go in separate calls"), kUsage);
  }
  if (nacks.size() > 1) return Usage(err, absl::InvalidArgumentError("one --nack per call"), kUsage);
  if (args->Get("error") && nacks.empty()) {
    return Usage(err, absl::InvalidArgumentError("--error goes with --nack"), kUsage);
  }
  size_t limit = SIZE_MAX;
  if (auto v = args->Get("limit"); v && (!absl::SimpleAtoi(*v, &limit) || limit == 0)) {
    return Usage(err, absl::InvalidArgumentError(absl::StrCat("--limit: expected a positive whole number, got \"", *v,
                                                              "\"")),
                 kUsage);
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = OpenExisting(args->positional[0]);
  if (!engine.ok()) {
    err << "saleskit: " << engine.status().message() << "\n";
    return 1;
  }
  absl::Status st;
  if (!acks.empty()) {
    st = (*engine)->AckOutbox(absl::MakeConstSpan(acks));
    if (st.ok()) out << "acked " << acks.size() << (acks.size() == 1 ? " entry\n" : " entries\n");
  } else if (!nacks.empty()) {
    st = (*engine)->NackOutbox(nacks[0], args->Get("error").value_or(""));
    if (st.ok()) out << "nacked " << nacks[0] << "\n";
  } else {
    out << internal::OutboxEntriesJson((*engine)->PollOutbox(limit)) << "\n";
  }
  if (!st.ok()) {
    err << "saleskit: " << st.message() << "\n";
    return 1;
  }
  return 0;
}

// ------------------------------------------------------------------ tasks

int RunTasks(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit tasks FILE [--after SEQ] [--limit N]\n"
      "       saleskit tasks FILE --trim SEQ\n"
      "  The tasks the rules of the state file FILE created (docs/automation.md#tasks). Without\n"
      "  --trim: prints the tasks with seq > SEQ (0 by default), oldest first, at most --limit\n"
      "  (all by default), as a JSON array (as the C API's saleskit_tasks_since). --trim: forgets\n"
      "  the tasks with seq <= SEQ, once the host has handed them to its CRM.\n";
  int exit_code = 0;
  std::optional<Args> args = ParseCommand(raw, {"after", "limit", "trim"}, {}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  if (args->positional.size() != 1) {
    return Usage(err, absl::InvalidArgumentError("expected one state FILE"), kUsage);
  }
  const std::optional<std::string> trim = args->Get("trim");
  if (trim && (args->Get("after") || args->Get("limit"))) {
    return Usage(err, absl::InvalidArgumentError("--trim goes without --after and --limit"), kUsage);
  }
  uint64_t after = 0, limit = UINT64_MAX, through = 0;
  for (const auto& [flag, value] :
       {std::pair{"after", &after}, std::pair{"limit", &limit}, std::pair{"trim", &through}}) {
    const std::optional<std::string> v = args->Get(flag);
    if (v && (!absl::SimpleAtoi(*v, value) || (value == &limit && limit == 0))) {
      const char* kind = value == &limit ? "positive" : "non-negative";
      return Usage(err,
                   absl::InvalidArgumentError(
                       absl::StrCat("--", flag, ": expected a ", kind, " whole number, got \"", *v, "\"")),
                   kUsage);
    }
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = OpenExisting(args->positional[0]);
  if (!engine.ok()) {
    err << "saleskit: " << engine.status().message() << "\n";
    return 1;
  }
  if (trim) {
    (*engine)->TrimTasks(through);
    if (absl::Status st = (*engine)->Flush(); !st.ok()) {
      err << "saleskit: " << st.message() << "\n";
      return 1;
    }
    out << "trimmed the tasks through seq " << through << "; newest task seq " << (*engine)->LastTask() << "\n";
    return 0;
  }
  out << internal::TasksJson((*engine)->TasksSince(after, static_cast<size_t>(limit))) << "\n";
  return 0;
}

// ------------------------------------------------------------------ erase

int RunErase(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit erase FILE ID [ID ...]\n"
      "  Erases the customers ID... from the state file FILE (docs/state.md#erasure): every\n"
      "  record, event, score, audit record, outbox entry and task of theirs, all or none, then one\n"
      "  checkpoint that deletes the journal and the older checkpoint, so no byte of them stays\n"
      "  in the file. An unknown or repeated id is an error naming it, and nothing is erased.\n";
  int exit_code = 0;
  std::optional<Args> args = ParseCommand(raw, {}, {}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  if (args->positional.size() < 2) {
    return Usage(err, absl::InvalidArgumentError("expected a state FILE and at least one customer ID"), kUsage);
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = OpenExisting(args->positional[0]);
  if (!engine.ok()) {
    err << "saleskit: " << engine.status().message() << "\n";
    return 1;
  }
  const absl::Span<const std::string> ids = absl::MakeConstSpan(args->positional).subspan(1);
  if (absl::Status st = (*engine)->EraseCustomers(ids); !st.ok()) {
    err << "saleskit: " << st.message() << "\n";
    return 1;
  }
  out << "erased " << ids.size() << (ids.size() == 1 ? " customer" : " customers") << "; checkpoint through "
      << (*engine)->CheckpointSeq() << "\n";
  return 0;
}

}  // namespace saleskit::cli
