// The automation runner end to end (docs/benchmarks.md): events through an
// engine with 50 segments, 3 points scores and 100 rules.
//
//   automation_bench [--customers=N] [--events=N] [--batch=N] [--singles=N] [--score-segments=1] [--peer-only=1]
//                    [--durable=1] [--checkpoint-every=N] [--dir=PATH] [--ack-each=1]
//
// N customers (default 100k), then --events (default 1M) events in time
// order over 30 days, ingested --batch (default 1000) at a time with the
// clock advanced to each batch's last event, as `saleskit run` replays a
// data directory; the host polls the outbox (into one vector it keeps),
// acks what it delivered in one call (--ack-each=1: one call per entry),
// and trims the audit log, tasks, segment changes and score crossings after
// each batch, as a host would. Then --singles (default 20k) events one per
// IngestEvents call, for the latency per event (p50/p99).
//
// With --score-segments=1, 10 of the segments read score("engagement"):
// such segments are re-evaluated for every customer on each clock move.
// With --peer-only=1, only the peer (no rules) runs, to iterate on the core.
// With --durable=1, the engine with rules runs a third time on a state file
// in --dir (default /tmp) in batched mode (docs/state.md) with a checkpoint
// every --checkpoint-every (default 10000) journal entries, its time
// including the final Flush; the floor there is 100k events/s.
//
// Floor: 500k events/s end to end on one core (mean). The peer is the same
// engine with the same segments and scores but no rules, on the same events
// in the same run: the ratio is what deciding the rules costs.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench_util.h"
#include "saleskit/engine.h"

namespace {

using saleskit::Micros;
using saleskit::bench::FlagValue;
using saleskit::bench::IntFlag;
using saleskit::bench::Percentile;
using saleskit::bench::Rng;
using saleskit::bench::Seconds;
using saleskit::bench::Stopwatch;
namespace v1 = saleskit::v1;

int64_t g_customers = 100000;
int64_t g_events = 1000000;
int64_t g_batch = 1000;
int64_t g_singles = 20000;
int64_t g_score_segments = 0;
int64_t g_peer_only = 0;
int64_t g_durable = 0;
int64_t g_checkpoint_every = 10000;  // StateOptions' default
int64_t g_ack_each = 0;
std::string g_dir = "/tmp";
constexpr int kTypes = 20;

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "automation_bench: %s\n", message.c_str());
  std::exit(1);
}

std::string TypeName(int t) { return absl::StrCat("ev", t); }
std::string CustomerId(int64_t i) { return absl::StrCat("c", i); }

void SetTime(Micros at, google::protobuf::Timestamp* t) {
  t->set_seconds(at / 1000000);
  t->set_nanos(static_cast<int32_t>(at % 1000000) * 1000);
}

