// Live segments through the Engine: definitions and their errors, incremental
// membership on upserts, events, accounts and erasure, time-driven exits,
// in_segment() dependencies, change records, explanations, derived event
// kinds, and the promise that incremental membership equals a batch recompute.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

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

v1::Customer Person(const std::string& id, const std::string& country, int employees = -1) {
  v1::Customer c;
  c.set_id(id);
  if (!country.empty()) c.set_country(country);
  if (employees >= 0) c.set_employee_count(employees);
  return c;
}

v1::Event Ev(const std::string& customer, const std::string& type, absl::Time at,
             std::map<std::string, std::string> properties = {}) {
  v1::Event e;
  e.set_customer_id(customer);
  e.set_type(type);
  internal::ToProto(ToMicros(at), e.mutable_occurred_at());
  for (const auto& [k, v] : properties) (*e.mutable_properties())[k] = v;
  return e;
}

std::unique_ptr<Engine> NewEngine(absl::Time start = Day(1)) {
  EngineOptions options;
  options.start = start;
  return *Engine::Create(options);
}

std::vector<std::string> Members(const Engine& e, const std::string& segment) {
  absl::StatusOr<std::vector<std::string>> m = e.SegmentMembers(segment);
  REQUIRE(m.ok());
  return *m;
}

std::vector<std::string> Ids(std::initializer_list<const char*> ids) { return {ids.begin(), ids.end()}; }

std::string ChangesText(const std::vector<SegmentChange>& changes) {
  std::string out;
  for (const SegmentChange& c : changes) {
    absl::StrAppend(&out, c.seq, " ", SegmentChangeKindName(c.kind), " ", c.segment, " ", c.customer_id, " ",
                    absl::FormatTime("%Y-%m-%dT%H:%M", c.at, absl::UTCTimeZone()), "\n");
  }
  return out;
}

LoadOptions Create() {
  LoadOptions o;
  o.unknown_customer = UnknownCustomer::kCreate;
  return o;
}

TEST_CASE("a segment is evaluated when defined and kept current on upserts", "[segments]") {
  auto e = NewEngine();
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "DE", 80), Person("b", "FR", 80), Person("c", "DE", 5)})).ok());
  REQUIRE(e->DefineSegment("big_de", R"(customer.country == "DE" && customer.employee_count >= 50)").ok());
  CHECK(Members(*e, "big_de") == Ids({"a"}));
  CHECK(*e->SegmentCount("big_de") == 1);
  CHECK(*e->IsMember("big_de", "a"));
  CHECK_FALSE(*e->IsMember("big_de", "b"));

  // b moves to Germany, a shrinks, d arrives already matching.
  v1::Customer b = Person("b", "DE");
  v1::Customer a;
  a.set_id("a");
  a.set_employee_count(10);
  REQUIRE(e->UpsertCustomers(BatchOf({b, a, Person("d", "DE", 500)})).ok());
  CHECK(Members(*e, "big_de") == Ids({"b", "d"}));
  CHECK(ChangesText(e->SegmentChangesSince(0)) ==
        "1 enter big_de a 2026-03-01T12:00\n"
        "2 enter big_de b 2026-03-01T12:00\n"
        "3 exit big_de a 2026-03-01T12:00\n"
        "4 enter big_de d 2026-03-01T12:00\n");  // in input order
  CHECK(e->LastSegmentChange() == 4);
  CHECK(ChangesText(e->SegmentChangesSince(2, 1)) == "3 exit big_de a 2026-03-01T12:00\n");
  e->TrimSegmentChanges(3);
  CHECK(ChangesText(e->SegmentChangesSince(0)) == "4 enter big_de d 2026-03-01T12:00\n");
}

