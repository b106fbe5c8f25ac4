#include "cli/commands.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>

#include <google/protobuf/text_format.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cli/args.h"
#include "cli/gen.h"
#include "cli/run.h"
#include "saleskit/cel/json.h"
#include "saleskit/engine.h"
#include "saleskit/io/csv.h"
#include "saleskit/status_macros.h"

namespace saleskit::cli {
namespace {

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The record kind of a file: --kind, else a word of its name ("events",
// "crm-deals.csv"), else its CSV header.
absl::StatusOr<RecordKind> KindOf(const std::string& path, absl::string_view data, Format format,
                                  const std::optional<std::string>& forced) {
  if (forced) return ParseRecordKind(*forced);
  std::string stem = absl::AsciiStrToLower(BaseName(path));
  stem = stem.substr(0, stem.find('.'));
  std::optional<RecordKind> by_name;
  bool ambiguous = false;
  for (absl::string_view word : absl::StrSplit(stem, absl::ByAnyChar("_- "))) {
    std::optional<RecordKind> kind;
    if (word == "events" || word == "event") kind = RecordKind::kEvents;
    if (word == "deals" || word == "deal") kind = RecordKind::kDeals;
    if (word == "accounts" || word == "account" || word == "companies") kind = RecordKind::kAccounts;
    if (word == "customers" || word == "customer" || word == "contacts" || word == "contact" || word == "leads" ||
        word == "people") {
      kind = RecordKind::kCustomers;
    }
    if (kind && by_name && *kind != *by_name) ambiguous = true;
    if (kind) by_name = kind;
  }
  if (by_name && !ambiguous) return *by_name;
  if (format == Format::kCsv) {
    auto reader = CsvReader::Open(data);
    if (reader.ok()) {
      const auto& h = reader->header();
      auto has = [&](absl::string_view c) { return std::find(h.begin(), h.end(), c) != h.end(); };
      if (has("occurred_at")) return RecordKind::kEvents;
      if (has("close_date") || has("stage")) return RecordKind::kDeals;
      if (has("domain")) return RecordKind::kAccounts;
      return RecordKind::kCustomers;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "cannot tell what \"", path, "\" holds from its name: use --kind customers|events|accounts|deals"));
}


// ------------------------------------------------------------------ import

constexpr char kImportUsage[] =
    "usage: saleskit import [--kind K] [--format F] [--schema FILE] [--create-unknown]\n"
    "                       [--skip-invalid] [--max-errors N] [--ignore-unknown-fields] FILE...\n"
    "  Loads the files in the order accounts, customers, deals, events. Events for unknown\n"
    "  customers are counted and skipped unless --create-unknown. A file with an invalid\n"
    "  record is rejected whole unless --skip-invalid; up to --max-errors (10) rejected\n"
    "  records are listed per file.\n";

const std::vector<std::string> kImportValues = {"kind", "schema", "format", "max-errors"};
const std::vector<std::string> kImportSwitches = {"create-unknown", "skip-invalid", "ignore-unknown-fields", "help"};

// Loads every file of `args` into `engine`, writing one line per file.
ImportTotals ImportFiles(Engine& engine, const Args& args, std::ostream& out, std::ostream& err) {
  ImportTotals totals;
  LoadOptions load;
  load.on_invalid = args.Has("skip-invalid") ? OnInvalid::kSkipRecord : OnInvalid::kRejectBatch;
  load.unknown_customer = args.Has("create-unknown") ? UnknownCustomer::kCreate : UnknownCustomer::kSkip;
  ReadOptions read;
  read.ignore_unknown_fields = args.Has("ignore-unknown-fields");
  int max_errors = 10;
  if (auto m = args.Get("max-errors"); m && (!absl::SimpleAtoi(*m, &max_errors) || max_errors < 0)) {
    err << "saleskit: --max-errors: expected a whole number >= 0, got \"" << *m << "\"\n";
    totals.failed = true;
    totals.usage = true;
    return totals;
  }
  if (auto schema_path = args.Get("schema")) {
    auto text = ReadFile(*schema_path);
    auto schema = text.ok() ? ParseCsvSchema(*text) : text.status();
    if (!schema.ok()) {
      err << "saleskit: " << *schema_path << ": " << schema.status().message() << "\n";
      totals.failed = true;
      return totals;
    }
    read.attr_types = *schema;
  }
  struct File {
    std::string path;
    std::string data;
    Format format;
    RecordKind kind;
  };
  std::vector<File> files;
  for (const std::string& path : args.positional) {
    auto data = ReadFile(path);
    absl::StatusOr<Format> format = args.Get("format") ? ParseFormat(*args.Get("format")) : FormatFromPath(path);
    absl::StatusOr<RecordKind> kind = absl::UnknownError("");
    if (data.ok() && format.ok()) kind = KindOf(path, *data, *format, args.Get("kind"));
    const absl::Status s = !data.ok() ? data.status() : !format.ok() ? format.status() : kind.status();
    if (!s.ok()) {
      err << "saleskit: " << path << ": " << s.message() << "\n";
      totals.failed = true;
      continue;
    }
    files.push_back({path, *std::move(data), *format, *kind});
  }
  std::stable_sort(files.begin(), files.end(), [](const File& a, const File& b) {
    auto rank = [](RecordKind k) {
      return k == RecordKind::kAccounts ? 0 : k == RecordKind::kCustomers ? 1 : k == RecordKind::kDeals ? 2 : 3;
    };
    return rank(a.kind) < rank(b.kind);
  });
  for (const File& f : files) {
    auto report = engine.Load(f.kind, f.data, f.format, load, read);
    if (!report.ok()) {
      err << "saleskit: " << f.path << ": " << report.status().message() << "\n";
      totals.failed = true;
      continue;
    }
    out << absl::StrFormat("%s: %s: %d received, %d inserted, %d updated", f.path, RecordKindName(f.kind),
                           report->received, report->inserted, report->updated);
    if (f.kind == RecordKind::kEvents) {
      out << absl::StrFormat(", %d duplicates, %d for unknown customers %s", report->duplicates,
                             report->skipped_unknown_customer + report->created_customers,
                             load.unknown_customer == UnknownCustomer::kCreate ? "(created)" : "(skipped)");
    }
    out << absl::StrFormat(", %d rejected\n", report->rejected.size());
    for (size_t i = 0; i < report->rejected.size() && static_cast<int>(i) < max_errors; ++i) {
      out << "  rejected " << report->rejected[i].ToString() << "\n";
    }
    if (report->rejected.size() > static_cast<size_t>(max_errors)) {
      out << "  ... and " << report->rejected.size() - max_errors << " more rejected\n";
    }
  }
  return totals;
}

}  // namespace

ImportTotals LoadKindFiles(Engine& engine, const Args& args, std::ostream& err) {
  ImportTotals all;
  for (const char* kind : {"accounts", "customers", "events"}) {
    auto path = args.Get(kind);
    if (!path) continue;
    Args file = args;
    file.values["kind"] = kind;
    file.values.erase("format");  // a command's own --format is its output's
    file.positional = {*path};
    std::ostringstream import_log;
    const ImportTotals totals = ImportFiles(engine, file, import_log, err);
    all.usage |= totals.usage;
    all.failed |= totals.failed;
    if (totals.usage) break;
  }
  return all;
}

void AdvanceToLatestEvent(Engine& engine) {
  const std::optional<Micros> latest = engine.Read().store().latest_event_time();
  if (latest && ToTime(*latest) > engine.now()) (void)engine.AdvanceTo(ToTime(*latest));
}

namespace {

// --now TIME, or the latest event time of the input (the epoch without events).
absl::StatusOr<Micros> NowOf(const Args& args, const Engine& engine) {
  if (auto now = args.Get("now")) return ParseTimestamp(*now);
  return engine.Read().store().latest_event_time().value_or(0);
}

void PrintStats(const Engine& engine, Micros now, std::ostream& out) {
  auto snap = engine.Read();
  const CustomerStore& store = snap.store();
  const StoreStats s = store.Stats();
  out << absl::StrFormat("customers          %d\n", s.customers);
  out << absl::StrFormat("accounts           %d\n", s.accounts);
  out << absl::StrFormat("deals              %d\n", s.deals);
  out << absl::StrFormat("events             %d (%d types)\n", s.events, s.event_types);
  out << absl::StrFormat("custom attributes  %d\n", s.custom_attributes);
  out << absl::StrFormat("memory             %.1f MiB columns, %.1f MiB dictionaries (%.0f bytes/customer in columns)\n",
                         s.column_bytes / 1048576.0, s.dictionary_bytes / 1048576.0,
                         s.customers ? static_cast<double>(s.column_bytes) / s.customers : 0.0);
  // Lifecycle funnel, deals by status, and activity relative to --now.
  static constexpr absl::string_view kStages[] = {"(none)", "subscriber", "lead", "marketing_qualified",
                                                  "sales_qualified", "opportunity", "customer", "evangelist", "other"};
  int64_t by_stage[9] = {};
  int64_t active7 = 0, active30 = 0;
  std::map<std::string, int64_t> by_type;
  constexpr Micros kDay = 86400LL * 1000000;
  for (uint32_t row = 0; row < store.row_capacity(); ++row) {
    if (!store.live().Get(row)) continue;
    ++by_stage[store.lifecycle_stage()[row]];
    Micros last = INT64_MIN;
    for (const auto& [type, e] : store.EventSummaries(row)) {
      by_type[type] += e.count;
      last = std::max(last, e.last);
    }
    if (last != INT64_MIN && last <= now && now - last < 7 * kDay) ++active7;
    if (last != INT64_MIN && last <= now && now - last < 30 * kDay) ++active30;
  }
  out << "lifecycle stages\n";
  for (int i = 1; i < 9; ++i) {
    if (by_stage[i] > 0) out << absl::StrFormat("  %-20s %d\n", kStages[i], by_stage[i]);
  }
  if (by_stage[0] > 0) out << absl::StrFormat("  %-20s %d\n", kStages[0], by_stage[0]);
  if (!by_type.empty()) {
    out << "events by type\n";
    for (const auto& [type, n] : by_type) out << absl::StrFormat("  %-20s %d\n", type, n);
  }
  int64_t won = 0, lost = 0, open = 0;
  double won_amount = 0;
  for (const auto& [id, d] : store.deals()) {
    if (d.status() == v1::Deal::WON) {
      ++won;
      won_amount += d.amount();
    } else if (d.status() == v1::Deal::LOST) {
      ++lost;
    } else {
      ++open;
    }
  }
  if (!store.deals().empty()) {
    out << absl::StrFormat("deals              %d won (%.2f), %d lost, %d open\n", won, won_amount, lost, open);
  }
  out << absl::StrFormat("now                %s\n", FormatTimestamp(now));
  out << absl::StrFormat("active customers   %d in the last 7 days, %d in the last 30 days\n", active7, active30);
}


// What a loading command (import, stats, show) has after parsing its
// arguments and loading its files into a fresh engine.
struct Loaded {
  std::optional<int> exit_code;  // set: stop now with this code (help, usage error)
  Args args;
  std::vector<std::string> leading;  // positionals before the files (show's ID)
  std::unique_ptr<Engine> engine;
  bool failed = false;  // a file could not be read or was rejected
};

Loaded ParseAndLoad(const std::vector<std::string>& raw, bool takes_now, size_t leading, const char* usage,
                    std::ostream& import_log, std::ostream& out, std::ostream& err) {
  Loaded loaded;
  std::vector<std::string> values = kImportValues;
  if (takes_now) values.push_back("now");
  auto args = ParseArgs(raw, values, kImportSwitches);
  if (!args.ok()) {
    loaded.exit_code = Usage(err, args.status(), usage);
    return loaded;
  }
  if (args->Has("help")) {
    out << usage;
    loaded.exit_code = 0;
    return loaded;
  }
  if (args->positional.size() <= leading) {
    loaded.exit_code = Usage(err, absl::InvalidArgumentError(leading ? "expected a customer id and files" : "no files given"), usage);
    return loaded;
  }
  loaded.leading.assign(args->positional.begin(), args->positional.begin() + leading);
  args->positional.erase(args->positional.begin(), args->positional.begin() + leading);
  loaded.args = *std::move(args);
  loaded.engine = *Engine::Create();
  const ImportTotals totals = ImportFiles(*loaded.engine, loaded.args, import_log, err);
  if (totals.usage) loaded.exit_code = 2;
  loaded.failed = totals.failed;
  return loaded;
}

}  // namespace

int RunImport(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  Loaded loaded = ParseAndLoad(raw, /*takes_now=*/false, /*leading=*/0, kImportUsage, out, out, err);
  if (loaded.exit_code) return *loaded.exit_code;
  const StoreStats stats = loaded.engine->Stats();
  out << absl::StrFormat("total: %d customers, %d accounts, %d deals, %d events\n", stats.customers, stats.accounts,
                         stats.deals, stats.events);
  return loaded.failed ? 1 : 0;
}

int RunStats(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit stats [--now TIME] [import options] FILE...\n"
      "  Loads the files like 'import' and describes the store. Activity is counted\n"
      "  relative to --now (default: the latest event time in the input).\n";
  std::ostringstream import_log;
  Loaded loaded = ParseAndLoad(raw, /*takes_now=*/true, /*leading=*/0, kUsage, import_log, out, err);
  if (loaded.exit_code) return *loaded.exit_code;
  auto now = NowOf(loaded.args, *loaded.engine);
  if (!now.ok()) return Usage(err, now.status(), kUsage);
  PrintStats(*loaded.engine, *now, out);
  return loaded.failed ? 1 : 0;
}

int RunShow(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit show [import options] ID FILE...\n"
      "  Loads the files like 'import' and prints customer ID as JSON, then what the\n"
      "  store keeps of their events (count, sum, first, last per type).\n";
  std::ostringstream import_log;
  Loaded loaded = ParseAndLoad(raw, /*takes_now=*/false, /*leading=*/1, kUsage, import_log, out, err);
  if (loaded.exit_code) return *loaded.exit_code;
  const std::string& id = loaded.leading.front();
  auto customer = loaded.engine->GetCustomer(id);
  if (!customer.ok()) {
    err << "saleskit: " << customer.status().message() << "\n";
    return 1;
  }
  out << ToJson(*customer) << "\n" << ToJson(*loaded.engine->GetActivity(id)) << "\n";
  return loaded.failed ? 1 : 0;
}

int RunGen(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit gen [--customers N] [--days D] [--start DATE] [--seed S] --out DIR\n"
      "  Writes DIR/accounts.csv, customers.csv, deals.csv and events.csv: a deterministic\n"
      "  synthetic B2B CRM (defaults: 1000 customers, 90 days from 2026-01-01, seed 42).\n";
  int exit_code = 0;
  std::optional<Args> args =
      ParseCommand(raw, {"customers", "days", "start", "seed", "out"}, {}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  GenOptions options;
  auto int_flag = [&](const char* name, auto* target) -> absl::Status {
    if (auto v = args->Get(name)) {
      if (!absl::SimpleAtoi(*v, target)) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, ": expected a whole number, got \"", *v, "\""));
      }
    }
    return absl::OkStatus();
  };
  absl::Status s = int_flag("customers", &options.customers);
  if (s.ok()) s = int_flag("days", &options.days);
  if (s.ok()) s = int_flag("seed", &options.seed);
  if (!s.ok()) return Usage(err, s, kUsage);
  if (auto start = args->Get("start")) options.start = *start;
  auto dir = args->Get("out");
  if (!dir) return Usage(err, absl::InvalidArgumentError("--out DIR is required"), kUsage);
  s = Generate(options, *dir);
  if (!s.ok()) {
    err << "saleskit: " << s.message() << "\n";
    return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  out << absl::StrFormat("wrote %s/accounts.csv, customers.csv, deals.csv, events.csv (%d customers, %d days from %s)\n",
                         *dir, options.customers, options.days, options.start);
  return 0;
}

int RunDemo(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit demo [--customers N] [--days D] [--seed S] [--now TIME]\n"
      "  Generates a synthetic CRM in memory (defaults: 2000 customers, 90 days, seed 42),\n"
      "  loads the example playbook (examples/playbooks/inbound.yaml, embedded in the binary)\n"
      "  and replays the CRM through it in time order as 'saleskit run' does, up to --now\n"
      "  (default: the latest event time). Prints the segments, the top leads and why, and\n"
      "  what each rule did: actions, skip reasons, the first outbox entries, tasks.\n";
  int exit_code = 0;
  std::optional<Args> args =
      ParseCommand(raw, {"customers", "days", "seed", "now"}, {}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  GenOptions options;
  options.customers = 2000;
  if (auto v = args->Get("customers"); v && !absl::SimpleAtoi(*v, &options.customers)) {
    return Usage(err, absl::InvalidArgumentError("--customers: expected a whole number"), kUsage);
  }
  if (auto v = args->Get("days"); v && !absl::SimpleAtoi(*v, &options.days)) {
    return Usage(err, absl::InvalidArgumentError("--days: expected a whole number"), kUsage);
  }
  if (auto v = args->Get("seed"); v && !absl::SimpleAtoi(*v, &options.seed)) {
    return Usage(err, absl::InvalidArgumentError("--seed: expected a whole number"), kUsage);
  }
  auto files = GenerateInMemory(options);
  if (!files.ok()) {
    err << "saleskit: " << files.status().message() << "\n";
    return 2;
  }
  std::vector<DataFile> data;
  for (const auto& [name, kind] : {std::pair<const char*, RecordKind>{"accounts.csv", RecordKind::kAccounts},
                                   {"customers.csv", RecordKind::kCustomers},
                                   {"deals.csv", RecordKind::kDeals},
                                   {"events.csv", RecordKind::kEvents}}) {
    data.push_back({name, std::move(files->at(name)), Format::kCsv, kind});
  }
  std::optional<absl::Time> until;
  if (auto v = args->Get("now")) {
    auto t = ParseTimestamp(*v);
    if (!t.ok()) return Usage(err, absl::InvalidArgumentError(absl::StrCat("--now: ", t.status().message())), kUsage);
    until = ToTime(*t);
  }
  absl::StatusOr<std::optional<absl::Time>> start = FirstEventHour(data);
  if (!start.ok()) {
    err << "saleskit: demo data: " << start.status().message() << "\n";
    return 1;
  }
  EngineOptions engine_options;
  if (*start) engine_options.start = **start;
  auto engine = *Engine::Create(engine_options);
  // The playbook first: its segments, scores and rules then see every record and event.
  absl::StatusOr<v1::Playbook> playbook = LoadPlaybook(*engine, kInboundPlaybookName, kInboundPlaybook);
  if (!playbook.ok()) {
    err << "saleskit: demo playbook: " << playbook.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<ReplaySummary> replay = Replay(*engine, data, until);
  if (!replay.ok()) {
    err << "saleskit: demo: " << replay.status().message() << "\n";
    return 1;
  }
  out << absl::StrFormat("saleskit demo: a synthetic B2B CRM, %d customers over %d days from %s (seed %d),\n",
                         options.customers, options.days, options.start, options.seed);
  out << absl::StrFormat("run through the example playbook %s (version %s):\n%s\n\n", kInboundPlaybookName,
                         playbook->version(), PlaybookCounts(*playbook));
  out << absl::StrFormat("loaded %d accounts, %d customers and %d deals, then replayed %d events in time order,\n",
                         replay->accounts, replay->customers, replay->deals, replay->events);
  out << absl::StrFormat("hour by hour (%d duplicate deliveries recognised by id); clock %s -> %s\n",
                         replay->duplicates, FormatTimestamp(ToMicros(replay->start)),
                         FormatTimestamp(ToMicros(replay->end)));
  {
    const Engine::Snapshot snap = engine->Read();
    const CustomerStore& store = snap.store();
    std::map<int, int64_t> by_stage;
    for (uint32_t row = 0; row < store.row_capacity(); ++row) {
      if (store.live().Get(row)) ++by_stage[store.lifecycle_stage()[row]];
    }
    std::string stages;
    for (const auto& [stage, n] : by_stage) {
      const std::string name = LifecycleStageName(static_cast<v1::LifecycleStage>(stage));
      absl::StrAppend(&stages, stages.empty() ? "" : ", ", name.empty() ? "(none)" : name, " ", n);
    }
    out << "lifecycle stages now: " << stages << "\n";
  }
  out << "\nsegments (live: kept current as events arrived and the clock moved)\n";
  std::map<std::string, std::pair<int64_t, int64_t>> moves;
  for (const SegmentChange& c : engine->SegmentChangesSince(0)) {
    (c.kind == SegmentChange::Kind::kEnter ? moves[c.segment].first : moves[c.segment].second) += 1;
  }
  for (const v1::SegmentDef& def : engine->Segments()) {
    out << absl::StrFormat("  %-14s %5d members  (%d entered, %d left)\n", def.name(),
                           *engine->SegmentCount(def.name()), moves[def.name()].first, moves[def.name()].second);
  }
  // Top leads: the open leads with the highest engagement, and why.
  out << "\ntop leads by engagement (points, 14-day half-life; 50 = mql, 80 = sql)\n";
  std::vector<std::pair<double, std::string>> top;
  {
    const Engine::Snapshot snap = engine->Read();
    const CustomerStore& store = snap.store();
    for (uint32_t row = 0; row < store.row_capacity(); ++row) {
      if (!store.live().Get(row)) continue;
      const auto stage = static_cast<v1::LifecycleStage>(store.lifecycle_stage()[row]);
      if (stage >= v1::LIFECYCLE_STAGE_OPPORTUNITY) continue;
      top.emplace_back(-snap.scores().Get("engagement", row, snap.now())->value, std::string(store.IdOf(row)));
    }
  }
  std::sort(top.begin(), top.end());
  for (size_t i = 0; i < std::min<size_t>(3, top.size()); ++i) {
    const ScoreExplanation x = *engine->ExplainScore("engagement", top[i].second);
    const ScoreValue fit = *engine->GetScore("fit", top[i].second);
    std::string reasons;
    for (const ScoreExplanation::Rule& r : x.rules) {
      if (r.points != 0) absl::StrAppendFormat(&reasons, "%s%s %+.1f", reasons.empty() ? "" : ", ", r.rule, r.points);
    }
    const v1::Customer c = *engine->GetCustomer(top[i].second);
    out << absl::StrFormat("  %s %5.1f  fit %3.0f %-1s  %-19s owner %-4s %s\n", top[i].second, x.value, fit.value,
                           fit.grade, LifecycleStageName(c.lifecycle_stage()),
                           c.has_owner_id() ? c.owner_id() : "-", reasons);
  }
  out << "\n";
  PrintAutomation(*engine, 5, out);
  out << "\nNext: 'saleskit gen --out DIR' writes this CRM as CSV; 'saleskit run --playbook\n"
         "examples/playbooks/inbound.yaml --data DIR' replays it; 'saleskit playbook check FILE' checks yours.\n";
  return 0;
}

int RunEval(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit eval [--customers FILE] [--accounts FILE] [--events FILE] [--customer ID]\n"
      "                     [--now TIME] [--json] [--schema FILE] [--create-unknown] [--skip-invalid]\n"
      "                     [--ignore-unknown-fields] EXPR\n"
      "  Compiles the CEL expression EXPR about customers (docs/cel.md), loads the files and\n"
      "  sets the clock to --now (default: the latest event time, else the Unix epoch). Then\n"
      "  with --customer ID prints that customer's value; otherwise prints the ids a condition\n"
      "  matches, one per line (their count on stderr), or ID<TAB>value for every customer when\n"
      "  EXPR is not bool. --json prints values as {\"type\",\"value\"} or {\"error\"} JSON.\n";
  int exit_code = 0;
  std::optional<Args> args = ParseCommand(raw, {"customers", "accounts", "events", "customer", "now", "schema"},
                                          {"create-unknown", "skip-invalid", "ignore-unknown-fields", "json"}, kUsage,
                                          out, err, &exit_code);
  if (!args) return exit_code;
  if (args->positional.size() != 1) {
    return Usage(err,
                 absl::InvalidArgumentError(args->positional.empty()
                                                ? "no expression given"
                                                : "expected one expression (quote it), got several arguments"),
                 kUsage);
  }
  const std::string& source = args->positional.front();
  EngineOptions options;
  if (auto now = args->Get("now")) {
    auto t = ParseTimestamp(*now);
    if (!t.ok()) return Usage(err, absl::InvalidArgumentError(absl::StrCat("--now: ", t.status().message())), kUsage);
    options.start = absl::FromUnixMicros(*t);
  }
  auto engine = *Engine::Create(options);
  // Before loading: the store keeps the expression's event windows only from now on.
  auto expression = engine->Compile(source, /*condition=*/false);
  if (!expression.ok()) {
    err << "saleskit: " << expression.status().message() << "\n";
    return 1;
  }
  const ImportTotals loaded = LoadKindFiles(*engine, *args, err);
  if (loaded.usage) return 2;
  const bool failed = loaded.failed;
  if (!args->Get("now")) AdvanceToLatestEvent(*engine);
  const bool json = args->Has("json");
  auto render = [&](const cel::Value& v) { return json ? cel::ResultToJson(v) : v.DebugString(); };

  if (auto id = args->Get("customer")) {
    auto value = engine->Evaluate(**expression, *id);
    if (!value.ok()) {
      err << "saleskit: " << value.status().message() << "\n";
      return 1;
    }
    out << render(*value) << "\n";
    return failed ? 1 : 0;
  }
  if ((*expression)->is_condition()) {
    auto ids = engine->Match(**expression);
    if (!ids.ok()) {
      err << "saleskit: " << ids.status().message() << "\n";
      return 1;
    }
    for (const std::string& id : *ids) out << id << "\n";
    err << absl::StrFormat("%d of %d customers match\n", ids->size(), engine->customer_count());
    return failed ? 1 : 0;
  }
  std::vector<std::string> ids;
  {
    auto snap = engine->Read();
    ids = snap.store().SortedIds(snap.store().live());
  }
  for (const std::string& id : ids) {
    auto value = engine->Evaluate(**expression, id);
    if (!value.ok()) {
      err << "saleskit: " << value.status().message() << "\n";
      return 1;
    }
    out << id << "\t" << render(*value) << "\n";
  }
  return failed ? 1 : 0;
}

int RunSegment(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: saleskit segment --customers FILE [--accounts FILE] [--events FILE] --expr CEL\n"
      "                        [--event-kind NAME=CEL ...] [--now TIME] [--format ids|count|changes]\n"
      "                        [--explain ID] [--create-unknown] [--skip-invalid]\n"
      "  Defines the segment CEL (a condition about customers, docs/segments.md), loads the files,\n"
      "  moves the clock to --now (default: the latest event time) and prints its members:\n"
      "  ids   one member id per line, sorted (default); their count on stderr\n"
      "  count the number of members\n"
      "  changes  every enter/exit record as CSV seq,at,kind,customer_id at the engine clock:\n"
      "        without --now the clock starts at the Unix epoch and moves to the latest event\n"
      "        time after loading, so time-driven enters and exits show at their own instants\n"
      "  --explain ID prints the value of each clause of the condition for customer ID instead.\n"
      "  --event-kind NAME=CEL derives an event kind from each event's type and properties.\n";
  int exit_code = 0;
  const std::optional<Args> args =
      ParseFlags(raw, {"customers", "accounts", "events", "expr", "event-kind", "now", "format", "explain"},
                 {"create-unknown", "skip-invalid"}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  auto expr = args->Get("expr");
  if (!expr) return Usage(err, absl::InvalidArgumentError("--expr is required"), kUsage);
  if (!args->Get("customers")) return Usage(err, absl::InvalidArgumentError("--customers is required"), kUsage);
  const std::string format = args->Get("format").value_or("ids");
  if (format != "ids" && format != "count" && format != "changes") {
    return Usage(err, absl::InvalidArgumentError("--format: expected ids, count or changes, not \"" + format + "\""),
                 kUsage);
  }
  std::optional<absl::Time> now;
  if (auto v = args->Get("now")) {
    auto t = ParseTimestamp(*v);
    if (!t.ok()) return Usage(err, absl::InvalidArgumentError(absl::StrCat("--now: ", t.status().message())), kUsage);
    now = absl::FromUnixMicros(*t);
  }
  std::vector<v1::EventKindDef> kinds;
  for (const std::string& spec : args->GetAll("event-kind")) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      return Usage(err, absl::InvalidArgumentError("--event-kind: expected NAME=CEL, not \"" + spec + "\""), kUsage);
    }
    kinds.emplace_back();
    kinds.back().set_name(spec.substr(0, eq));
    kinds.back().set_condition(spec.substr(eq + 1));
  }
  EngineOptions options;
  if (now) options.start = *now;
  auto engine = *Engine::Create(options);
  if (absl::Status s = engine->DefineEventKinds(kinds); !s.ok()) {
    err << "saleskit: " << s.message() << "\n";
    return 1;
  }
  if (absl::Status s = engine->DefineSegment("segment", *expr); !s.ok()) {
    err << "saleskit: " << s.message() << "\n";
    return 1;
  }
  const ImportTotals loaded = LoadKindFiles(*engine, *args, err);
  if (loaded.usage) return 2;
  const bool failed = loaded.failed;
  if (!now) AdvanceToLatestEvent(*engine);
  if (auto id = args->Get("explain")) {
    auto x = engine->ExplainSegment("segment", *id);
    if (!x.ok()) {
      err << "saleskit: " << x.status().message() << "\n";
      return 1;
    }
    out << (x->member ? "member" : "not a member") << " at " << absl::FormatTime(engine->now(), absl::UTCTimeZone())
        << "\n";
    for (const ClauseValue& c : x->clauses) {
      out << std::string(2 * static_cast<size_t>(c.depth + 1), ' ') << c.text << "  =>  "
          << (c.value.is_error() ? absl::StrCat("error: ", c.value.error_value().message()) : c.value.DebugString()) << "\n";
    }
    return failed ? 1 : 0;
  }
  if (format == "changes") {
    out << "seq,at,kind,customer_id\n";
    for (const SegmentChange& c : engine->SegmentChangesSince(0)) {
      std::string line = absl::StrCat(c.seq, ",", FormatTimestamp(ToMicros(c.at)), ",", SegmentChangeKindName(c.kind), ",");
      AppendCsvCell(c.customer_id, &line);
      out << line << "\n";
    }
    return failed ? 1 : 0;
  }
  auto members = engine->SegmentMembers("segment");
  if (!members.ok()) {
    err << "saleskit: " << members.status().message() << "\n";
    return 1;
  }
  if (format == "count") {
    out << members->size() << "\n";
  } else {
    for (const std::string& id : *members) out << id << "\n";
    err << absl::StrFormat("%d of %d customers are members at %s\n", members->size(), engine->customer_count(),
                           absl::FormatTime(engine->now(), absl::UTCTimeZone()));
  }
  return failed ? 1 : 0;
}

}  // namespace saleskit::cli