// 50 segments, 3 scores; with `rules`, 100 rules over them, 10 owners in two
// pools, caps, a contact budget and quiet hours.
v1::Playbook MakePlaybook(bool rules) {
  v1::Playbook p;
  p.set_version("bench");
  const char* kCountries[] = {"DE", "US", "GB", "FR", "ES"};
  for (int i = 0; i < 50; ++i) {
    v1::SegmentDef* s = p.add_segments();
    s->set_name(absl::StrCat("seg", i));
    switch (i % 5) {
      case 0: s->set_condition(absl::StrFormat("customer.country == \"%s\"", kCountries[i / 5 % 5])); break;
      case 1: s->set_condition(absl::StrFormat("customer.employee_count >= %d", 20 * i)); break;
      case 2: s->set_condition(absl::StrFormat("events.count(\"%s\", days(30)) >= %d", TypeName(i % kTypes), 1 + i % 3)); break;
      case 3:  // score() segments are re-evaluated on every clock move (docs/scores.md): opt in
        s->set_condition(g_score_segments ? absl::StrFormat("score(\"engagement\") >= %d", 10 + i)
                                          : absl::StrFormat("customer.attrs.plan == \"trial\" && customer.employee_count >= %d", 10 * i));
        break;
      default:
        s->set_condition(absl::StrFormat("customer.attrs.plan == \"pro\" && events.count(\"%s\", days(7)) >= 1",
                                         TypeName(i % kTypes)));
        break;
    }
  }
  const char* kScores[] = {"engagement", "intent", "fit"};
  for (int k = 0; k < 3; ++k) {
    v1::ScoreDef* s = p.add_scores();
    s->set_name(kScores[k]);
    for (int r = 0; r < 14; ++r) {
      v1::ScoreRule* rule = s->add_rules();
      rule->set_event(TypeName((r + 5 * k) % kTypes));
      rule->set_points(1 + (r * 7 + k) % 15);
    }
    for (int r = 0; r < 6; ++r) {
      v1::ScoreRule* rule = s->add_rules();
      rule->set_condition(absl::StrFormat("customer.employee_count >= %d", 100 * (r + 1)));
      rule->set_points(5);
    }
    s->mutable_decay()->mutable_half_life()->set_seconds(14 * 86400);
    for (int t = 1; t <= 3; ++t) {
      v1::ScoreThreshold* th = s->add_thresholds();
      th->set_value(30.0 * t);
      th->set_name(absl::StrCat("t", t));
      if (k == 0 && t == 2) th->set_promote_to(v1::LIFECYCLE_STAGE_MARKETING_QUALIFIED);
    }
  }
  if (!rules) return p;
  for (int o = 0; o < 10; ++o) {
    v1::Owner* owner = p.add_owners();
    owner->set_id(absl::StrCat("rep", o));
    owner->set_unavailable(o == 3);
  }
  v1::RoutingPool* rr = p.add_pools();
  rr->set_name("sales"), rr->set_strategy(v1::RoutingPool::ROUND_ROBIN);
  for (int o = 0; o < 6; ++o) rr->add_owners(absl::StrCat("rep", o));
  v1::RoutingPool* least = p.add_pools();
  least->set_name("success"), least->set_strategy(v1::RoutingPool::LEAST_LOADED), least->set_fallback_owner("rep9");
  for (int o = 6; o < 10; ++o) least->add_owners(absl::StrCat("rep", o));
  v1::Policies& policies = *p.mutable_policies();
  policies.set_timezone("Europe/Berlin");
  v1::FrequencyCap* cap = policies.add_caps();
  cap->set_channel("email"), cap->set_max(2), cap->mutable_window()->set_seconds(86400);
  policies.mutable_contact_budget()->set_max(4), policies.mutable_contact_budget()->mutable_window()->set_seconds(7 * 86400);
  policies.mutable_quiet_hours()->set_start("21:00"), policies.mutable_quiet_hours()->set_end("07:00");

  for (int i = 0; i < 100; ++i) {
    v1::Rule* r = p.add_rules();
    r->set_name(absl::StrCat("rule", i));
    r->set_priority(i % 4);
    v1::Trigger* t = r->mutable_trigger();
    v1::Action* a = r->add_actions();
    if (i < 40) {  // events
      t->mutable_event()->set_type(TypeName(i % kTypes));
      if (i % 3 == 0) t->mutable_event()->set_condition("event.value > 50.0");
      if (i % 2 == 0) r->set_condition(absl::StrFormat("customer.employee_count >= %d", 10 * i));
      if (i % 4 == 0) a->mutable_send_email()->set_template_id(absl::StrCat("tpl", i));
      else if (i % 4 == 1) a->set_add_tag(absl::StrCat("t", i % 8));
      else if (i % 4 == 2) a->mutable_notify_owner()->set_message("activity");
      else a->mutable_webhook()->set_name("crm_sync");
    } else if (i < 70) {  // segments
      t->mutable_segment()->set_segment(absl::StrCat("seg", i - 40));
      t->mutable_segment()->set_on(i % 2 ? v1::SegmentChange::EXIT : v1::SegmentChange::ENTER);
      if (i % 3 == 0) a->mutable_assign_owner()->set_pool(i % 2 ? "success" : "sales");
      else if (i % 3 == 1) a->set_add_tag(absl::StrCat("s", i % 5));
      else a->mutable_send_email()->set_template_id(absl::StrCat("seg", i));
    } else if (i < 85) {  // score crossings
      t->mutable_score()->set_score(kScores[i % 3]);
      t->mutable_score()->set_threshold(absl::StrCat("t", 1 + i % 3));
      t->mutable_score()->set_direction(i % 2 ? v1::ScoreCrossing::UP : v1::ScoreCrossing::DOWN);
      if (i % 3 == 0) a->mutable_create_task()->set_title("call"), a->mutable_create_task()->set_due_in_business_hours(4);
      else a->mutable_notify_owner()->set_message("crossed");
    } else if (i < 95) {  // field and lifecycle changes
      if (i % 2) t->mutable_lifecycle_changed()->set_to(v1::LIFECYCLE_STAGE_MARKETING_QUALIFIED);
      else t->mutable_field_changed()->set_field("attrs.plan");
      a->mutable_notify_owner()->set_message("changed");
    } else {  // inactivity
      t->mutable_inactivity()->set_event_type(TypeName(i % kTypes));
      t->mutable_inactivity()->mutable_after()->set_seconds(14 * 86400);
      a->set_add_tag("dormant");
    }
  }
  return p;
}

