// Flag parsing and small helpers shared by the saleskit commands.
#ifndef SALESKIT_SRC_CLI_ARGS_H_
#define SALESKIT_SRC_CLI_ARGS_H_

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace saleskit::cli {

// A command's parsed arguments: --name value (or --name=value), --switch,
// and positionals.
struct Args {
  std::map<std::string, std::string> values;                 // the last value of each flag
  std::map<std::string, std::vector<std::string>> repeated;  // every value of each flag, in order
  std::vector<std::string> switches;
  std::vector<std::string> positional;

  bool Has(const std::string& name) const {
    return std::find(switches.begin(), switches.end(), name) != switches.end();
  }
  std::optional<std::string> Get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  // Every value of a repeatable flag (--feature a --feature b), in order.
  std::vector<std::string> GetAll(const std::string& name) const {
    auto it = repeated.find(name);
    return it == repeated.end() ? std::vector<std::string>() : it->second;
  }
};

// Parses `args`; `with_value` lists the flags that take a value, `switches`
// those that do not. An unknown flag or a missing value is InvalidArgument.
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& args, const std::vector<std::string>& with_value,
                               const std::vector<std::string>& switches);

// For a command: parses `args` (with "help" added to `switches`). On --help
// prints `usage` to `out` and sets *exit_code to 0; on an unknown flag or a
// missing value prints the error and `usage` to `err` and sets *exit_code to
// 2. Either way it returns nullopt and the command returns *exit_code.
std::optional<Args> ParseCommand(const std::vector<std::string>& args, const std::vector<std::string>& with_value,
                                 std::vector<std::string> switches, absl::string_view usage, std::ostream& out,
                                 std::ostream& err, int* exit_code);
// ParseCommand for a command that takes only flags: a positional argument is
// a usage error too.
std::optional<Args> ParseFlags(const std::vector<std::string>& args, const std::vector<std::string>& with_value,
                               std::vector<std::string> switches, absl::string_view usage, std::ostream& out,
                               std::ostream& err, int* exit_code);

// Prints "saleskit: MESSAGE" and the usage to `err`; returns 2 (a usage error).
int Usage(std::ostream& err, const absl::Status& status, absl::string_view usage);

// The whole file; NotFound naming it when it cannot be opened.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace saleskit::cli

#endif  // SALESKIT_SRC_CLI_ARGS_H_
