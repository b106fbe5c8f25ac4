// Points scores through the Engine: condition and event rules, windows
// maxima, decay by half-life and time frame, clamping, grades, threshold
// crossings at their exact instants, lifecycle promotions, score() in CEL,
// explanations, bad definitions, erasure, and the promise that the live value
// equals a batch recompute and a model computed from the raw events.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <google/protobuf/text_format.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "internal/proto_time.h"
#include "saleskit/engine.h"
#include "test_util.h"

namespace saleskit {
namespace {

using testing::BatchOf;

absl::Time Day(int d, int hour = 12) {
  return absl::FromCivil(absl::CivilHour(2026, 3, 1, hour), absl::UTCTimeZone()) + absl::Hours(24 * (d - 1));
}

v1::Customer Person(const std::string& id, const std::string& country,
                    v1::LifecycleStage stage = v1::LIFECYCLE_STAGE_UNSPECIFIED) {
  v1::Customer c;
  c.set_id(id);
  if (!country.empty()) c.set_country(country);
  if (stage != v1::LIFECYCLE_STAGE_UNSPECIFIED) c.set_lifecycle_stage(stage);
  return c;
}

v1::Event Ev(const std::string& customer, const std::string& type, absl::Time at) {
  v1::Event e;
  e.set_customer_id(customer);
  e.set_type(type);
  internal::ToProto(ToMicros(at), e.mutable_occurred_at());
  return e;
}

std::unique_ptr<Engine> NewEngine(absl::Time start = Day(1)) {
  EngineOptions options;
  options.start = start;
  return *Engine::Create(options);
}

v1::ScoreDef Def(const std::string& text) {
  v1::ScoreDef def;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &def));
  return def;
}

absl::Status Define(Engine& e, const std::string& text) {
  const v1::ScoreDef def = Def(text);
  return e.DefineScores(absl::MakeConstSpan(&def, 1));
}

double Value(const Engine& e, const std::string& score, const std::string& id) {
  absl::StatusOr<ScoreValue> v = e.GetScore(score, id);
  REQUIRE(v.ok());
  return v->value;
}

std::string CrossingsText(const std::vector<v1::ScoreCrossing>& crossings) {
  std::string out;
  for (const v1::ScoreCrossing& c : crossings) {
    absl::StrAppend(&out, c.seq(), " ", c.score(), " ", c.customer_id(), " ",
                    c.direction() == v1::ScoreCrossing::UP ? "up" : "down", " ", c.threshold(), " ",
                    absl::FormatTime("%Y-%m-%dT%H:%M:%E6S", ToTime(internal::FromProto(c.at())), absl::UTCTimeZone()));
    if (c.promoted_to() != v1::LIFECYCLE_STAGE_UNSPECIFIED) {
      absl::StrAppend(&out, " -> ", v1::LifecycleStage_Name(c.promoted_to()));
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

constexpr char kLead[] = R"pb(
  name: "lead"
  rules { condition: 'customer.country == "DE"' points: 20 }
  rules { event: "email_click" points: 5 max_per_window: 2 window { seconds: 86400 } }
  rules { event: "unsubscribe" points: -30 }
  min: 0
  max: 100
  grades { grade: "A" min: 50 }
  grades { grade: "B" min: 25 }
  thresholds { value: 30 name: "warm" }
)pb";

TEST_CASE("condition and event rules add up, with a maximum per window and clamping", "[scores]") {
  auto e = NewEngine();
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "DE"), Person("b", "FR")})).ok());
  REQUIRE(Define(*e, kLead).ok());
  CHECK(Value(*e, "lead", "a") == 20);
  CHECK(Value(*e, "lead", "b") == 0);
  CHECK(e->GetScore("lead", "a")->grade == "");
  // Three clicks on day 1: only two earn; one on day 2 earns again.
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "email_click", Day(1, 8)), Ev("a", "email_click", Day(1, 9)),
                                   Ev("a", "email_click", Day(1, 10))}))
              .ok());
  CHECK(Value(*e, "lead", "a") == 30);
  CHECK(e->GetScore("lead", "a")->grade == "B");
  REQUIRE(e->AdvanceTo(Day(2)).ok());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "email_click", Day(2, 9))})).ok());
  CHECK(Value(*e, "lead", "a") == 35);
  // A late click earlier on day 1 takes an earning place; the day's total stays 2.
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "email_click", Day(1, 7))})).ok());
  CHECK(Value(*e, "lead", "a") == 35);
  // Negative points, then the floor.
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "unsubscribe", Day(2, 10)), Ev("b", "unsubscribe", Day(2, 10))})).ok());
  CHECK(Value(*e, "lead", "a") == 5);
  CHECK(Value(*e, "lead", "b") == 0);
  // A condition rule follows upserts.
  REQUIRE(e->UpsertCustomers(BatchOf({Person("b", "DE")})).ok());
  CHECK(Value(*e, "lead", "b") == 0);  // 20 - 30, clamped
  CHECK(CrossingsText(e->ScoreCrossingsSince(0)) ==
        "1 lead a up warm 2026-03-01T12:00:00.000000\n"
        "2 lead a down warm 2026-03-02T12:00:00.000000\n");
}

