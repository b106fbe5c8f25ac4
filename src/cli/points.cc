#include "cli/points.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "google/protobuf/util/json_util.h"
#include "internal/json.h"
#include "internal/proto_time.h"
#include "saleskit/engine.h"
#include "saleskit/io/csv.h"
#include "saleskit/time.h"

namespace saleskit::cli {
namespace {

constexpr char kUsage[] =
    "usage: saleskit points --customers FILE [--accounts FILE] [--events FILE] --playbook FILE\n"
    "                       [--now TIME] [--format csv|json] [--explain ID] [--crossings]\n"
    "                       [--create-unknown] [--skip-invalid]\n"
    "  Defines the points scores of the playbook (a saleskit.v1.Playbook as JSON: its \"scores\",\n"
    "  and any event kinds and segments they read; docs/scores.md), loads the files, moves the\n"
    "  clock to --now (default: from the Unix epoch to the latest event time, so decay and\n"
    "  thresholds apply at their own instants) and prints every customer's scores, sorted by id:\n"
    "  csv   customer_id,SCORE,SCORE_grade,... one column pair per score (default)\n"
    "  json  one array of {\"customer_id\", SCORE: value, SCORE_grade: grade, ...}\n"
    "  --explain ID  the rules, events and decay behind each score of customer ID instead\n"
    "  --crossings   the threshold crossing log as CSV instead: seq,at,score,customer_id,\n"
    "                threshold,threshold_value,direction,value,promoted_to\n";

// Whole values as integers (100, not 1e+02), others shortest round-trip.
std::string Number(double v) {
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 1e15) return absl::StrCat(static_cast<int64_t>(v));
  std::string out;
  internal::AppendJsonNumber(v, &out);
  return out;
}

std::string When(absl::Time t) {
  return t == absl::InfiniteFuture() ? "never" : FormatTimestamp(ToMicros(t));
}

void PrintExplanation(const ScoreExplanation& x, std::ostream& out) {
  out << x.score << " = " << Number(x.value);
  if (!x.grade.empty()) out << " (grade " << x.grade << ")";
  if (x.unclamped != x.value) out << ", clamped from " << Number(x.unclamped);
  out << "\n";
  for (const ScoreExplanation::Rule& r : x.rules) {
    out << "  " << (r.is_event ? "event " : "condition ") << r.rule << "  =>  " << Number(r.points);
    if (!r.is_event) out << (r.holds ? " (holds)" : " (does not hold)");
    out << "\n";
    for (const ScoreExplanation::Event& e : r.events) {
      out << "    " << FormatTimestamp(ToMicros(e.at)) << "  " << Number(e.points) << " of " << Number(e.full_points);
      if (e.over_maximum) out << " (over the window maximum)";
      out << ", counts until " << When(e.expires) << "\n";
    }
  }
}

void PrintCrossings(const Engine& engine, std::ostream& out) {
  out << "seq,at,score,customer_id,threshold,threshold_value,direction,value,promoted_to\n";
  for (const v1::ScoreCrossing& c : engine.ScoreCrossingsSince(0)) {
    std::string line = absl::StrCat(c.seq(), ",", FormatTimestamp(internal::FromProto(c.at())), ",", c.score(), ",");
    AppendCsvCell(c.customer_id(), &line);
    line += ",";
    AppendCsvCell(c.threshold(), &line);
    absl::StrAppend(&line, ",", Number(c.threshold_value()), ",",
                    c.direction() == v1::ScoreCrossing::UP ? "up" : "down", ",", Number(c.value()), ",",
                    LifecycleStageName(c.promoted_to()));
    out << line << "\n";
  }
}

// Every customer's scores, sorted by id, from one snapshot.
void PrintScores(const Engine& engine, const std::vector<v1::ScoreDef>& scores, bool json, std::ostream& out) {
  const Engine::Snapshot snap = engine.Read();
  const CustomerStore& store = snap.store();
  const std::vector<std::pair<std::string, uint32_t>> rows = store.RowsById();
  if (json) {
    out << "[";
  } else {
    std::string header = "customer_id";
    for (const v1::ScoreDef& s : scores) absl::StrAppend(&header, ",", s.name(), ",", s.name(), "_grade");
    out << header << "\n";
  }
  bool first = true;
  for (const auto& [id, row] : rows) {
    std::string line;
    if (json) {
      line = first ? "{\"customer_id\":" : ",\n{\"customer_id\":";
      internal::AppendJsonString(id, &line);
    } else {
      AppendCsvCell(id, &line);
    }
    first = false;
    for (const v1::ScoreDef& s : scores) {
      const absl::StatusOr<ScoreValue> v = snap.scores().Get(s.name(), row, snap.now());
      const ScoreValue value = v.ok() ? *v : ScoreValue{};
      if (json) {
        line += ",";
        internal::AppendJsonString(s.name(), &line);
        absl::StrAppend(&line, ":", Number(value.value), ",");
        internal::AppendJsonString(s.name() + "_grade", &line);
        line += ":";
        internal::AppendJsonString(value.grade, &line);
      } else {
        absl::StrAppend(&line, ",", Number(value.value), ",");
        AppendCsvCell(value.grade, &line);
      }
    }
    out << line << (json ? "}" : "\n");
  }
  if (json) out << "]\n";
}

}  // namespace

