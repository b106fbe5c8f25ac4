// The automation runner on a durable engine: a playbook (YAML) whose rule
// sends a welcome email to new sign-ups from Europe and routes them to an
// owner with a task to call; the host polls the outbox, delivers and acks,
// and hands the tasks to its CRM; the audit says what each decision read.
// The state lives in a SQLite file: after a checkpoint and a reopen, the
// outbox (acked entry included), the audit and the task seqs are back.
//   ./example_automation [STATE_FILE]   (default: a new file in /tmp)
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "saleskit/engine.h"
#include "saleskit/io/playbook_text.h"

namespace {

constexpr char kPlaybook[] = R"yaml(
version: "2026.11-example"
owners:
  - id: ann
  - id: bob
pools:
  - name: eu_reps
    strategy: ROUND_ROBIN
    owners: [ann, bob]
rules:
  - name: welcome_eu
    trigger:
      event: { type: signup }
    condition: customer.country in ["DE", "FR", "ES"]
    actions:
      - send_email: { template_id: welcome }
      - assign_owner: { pool: eu_reps }
      - create_task: { title: Call, due_in_business_hours: 8 }
)yaml";

constexpr char kCustomers[] =
    "id,email,country\n"
    "c1,ada@example.com,DE\n"
    "c2,grace@example.com,US\n"
    "c3,edsger@example.com,FR\n";

constexpr char kEvents[] =
    "id,customer_id,type,occurred_at\n"
    "e1,c1,signup,2026-11-02T09:00:00Z\n"
    "e2,c2,signup,2026-11-02T09:05:00Z\n"
    "e3,c3,signup,2026-11-02T09:10:00Z\n";

int Fail(const absl::Status& status) {
  std::cerr << status << "\n";
  return 1;
}

void PrintOutbox(saleskit::Engine& engine) {
  for (const saleskit::v1::OutboxEntry& e : engine.OutboxEntries()) {
    std::cout << "  outbox " << e.seq() << " " << e.customer_id() << " " << e.rule() << " "
              << saleskit::v1::OutboxEntry::State_Name(e.state()) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : absl::StrCat("/tmp/saleskit_example_", getpid(), ".saleskit");
  saleskit::EngineOptions options;
  options.start = absl::FromCivil(absl::CivilHour(2026, 11, 2, 12), absl::UTCTimeZone());

  {
    // A state file: every successful call is journaled (sync mode: an OK
    // return is the acknowledgement).
    absl::StatusOr<std::unique_ptr<saleskit::Engine>> opened = saleskit::Engine::Open(path, options);
    if (!opened.ok()) return Fail(opened.status());
    saleskit::Engine& engine = **opened;

    // Playbooks are YAML or JSON; errors are "file:line:column: message".
    absl::StatusOr<saleskit::ParsedPlaybook> playbook = saleskit::ParsePlaybook(kPlaybook, "example.yaml");
    if (!playbook.ok()) return Fail(playbook.status());
    if (absl::Status st = engine.DefinePlaybook(playbook->playbook); !st.ok()) return Fail(st);

    if (auto r = engine.Load(saleskit::RecordKind::kCustomers, kCustomers, saleskit::Format::kCsv); !r.ok()) {
      return Fail(r.status());
    }
    if (auto r = engine.Load(saleskit::RecordKind::kEvents, kEvents, saleskit::Format::kCsv); !r.ok()) {
      return Fail(r.status());
    }

    // Every matched trigger has an audit record: fired, or skipped and why,
    // with the values the condition read.
    for (const saleskit::v1::AuditRecord& r : engine.Audit()) {
      std::cout << "audit " << r.seq() << " " << r.rule() << " " << r.customer_id() << " "
                << saleskit::v1::AuditRecord::Outcome_Name(r.outcome());
      for (const saleskit::v1::ConditionRead& read : r.reads()) std::cout << " " << read.name() << "=" << read.value();
      std::cout << "\n";
    }

    // The host delivers what the rules queued, in order per customer, and
    // acks what it delivered in one call (or nacks an entry: retried with
    // backoff, dead after max_attempts).
    std::vector<std::string> delivered;
    for (const saleskit::v1::OutboxEntry& e : engine.PollOutbox(1)) {
      std::cout << "deliver " << e.id() << " (" << e.customer_id() << ")\n";
      delivered.push_back(e.id());
    }
    if (absl::Status st = engine.AckOutbox(absl::MakeConstSpan(delivered)); !st.ok()) return Fail(st);
    std::cout << "owner of c1: " << engine.GetCustomer("c1")->owner_id() << "\n";
    PrintOutbox(engine);

    // Tasks since the last one handed to the CRM (0: none yet), then trimmed.
    for (const saleskit::v1::Task& t : engine.TasksSince(0)) {
      std::cout << "task " << t.seq() << " " << t.customer_id() << " " << t.owner_id() << " " << t.title() << " due "
                << absl::FormatTime(absl::FromUnixSeconds(t.due_at().seconds()), absl::UTCTimeZone()) << "\n";
    }
    engine.TrimTasks(engine.LastTask());

    // A checkpoint writes the whole state; a reopen loads it instead of
    // replaying every input.
    if (absl::Status st = engine.Checkpoint(); !st.ok()) return Fail(st);
    std::cout << "checkpoint through input " << engine.CheckpointSeq() << "\n";
  }  // closing releases the file

  absl::StatusOr<std::unique_ptr<saleskit::Engine>> reopened = saleskit::Engine::Open(path, options);
  if (!reopened.ok()) return Fail(reopened.status());
  std::cout << "reopened: " << (*reopened)->Acknowledged() << " inputs, " << (*reopened)->Audit().size()
            << " audit records, " << (*reopened)->Tasks().size() << " tasks, last task " << (*reopened)->LastTask()
            << "\n";
  PrintOutbox(**reopened);
  reopened->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove(absl::StrCat(path, suffix).c_str());
  return 0;
}