TEST_CASE("a half-life halves event points and a decaying score crosses down at its instant", "[scores]") {
  auto e = NewEngine(Day(1, 0));
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "")})).ok());
  REQUIRE(Define(*e, R"pb(
    name: "engagement"
    rules { event: "demo_request" points: 80 }
    decay { half_life { seconds: 86400 } }
    thresholds { value: 40 name: "hot" }
    thresholds { value: 10 name: "warm" }
  )pb").ok());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "demo_request", Day(1, 0))})).ok());
  CHECK(Value(*e, "engagement", "a") == 80);
  REQUIRE(e->AdvanceTo(Day(2, 0)).ok());
  CHECK(Value(*e, "engagement", "a") == 40);  // one half-life: exactly half
  REQUIRE(e->AdvanceTo(Day(2, 12)).ok());
  CHECK(Value(*e, "engagement", "a") == Approx(80 * std::exp2(-1.5)));
  // 80 -> 40 after one day (still "hot" at 40), 80 -> 10 after three.
  REQUIRE(e->AdvanceTo(Day(10)).ok());
  const std::vector<v1::ScoreCrossing> c = e->ScoreCrossingsSince(0);
  REQUIRE(c.size() == 4);
  CHECK(CrossingsText({c[0], c[1]}) ==
        "1 engagement a up warm 2026-03-01T00:00:00.000000\n"
        "2 engagement a up hot 2026-03-01T00:00:00.000000\n");
  auto at = [&](int i) { return ToTime(internal::FromProto(c[i].at())); };
  CHECK(c[2].direction() == v1::ScoreCrossing::DOWN);
  CHECK(c[2].threshold() == "hot");
  CHECK(at(2) > Day(2, 0));
  CHECK(at(2) <= Day(2, 0) + absl::Milliseconds(1));
  CHECK(c[2].value() < 40);
  CHECK(c[3].threshold() == "warm");
  CHECK(at(3) > Day(4, 0));
  CHECK(at(3) <= Day(4, 0) + absl::Milliseconds(1));
  // After ten half-lives the event no longer counts at all.
  REQUIRE(e->AdvanceTo(Day(12)).ok());
  CHECK(Value(*e, "engagement", "a") == 0);
}

TEST_CASE("a time frame counts event points in full, then not at all", "[scores]") {
  auto e = NewEngine(Day(1, 0));
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "")})).ok());
  REQUIRE(Define(*e, R"pb(
    name: "recent"
    rules { event: "visit" points: 10 }
    decay { time_frame { seconds: 604800 } }
    thresholds { value: 20 name: "active" }
  )pb").ok());
  REQUIRE(e->AdvanceTo(Day(2)).ok());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "visit", Day(1, 6)), Ev("a", "visit", Day(3, 6))})).ok());
  CHECK(Value(*e, "recent", "a") == 10);  // the day-3 visit is in the future
  REQUIRE(e->AdvanceTo(Day(4)).ok());
  CHECK(Value(*e, "recent", "a") == 20);
  REQUIRE(e->AdvanceTo(Day(20)).ok());
  CHECK(Value(*e, "recent", "a") == 0);
  CHECK(CrossingsText(e->ScoreCrossingsSince(0)) ==
        "1 recent a up active 2026-03-03T06:00:00.000000\n"
        "2 recent a down active 2026-03-08T06:00:00.000000\n");
}

