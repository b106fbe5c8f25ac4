#include "cli/cel_conformance.h"

#include <ostream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cel/conformance.h"

namespace saleskit::cli {
namespace {

namespace conformance = saleskit::cel::conformance;

constexpr char kUsage[] =
    "usage: saleskit cel-conformance [--json] [--min-pass-rate R] FILE...\n"
    "  runs cel-spec simple-test textproto files through parse, check and evaluation\n"
    "  --json               one JSON object per test: {\"file\",\"section\",\"test\",\"status\",\"reason\"}\n"
    "  --min-pass-rate R    exit 1 unless pass / (pass + fail) >= R (0..1; skips excluded)\n";

int UsageError(std::ostream& err, absl::string_view message) {
  err << "saleskit: " << message << "\n" << kUsage;
  return 2;
}

std::string Counts(const conformance::Tally& t) {
  return absl::StrCat(t.pass, " pass, ", t.fail, " fail, ", t.skip, " skip");
}

}  // namespace

int RunCelConformance(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  bool json = false;
  double min_pass_rate = -1;  // none
  std::vector<std::string> files;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    }
    if (a == "--json") {
      json = true;
    } else if (a == "--min-pass-rate" || absl::StartsWith(a, "--min-pass-rate=")) {
      std::string value;
      if (a.size() > sizeof("--min-pass-rate") - 1) {
        value = a.substr(sizeof("--min-pass-rate=") - 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return UsageError(err, "--min-pass-rate needs a value");
      }
      if (!absl::SimpleAtod(value, &min_pass_rate) || !(min_pass_rate >= 0 && min_pass_rate <= 1)) {
        return UsageError(err, absl::StrCat("--min-pass-rate: expected a number from 0 to 1, got \"", value, "\""));
      }
    } else if (absl::StartsWith(a, "--")) {
      return UsageError(err, absl::StrCat("unknown option ", a));
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) return UsageError(err, "no files");

  int exit_code = 0;
  conformance::Tally total;
  for (const std::string& path : files) {
    absl::StatusOr<std::vector<conformance::TestResult>> results = conformance::RunFile(path);
    if (!results.ok()) {
      err << "saleskit: " << results.status().message() << "\n";
      exit_code = 1;
      continue;
    }
    conformance::Tally file_tally;
    for (const conformance::TestResult& r : *results) {
      file_tally.Add(r);
      total.Add(r);
      if (json) {
        out << conformance::ToJson(r) << "\n";
      } else if (r.status == conformance::TestStatus::kFail) {
        out << "FAIL " << r.file << "/" << r.section << "/" << r.test << ": " << r.reason << "\n";
      }
    }
    if (!json) {
      out << absl::StrFormat("%s: %s (pass rate %.1f%%)\n", conformance::FileName(path), Counts(file_tally),
                             100 * file_tally.PassRate());
    }
  }
  out << "cel-conformance: " << Counts(total) << "\n";
  if (min_pass_rate >= 0 && total.PassRate() < min_pass_rate) {
    err << absl::StrFormat("saleskit: pass rate %.4f is below --min-pass-rate %g\n", total.PassRate(),
                           min_pass_rate);
    exit_code = 1;
  }
  return exit_code;
}

}  // namespace saleskit::cli
