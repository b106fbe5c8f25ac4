#include "cli/cohort.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "saleskit/io/readers.h"
#include "saleskit/segment/cohort.h"

namespace saleskit::cli {
namespace {

constexpr char kCohortUsage[] =
    "usage: saleskit cohort --events FILE --period day|week|month|quarter --periods K\n"
    "                       --metric retention|conversion|revenue [--format csv|json]\n"
    "                       [--cohort-event TYPE] [--activity-event TYPE] [--convert-to TYPE]\n"
    "                       [--cumulative]\n"
    "  Groups customers by the UTC period of their first event (of --cohort-event TYPE) and\n"
    "  prints, per cohort, its size and K values for periods cohort+0..cohort+K-1:\n"
    "  retention  share of the cohort with an event (of --activity-event TYPE) in the period\n"
    "  conversion share that has had a --convert-to TYPE event by the end of the period\n"
    "  revenue    sum of event values (of --activity-event TYPE) in the period per customer\n"
    "             of the cohort; --cumulative sums periods 0..k\n"
    "  FILE is a CSV of events: customer_id,occurred_at,type,value[,id][,properties.NAME].\n"
    "  A cell whose period starts after the period of the last event is empty (JSON null).\n";

int Usage(std::ostream& err, const std::string& message) {
  err << "saleskit: " << message << "\n" << kCohortUsage;
  return 2;
}

}  // namespace

int RunCohort(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  static const char* const kWithValue[] = {"events",       "period",         "periods",   "metric", "format",
                                           "cohort-event", "activity-event", "convert-to"};
  std::map<std::string, std::string> values;
  bool cumulative = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!absl::StartsWith(a, "--")) return Usage(err, absl::StrCat("unexpected argument \"", a, "\""));
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "help" && !inline_value) {
      out << kCohortUsage;
      return 0;
    }
    if (name == "cumulative" && !inline_value) {
      cumulative = true;
      continue;
    }
    if (std::find(std::begin(kWithValue), std::end(kWithValue), name) == std::end(kWithValue)) {
      return Usage(err, absl::StrCat("unknown option --", name));
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) return Usage(err, absl::StrCat("--", name, " needs a value"));
      value = args[++i];
    }
    values[name] = value;
  }
  auto get = [&](const char* name) -> const std::string* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  };
  for (const char* required : {"events", "period", "periods", "metric"}) {
    if (get(required) == nullptr) return Usage(err, absl::StrCat("missing --", required));
  }

  CohortOptions options;
  auto period = ParseCohortPeriod(*get("period"));
  if (!period.ok()) return Usage(err, absl::StrCat("--period: ", period.status().message()));
  options.period = *period;
  auto metric = ParseCohortMetric(*get("metric"));
  if (!metric.ok()) return Usage(err, absl::StrCat("--metric: ", metric.status().message()));
  options.metric = *metric;
  if (!absl::SimpleAtoi(*get("periods"), &options.periods) || options.periods < 1 || options.periods > 100000) {
    return Usage(err, absl::StrCat("--periods: expected a whole number from 1 to 100000, got \"", *get("periods"),
                                   "\""));
  }
  bool json = false;
  if (const std::string* format = get("format")) {
    if (*format != "csv" && *format != "json") {
      return Usage(err, absl::StrCat("--format: expected csv or json, got \"", *format, "\""));
    }
    json = *format == "json";
  }
  if (const std::string* t = get("cohort-event")) options.cohort_event = *t;
  if (const std::string* t = get("activity-event")) options.activity_event = *t;
  if (const std::string* t = get("convert-to")) options.convert_to = *t;
  options.cumulative = cumulative;
  const std::string metric_name(CohortMetricName(options.metric));
  if (options.metric == CohortMetric::kConversion && options.convert_to.empty()) {
    return Usage(err, "--metric conversion needs --convert-to TYPE, the event type that counts as converting");
  }
  if (options.metric != CohortMetric::kConversion && get("convert-to") != nullptr) {
    return Usage(err, absl::StrCat("--convert-to applies only to --metric conversion, not ", metric_name));
  }
  if (options.metric == CohortMetric::kConversion && get("activity-event") != nullptr) {
    return Usage(err, "--activity-event applies only to --metric retention or revenue");
  }
  if (options.metric != CohortMetric::kRevenue && cumulative) {
    return Usage(err, absl::StrCat("--cumulative applies only to --metric revenue, not ", metric_name,
                                   options.metric == CohortMetric::kConversion ? " (conversion is always cumulative)"
                                                                                : ""));
  }

  const std::string& path = *get("events");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << "saleskit: cannot open \"" << path << "\"\n";
    return 1;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string data = buffer.str();
  auto source = OpenSource<v1::Event>(data, Format::kCsv);
  absl::StatusOr<CohortTable> table = source.ok() ? BuildCohortTable(**source, options) : source.status();
  if (!table.ok()) {
    err << "saleskit: " << path << ": " << table.status().message() << "\n";
    return 1;
  }
  out << (json ? CohortTableToJson(*table) : CohortTableToCsv(*table));
  return 0;
}

}  // namespace saleskit::cli