TEST_CASE("a member by two clicks in 30 days leaves when the older click leaves the window", "[segments]") {
  auto e = NewEngine(Day(1));
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "DE")})).ok());
  REQUIRE(e->DefineSegment("engaged", R"(events.count("email_click", days(30)) >= 2)").ok());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "email_click", Day(1, 9))})).ok());
  REQUIRE(e->AdvanceTo(Day(5)).ok());
  CHECK(Members(*e, "engaged").empty());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "email_click", Day(5, 10))})).ok());
  CHECK(Members(*e, "engaged") == Ids({"a"}));
  // The day-1 click is in the window through day 30; on day 31 it is out.
  REQUIRE(e->AdvanceTo(Day(30, 23)).ok());
  CHECK(Members(*e, "engaged") == Ids({"a"}));
  REQUIRE(e->AdvanceTo(Day(60)).ok());
  CHECK(Members(*e, "engaged").empty());
  CHECK(ChangesText(e->SegmentChangesSince(0)) ==
        "1 enter engaged a 2026-03-05T12:00\n"
        "2 exit engaged a 2026-03-31T00:00\n");
}

TEST_CASE("days_since segments change at the customer's own instant", "[segments]") {
  auto e = NewEngine(Day(1));
  v1::Customer c = Person("a", "DE");
  internal::ToProto(ToMicros(Day(1, 6)), c.mutable_created_at());
  REQUIRE(e->UpsertCustomers(BatchOf({c})).ok());
  REQUIRE(e->DefineSegment("new", "days_since(customer.created_at) < 7").ok());
  CHECK(Members(*e, "new") == Ids({"a"}));
  REQUIRE(e->AdvanceTo(Day(20)).ok());
  CHECK(Members(*e, "new").empty());
  CHECK(ChangesText(e->SegmentChangesSince(1)) == "2 exit new a 2026-03-08T06:00\n");
}

TEST_CASE("a condition on now itself is re-evaluated when the clock moves", "[segments]") {
  auto e = NewEngine(Day(1));
  v1::Customer c = Person("a", "DE");
  internal::ToProto(ToMicros(Day(1, 6)), c.mutable_created_at());
  REQUIRE(e->UpsertCustomers(BatchOf({c})).ok());
  REQUIRE(e->DefineSegment("fresh", R"(customer.created_at > now - duration("48h"))").ok());
  CHECK(Members(*e, "fresh") == Ids({"a"}));
  REQUIRE(e->AdvanceTo(Day(2)).ok());
  CHECK(Members(*e, "fresh") == Ids({"a"}));
  REQUIRE(e->AdvanceTo(Day(4)).ok());
  CHECK(Members(*e, "fresh").empty());
}

