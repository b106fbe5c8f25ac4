// The durable engine (docs/state.md): what journaling costs on ingest, and
// how long a reopen (a full journal replay) takes.
//
//   state_bench [--customers=N] [--events=N] [--batch=N] [--reopen-customers=N] [--reopen-only] [--dir=PATH]
//
// Ingest: --customers (default 100k) customers, then --events (default 1M)
// events in batches of --batch (default 1000), for random customers, under a
// playbook of 3 segments (one reading a 7-day window) and a decaying points
// score. The peer is the in-memory engine (Engine::Create) on the same
// batches in the same run; the durable engine runs in batched mode (its
// time includes the final Flush) and in sync mode (one fsync per batch).
// Reopen: a state file holding --reopen-customers customers (default 1M,
// upserted in batches of 1000) is opened again, replaying its journal; the
// peer is loading the same batches into an in-memory engine.
// Reopen from a checkpoint: the same customers under a playbook that also
// arms a timer per customer (an inactivity rule, and a days_since segment),
// then Checkpoint(); the floor is 2 s, the peer the same file's reopen by
// journal replay (no checkpoint). --reopen-only skips the ingest part.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench_util.h"
#include "google/protobuf/text_format.h"
#include "saleskit/engine.h"

namespace {

using saleskit::Batch;
using saleskit::Durability;
using saleskit::Engine;
using saleskit::EngineOptions;
using saleskit::StateOptions;
using saleskit::bench::FlagValue;
using saleskit::bench::IntFlag;
using saleskit::bench::Rng;
using saleskit::bench::Stopwatch;
namespace v1 = saleskit::v1;

int64_t g_customers = 100000;
int64_t g_events = 1000000;
int64_t g_batch = 1000;
int64_t g_reopen_customers = 1000000;
int64_t g_ingest = 1;
std::string g_dir = "/tmp";
constexpr int64_t kStart = 1767225600;  // 2026-01-01

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "state_bench: %s\n", message.c_str());
  std::exit(1);
}

template <typename T>
T Check(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) Fail(absl::StrCat(what, ": ", v.status().ToString()));
  return *std::move(v);
}
void Check(const absl::Status& st, const char* what) {
  if (!st.ok()) Fail(absl::StrCat(what, ": ", st.ToString()));
}

EngineOptions Options() {
  EngineOptions options;
  options.start = absl::FromUnixSeconds(kStart);
  return options;
}

v1::Playbook MakePlaybook(bool timers = false) {
  v1::Playbook pb;
  if (timers && !google::protobuf::TextFormat::ParseFromString(R"pb(
        segments { name: "young" condition: "days_since(customer.created_at) < 30" }
        rules { name: "nudge" trigger { inactivity { event_type: "email_open" after { seconds: 2592000 } } }
                actions { add_tag: "quiet" } }
      )pb",
                                                                &pb)) {
    Fail("playbook");
  }
  if (!google::protobuf::TextFormat::MergeFromString(R"pb(
        segments { name: "saas_big" condition: "customer.industry == 'SaaS' && customer.employee_count >= 50" }
        segments { name: "clicky" condition: "events.count('email_click', days(7)) >= 2" }
        segments { name: "vp" condition: "customer.title.contains('VP')" }
        scores {
          name: "engagement"
          rules { event: "email_click" points: 10 }
          rules { event: "page_view" points: 2 }
          decay { half_life { seconds: 259200 } }
          thresholds { value: 30 name: "mql" promote_to: LIFECYCLE_STAGE_MARKETING_QUALIFIED }
        }
      )pb",
                                                     &pb)) {
    Fail("playbook");
  }
  return pb;
}

