// `saleskit playbook check` and `saleskit run`: a playbook loaded into an
// engine, and a CRM data directory replayed through it in time order;
// `saleskit state`: what a state file holds.
#ifndef SALESKIT_SRC_CLI_RUN_H_
#define SALESKIT_SRC_CLI_RUN_H_

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "saleskit/engine.h"

namespace saleskit::cli {

int RunPlaybook(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunRun(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `saleskit state FILE [--checkpoint]`: opens a state file and summarises it.
int RunState(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `saleskit outbox FILE [--limit N | --ack ID... | --nack ID --error TEXT]`:
// lists the due outbox entries of a state file, or acks or nacks entries.
int RunOutbox(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `saleskit tasks FILE [--after SEQ] [--limit N] | --trim SEQ`: lists the
// tasks of a state file, or forgets those the host has handed over.
int RunTasks(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `saleskit erase FILE ID [ID ...]`: erases customers from a state file, all
// or none, with one checkpoint.
int RunErase(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The example playbook (examples/playbooks/inbound.yaml), embedded at build time.
extern const char kInboundPlaybookName[];
extern const char kInboundPlaybook[];

// Reads the playbook at `path` (or `text`, naming it `path`) and loads it
// into `engine`. Reader errors are "file:line:column: message"; the engine's
// are prefixed with the file name.
absl::StatusOr<v1::Playbook> LoadPlaybook(Engine& engine, const std::string& path,
                                          std::optional<absl::string_view> text = std::nullopt);
// "2 event kinds, 3 segments, 2 scores, 9 rules, 4 owners, 2 pools".
std::string PlaybookCounts(const v1::Playbook& playbook);

// One input file of a replay.
struct DataFile {
  std::string name;  // for messages
  std::string data;
  Format format = Format::kCsv;
  RecordKind kind = RecordKind::kCustomers;
};

// What a replay loaded, and the span of the clock it covered.
struct ReplaySummary {
  int64_t accounts = 0;
  int64_t customers = 0;
  int64_t deals = 0;
  int64_t events = 0;          // ingested (duplicates included)
  int64_t duplicates = 0;      // recognised by id
  int64_t unknown = 0;         // for unknown customers (skipped)
  int64_t after_until = 0;     // later than --until: not ingested
  int64_t batches = 0;         // hourly event batches
  absl::Time start;            // the clock when the records were loaded
  absl::Time end;              // the clock at the end
};

// The first event time (floored to the hour) in `files`: where a replay's
// engine clock should start, so that schedules and timers begin there and not
// at the Unix epoch. nullopt without events. Errors name the file.
absl::StatusOr<std::optional<absl::Time>> FirstEventHour(const std::vector<DataFile>& files);

// Loads accounts, customers and deals (whole files, rejected whole on an
// invalid record, as `import` does), then the events in occurred_at order, one
// clock hour of them per batch: the clock moves to the batch's last event
// before the batch is ingested, so time-driven triggers (inactivity, dates,
// schedules, window exits) fire in order between batches. Events later than
// `until` are not ingested; the clock ends at `until` (default: the last event).
// The engine's clock must not be later than the first event.
absl::StatusOr<ReplaySummary> Replay(Engine& engine, const std::vector<DataFile>& files,
                                     std::optional<absl::Time> until);

// Prints per rule its fired/skipped counts and actions applied/outbox/blocked,
// the skip reasons of rules and actions, the first `limit` outbox entries and
// the number of tasks.
void PrintAutomation(const Engine& engine, size_t limit, std::ostream& out);

}  // namespace saleskit::cli

#endif  // SALESKIT_SRC_CLI_RUN_H_