TEST_CASE("in_segment builds on other segments and propagates their changes", "[segments]") {
  auto e = NewEngine();
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "DE", 80), Person("b", "DE", 5)})).ok());
  std::vector<v1::SegmentDef> defs(3);
  // Defined before what it reads: the order of a batch does not matter.
  defs[0].set_name("hot_de");
  defs[0].set_condition(R"(in_segment("de") && events.count("demo_request", days(7)) > 0)");
  defs[1].set_name("de");
  defs[1].set_condition(R"(customer.country == "DE")");
  defs[2].set_name("not_de");
  defs[2].set_condition(R"(!in_segment("de"))");
  REQUIRE(e->DefineSegments(defs).ok());
  std::vector<std::string> order;
  for (const auto& d : e->Segments()) order.push_back(d.name());
  CHECK(order == std::vector<std::string>{"de", "hot_de", "not_de"});
  CHECK(Members(*e, "not_de").empty());
  REQUIRE(e->IngestEvents(BatchOf({Ev("b", "demo_request", Day(1))})).ok());
  CHECK(Members(*e, "hot_de") == Ids({"b"}));
  v1::Customer moved = Person("b", "FR");
  REQUIRE(e->UpsertCustomers(BatchOf({moved})).ok());
  CHECK(Members(*e, "hot_de").empty());
  CHECK(Members(*e, "not_de") == Ids({"b"}));
  // Ad-hoc expressions read memberships too.
  auto expr = e->Compile(R"(in_segment("not_de"))");
  REQUIRE(expr.ok());
  CHECK(*e->Match(**expr) == Ids({"b"}));
  CHECK(e->Compile(R"(in_segment("nope"))").status().message() ==
        "in_segment(\"nope\"): there is no segment named \"nope\"");
  // A segment that others read cannot go; the reader can.
  CHECK(e->RemoveSegment("de").code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE(e->RemoveSegment("hot_de").ok());
  REQUIRE(e->RemoveSegment("not_de").ok());
  REQUIRE(e->RemoveSegment("de").ok());
  CHECK(e->SegmentCount("de").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("bad segment definitions are rejected whole, naming the segment", "[segments][errors]") {
  auto e = NewEngine();
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "DE")})).ok());
  REQUIRE(e->DefineSegment("de", R"(customer.country == "DE")").ok());
  auto define = [&](std::vector<std::pair<std::string, std::string>> pairs) {
    std::vector<v1::SegmentDef> defs;
    for (const auto& [name, cond] : pairs) {
      defs.emplace_back();
      defs.back().set_name(name);
      defs.back().set_condition(cond);
    }
    return e->DefineSegments(defs);
  };
  CHECK(define({{"count", "customer.employee_count + 1"}}).message() ==
        "segment \"count\": the condition must be bool, not int");
  CHECK(define({{"x", R"(in_segment("ghost"))"}}).message() ==
        "segment \"x\": in_segment(\"ghost\"): there is no segment named \"ghost\"");
  CHECK(define({{"a", R"(in_segment("b"))"}, {"b", R"(in_segment("c"))"}, {"c", R"(in_segment("a"))"}}).message() ==
        "segments refer to each other in a cycle: a -> b -> c -> a");
  CHECK(define({{"self", R"(in_segment("self"))"}}).message() ==
        "segments refer to each other in a cycle: self -> self");
  CHECK(define({{"de", "true"}}).message() == "segment \"de\": a segment with this name already exists");
  CHECK(define({{"y", "true"}, {"y", "false"}}).message() == "segment \"y\": defined twice");
  CHECK(define({{"9lives", "true"}}).message() == "segment name \"9lives\" must start with a letter");
  CHECK(define({{"has space", "true"}}).message() ==
        "segment name \"has space\" may hold only letters, digits, '_', '-' and '.'");
  CHECK(define({{"", "true"}}).message() == "a segment needs a name");
  CHECK(define({{"syntax", "customer.country =="}}).message().rfind("segment \"syntax\": Syntax error: 1:", 0) == 0);
  CHECK(define({{"win", R"(events.count("x", duration("90m")) > 1)"}}).message().find("segment \"win\": ERROR: 1:") ==
        0);
  CHECK(define({{"dyn", R"(in_segment(customer.country))"}}).message() ==
        "segment \"dyn\": ERROR: 1:20: in_segment() takes the segment name as a string literal");
  // Nothing of a failed batch stays: a good segment beside a bad one is not defined.
  CHECK_FALSE(define({{"good", "true"}, {"bad", "1"}}).ok());
  CHECK(e->SegmentCount("good").status().code() == absl::StatusCode::kNotFound);
  CHECK(e->Segments().size() == 1);
  CHECK(e->LastSegmentChange() == 1);
}

TEST_CASE("account fields: an account upsert re-evaluates its customers", "[segments]") {
  auto e = NewEngine();
  v1::Customer a = Person("a", "DE");
  a.set_account_id("acme");
  REQUIRE(e->UpsertCustomers(BatchOf({a, Person("b", "DE")})).ok());
  REQUIRE(e->DefineSegment("saas", R"(has(account.industry) && account.industry == "SaaS")").ok());
  CHECK(Members(*e, "saas").empty());
  v1::Account acme;
  acme.set_id("acme");
  acme.set_industry("SaaS");
  REQUIRE(e->UpsertAccounts(BatchOf({acme})).ok());
  CHECK(Members(*e, "saas") == Ids({"a"}));
  v1::Customer b;
  b.set_id("b");
  b.set_account_id("acme");
  REQUIRE(e->UpsertCustomers(BatchOf({b})).ok());
  CHECK(Members(*e, "saas") == Ids({"a", "b"}));
}