std::vector<Batch<v1::Customer>> CustomerBatches(int64_t n, uint64_t seed) {
  static const char* const kIndustries[] = {"SaaS", "Retail", "Finance", "Health"};
  static const char* const kTitles[] = {"VP Sales", "Engineer", "CTO", "Analyst"};
  Rng rng{seed};
  std::vector<Batch<v1::Customer>> out;
  for (int64_t i = 0; i < n; ++i) {
    if (i % 1000 == 0) out.emplace_back();
    v1::Customer& c = out.back().records.emplace_back();
    c.set_id(absl::StrCat("c", i));
    c.set_email(absl::StrCat("person", i, "@example.com"));
    c.set_industry(kIndustries[rng.Pick(4)]);
    c.set_employee_count(rng.Pick(500));
    c.set_title(kTitles[rng.Pick(4)]);
    c.mutable_created_at()->set_seconds(kStart - rng.Pick(20 * 86400));
  }
  return out;
}

std::vector<Batch<v1::Event>> EventBatches(uint64_t seed) {
  static const char* const kTypes[] = {"email_click", "page_view", "email_open", "form_fill"};
  Rng rng{seed};
  std::vector<Batch<v1::Event>> out;
  for (int64_t i = 0; i < g_events; ++i) {
    if (i % g_batch == 0) out.emplace_back();
    v1::Event& e = out.back().records.emplace_back();
    e.set_customer_id(absl::StrCat("c", rng.Pick(static_cast<int>(g_customers))));
    e.set_type(kTypes[rng.Pick(4)]);
    e.mutable_occurred_at()->set_seconds(kStart - rng.Pick(5 * 86400));
  }
  return out;
}

std::string StatePath(const char* name) {
  std::string path = absl::StrCat(g_dir, "/state_bench_", ::getpid(), "_", name, ".db");
  for (const char* suffix : {"", "-wal"}) ::unlink((path + suffix).c_str());
  return path;
}

long FileBytes(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return -1;
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fclose(f);
  return size;
}

// Seconds to ingest every event batch into `engine` (set up with the playbook and customers).
double Ingest(Engine& engine, const std::vector<Batch<v1::Event>>& events, double* cpu) {
  const Stopwatch sw;
  for (const auto& b : events) Check(engine.IngestEvents(b).status(), "ingest");
  Check(engine.Flush(), "flush");
  *cpu = sw.Cpu();
  return sw.Wall();
}

void Setup(Engine& engine, const std::vector<Batch<v1::Customer>>& customers, bool timers = false) {
  Check(engine.DefinePlaybook(MakePlaybook(timers)), "playbook");
  for (const auto& b : customers) Check(engine.UpsertCustomers(b).status(), "customers");
  Check(engine.Flush(), "flush");
}

void IngestBench() {
  const std::vector<Batch<v1::Customer>> customers = CustomerBatches(g_customers, 1);
  const std::vector<Batch<v1::Event>> events = EventBatches(2);
  std::printf("ingest: %lld customers, %lld events in batches of %lld, 3 segments and a points score\n",
              static_cast<long long>(g_customers), static_cast<long long>(g_events), static_cast<long long>(g_batch));

  double cpu = 0;
  double memory_s;
  {
    auto engine = Check(Engine::Create(Options()), "create");
    Setup(*engine, customers);
    memory_s = Ingest(*engine, events, &cpu);
    std::printf("  in memory (peer):  %8.0f events/s (%.2f s wall, %.2f s cpu)\n", g_events / memory_s, memory_s, cpu);
  }
  for (Durability d : {Durability::kBatched, Durability::kSync}) {
    const std::string path = StatePath(d == Durability::kBatched ? "batched" : "sync");
    StateOptions state;
    state.durability = d;
    double s;
    {
      auto engine = Check(Engine::Open(path, Options(), state), "open");
      Setup(*engine, customers);
      s = Ingest(*engine, events, &cpu);
    }
    std::printf("  durable, %s: %8.0f events/s (%.2f s wall, %.2f s cpu), x%.2f the in-memory time; file %.1f MB\n",
                d == Durability::kBatched ? "batched" : "sync   ", g_events / s, s, cpu, s / memory_s,
                FileBytes(path) / 1e6);
    ::unlink(path.c_str());
  }

}