TEST_CASE("an upward crossing promotes the lifecycle stage, never backward", "[scores]") {
  auto e = NewEngine();
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "DE", v1::LIFECYCLE_STAGE_LEAD),
                                      Person("b", "DE", v1::LIFECYCLE_STAGE_CUSTOMER)}))
              .ok());
  REQUIRE(e->DefineSegment("mqls", R"(customer.lifecycle_stage == "marketing_qualified")").ok());
  REQUIRE(Define(*e, R"pb(
    name: "fit"
    rules { condition: 'customer.country == "DE"' points: 40 }
    rules { event: "pricing_view" points: 30 }
    thresholds { value: 70 name: "mql" promote_to: LIFECYCLE_STAGE_MARKETING_QUALIFIED }
  )pb").ok());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "pricing_view", Day(1)), Ev("b", "pricing_view", Day(1))})).ok());
  CHECK(e->GetCustomer("a")->lifecycle_stage() == v1::LIFECYCLE_STAGE_MARKETING_QUALIFIED);
  CHECK(e->GetCustomer("b")->lifecycle_stage() == v1::LIFECYCLE_STAGE_CUSTOMER);
  CHECK(*e->SegmentMembers("mqls") == std::vector<std::string>{"a"});
  CHECK(CrossingsText(e->ScoreCrossingsSince(0)) ==
        "1 fit a up mql 2026-03-01T12:00:00.000000 -> LIFECYCLE_STAGE_MARKETING_QUALIFIED\n"
        "2 fit b up mql 2026-03-01T12:00:00.000000\n");
}

TEST_CASE("segments read score() and follow its events and decay", "[scores]") {
  auto e = NewEngine(Day(1, 0));
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "DE"), Person("b", "FR")})).ok());
  REQUIRE(Define(*e, R"pb(
    name: "lead"
    rules { condition: 'customer.country == "DE"' points: 20 }
    rules { event: "click" points: 40 }
    decay { half_life { seconds: 86400 } }
  )pb").ok());
  REQUIRE(e->DefineSegment("hot", R"(score("lead") >= 50)").ok());
  CHECK(e->SegmentMembers("hot")->empty());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "click", Day(1, 0)), Ev("b", "click", Day(1, 0))})).ok());
  CHECK(*e->SegmentMembers("hot") == std::vector<std::string>{"a"});
  REQUIRE(e->UpsertCustomers(BatchOf({Person("b", "DE")})).ok());
  CHECK(*e->SegmentMembers("hot") == std::vector<std::string>{"a", "b"});
  REQUIRE(e->AdvanceTo(Day(2, 0)).ok());  // 20 + 20 < 50
  CHECK(e->SegmentMembers("hot")->empty());
  // Ad-hoc expressions read scores too; an unknown score is an error.
  auto expr = e->Compile(R"(score("lead") > 39.0)");
  REQUIRE(expr.ok());
  CHECK(*e->Match(**expr) == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(e->DefineSegment("bad", R"(score("nope") > 1.0)").ok());
  // A score read by a segment cannot be removed.
  CHECK(e->RemoveScore("lead").code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE(e->RemoveSegment("hot").ok());
  REQUIRE(e->RemoveScore("lead").ok());
  CHECK(e->GetScore("lead", "a").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("an event rule counts a derived event kind", "[scores]") {
  auto e = NewEngine();
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "")})).ok());
  v1::Playbook pb;
  v1::EventKindDef* kind = pb.add_event_kinds();
  kind->set_name("pricing_view");
  kind->set_condition(R"(event.type == "page_view" && event.properties.url.startsWith("/pricing"))");
  *pb.add_scores() = Def(R"pb(name: "intent" rules { event: "pricing_view" points: 10 } rules { event: "page_view" points: 1 })pb");
  REQUIRE(e->DefinePlaybook(pb).ok());
  v1::Event pricing = Ev("a", "page_view", Day(1));
  (*pricing.mutable_properties())["url"] = "/pricing/team";
  v1::Event home = Ev("a", "page_view", Day(1));
  (*home.mutable_properties())["url"] = "/";
  REQUIRE(e->IngestEvents(BatchOf({pricing, home})).ok());
  CHECK(Value(*e, "intent", "a") == 12);
  CHECK(e->GetPlaybook().scores_size() == 1);
}