// An engine with the bench's playbook and customers: in memory, or on a new
// state file at `path` in batched mode.
std::unique_ptr<saleskit::Engine> Build(absl::Time start, bool rules, const std::string& path = "") {
  saleskit::EngineOptions options;
  options.start = start;
  std::unique_ptr<saleskit::Engine> engine;
  if (path.empty()) {
    engine = *saleskit::Engine::Create(options);
  } else {
    std::remove(path.c_str());
    saleskit::StateOptions state;
    state.durability = saleskit::Durability::kBatched;
    state.checkpoint_every = static_cast<uint64_t>(g_checkpoint_every);
    absl::StatusOr<std::unique_ptr<saleskit::Engine>> opened = saleskit::Engine::Open(path, options, state);
    if (!opened.ok()) Fail(opened.status().ToString());
    engine = *std::move(opened);
  }
  if (absl::Status st = engine->DefinePlaybook(MakePlaybook(rules)); !st.ok()) Fail(st.ToString());
  Rng rng{7};
  const char* kCountries[] = {"DE", "US", "GB", "FR", "ES", "IT"};
  saleskit::Batch<v1::Customer> b;
  for (int64_t i = 0; i < g_customers; ++i) {
    v1::Customer& c = b.records.emplace_back();
    c.set_id(CustomerId(i));
    c.set_country(kCountries[rng.Pick(6)]);
    c.set_employee_count(rng.Pick(1000));
    c.set_lifecycle_stage(v1::LIFECYCLE_STAGE_LEAD);
    if (rng.Pick(3) == 0) c.set_owner_id(absl::StrCat("rep", rng.Pick(10)));
    (*c.mutable_attrs())["plan"].set_string_value(rng.Pick(3) == 0 ? "trial" : "pro");
  }
  if (!engine->UpsertCustomers(b).ok()) Fail("UpsertCustomers");
  return engine;
}

std::vector<saleskit::Batch<v1::Event>> Events(absl::Time start, int64_t n, int64_t per_batch, uint64_t seed) {
  Rng rng{seed};
  std::vector<saleskit::Batch<v1::Event>> out;
  const Micros t0 = saleskit::ToMicros(start);
  const double step = 30 * 86400e6 / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) {
    if (i % per_batch == 0) out.emplace_back();
    v1::Event& e = out.back().records.emplace_back();
    e.set_customer_id(CustomerId(rng.Pick(static_cast<int>(g_customers))));
    e.set_type(TypeName(rng.Pick(kTypes)));
    e.set_value(rng.Pick(100));
    SetTime(t0 + static_cast<Micros>(step * static_cast<double>(i + 1)), e.mutable_occurred_at());
  }
  return out;
}

struct Result {
  double wall = 0, cpu = 0;
  uint64_t audit = 0, outbox = 0;
};

// Replays batches as a host would: advance, ingest, drain the outbox, trim.
Result Replay(saleskit::Engine& engine, const std::vector<saleskit::Batch<v1::Event>>& batches) {
  Result r;
  // Kept across polls, as a host that polls in a loop would: their memory is reused.
  std::vector<v1::OutboxEntry> polled;
  std::vector<std::string> delivered;
  Stopwatch watch;
  for (const auto& batch : batches) {
    const auto& last = batch.records.back().occurred_at();
    const absl::Time at = absl::FromUnixSeconds(last.seconds()) + absl::Nanoseconds(last.nanos());
    if (absl::Status st = engine.AdvanceTo(std::max(at, engine.now())); !st.ok()) Fail(st.ToString());
    absl::StatusOr<saleskit::LoadReport> report = engine.IngestEvents(batch);
    if (!report.ok()) Fail(report.status().ToString());
    engine.PollOutbox(SIZE_MAX, &polled);
    delivered.resize(polled.size());
    for (size_t i = 0; i < polled.size(); ++i) delivered[i] = polled[i].id();
    if (g_ack_each) {
      for (const std::string& id : delivered) {
        if (!engine.AckOutbox(id).ok()) Fail("ack");
      }
    } else if (!engine.AckOutbox(absl::MakeConstSpan(delivered)).ok()) {
      Fail("ack");
    }
    r.outbox += delivered.size();
    const uint64_t audit = engine.LastAudit();
    r.audit = audit;
    engine.TrimAudit(audit);
    engine.TrimOutbox(UINT64_MAX);
    engine.TrimTasks(engine.LastTask());  // handed to the CRM
    // The rules consumed them: a host that does not read them trims them.
    engine.TrimSegmentChanges(engine.LastSegmentChange());
    engine.TrimScoreCrossings(engine.LastScoreCrossing());
  }
  if (absl::Status st = engine.Flush(); !st.ok()) Fail(st.ToString());  // durable: the acknowledgement
  r.wall = watch.Wall();
  r.cpu = watch.Cpu();
  return r;
}

