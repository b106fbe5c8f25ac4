#include "cli/rfm.h"

#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "absl/strings/match.h"
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
  err << "saleskit: " << message << "\n" << kUsage;
  return 2;
}

constexpr int kMaxErrorsShown = 10;

}  // namespace

int RunRfm(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::map<std::string, std::string> values;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    }
    if (!absl::StartsWith(a, "--")) return UsageError(err, absl::StrCat("unexpected argument \"", a, "\""));
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (i + 1 >= args.size()) return UsageError(err, absl::StrCat("--", name, " needs a value"));
      value = args[++i];
    }
    if (name != "events" && name != "cutoff" && name != "format" && name != "purchase-event") {
      return UsageError(err, absl::StrCat("unknown option --", name));
    }
    values[name] = value;
  }
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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << "saleskit: cannot open \"" << path << "\"\n";
    return 1;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string data = buffer.str();
  auto read = ReadRecords<v1::Event>(data, Format::kCsv);
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
