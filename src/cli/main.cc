// saleskit: the command-line tool over the saleskit engine.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cel_conformance.h"
#include "cli/cluster.h"
#include "cli/cohort.h"
#include "cli/commands.h"
#include "cli/points.h"
#include "cli/rfm.h"
#include "cli/run.h"
#include "cli/score.h"
#include "saleskit/version.h"

namespace {

constexpr char kUsage[] =
    "usage: saleskit COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  import FILE...   load files into an in-memory engine; report counts and rejected rows\n"
    "  stats FILE...    load files and describe what the store holds\n"
    "  show ID FILE...  load files and print one customer and their event summaries\n"
    "  eval EXPR        evaluate a CEL expression about customers loaded from files (docs/cel.md)\n"
    "  segment          members of a segment (a CEL condition) over customers and events from files\n"
    "  points           points scores of a playbook (rules, decay, grades, thresholds) per customer\n"
    "  cohort           acquisition cohort tables (retention, conversion, revenue) from events\n"
    "  rfm              recency, frequency and monetary scores and segments per customer\n"
    "  cluster          clusters of similar customers by k-means on CEL features\n"
    "  score            train, evaluate and apply predictive scores (train|eval|predict)\n"
    "  playbook check   check an automation playbook (docs/automation.md)\n"
    "  run              replay a CRM data directory through a playbook's rules\n"
    "  state FILE       open a state file (docs/state.md) and summarise it; --checkpoint writes one\n"
    "  outbox FILE      list a state file's due outbox entries (JSON), or --ack / --nack entries\n"
    "  tasks FILE       list a state file's tasks (JSON) from a seq on, or --trim those handed over\n"
    "  erase FILE ID... erase customers from a state file, all or none, with one checkpoint\n"
    "  gen              write a deterministic synthetic B2B CRM as CSV files\n"
    "  demo             generate, import and summarise a synthetic CRM (embedded defaults)\n"
    "  cel-conformance FILE...\n"
    "                   run cel-spec conformance test files (see docs/cel_conformance.md)\n"
    "  version          print the version\n"
    "\n"
    "Run 'saleskit COMMAND --help' for a command's options. See docs/cli.md.\n";

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "import") return saleskit::cli::RunImport(args, std::cout, std::cerr);
  if (command == "stats") return saleskit::cli::RunStats(args, std::cout, std::cerr);
  if (command == "show") return saleskit::cli::RunShow(args, std::cout, std::cerr);
  if (command == "eval") return saleskit::cli::RunEval(args, std::cout, std::cerr);
  if (command == "segment") return saleskit::cli::RunSegment(args, std::cout, std::cerr);
  if (command == "points") return saleskit::cli::RunPoints(args, std::cout, std::cerr);
  if (command == "cohort") return saleskit::cli::RunCohort(args, std::cout, std::cerr);
  if (command == "rfm") return saleskit::cli::RunRfm(args, std::cout, std::cerr);
  if (command == "cluster") return saleskit::cli::RunCluster(args, std::cout, std::cerr);
  if (command == "score") return saleskit::cli::RunScore(args, std::cout, std::cerr);
  if (command == "playbook") return saleskit::cli::RunPlaybook(args, std::cout, std::cerr);
  if (command == "run") return saleskit::cli::RunRun(args, std::cout, std::cerr);
  if (command == "state") return saleskit::cli::RunState(args, std::cout, std::cerr);
  if (command == "outbox") return saleskit::cli::RunOutbox(args, std::cout, std::cerr);
  if (command == "tasks") return saleskit::cli::RunTasks(args, std::cout, std::cerr);
  if (command == "erase") return saleskit::cli::RunErase(args, std::cout, std::cerr);
  if (command == "gen") return saleskit::cli::RunGen(args, std::cout, std::cerr);
  if (command == "demo") return saleskit::cli::RunDemo(args, std::cout, std::cerr);
  if (command == "cel-conformance") return saleskit::cli::RunCelConformance(args, std::cout, std::cerr);
  if (command == "version" || command == "--version") {
    std::cout << "saleskit " SALESKIT_VERSION_STRING "\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "saleskit: unknown command \"" << command << "\"\n\n" << kUsage;
  return 2;
}