TEST_CASE("explain lists each rule's points and the events behind them", "[scores]") {
  auto e = NewEngine(Day(1, 3));
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "DE")})).ok());
  REQUIRE(Define(*e, R"pb(
    name: "lead"
    rules { name: "German" condition: 'customer.country == "DE"' points: 20 }
    rules { event: "click" points: 10 max_per_window: 1 window { seconds: 86400 } }
    decay { time_frame { seconds: 864000 } }
  )pb").ok());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "click", Day(1, 1)), Ev("a", "click", Day(1, 2))})).ok());
  absl::StatusOr<ScoreExplanation> x = e->ExplainScore("lead", "a");
  REQUIRE(x.ok());
  CHECK(x->value == 30);
  REQUIRE(x->rules.size() == 2);
  CHECK(x->rules[0].rule == "German");
  CHECK(x->rules[0].holds);
  CHECK(x->rules[0].points == 20);
  CHECK(x->rules[1].rule == "click");
  CHECK(x->rules[1].points == 10);
  REQUIRE(x->rules[1].events.size() == 2);
  CHECK(x->rules[1].events[0].points == 10);
  CHECK(x->rules[1].events[0].expires == Day(11, 1));
  CHECK(x->rules[1].events[1].over_maximum);
  CHECK(x->rules[1].events[1].points == 0);
  CHECK(e->ExplainScore("lead", "nobody").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("bad score definitions are rejected whole, naming the score and rule", "[scores][errors]") {
  auto e = NewEngine();
  auto error = [&](const std::string& text) {
    absl::Status st = Define(*e, text);
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    return std::string(st.message());
  };
  CHECK(error(R"pb(name: "s" rules { event: "x" points: 1 } max: 100 thresholds { value: 150 })pb") ==
        "score \"s\": threshold \"150\" (150) is outside the score's range [-inf, 100]");
  CHECK(error(R"pb(name: "s" rules { event: "x" points: 1 } min: 0 max: 10 grades { grade: "A" min: -1 })pb").find(
            "outside the score's range [0, 10]") != std::string::npos);
  CHECK(error(R"pb(name: "s")pb") == "score \"s\": has no rules");
  CHECK(error(R"pb(name: "s" rules { points: 1 })pb") == "score \"s\": rule 1: needs a condition or an event");
  CHECK(error(R"pb(name: "s" rules { condition: "customer.country" points: 1 })pb").find("must be bool") !=
        std::string::npos);
  CHECK(error(R"pb(name: "s" rules { condition: "customer.country ==" points: 1 })pb").find("rule 1: ") !=
        std::string::npos);
  CHECK(error(R"pb(name: "s" rules { condition: 'in_segment("none")' points: 1 })pb").find(
            "score \"s\", rule 1") != std::string::npos);
  CHECK(error(R"pb(name: "s" rules { event: "x" points: 1 max_per_window: 2 })pb") ==
        "score \"s\": rule 1: max_per_window needs a window");
  CHECK(error(R"pb(name: "s" rules { event: "x" points: 1 }
                   decay { half_life { seconds: 1 } time_frame { seconds: 1 } })pb") ==
        "score \"s\": decay has both a half_life and a time_frame; choose one");
  CHECK(error(R"pb(name: "s" rules { event: "x" points: 1 } decay { half_life { seconds: -5 } })pb") ==
        "score \"s\": decay.half_life must be a positive duration");
  CHECK(error(R"pb(name: "s" rules { event: "x" points: 1 } min: 5 max: 1)pb") ==
        "score \"s\": min (5) is above max (1)");
  CHECK(error(R"pb(name: "s" rules { event: "x" points: inf })pb") ==
        "score \"s\": rule 1: points is not a finite number");
  CHECK(error(R"pb(name: "s" rules { event: "x" points: 1 } thresholds { value: 3 } thresholds { value: 3 })pb") ==
        "score \"s\": two thresholds at 3");
  CHECK(error(R"pb(name: "1s" rules { event: "x" points: 1 })pb").find("name") != std::string::npos);
  // Duplicate names: within one call and with a defined score; nothing is applied.
  std::vector<v1::ScoreDef> twice = {Def(R"pb(name: "d" rules { event: "x" points: 1 })pb"),
                                     Def(R"pb(name: "d" rules { event: "y" points: 1 })pb")};
  CHECK(e->DefineScores(twice).message() == "score \"d\": defined twice");
  CHECK(e->Scores().empty());
  REQUIRE(Define(*e, R"pb(name: "d" rules { event: "x" points: 1 })pb").ok());
  CHECK(error(R"pb(name: "d" rules { event: "x" points: 1 })pb") == "score \"d\": a score with this name already exists");
  // A playbook whose segment fails defines none of its scores either.
  v1::Playbook pb;
  *pb.add_scores() = Def(R"pb(name: "p" rules { condition: 'customer.country == "DE"' points: 1 })pb");
  v1::SegmentDef* bad = pb.add_segments();
  bad->set_name("broken");
  bad->set_condition("customer.country ==");
  CHECK_FALSE(e->DefinePlaybook(pb).ok());
  CHECK(e->Scores().size() == 1);
  CHECK(e->GetPlaybook().segments_size() == 0);
  // ... and the engine goes on as if it had never been tried.
  REQUIRE(e->UpsertCustomers(BatchOf({Person("z", "DE")})).ok());
  pb.mutable_segments(0)->set_condition(R"(score("p") > 0.0)");
  REQUIRE(e->DefinePlaybook(pb).ok());
  CHECK(Value(*e, "p", "z") == 1);
  CHECK(*e->SegmentMembers("broken") == std::vector<std::string>{"z"});
}

TEST_CASE("erasing a customer removes their scores' events and crossings", "[scores]") {
  auto e = NewEngine();
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", ""), Person("b", "")})).ok());
  REQUIRE(Define(*e, R"pb(name: "s" rules { event: "x" points: 10 } thresholds { value: 5 })pb").ok());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "x", Day(1)), Ev("b", "x", Day(1))})).ok());
  REQUIRE(e->ScoreCrossingsSince(0).size() == 2);
  REQUIRE(e->EraseCustomer("a").ok());
  REQUIRE(e->ScoreCrossingsSince(0).size() == 1);
  CHECK(e->ScoreCrossingsSince(0)[0].customer_id() == "b");
  // A new customer taking the erased row starts from nothing.
  REQUIRE(e->UpsertCustomers(BatchOf({Person("c", "")})).ok());
  CHECK(Value(*e, "s", "c") == 0);
  CHECK(e->EvaluateScores()[0].second == std::vector<double>{0, 10});
}

