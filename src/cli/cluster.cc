#include "cli/cluster.h"

#include <map>
#include <memory>
#include <tuple>
#include <ostream>

#include "cli/args.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "saleskit/engine.h"
#include "saleskit/segment/kmeans.h"
#include "saleskit/time.h"

namespace saleskit::cli {
namespace {

constexpr char kUsage[] =
    "usage: saleskit cluster --customers FILE [--events FILE] --feature CEL [--feature CEL ...]\n"
    "                        [--k K] [--seed S] [--now TIME] [--format csv|json]\n"
    "  Clusters customers by k-means on the features, each a CEL expression about a customer\n"
    "  (docs/cel.md): numbers are standardised, strings and bools one-hot encoded, nulls\n"
    "  imputed. Without --k, k in 2..10 is chosen by sampled silhouette. --seed (default 42)\n"
    "  makes runs repeatable. --now sets the clock for windows (default: the latest event).\n"
    "  csv: customer_id,cluster per customer, and a summary of each cluster on stderr;\n"
    "  json: k, per cluster size, centroid and distinguishing features, and the assignments\n"
    "  (see docs/clusters.md).\n";

int UsageError(std::ostream& err, absl::string_view message) {
  return Usage(err, absl::InvalidArgumentError(message), kUsage);
}

}  // namespace

int RunCluster(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  const std::optional<Args> parsed = ParseFlags(args, {"customers", "events", "feature", "k", "seed", "format", "now"}, {}, kUsage, out, err, &exit_code);
  if (!parsed) return exit_code;
  std::map<std::string, std::string> values = parsed->values;
  const std::vector<std::string> features = parsed->GetAll("feature");
  if (!values.count("customers")) return UsageError(err, "--customers is required");
  if (features.empty()) return UsageError(err, "at least one --feature is required");
  const std::string format = values.count("format") ? values["format"] : "csv";
  if (format != "csv" && format != "json") {
    return UsageError(err, absl::StrCat("--format: expected csv or json, got \"", format, "\""));
  }
  ClusterOptions options;
  if (values.count("k") && (!absl::SimpleAtoi(values["k"], &options.k) || options.k < 1)) {
    return UsageError(err, absl::StrCat("--k: expected a whole number >= 1, got \"", values["k"], "\""));
  }
  if (values.count("seed") && !absl::SimpleAtoi(values["seed"], &options.seed)) {
    return UsageError(err, absl::StrCat("--seed: expected a whole number >= 0, got \"", values["seed"], "\""));
  }
  // Files in any format the readers take (by extension); the same pipeline as the C API and Python.
  ClusterRecordsInput input;
  std::string customers, events;
  for (const auto& [flag, text, format_out] :
       {std::tuple<const char*, std::string*, Format*>{"customers", &customers, &input.customers_format},
        std::tuple<const char*, std::string*, Format*>{"events", &events, &input.events_format}}) {
    if (!values.count(flag)) continue;
    const std::string& path = values[flag];
    absl::StatusOr<std::string> data = ReadFile(path);
    absl::StatusOr<Format> format_of = data.ok() ? FormatFromPath(path) : data.status();
    if (!format_of.ok()) {
      err << "saleskit: " << format_of.status().message() << "\n";
      return 1;
    }
    *text = *std::move(data);
    *format_out = *format_of;
  }
  input.customers = customers;
  input.events = events;
  if (values.count("now")) {
    auto t = ParseTimestamp(values["now"]);
    if (!t.ok()) return UsageError(err, absl::StrCat("--now: ", t.status().message()));
    input.now = absl::FromUnixMicros(*t);
  }
  auto result = ClusterRecords(features, input, options);
  if (!result.ok()) {
    err << "saleskit: " << result.status().message() << "\n";
    return 1;
  }
  if (format == "json") {
    out << ClusterToJson(*result);
  } else {
    out << ClusterAssignmentsToCsv(*result);
    err << ClusterSummaryText(*result);
  }
  return 0;
}

}  // namespace saleskit::cli