void ReopenBench() {
  // Reopen: a replay of the whole journal.
  const std::vector<Batch<v1::Customer>> many = CustomerBatches(g_reopen_customers, 3);
  double load_s;
  {
    const Stopwatch sw;
    auto engine = Check(Engine::Create(Options()), "create");
    Setup(*engine, many);
    load_s = sw.Wall();
  }
  const std::string path = StatePath("reopen");
  {
    StateOptions state;
    state.durability = Durability::kBatched;
    auto engine = Check(Engine::Open(path, Options(), state), "open");
    Setup(*engine, many);
  }
  const Stopwatch sw;
  auto engine = Check(Engine::Open(path, Options()), "reopen");
  const double reopen_s = sw.Wall();
  const double reopen_cpu = sw.Cpu();
  if (engine->customer_count() != static_cast<size_t>(g_reopen_customers)) Fail("reopen lost customers");
  std::printf("reopen: %lld customers (%zu journal entries, %.1f MB): %.2f s wall, %.2f s cpu (%.0f customers/s);\n"
              "  peer, the same batches into an in-memory engine: %.2f s; reopen x%.2f of it\n",
              static_cast<long long>(g_reopen_customers), static_cast<size_t>(engine->Acknowledged()),
              FileBytes(path) / 1e6, reopen_s, reopen_cpu, g_reopen_customers / reopen_s, load_s, reopen_s / load_s);
  engine.reset();
  ::unlink(path.c_str());
}

// Reopen from a checkpoint, with a pending timer per customer in the runner
// (and one in the segment catalog), against the same reopen by replay.
void CheckpointBench() {
  const std::vector<Batch<v1::Customer>> many = CustomerBatches(g_reopen_customers, 4);
  const std::string path = StatePath("checkpoint");
  StateOptions state;
  state.durability = Durability::kBatched;
  state.checkpoint_every = 0;
  {
    auto engine = Check(Engine::Open(path, Options(), state), "open");
    Setup(*engine, many, /*timers=*/true);
  }
  double replay_s;
  {
    const Stopwatch sw;
    auto engine = Check(Engine::Open(path, Options(), state), "reopen by replay");
    replay_s = sw.Wall();
    if (engine->customer_count() != static_cast<size_t>(g_reopen_customers)) Fail("replay lost customers");
    const Stopwatch cw;
    Check(engine->Checkpoint(), "checkpoint");
    std::printf("checkpoint: %lld customers: written in %.2f s wall, %.2f s cpu; file %.1f MB\n",
                static_cast<long long>(g_reopen_customers), cw.Wall(), cw.Cpu(), FileBytes(path) / 1e6);
  }
  const Stopwatch sw;
  auto engine = Check(Engine::Open(path, Options(), state), "reopen from the checkpoint");
  const double s = sw.Wall();
  const double cpu = sw.Cpu();
  if (engine->customer_count() != static_cast<size_t>(g_reopen_customers)) Fail("the checkpoint lost customers");
  const size_t young = Check(engine->SegmentCount("young"), "young");
  std::printf("reopen from a checkpoint: %lld customers, %lld runner timers pending (inactivity) and %zu segment\n"
              "  timers (days_since): %.2f s wall, %.2f s cpu; floor 2 s: %s\n"
              "  peer, the same file reopened by journal replay: %.2f s; checkpoint x%.2f of it\n",
              static_cast<long long>(g_reopen_customers), static_cast<long long>(g_reopen_customers), young, s, cpu,
              s < 2.0 ? "met" : "MISSED", replay_s, s / replay_s);
  engine.reset();
  ::unlink(path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (IntFlag(arg, "--customers", &g_customers) || IntFlag(arg, "--events", &g_events) ||
        IntFlag(arg, "--batch", &g_batch) || IntFlag(arg, "--reopen-customers", &g_reopen_customers)) {
      continue;
    }
    if (arg == "--reopen-only") {
      g_ingest = 0;
      continue;
    }
    if (auto dir = FlagValue(arg, "--dir")) {
      g_dir = *dir;
      continue;
    }
    Fail(absl::StrCat("unknown argument ", arg));
  }
  if (g_ingest != 0) IngestBench();
  ReopenBench();
  CheckpointBench();
  return 0;
}

