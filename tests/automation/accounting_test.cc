// Property tests of the runner's promises over random playbooks and event
// streams: no silent drops (every matched trigger ends as an applied action,
// an outbox entry or an audit record of why not), and determinism.
#include <map>
#include <random>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "saleskit/engine.h"
#include "saleskit/io/readers.h"
#include "test_util.h"

namespace saleskit {
namespace {

const char* const kEventTypes[] = {"visit", "click", "form", "call"};
const char* const kSegments[] = {"big", "de", "clicky"};

struct Scenario {
  v1::Playbook playbook;
  // Host inputs in order: a customer CSV batch, an event CSV batch, or a clock move.
  struct Step {
    RecordKind kind;
    std::string csv;
    absl::Time advance;
  };
  std::vector<Step> steps;
  // Events per (customer, type) with value > 5, and in total, as sent.
  std::map<std::pair<std::string, std::string>, int> events, big_events;
};

v1::Action RandomAction(std::mt19937_64& rng) {
  v1::Action a;
  switch (rng() % 8) {
    case 0: a.mutable_send_email()->set_template_id(absl::StrCat("t", rng() % 3)); break;
    case 1: a.mutable_webhook()->set_name("sms"), a.mutable_webhook()->set_channel("sms"); break;
    case 2: a.mutable_notify_owner()->set_message("look"); break;
    case 3: a.set_add_tag(absl::StrCat("tag", rng() % 3)); break;
    case 4: a.set_remove_tag(absl::StrCat("tag", rng() % 3)); break;
    case 5: a.mutable_set_field()->set_field("attrs.w"), a.mutable_set_field()->set_value(absl::StrCat(rng() % 4)); break;
    case 6: a.mutable_assign_owner()->set_pool(rng() % 2 ? "rr" : "least"); break;
    default: a.mutable_create_task()->set_title("follow up"), a.mutable_create_task()->set_due_in_business_hours(rng() % 10); break;
  }
  return a;
}

Scenario RandomScenario(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Scenario s;
  v1::Playbook& p = s.playbook;
  p.set_version(absl::StrCat("seed-", seed));
  auto* seg = p.add_segments();
  seg->set_name("big"), seg->set_condition("customer.employee_count >= 100");
  seg = p.add_segments();
  seg->set_name("de"), seg->set_condition("customer.country == \"DE\"");
  seg = p.add_segments();
  seg->set_name("clicky"), seg->set_condition("events.count(\"click\", days(7)) >= 2");
  auto* score = p.add_scores();
  score->set_name("eng");
  auto* sr = score->add_rules();
  sr->set_event("click"), sr->set_points(10);
  sr = score->add_rules();
  sr->set_event("form"), sr->set_points(25);
  score->mutable_decay()->mutable_half_life()->set_seconds(3 * 86400);
  auto* th = score->add_thresholds();
  th->set_value(30), th->set_name("warm");
  th = score->add_thresholds();
  th->set_value(60), th->set_name("hot");
  for (const char* id : {"o1", "o2", "o3"}) p.add_owners()->set_id(id);
  p.mutable_owners(1)->set_unavailable(rng() % 2);
  auto* rr = p.add_pools();
  rr->set_name("rr"), rr->set_strategy(v1::RoutingPool::ROUND_ROBIN);
  for (const char* id : {"o1", "o2", "o3"}) rr->add_owners(id);
  auto* least = p.add_pools();
  least->set_name("least"), least->set_strategy(v1::RoutingPool::LEAST_LOADED);
  least->add_owners("o2"), least->add_owners("o3"), least->set_fallback_owner("o1");
  v1::Policies& pol = *p.mutable_policies();
  pol.set_timezone(rng() % 2 ? "Europe/Berlin" : "America/New_York");
  if (rng() % 2) {
    auto* cap = pol.add_caps();
    cap->set_channel("email"), cap->set_max(1 + rng() % 3), cap->mutable_window()->set_seconds(86400);
  }
  if (rng() % 2) pol.mutable_contact_budget()->set_max(1 + rng() % 4), pol.mutable_contact_budget()->mutable_window()->set_seconds(2 * 86400);
  if (rng() % 2) pol.mutable_quiet_hours()->set_start("20:00"), pol.mutable_quiet_hours()->set_end("08:00");
  pol.set_max_cascade_depth(1 + rng() % 3);

  const int rules = 4 + rng() % 10;
  for (int i = 0; i < rules; ++i) {
    v1::Rule& r = *p.add_rules();
    r.set_name(absl::StrCat("r", i));
    r.set_priority(rng() % 3);
    if (rng() % 4 == 0) r.set_group("g");
    v1::Trigger& t = *r.mutable_trigger();
    switch (rng() % 6) {
      case 0:
      case 1:
        t.mutable_event()->set_type(kEventTypes[rng() % 4]);
        if (rng() % 3 == 0) t.mutable_event()->set_condition("event.value > 5.0");
        break;
      case 2:
        t.mutable_segment()->set_segment(kSegments[rng() % 3]);
        t.mutable_segment()->set_on(rng() % 2 ? v1::SegmentChange::ENTER : v1::SegmentChange::EXIT);
        break;
      case 3:
        t.mutable_score()->set_score("eng");
        if (rng() % 2) t.mutable_score()->set_threshold(rng() % 2 ? "warm" : "hot");
        t.mutable_score()->set_direction(static_cast<v1::ScoreCrossing::Direction>(rng() % 3));
        break;
      case 4: t.mutable_field_changed()->set_field("attrs.a"); break;
      default: t.mutable_inactivity()->set_event_type("visit"), t.mutable_inactivity()->mutable_after()->set_seconds(86400 * (1 + rng() % 3)); break;
    }
    switch (rng() % 4) {
      case 0: r.set_condition("customer.attrs.a >= 2"); break;  // an error for customers without a
      case 1: r.set_condition("customer.country == \"DE\" || customer.employee_count > 50"); break;
      default: break;
    }
    const int actions = 1 + rng() % 3;
    for (int k = 0; k < actions; ++k) *r.add_actions() = RandomAction(rng);
  }

  absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 11, 2, 9, 0, 0), absl::UTCTimeZone());
  const int customers = 5 + rng() % 20;
  std::string csv = "id,country,employee_count,do_not_contact,consent.email,attrs.a\n";
  for (int c = 0; c < customers; ++c) {
    absl::StrAppend(&csv, "c", c, ",", rng() % 2 ? "DE" : "US", ",", rng() % 300, ",", rng() % 5 == 0 ? "true" : "false",
                    ",", rng() % 4 == 0 ? "opted_out" : "opted_in", ",", rng() % 4, "\n");
  }
  s.steps.push_back({RecordKind::kCustomers, csv, {}});
  int event_id = 0;
  for (int step = 0; step < 30; ++step) {
    const int kind = rng() % 4;
    if (kind == 0) {
      now += absl::Minutes(rng() % (3 * 24 * 60));
      s.steps.push_back({RecordKind::kEvents, "", now});
    } else if (kind == 1) {
      std::string update = "id,attrs.a,employee_count\n";
      for (int k = 0; k < 3; ++k) absl::StrAppend(&update, "c", rng() % customers, ",", rng() % 4, ",", rng() % 300, "\n");
      s.steps.push_back({RecordKind::kCustomers, update, {}});
    } else {
      std::string events = "id,customer_id,type,occurred_at,value\n";
      const int n = 1 + rng() % 6;
      for (int k = 0; k < n; ++k) {
        const std::string customer = absl::StrCat("c", rng() % customers);
        const std::string type = kEventTypes[rng() % 4];
        const int value = rng() % 10;
        absl::StrAppend(&events, "e", ++event_id, ",", customer, ",", type, ",",
                        absl::FormatTime(absl::RFC3339_sec, now - absl::Minutes(rng() % 600), absl::UTCTimeZone()), ",",
                        value, "\n");
        ++s.events[{customer, type}];
        if (value > 5) ++s.big_events[{customer, type}];
      }
      s.steps.push_back({RecordKind::kEvents, events, {}});
    }
  }
  return s;
}

