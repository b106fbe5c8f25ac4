#include "cli/args.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace saleskit::cli {

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& args, const std::vector<std::string>& with_value,
                               const std::vector<std::string>& switches) {
  Args out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!absl::StartsWith(a, "--")) {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (std::find(switches.begin(), switches.end(), name) != switches.end() && !inline_value) {
      out.switches.push_back(name);
    } else if (std::find(with_value.begin(), with_value.end(), name) != with_value.end()) {
      if (!inline_value) {
        if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
        value = args[++i];
      }
      out.values[name] = value;
      out.repeated[name].push_back(value);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option --", name));
    }
  }
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open \"", path, "\""));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::optional<Args> ParseCommand(const std::vector<std::string>& args, const std::vector<std::string>& with_value,
                                 std::vector<std::string> switches, absl::string_view usage, std::ostream& out,
                                 std::ostream& err, int* exit_code) {
  switches.push_back("help");
  absl::StatusOr<Args> parsed = ParseArgs(args, with_value, switches);
  if (!parsed.ok()) {
    *exit_code = Usage(err, parsed.status(), usage);
    return std::nullopt;
  }
  if (parsed->Has("help")) {
    out << usage;
    *exit_code = 0;
    return std::nullopt;
  }
  return *std::move(parsed);
}

std::optional<Args> ParseFlags(const std::vector<std::string>& args, const std::vector<std::string>& with_value,
                               std::vector<std::string> switches, absl::string_view usage, std::ostream& out,
                               std::ostream& err, int* exit_code) {
  std::optional<Args> parsed = ParseCommand(args, with_value, std::move(switches), usage, out, err, exit_code);
  if (parsed && !parsed->positional.empty()) {
    *exit_code = Usage(err, absl::InvalidArgumentError(absl::StrCat("unexpected argument \"",
                                                                    parsed->positional.front(), "\"")),
                       usage);
    return std::nullopt;
  }
  return parsed;
}

int Usage(std::ostream& err, const absl::Status& status, absl::string_view usage) {
  err << "saleskit: " << status.message() << "\n" << usage;
  return 2;
}

}  // namespace saleskit::cli
