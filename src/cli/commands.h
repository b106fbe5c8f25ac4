// The saleskit command-line tool's commands.
#ifndef SALESKIT_SRC_CLI_COMMANDS_H_
#define SALESKIT_SRC_CLI_COMMANDS_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace saleskit {
class Engine;
}  // namespace saleskit

namespace saleskit::cli {

struct Args;

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

// For commands that load --accounts, --customers and --events FILE.
struct ImportTotals {
  bool failed = false;
  bool usage = false;  // a bad flag value: exit 2
};
// Loads --accounts, --customers and --events FILE (each read as its kind, in
// that order, its format from its name) as `import` would, logging only errors.
ImportTotals LoadKindFiles(Engine& engine, const Args& args, std::ostream& err);
// Moves the clock to the latest event's time, if that is later.
void AdvanceToLatestEvent(Engine& engine);

}  // namespace saleskit::cli

#endif  // SALESKIT_SRC_CLI_COMMANDS_H_