// Runs a scenario; nullptr when its random playbook has a rule loop. The
// change and crossing logs' positions when the rules started go to `*since`.
std::unique_ptr<Engine> Run(const Scenario& s, std::pair<uint64_t, uint64_t>* since = nullptr) {
  EngineOptions options;
  options.start = absl::FromCivil(absl::CivilSecond(2026, 11, 2, 9, 0, 0), absl::UTCTimeZone());
  auto engine = std::move(*Engine::Create(options));
  absl::Status defined = engine->DefinePlaybook(s.playbook);
  if (!defined.ok()) {
    INFO(defined.ToString());
    REQUIRE(absl::StrContains(defined.message(), "loop"));
    return nullptr;
  }
  if (since != nullptr) *since = {engine->LastSegmentChange(), engine->LastScoreCrossing()};
  for (const Scenario::Step& step : s.steps) {
    if (step.csv.empty()) {
      REQUIRE(engine->AdvanceTo(step.advance).ok());
      continue;
    }
    absl::StatusOr<LoadReport> r = engine->Load(step.kind, step.csv, Format::kCsv);
    INFO(r.status().ToString() << "\n" << step.csv);
    REQUIRE(r.ok());
  }
  return engine;
}

std::string Fingerprint(const Engine& e) {
  std::string out;
  for (const auto& r : e.Audit()) out += SerializeDeterministic(r);
  for (const auto& o : e.OutboxEntries()) out += SerializeDeterministic(o);
  for (const auto& t : e.Tasks()) out += SerializeDeterministic(t);
  return out;
}