// ----------------------------------------------------------------- property

// The score of the property test computed from the raw events, independently.
struct Model {
  struct Event {
    Micros at;
    std::string type;
  };
  std::map<std::string, std::string> country;
  std::map<std::string, std::vector<Event>> events;

  double Score(const std::string& id, Micros now) const {
    double sum = country.at(id) == "DE" ? 15 : 0;
    if (country.at(id) == "US") sum -= 5;
    auto it = events.find(id);
    if (it != events.end()) {
      struct Rule {
        const char* type;
        double points;
        int max;
      };
      const Rule rules[] = {{"click", 5, 2}, {"visit", 1, 0}, {"unsubscribe", -12, 0}};
      const Micros half = int64_t{2} * 86400 * 1000000, horizon = 10 * half, day = int64_t{86400} * 1000000;
      for (const Rule& r : rules) {
        std::vector<Micros> times;
        for (const Event& ev : it->second) {
          if (ev.type == r.type && ev.at <= now && now - ev.at < horizon) times.push_back(ev.at);
        }
        std::sort(times.begin(), times.end());
        std::map<Micros, int> per_day;
        for (Micros t : times) {
          const Micros d = t >= 0 ? t / day : -((-t + day - 1) / day);
          if (r.max > 0 && ++per_day[d] > r.max) continue;
          sum += r.points * std::exp2(-static_cast<double>(now - t) / static_cast<double>(half));
        }
      }
    }
    return std::clamp(sum, -10.0, 40.0);
  }
};

