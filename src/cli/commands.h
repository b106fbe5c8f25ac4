// The saleskit command-line tool's commands.
#ifndef SALESKIT_SRC_CLI_COMMANDS_H_
#define SALESKIT_SRC_CLI_COMMANDS_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace saleskit::cli {

// Each command takes its arguments (after the command name), writes its
// output to `out` and diagnostics to `err`, and returns the process exit
// code: 0 success, 1 failure (e.g. rejected input), 2 usage error.
int RunImport(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunShow(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunStats(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunGen(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunEval(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunSegment(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunDemo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace saleskit::cli

#endif  // SALESKIT_SRC_CLI_COMMANDS_H_