TEST_CASE("erasing a customer removes their memberships and change records", "[segments]") {
  auto e = NewEngine();
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "DE"), Person("b", "DE")})).ok());
  REQUIRE(e->DefineSegment("de", R"(customer.country == "DE")").ok());
  REQUIRE(e->DefineSegment("clicky", R"(events.count("click", days(7)) > 0)").ok());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "click", Day(1))})).ok());
  REQUIRE(e->EraseCustomer("a").ok());
  CHECK(Members(*e, "de") == Ids({"b"}));
  CHECK(Members(*e, "clicky").empty());
  CHECK(ChangesText(e->SegmentChangesSince(0)) == "2 enter de b 2026-03-01T12:00\n");
  // A new customer reusing the row starts clean, and the old timer is gone.
  REQUIRE(e->UpsertCustomers(BatchOf({Person("c", "FR")})).ok());
  REQUIRE(e->AdvanceTo(Day(30)).ok());
  CHECK(Members(*e, "de") == Ids({"b"}));
  CHECK(ChangesText(e->SegmentChangesSince(2)).empty());
  CHECK(e->IsMember("de", "a").status().code() == absl::StatusCode::kNotFound);
  CHECK(e->IsMember("nope", "b").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("explain gives each clause's value for a customer", "[segments]") {
  auto e = NewEngine();
  REQUIRE(e->UpsertCustomers(BatchOf({Person("a", "DE", 20)})).ok());
  REQUIRE(e->DefineSegment("target", R"((customer.country == "DE" || customer.country == "AT") &&
      customer.employee_count >= 50 && !(customer.email.endsWith("@gmail.com")))")
              .ok());
  absl::StatusOr<SegmentExplanation> x = e->ExplainSegment("target", "a");
  REQUIRE(x.ok());
  CHECK_FALSE(x->member);
  std::vector<std::string> lines;
  for (const ClauseValue& c : x->clauses) {
    lines.push_back(absl::StrCat(c.depth, " ", c.text, " = ", c.value.is_error() ? "error" : c.value.DebugString()));
  }
  CHECK(lines == std::vector<std::string>{
                     R"(0 customer.country == "DE" || customer.country == "AT" = true)",
                     R"(1 customer.country == "DE" = true)",
                     R"(1 customer.country == "AT" = false)",
                     R"(0 customer.employee_count >= 50 = false)",
                     R"(0 !(customer.email.endsWith("@gmail.com")) = error)",
                     R"(1 customer.email.endsWith("@gmail.com") = error)",
                 });
  REQUIRE(e->DefineSegment("one", R"(customer.country == "DE")").ok());
  x = e->ExplainSegment("one", "a");
  REQUIRE(x.ok());
  REQUIRE(x->clauses.size() == 1);
  CHECK(x->clauses[0].text == R"(customer.country == "DE")");
  CHECK(x->member);
  CHECK(e->ExplainSegment("one", "zz").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("derived event kinds count in windows like event types", "[segments][event_kinds]") {
  auto e = NewEngine();
  // The segment may come first: reading a kind's window is not an event of it.
  REQUIRE(e->DefineSegment("pricing", R"(events.count("pricing_view", days(30)) >= 2)").ok());
  std::vector<v1::EventKindDef> kinds(1);
  kinds[0].set_name("pricing_view");
  kinds[0].set_condition(R"(event.type == "page_view" && event.properties.url.startsWith("/pricing"))");
  REQUIRE(e->DefineEventKinds(kinds).ok());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "page_view", Day(1), {{"url", "/pricing/team"}}),
                                   Ev("a", "page_view", Day(1), {{"url", "/blog"}}),
                                   Ev("a", "page_view", Day(1)),  // no url: does not match
                                   Ev("b", "page_view", Day(1), {{"url", "/pricing"}})}),
                          Create())
              .ok());
  CHECK(Members(*e, "pricing").empty());
  REQUIRE(e->IngestEvents(BatchOf({Ev("a", "page_view", Day(1, 13), {{"url", "/pricing"}})})).ok());
  CHECK(Members(*e, "pricing") == Ids({"a"}));
  auto activity = e->GetActivity("a");
  REQUIRE(activity.ok());
  std::map<std::string, int64_t> counts;
  for (const auto& s : activity->events()) counts[s.type()] = s.count();
  CHECK(counts == std::map<std::string, int64_t>{{"page_view", 4}, {"pricing_view", 2}});

  auto bad = [&](const std::string& name, const std::string& cond) {
    std::vector<v1::EventKindDef> k(1);
    k[0].set_name(name);
    k[0].set_condition(cond);
    return std::string(e->DefineEventKinds(k).message());
  };
  CHECK(bad("pricing_view", "true") == "event kind \"pricing_view\": defined twice");
  CHECK(bad("page_view", "true") ==
        "event kind \"page_view\": events of this type were already ingested; a kind needs a name of its own");
  CHECK(bad("k", "event.value") .rfind("event kind \"k\": ERROR: 1:1:", 0) == 0);
  CHECK(bad("k2", "event.nope == 1").find("event kind \"k2\": ERROR: 1:6: undefined field 'nope'") == 0);
  CHECK(bad("", "true") == "a event kind needs a name");
}