int RunPoints(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  const std::optional<Args> args =
      ParseFlags(raw, {"customers", "accounts", "events", "playbook", "now", "format", "explain"},
                 {"crossings", "create-unknown", "skip-invalid"}, kUsage, out, err, &exit_code);
  if (!args) return exit_code;
  if (!args->Get("customers")) return Usage(err, absl::InvalidArgumentError("--customers is required"), kUsage);
  const std::optional<std::string> playbook_path = args->Get("playbook");
  if (!playbook_path) return Usage(err, absl::InvalidArgumentError("--playbook is required"), kUsage);
  const std::string format = args->Get("format").value_or("csv");
  if (format != "csv" && format != "json") {
    return Usage(err, absl::InvalidArgumentError("--format: expected csv or json, not \"" + format + "\""), kUsage);
  }
  if (args->Has("crossings") && args->Get("explain")) {
    return Usage(err, absl::InvalidArgumentError("--crossings and --explain are exclusive"), kUsage);
  }
  std::optional<absl::Time> now;
  if (auto v = args->Get("now")) {
    auto t = ParseTimestamp(*v);
    if (!t.ok()) return Usage(err, absl::InvalidArgumentError(absl::StrCat("--now: ", t.status().message())), kUsage);
    now = absl::FromUnixMicros(*t);
  }
  const absl::StatusOr<std::string> text = ReadFile(*playbook_path);
  if (!text.ok()) {
    err << "saleskit: " << text.status().message() << "\n";
    return 1;
  }
  v1::Playbook playbook;
  if (const auto parsed = google::protobuf::util::JsonStringToMessage(*text, &playbook); !parsed.ok()) {
    err << "saleskit: " << *playbook_path << ": " << std::string(parsed.message()) << "\n";
    return 1;
  }
  if (playbook.scores().empty()) {
    err << "saleskit: " << *playbook_path << " defines no scores\n";
    return 1;
  }
  EngineOptions options;
  if (now) options.start = *now;
  auto engine = *Engine::Create(options);
  // Before loading: event rules count the events ingested after the definition.
  if (absl::Status s = engine->DefinePlaybook(playbook); !s.ok()) {
    err << "saleskit: " << *playbook_path << ": " << s.message() << "\n";
    return 1;
  }
  const ImportTotals loaded = LoadKindFiles(*engine, *args, err);
  if (loaded.usage) return 2;
  const bool failed = loaded.failed;
  if (!now) AdvanceToLatestEvent(*engine);
  const std::vector<v1::ScoreDef> scores = engine->Scores();
  if (auto id = args->Get("explain")) {
    out << "customer " << *id << " at " << FormatTimestamp(ToMicros(engine->now())) << "\n";
    for (const v1::ScoreDef& s : scores) {
      auto x = engine->ExplainScore(s.name(), *id);
      if (!x.ok()) {
        err << "saleskit: " << x.status().message() << "\n";
        return 1;
      }
      PrintExplanation(*x, out);
    }
    return failed ? 1 : 0;
  }
  if (args->Has("crossings")) {
    PrintCrossings(*engine, out);
    return failed ? 1 : 0;
  }
  PrintScores(*engine, scores, format == "json", out);
  return failed ? 1 : 0;
}

}  // namespace saleskit::cli
