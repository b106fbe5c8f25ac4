#include "cli/cohort.h"

#include <map>
#include <ostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/args.h"
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

int UsageError(std::ostream& err, absl::string_view message) {
  return Usage(err, absl::InvalidArgumentError(message), kCohortUsage);
}

}  // namespace

int RunCohort(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  const std::optional<Args> parsed = ParseFlags(
      args, {"events", "period", "periods", "metric", "format", "cohort-event", "activity-event", "convert-to"},
      {"cumulative"}, kCohortUsage, out, err, &exit_code);
  if (!parsed) return exit_code;
  const bool cumulative = parsed->Has("cumulative");
  const std::map<std::string, std::string>& values = parsed->values;
  auto get = [&](const char* name) -> const std::string* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  };
  for (const char* required : {"events", "period", "periods", "metric"}) {
    if (get(required) == nullptr) return UsageError(err, absl::StrCat("missing --", required));
  }

  CohortOptions options;
  auto period = ParseCohortPeriod(*get("period"));
  if (!period.ok()) return UsageError(err, absl::StrCat("--period: ", period.status().message()));
  options.period = *period;
  auto metric = ParseCohortMetric(*get("metric"));
  if (!metric.ok()) return UsageError(err, absl::StrCat("--metric: ", metric.status().message()));
  options.metric = *metric;
  if (!absl::SimpleAtoi(*get("periods"), &options.periods) || options.periods < 1 || options.periods > 100000) {
    return UsageError(err, absl::StrCat("--periods: expected a whole number from 1 to 100000, got \"", *get("periods"),
                                   "\""));
  }
  bool json = false;
  if (const std::string* format = get("format")) {
    if (*format != "csv" && *format != "json") {
      return UsageError(err, absl::StrCat("--format: expected csv or json, got \"", *format, "\""));
    }
    json = *format == "json";
  }
  if (const std::string* t = get("cohort-event")) options.cohort_event = *t;
  if (const std::string* t = get("activity-event")) options.activity_event = *t;
  if (const std::string* t = get("convert-to")) options.convert_to = *t;
  options.cumulative = cumulative;
  const std::string metric_name(CohortMetricName(options.metric));
  if (options.metric == CohortMetric::kConversion && options.convert_to.empty()) {
    return UsageError(err, "--metric conversion needs --convert-to TYPE, the event type that counts as converting");
  }
  if (options.metric != CohortMetric::kConversion && get("convert-to") != nullptr) {
    return UsageError(err, absl::StrCat("--convert-to applies only to --metric conversion, not ", metric_name));
  }
  if (options.metric == CohortMetric::kConversion && get("activity-event") != nullptr) {
    return UsageError(err, "--activity-event applies only to --metric retention or revenue");
  }
  if (options.metric != CohortMetric::kRevenue && cumulative) {
    return UsageError(err, absl::StrCat("--cumulative applies only to --metric revenue, not ", metric_name,
                                   options.metric == CohortMetric::kConversion ? " (conversion is always cumulative)"
                                                                                : ""));
  }

  const std::string& path = *get("events");
  const absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) {
    err << "saleskit: " << data.status().message() << "\n";
    return 1;
  }
  auto source = OpenSource<v1::Event>(*data, Format::kCsv);
  absl::StatusOr<CohortTable> table = source.ok() ? BuildCohortTable(**source, options) : source.status();
  if (!table.ok()) {
    err << "saleskit: " << path << ": " << table.status().message() << "\n";
    return 1;
  }
  out << (json ? CohortTableToJson(*table) : CohortTableToCsv(*table));
  return 0;
}

}  // namespace saleskit::cli