// ---------------------------------------------------------------- property

// After any sequence of events, upserts, account changes, erasures and clock
// moves, the live memberships equal a batch evaluation at the same clock.
TEST_CASE("incremental membership equals a batch recompute", "[segments][property]") {
  const int iterations = testing::PropertyIterations(20);
  for (int it = 0; it < iterations; ++it) {
    std::mt19937_64 rng(9000 + it);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    absl::Time now = Day(1, pick(24));
    auto e = NewEngine(now);
    const std::vector<std::string> countries = {"DE", "FR", "AT"};
    const std::vector<std::string> types = {"click", "open", "purchase"};
    auto random_customer = [&](const std::string& id) {
      v1::Customer c;
      c.set_id(id);
      if (pick(4) != 0) c.set_country(countries[pick(3)]);
      if (pick(3) != 0) c.set_employee_count(pick(200));
      if (pick(2) == 0) c.set_account_id(absl::StrCat("acct", pick(3)));
      if (pick(3) == 0) internal::ToProto(ToMicros(now - absl::Hours(pick(24 * 20))), c.mutable_created_at());
      if (pick(3) == 0) (*c.mutable_attrs())["plan"].set_string_value(pick(2) ? "pro" : "free");
      return c;
    };
    Batch<v1::Customer> initial;
    for (int i = 0; i < 12; ++i) initial.records.push_back(random_customer(absl::StrCat("c", i)));
    REQUIRE(e->UpsertCustomers(initial).ok());
    std::vector<v1::EventKindDef> kinds(1);
    kinds[0].set_name("big_purchase");
    kinds[0].set_condition(R"(event.type == "purchase" && event.value >= 100.0)");
    REQUIRE(e->DefineEventKinds(kinds).ok());
    std::vector<v1::SegmentDef> defs;
    auto def = [&](const std::string& name, const std::string& cond) {
      defs.emplace_back();
      defs.back().set_name(name);
      defs.back().set_condition(cond);
    };
    def("de", R"(customer.country == "DE")");
    def("big", "customer.employee_count >= 100");
    def("clicky", R"(events.count("click", days(3)) >= 2)");
    def("hourly", R"(events.count("open", hours(6)) > 0 && customer.country != "FR")");
    def("whale", R"(events.sum("purchase", days(10)) > 150.0 || events.count("big_purchase", days(5)) > 0)");
    def("new", "days_since(customer.created_at) < 4");
    def("fresh", R"(customer.created_at > now - duration("36h"))");
    def("pro", R"(customer.attrs.plan == "pro")");
    def("acct", R"(has(account.industry) && account.industry == "SaaS")");
    def("combo", R"(in_segment("de") && (in_segment("clicky") || in_segment("new")) && !in_segment("big"))");
    def("combo2", R"(in_segment("combo") || in_segment("whale") && in_segment("acct"))");
    def("recent", R"(days_since(events.last("click")) <= 2)");
    // Defined after some data and some before: both paths are exercised.
    const size_t early = static_cast<size_t>(pick(static_cast<int>(defs.size())));
    REQUIRE(e->DefineSegments(absl::MakeConstSpan(defs.data(), early)).ok());

    auto check = [&](int step) {
      const std::vector<std::pair<std::string, Bitmap>> batch = e->EvaluateSegments();
      Engine::Snapshot snap = e->Read();
      for (const auto& [name, bits] : batch) {
        const Bitmap* live = snap.segments().Members(name);
        REQUIRE(live != nullptr);
        for (uint32_t row = 0; row < snap.store().row_capacity(); ++row) {
          const bool want = row < bits.words().size() * 64 && bits.Get(row);
          const bool have = row < live->words().size() * 64 && live->Get(row);
          if (want != have) {
            FAIL("iteration " << it << " step " << step << ": segment " << name << " row " << row << " ("
                               << (snap.store().live().Get(row) ? snap.store().IdOf(row) : "erased")
                               << ") batch=" << want << " incremental=" << have << " at "
                               << absl::FormatTime(snap.now()));
          }
        }
        CHECK(*snap.segments().Count(name) == bits.Count());
      }
    };
    int next_id = 12;
    for (int step = 0; step < 60; ++step) {
      if (step == 20 && early < defs.size()) {
        REQUIRE(e->DefineSegments(absl::MakeConstSpan(defs.data() + early, defs.size() - early)).ok());
      }
      const int op = pick(10);
      if (op < 4) {
        Batch<v1::Event> events;
        for (int k = 0, n = 1 + pick(4); k < n; ++k) {
          v1::Event ev = Ev(absl::StrCat("c", pick(next_id + 2)), types[pick(3)],
                            now - absl::Hours(pick(24 * 8)) + absl::Hours(pick(30)));
          if (pick(2) == 0) ev.set_value(pick(200));
          events.records.push_back(ev);
        }
        REQUIRE(e->IngestEvents(events, Create()).ok());
      } else if (op < 6) {
        Batch<v1::Customer> b;
        b.records.push_back(random_customer(absl::StrCat("c", pick(next_id + 3))));
        if (pick(4) == 0) b.records.back().add_clear_fields(pick(2) ? "country" : "attrs.plan");
        REQUIRE(e->UpsertCustomers(b).ok());
        next_id += 1;
      } else if (op == 6) {
        v1::Account a;
        a.set_id(absl::StrCat("acct", pick(3)));
        a.set_industry(pick(2) ? "SaaS" : "Retail");
        REQUIRE(e->UpsertAccounts(BatchOf({a})).ok());
      } else if (op == 7) {
        const std::string id = absl::StrCat("c", pick(next_id));
        if (e->GetCustomer(id).ok()) REQUIRE(e->EraseCustomer(id).ok());
      } else {
        now += absl::Minutes(pick(60 * 24 * 3));
        REQUIRE(e->AdvanceTo(now).ok());
      }
      check(step);
    }
  }
}

}  // namespace
}  // namespace saleskit
