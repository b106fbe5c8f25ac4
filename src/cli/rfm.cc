#include "cli/rfm.h"

#include <map>
#include <ostream>

#include "cli/args.h"
#include "absl/strings/str_cat.h"
#include "saleskit/io/readers.h"
#include "saleskit/segment/rfm.h"

namespace saleskit::cli {
namespace {

constexpr char kUsage[] =
    "usage: saleskit rfm --events FILE --cutoff DATE [--purchase-event TYPE] [--format csv|json]\n"
    "  One row per customer with a purchase at or before the cutoff:\n"
    "  customer_id,recency_days,frequency,monetary,r,f,m,segment (see docs/rfm.md).\n"
    "  FILE is CSV with the header customer_id,occurred_at,type,value (optional id,\n"
    "  properties.NAME). Purchases are events of type \"purchase\" unless --purchase-event\n"
    "  names another type (\"*\": every event). A DATE cutoff includes that whole UTC day.\n";

int UsageError(std::ostream& err, absl::string_view message) {
  return Usage(err, absl::InvalidArgumentError(message), kUsage);
}

constexpr int kMaxErrorsShown = 10;

}  // namespace

int RunRfm(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  const std::optional<Args> parsed = ParseFlags(args, {"events", "cutoff", "format", "purchase-event"}, {}, kUsage, out, err, &exit_code);
  if (!parsed) return exit_code;
  std::map<std::string, std::string> values = parsed->values;
  if (!values.count("events")) return UsageError(err, "--events is required");
  if (!values.count("cutoff")) return UsageError(err, "--cutoff is required");
  const std::string format = values.count("format") ? values["format"] : "csv";
  if (format != "csv" && format != "json") {
    return UsageError(err, absl::StrCat("--format: expected csv or json, got \"", format, "\""));
  }
  RfmOptions options;
  auto cutoff = ParseRfmCutoff(values["cutoff"]);
  if (!cutoff.ok()) {
    return UsageError(err, absl::StrCat("--cutoff: ", cutoff.status().message()));
  }
  options.cutoff = *cutoff;
  if (values.count("purchase-event")) {
    options.purchase_event = values["purchase-event"];
    if (options.purchase_event.empty()) return UsageError(err, "--purchase-event: expected an event type or \"*\"");
  }

  const std::string& path = values["events"];
  const absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) {
    err << "saleskit: " << data.status().message() << "\n";
    return 1;
  }
  auto read = ReadRecords<v1::Event>(*data, Format::kCsv);
  if (!read.ok()) {
    err << "saleskit: " << path << ": " << read.status().message() << "\n";
    return 1;
  }
  if (!read->errors.empty()) {
    for (size_t i = 0; i < read->errors.size() && i < kMaxErrorsShown; ++i) {
      err << "saleskit: " << path << ": " << read->errors[i].ToString() << "\n";
    }
    if (read->errors.size() > kMaxErrorsShown) {
      err << "saleskit: " << path << ": ... and " << read->errors.size() - kMaxErrorsShown << " more\n";
    }
    return 1;
  }
  auto rows = ComputeRfm(read->batch.records, options);
  if (!rows.ok()) {
    err << "saleskit: " << path << ": " << rows.status().message() << "\n";
    return 1;
  }
  out << (format == "json" ? RfmToJson(*rows) : RfmToCsv(*rows));
  return 0;
}

}  // namespace saleskit::cli
