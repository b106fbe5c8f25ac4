#include "cli/cluster.h"

#include <map>
#include <memory>
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
  auto parsed = ParseArgs(args, {"customers", "events", "feature", "k", "seed", "format", "now"}, {"help"});
  if (!parsed.ok()) return UsageError(err, parsed.status().message());
  if (parsed->Has("help")) {
    out << kUsage;
    return 0;
  }
  if (!parsed->positional.empty()) {
    return UsageError(err, absl::StrCat("unexpected argument \"", parsed->positional.front(), "\""));
  }
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
  EngineOptions engine_options;
  if (values.count("now")) {
    auto t = ParseTimestamp(values["now"]);
    if (!t.ok()) return UsageError(err, absl::StrCat("--now: ", t.status().message()));
    engine_options.start = absl::FromUnixMicros(*t);
  }
  auto engine = *Engine::Create(engine_options);
  // Compile before loading: the store keeps an expression's event windows only from then on.
  std::vector<std::shared_ptr<const Expression>> expressions;
  for (size_t i = 0; i < features.size(); ++i) {
    auto expression = engine->Compile(features[i], /*condition=*/false);
    if (!expression.ok()) {
      err << "saleskit: --feature \"" << features[i] << "\": " << expression.status().message() << "\n";
      return 1;
    }
    expressions.push_back(*std::move(expression));
  }
  for (const auto& [flag, kind] : {std::pair<const char*, RecordKind>{"customers", RecordKind::kCustomers},
                                   std::pair<const char*, RecordKind>{"events", RecordKind::kEvents}}) {
    if (!values.count(flag)) continue;
    const std::string& path = values[flag];
    const absl::StatusOr<std::string> data = ReadFile(path);
    if (!data.ok()) {
      err << "saleskit: " << data.status().message() << "\n";
      return 1;
    }
    auto format_of = FormatFromPath(path);
    auto report = format_of.ok() ? engine->Load(kind, *data, *format_of) : format_of.status();
    if (!report.ok()) {
      err << "saleskit: " << path << ": " << report.status().message() << "\n";
      return 1;
    }
  }
  if (!values.count("now")) {
    const Micros latest = engine->Read().store().latest_event_time().value_or(0);
    if (latest > 0) (void)engine->AdvanceTo(absl::FromUnixMicros(latest));
  }
  auto result = ClusterCustomers(*engine, expressions, options);
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