TEST_CASE("live scores equal a batch recompute and a model of the raw events", "[scores][property]") {
  const int iterations = testing::PropertyIterations(60);
  std::mt19937_64 rng(7);
  const char* kCountries[] = {"DE", "FR", "US"};
  const char* kTypes[] = {"click", "visit", "unsubscribe", "other"};
  const v1::ScoreDef def = Def(R"pb(
    name: "p"
    rules { condition: 'customer.country == "DE"' points: 15 }
    rules { condition: 'customer.country == "US"' points: -5 }
    rules { event: "click" points: 5 max_per_window: 2 window { seconds: 86400 } }
    rules { event: "visit" points: 1 }
    rules { event: "unsubscribe" points: -12 }
    decay { half_life { seconds: 172800 } }
    min: -10
    max: 40
    thresholds { value: 0 name: "zero" }
    thresholds { value: 12 name: "warm" }
    thresholds { value: 25 name: "hot" }
  )pb");
  for (int it = 0; it < iterations; ++it) {
    auto e = NewEngine(Day(1, 0));
    Model model;
    const bool define_first = it % 2 == 0;
    if (define_first) REQUIRE(e->DefineScores(absl::MakeConstSpan(&def, 1)).ok());
    for (int step = 0; step < 40; ++step) {
      const int op = static_cast<int>(rng() % 10);
      const std::string id = absl::StrCat("c", rng() % 8);
      if (op < 2) {
        const std::string country = kCountries[rng() % 3];
        REQUIRE(e->UpsertCustomers(BatchOf({Person(id, country)})).ok());
        model.country[id] = country;
      } else if (op < 7 && !model.country.empty()) {
        // A batch of events, out of order and up to a day in the future.
        Batch<v1::Event> batch;
        auto known = model.country.begin();
        std::advance(known, static_cast<long>(rng() % model.country.size()));
        const int n = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < n; ++k) {
          const absl::Time at = e->now() + absl::Minutes(static_cast<int64_t>(rng() % (6 * 24 * 60)) - 5 * 24 * 60);
          const std::string type = kTypes[rng() % 4];
          batch.records.push_back(Ev(known->first, type, at));
          if (define_first || step > 0) model.events[known->first].push_back({ToMicros(at), type});
        }
        REQUIRE(e->IngestEvents(batch).ok());
      } else if (op < 9) {
        REQUIRE(e->AdvanceTo(e->now() + absl::Minutes(static_cast<int64_t>(rng() % (3 * 24 * 60)))).ok());
      } else if (!model.country.empty()) {
        auto victim = model.country.begin();
        std::advance(victim, static_cast<long>(rng() % model.country.size()));
        REQUIRE(e->EraseCustomer(victim->first).ok());
        model.events.erase(victim->first);
        model.country.erase(victim);
      }
      if (!define_first && step == 0) {
        REQUIRE(e->DefineScores(absl::MakeConstSpan(&def, 1)).ok());
        model.events.clear();  // events before the definition do not count
      }
    }
    // Live = batch, exactly; live = model of the raw events.
    const auto batch = e->EvaluateScores();
    REQUIRE(batch.size() == 1);
    const auto snapshot = e->Read();
    const Micros now = ToMicros(snapshot.now());
    for (const auto& [id, country] : model.country) {
      const uint32_t row = *snapshot.store().FindRow(id);
      const double live = snapshot.scores().Get("p", row, snapshot.now())->value;
      INFO("customer " << id << " iteration " << it);
      CHECK(live == batch[0].second[row]);
      CHECK(live == Approx(model.Score(id, now)).margin(1e-9));
    }
    // Each customer's crossings replay to the level of their current value.
    std::map<std::string, int> level;
    for (const v1::ScoreCrossing& c : snapshot.scores().CrossingsSince(0, SIZE_MAX, snapshot.store())) {
      level[c.customer_id()] += c.direction() == v1::ScoreCrossing::UP ? 1 : -1;
    }
    for (const auto& [id, country] : model.country) {
      const double v = snapshot.scores().Get("p", *snapshot.store().FindRow(id), snapshot.now())->value;
      const int expected = (v >= 0) + (v >= 12) + (v >= 25);
      INFO("customer " << id << " value " << v);
      CHECK(level[id] == expected);
    }
  }
}

}  // namespace
}  // namespace saleskit