TEST_CASE("no silent drops: every matched trigger is accounted for, over random playbooks", "[automation][property]") {
  const int iterations = testing::PropertyIterations(60);
  int ran = 0;
  for (int it = 0; it < iterations; ++it) {
    const uint64_t seed = 1000 + it;
    INFO("seed " << seed);
    const Scenario s = RandomScenario(seed);
    std::pair<uint64_t, uint64_t> since;
    std::unique_ptr<Engine> engine = Run(s, &since);
    if (engine == nullptr) continue;
    ++ran;
    const std::vector<v1::AuditRecord> audit = engine->Audit();
    std::map<std::string, const v1::Rule*> rules;
    for (const v1::Rule& r : s.playbook.rules()) rules[r.name()] = &r;

    // 1. Each decision is complete: a skip has a reason; a fired rule has a
    //    result for every action, and a skipped action a reason.
    std::set<std::string> outbox_results, task_results;
    for (const v1::AuditRecord& r : audit) {
      INFO(r.ShortDebugString());
      REQUIRE(rules.count(r.rule()) == 1);
      if (r.outcome() == v1::AuditRecord::SKIPPED) {
        CHECK(r.reason() != v1::SKIP_REASON_UNSPECIFIED);
        continue;
      }
      REQUIRE(r.outcome() == v1::AuditRecord::FIRED);
      REQUIRE(r.actions_size() == rules[r.rule()]->actions_size());
      for (int i = 0; i < r.actions_size(); ++i) {
        const v1::ActionResult& a = r.actions(i);
        CHECK(a.index() == static_cast<uint32_t>(i));
        CHECK(a.result() != v1::ActionResult::RESULT_UNSPECIFIED);
        if (a.result() == v1::ActionResult::SKIPPED) CHECK(a.reason() != v1::SKIP_REASON_UNSPECIFIED);
        if (a.result() == v1::ActionResult::OUTBOX || a.result() == v1::ActionResult::DEFERRED) {
          CHECK(outbox_results.insert(a.id()).second);
        }
        if (rules[r.rule()]->actions(i).has_create_task() && a.result() == v1::ActionResult::APPLIED) {
          task_results.insert(a.id());
        }
      }
    }
    // 2. The outbox holds exactly the entries the audit says went there.
    std::set<std::string> outbox;
    for (const v1::OutboxEntry& o : engine->OutboxEntries()) outbox.insert(o.id());
    CHECK(outbox == outbox_results);
    std::set<std::string> tasks;
    for (const v1::Task& t : engine->Tasks()) tasks.insert(t.id());
    CHECK(tasks == task_results);

    // 3. Every matched trigger has its audit record: events counted from the
    //    input, segment changes and crossings from the engine's logs.
    std::map<std::pair<std::string, std::string>, int> audited;  // (rule, customer)
    for (const v1::AuditRecord& r : audit) ++audited[{r.rule(), r.customer_id()}];
    std::map<std::pair<std::string, std::string>, int> expected;
    for (const v1::Rule& r : s.playbook.rules()) {
      const v1::Trigger& t = r.trigger();
      if (t.has_event()) {
        const auto& counts = t.event().condition().empty() ? s.events : s.big_events;
        for (const auto& [key, n] : counts) {
          if (key.second == t.event().type()) expected[{r.name(), key.first}] += n;
        }
      } else if (t.has_segment()) {
        for (const SegmentChange& c : engine->SegmentChangesSince(since.first)) {
          const bool enter = c.kind == SegmentChange::Kind::kEnter;
          if (c.segment == t.segment().segment() && enter == (t.segment().on() == v1::SegmentChange::ENTER)) {
            ++expected[{r.name(), c.customer_id}];
          }
        }
      } else if (t.has_score()) {
        for (const v1::ScoreCrossing& c : engine->ScoreCrossingsSince(since.second)) {
          if (!t.score().threshold().empty() && c.threshold() != t.score().threshold()) continue;
          if (t.score().direction() != v1::ScoreCrossing::DIRECTION_UNSPECIFIED && c.direction() != t.score().direction()) {
            continue;
          }
          ++expected[{r.name(), c.customer_id()}];
        }
      } else {
        continue;  // field and inactivity triggers: covered by 1 and 2
      }
    }
    for (const auto& [key, n] : expected) {
      INFO("rule " << key.first << " customer " << key.second);
      CHECK(audited[key] == n);
    }
  }
  CHECK(ran >= iterations / 2);
}

TEST_CASE("same playbook, same inputs, same clock: the same audit, outbox and tasks byte for byte",
          "[automation][property]") {
  const int iterations = testing::PropertyIterations(20);
  for (int it = 0; it < iterations; ++it) {
    const Scenario s = RandomScenario(5000 + it);
    std::unique_ptr<Engine> a = Run(s);
    if (a == nullptr) continue;
    std::unique_ptr<Engine> b = Run(s);
    INFO("seed " << 5000 + it);
    CHECK(Fingerprint(*a) == Fingerprint(*b));
    CHECK(!Fingerprint(*a).empty());
  }
}

}  // namespace
}  // namespace saleskit