std::vector<double> Singles(saleskit::Engine& engine, const std::vector<saleskit::Batch<v1::Event>>& batches) {
  std::vector<double> micros;
  micros.reserve(batches.size());
  for (const auto& batch : batches) {
    timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    absl::StatusOr<saleskit::LoadReport> r = engine.IngestEvents(batch);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (!r.ok()) Fail(r.status().ToString());
    micros.push_back(Seconds(a, b) * 1e6);
  }
  std::sort(micros.begin(), micros.end());
  return micros;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!IntFlag(arg, "--customers", &g_customers) && !IntFlag(arg, "--events", &g_events) &&
        !IntFlag(arg, "--batch", &g_batch) && !IntFlag(arg, "--singles", &g_singles) &&
        !IntFlag(arg, "--score-segments", &g_score_segments) && !IntFlag(arg, "--peer-only", &g_peer_only) &&
        !IntFlag(arg, "--durable", &g_durable) && !IntFlag(arg, "--checkpoint-every", &g_checkpoint_every) &&
        !IntFlag(arg, "--ack-each", &g_ack_each)) {
      if (auto dir = FlagValue(arg, "--dir")) {
        g_dir = *dir;
        continue;
      }
      Fail(absl::StrCat("unknown flag ", arg));
    }
  }
  const absl::Time start = absl::FromCivil(absl::CivilSecond(2026, 10, 1, 0, 0, 0), absl::UTCTimeZone());
  std::printf("automation_bench: %lld customers, %lld events in batches of %lld, 50 segments, 3 scores\n",
              static_cast<long long>(g_customers), static_cast<long long>(g_events), static_cast<long long>(g_batch));
  const auto batches = Events(start, g_events, g_batch, 11);
  const auto singles = Events(start + absl::Hours(24 * 30), g_singles, 1, 13);

  double rates[2];
  for (int with_rules = 0; with_rules < (g_peer_only ? 1 : 2); ++with_rules) {
    Stopwatch setup;
    std::unique_ptr<saleskit::Engine> engine = Build(start, with_rules);
    std::printf("%-24s %.2f s to define the playbook and upsert %lld customers\n",
                with_rules ? "100 rules setup:" : "peer setup:", setup.Wall(), static_cast<long long>(g_customers));
    const Result r = Replay(*engine, batches);
    rates[with_rules] = static_cast<double>(g_events) / r.wall;
    std::printf("%-24s %9.0f events/s (wall %.2f s, cpu %.2f s)  audit records %llu, outbox entries %llu\n",
                with_rules ? "100 rules:" : "peer, no rules:", rates[with_rules], r.wall, r.cpu,
                static_cast<unsigned long long>(r.audit), static_cast<unsigned long long>(r.outbox));
    const std::vector<double> lat = Singles(*engine, singles);
    std::printf("%-24s p50 %.2f us  p99 %.2f us  per one-event call (%zu calls)\n", "", Percentile(lat, 0.5),
                Percentile(lat, 0.99), lat.size());
  }
  if (g_peer_only) return 0;
  std::printf("rules cost: %.2fx the time of the same engine without rules; floor 500000 events/s: %s\n",
              rates[0] / rates[1], rates[1] >= 500000 ? "met" : "NOT met");
  if (!g_durable) return 0;
  const std::string path = absl::StrCat(g_dir, "/automation_bench_", getpid(), ".db");
  Stopwatch setup;
  std::unique_ptr<saleskit::Engine> engine = Build(start, true, path);
  std::printf("%-24s %.2f s to define the playbook and upsert %lld customers\n", "durable setup:", setup.Wall(),
              static_cast<long long>(g_customers));
  const Result r = Replay(*engine, batches);
  const double rate = static_cast<double>(g_events) / r.wall;
  std::printf("%-24s %9.0f events/s (wall %.2f s, cpu %.2f s); x%.2f the in-memory time; floor 100000 events/s: %s\n",
              "100 rules, durable:", rate, r.wall, r.cpu, rates[1] / rate, rate >= 100000 ? "met" : "NOT met");
  std::printf("%-24s %llu journal entries (one per call: ingests, clock moves, acks, trims), checkpoint through %llu,"
              " %llu tasks made (the host trims them)\n",
              "", static_cast<unsigned long long>(engine->Acknowledged()),
              static_cast<unsigned long long>(engine->CheckpointSeq()),
              static_cast<unsigned long long>(engine->LastTask()));
  engine.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove(absl::StrCat(path, suffix).c_str());
  return 0;
}
