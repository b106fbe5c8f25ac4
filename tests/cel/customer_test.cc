#include "saleskit/cel/customer.h"

#include <random>

#include <catch2/catch.hpp>
#include "test_util.h"

namespace saleskit::cel {
namespace {

using testing::BatchOf;

constexpr Micros kHour = int64_t{3600} * 1000000;
constexpr Micros kDay = 24 * kHour;
constexpr Micros kDay0 = 20000 * kDay;  // 2024-10-04T00:00:00Z

v1::Customer Person(const std::string& id) {
  v1::Customer c;
  c.set_id(id);
  return c;
}

v1::Event Ev(const std::string& customer, const std::string& type, Micros at, double value = 0) {
  v1::Event e;
  e.set_customer_id(customer);
  e.set_type(type);
  e.mutable_occurred_at()->set_seconds(at / 1000000);
  if (value != 0) e.set_value(value);
  return e;
}

// Compiles a customer condition, keeps its windows in `store`, and
// evaluates it for customer `id` at `now`.
Value EvalFor(CustomerStore& store, const std::string& id, absl::string_view condition, Micros now) {
  auto program = CompileCustomerCondition(condition);
  REQUIRE(program.ok());
  auto deps = ExtractDependencies(**program);
  REQUIRE(deps.ok());
  for (const auto& w : deps->windows) store.RequireWindow(w.event_type, w.window);
  store.AdvanceWindowsTo(now);
  StoreCustomerActivation act(store, *store.FindRow(id), ToTime(now));
  return (*program)->Evaluate(act);
}

bool Matches(const Value& v) { return v.kind() == Value::Kind::kBool && v.bool_value(); }

TEST_CASE("a field never set reads as null, so comparing it is an error, not a match", "[cel][customer]") {
  CustomerStore store;
  v1::Customer big = Person("big");
  big.set_employee_count(500);
  REQUIRE(store.UpsertCustomers(BatchOf({big, Person("unknown")})).ok());
  CHECK(Matches(EvalFor(store, "big", "customer.employee_count > 100", kDay0)));
  CHECK(EvalFor(store, "unknown", "customer.employee_count < 10", kDay0).is_error());
  CHECK(Matches(EvalFor(store, "unknown", "!has(customer.employee_count)", kDay0)));
  CHECK(Matches(EvalFor(store, "unknown", "customer.employee_count == null", kDay0)));
}

TEST_CASE("lifecycle stage, tags, consent and attributes read as CEL values", "[cel][customer]") {
  CustomerStore store;
  v1::Customer c = Person("c1");
  c.set_lifecycle_stage(v1::LIFECYCLE_STAGE_MARKETING_QUALIFIED);
  c.add_tags("vip");
  c.mutable_consent()->mutable_email()->set_status(v1::Consent::OPTED_IN);
  (*c.mutable_attrs())["plan"].set_string_value("pro");
  (*c.mutable_attrs())["seats"].set_int_value(12);
  REQUIRE(store.UpsertCustomers(BatchOf({c})).ok());
  CHECK(Matches(EvalFor(store, "c1", "customer.lifecycle_stage == 'marketing_qualified'", kDay0)));
  CHECK(Matches(EvalFor(store, "c1", "'vip' in customer.tags", kDay0)));
  CHECK(Matches(EvalFor(store, "c1", "customer.consent.email.status == 'opted_in'", kDay0)));
  CHECK(Matches(EvalFor(store, "c1", "customer.attrs.plan == 'pro' && customer.attrs['seats'] > 10", kDay0)));
  const Value missing = EvalFor(store, "c1", "customer.attrs.region == 'EU'", kDay0);
  REQUIRE(missing.is_error());
  CHECK(std::string(missing.error_value().message()).find("region") != std::string::npos);
}

TEST_CASE("a window of N days covers whole UTC days ending today", "[cel][customer][windows]") {
  CustomerStore store;
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  const char* condition = "events.count('email_click', days(30)) >= 1";
  // Require the window before the events arrive, at the click's day.
  EvalFor(store, "c1", condition, kDay0);
  REQUIRE(store.IngestEvents(BatchOf({Ev("c1", "email_click", kDay0 + 23 * kHour)})).ok());
  CHECK(Matches(EvalFor(store, "c1", condition, kDay0 + 23 * kHour)));
  // Still in the window on the last second of day d + 29 ...
  CHECK(Matches(EvalFor(store, "c1", condition, kDay0 + 30 * kDay - 1000000)));
  // ... and gone when day d + 30 begins.
  CHECK_FALSE(Matches(EvalFor(store, "c1", condition, kDay0 + 30 * kDay)));
}

TEST_CASE("hour windows use whole UTC hours, sums add event values", "[cel][customer][windows]") {
  CustomerStore store;
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  EvalFor(store, "c1", "events.count('page_view', hours(2)) > 0 && events.sum('purchase', days(7)) > 0.0", kDay0);
  REQUIRE(store.IngestEvents(BatchOf({Ev("c1", "page_view", kDay0 + 10 * kHour + 59 * 60 * 1000000LL),
                                      Ev("c1", "purchase", kDay0, 40), Ev("c1", "purchase", kDay0 + kHour, 2.5)}))
              .ok());
  CHECK(Matches(EvalFor(store, "c1", "events.count('page_view', hours(2)) == 1", kDay0 + 11 * kHour)));
  CHECK_FALSE(Matches(EvalFor(store, "c1", "events.count('page_view', hours(2)) == 1", kDay0 + 12 * kHour)));
  CHECK(Matches(EvalFor(store, "c1", "events.sum('purchase', days(7)) == 42.5", kDay0 + 2 * kDay)));
}

TEST_CASE("events.last is an error when there is no such event, never is count == 0", "[cel][customer][windows]") {
  CustomerStore store;
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  EvalFor(store, "c1", "events.count('demo_request', days(90)) == 0", kDay0);
  CHECK(EvalFor(store, "c1", "events.last('demo_request') > now", kDay0).is_error());
  CHECK(Matches(EvalFor(store, "c1", "events.count('demo_request', days(90)) == 0", kDay0)));
  REQUIRE(store.IngestEvents(BatchOf({Ev("c1", "demo_request", kDay0 - 3 * kDay)})).ok());
  CHECK(Matches(EvalFor(store, "c1", "days_since(events.last('demo_request')) == 3", kDay0 + kHour)));
}

TEST_CASE("a window that is not whole days or hours is a compile error", "[cel][customer][bad-input]") {
  for (const char* condition : {"events.count('email_open', duration('90m')) > 0",
                                "events.count('email_open', duration('1h30m')) > 0"}) {
    auto p = CompileCustomerCondition(condition);
    REQUIRE_FALSE(p.ok());
    CHECK(std::string(p.status().message()).find("not a positive whole number of days or hours") !=
          std::string::npos);
    CHECK(std::string(p.status().message()).find("1:") != std::string::npos);
  }
  CHECK(CompileCustomerCondition("events.count('email_open', duration('720h')) > 0").ok());
  auto dynamic_type = CompileCustomerCondition("events.count(customer.email, days(3)) > 0");
  REQUIRE_FALSE(dynamic_type.ok());
  CHECK(std::string(dynamic_type.status().message()).find("string literal") != std::string::npos);
}

TEST_CASE("unknown customer fields are check errors with a suggestion", "[cel][customer][bad-input]") {
  auto p = CompileCustomerCondition("customer.employees > 10");
  REQUIRE_FALSE(p.ok());
  CHECK(std::string(p.status().message()).find("undefined field 'employees'") != std::string::npos);
  CHECK(std::string(p.status().message()).find("did you mean 'employee_count'?") != std::string::npos);
}

TEST_CASE("dependencies name the fields, attributes and windows a condition reads", "[cel][customer]") {
  auto p = CompileCustomerCondition(
      "customer.country == 'DE' && customer.attrs.plan == 'pro' && customer.attrs['tier'] == 1 && "
      "events.count('email_click', days(30)) > 2 && events.count('page_view', hours(6)) > 0");
  REQUIRE(p.ok());
  auto deps = ExtractDependencies(**p);
  REQUIRE(deps.ok());
  CHECK(deps->customer_fields == std::set<std::string>{"country", "attrs.plan", "attrs.tier"});
  REQUIRE(deps->windows.size() == 2);
  CHECK(deps->windows.begin()->event_type == "email_click");
  CHECK(deps->windows.begin()->window == EventWindow{EventWindow::Unit::kDay, 30});
  CHECK(std::next(deps->windows.begin())->window == EventWindow{EventWindow::Unit::kHour, 6});
  CHECK(deps->reads_now);
}

TEST_CASE("a rejected event batch leaves window counts unchanged", "[cel][customer][windows]") {
  CustomerStore store;
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  const char* condition = "events.count('call', days(7)) == 1";
  EvalFor(store, "c1", condition, kDay0);
  REQUIRE(store.IngestEvents(BatchOf({Ev("c1", "call", kDay0)})).ok());
  v1::Event bad = Ev("c1", "call", kDay0);
  bad.set_type("");  // invalid: the whole batch is rejected
  CHECK_FALSE(store.IngestEvents(BatchOf({Ev("c1", "call", kDay0), Ev("c1", "call", kDay0), bad})).ok());
  CHECK(Matches(EvalFor(store, "c1", condition, kDay0)));
  REQUIRE(store.EraseCustomer("c1").ok());
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  CHECK(Matches(EvalFor(store, "c1", "events.count('call', days(7)) == 0", kDay0)));
}

// Property: the window columns equal a count over the raw events, whatever the
// order events arrive in and however the clock moves.
TEST_CASE("window columns agree with counting the raw events", "[cel][customer][windows][property]") {
  const int iterations = testing::PropertyIterations(20);
  std::mt19937_64 rng(42);
  for (int it = 0; it < iterations; ++it) {
    CustomerStore store;
    REQUIRE(store.UpsertCustomers(BatchOf({Person("a"), Person("b")})).ok());
    const EventWindow w{std::uniform_int_distribution<int>(0, 1)(rng) ? EventWindow::Unit::kDay
                                                                       : EventWindow::Unit::kHour,
                        std::uniform_int_distribution<int>(1, 10)(rng)};
    Micros now = kDay0;
    store.AdvanceWindowsTo(now);
    const int col = store.RequireWindow("x", w);
    std::vector<std::pair<std::string, Micros>> events;
    for (int step = 0; step < 30; ++step) {
      now += std::uniform_int_distribution<Micros>(0, 6 * kHour)(rng);
      store.AdvanceWindowsTo(now);
      const std::string who = std::uniform_int_distribution<int>(0, 1)(rng) ? "a" : "b";
      const Micros at = now - std::uniform_int_distribution<Micros>(-kDay, 12 * kDay)(rng);
      REQUIRE(store.IngestEvents(BatchOf({Ev(who, "x", at)})).ok());
      events.emplace_back(who, at - at % 1000000);
      const Micros unit = w.unit == EventWindow::Unit::kDay ? kDay : kHour;
      for (const std::string& id : {"a", "b"}) {
        int64_t expected = 0;
        for (const auto& [c, t] : events) {
          const Micros u = t / unit, cur = now / unit;
          if (c == id && u <= cur && u > cur - w.length) ++expected;
        }
        INFO("iteration " << it << " step " << step << " customer " << id);
        CHECK(store.windows().counts(col)[*store.FindRow(id)] == expected);
      }
    }
  }
}

}  // namespace
}  // namespace saleskit::cel

namespace saleskit::cel {
namespace {

absl::Time NextChangeOf(CustomerStore& store, absl::string_view condition, Micros now) {
  auto program = CompileCustomerCondition(condition);
  REQUIRE(program.ok());
  StoreCustomerActivation act(store, *store.FindRow("c1"), ToTime(now));
  return NextChange(**program, act, ToTime(now));
}

TEST_CASE("the next instant a time-relative condition can change", "[cel][customer][dependencies]") {
  CustomerStore store;
  v1::Customer c = Person("c1");
  c.mutable_created_at()->set_seconds((kDay0 - 10 * kDay + 5 * kHour) / 1000000);  // 05:00 UTC, 10 days ago
  c.set_country("DE");
  REQUIRE(store.UpsertCustomers(BatchOf({c})).ok());
  const Micros now = kDay0 + 13 * kHour;
  // Time alone never changes a condition on fields.
  CHECK(NextChangeOf(store, "customer.country == 'DE'", now) == absl::InfiniteFuture());
  // A window without events never changes by time alone.
  store.RequireWindow("call", EventWindow{EventWindow::Unit::kDay, 7});
  store.RequireWindow("call", EventWindow{EventWindow::Unit::kHour, 3});
  store.AdvanceWindowsTo(now);
  CHECK(NextChangeOf(store, "events.count('call', days(7)) > 0", now) == absl::InfiniteFuture());
  // With a call at 12:30 on day 0: it leaves the 7-day window when day 7
  // begins, and the 3-hour window (hours 12..14) when hour 15 begins.
  v1::Event call;
  call.set_customer_id("c1");
  call.set_type("call");
  call.mutable_occurred_at()->set_seconds((kDay0 + 12 * kHour + 30 * 60 * 1000000LL) / 1000000);
  REQUIRE(store.IngestEvents(BatchOf({call})).ok());
  CHECK(NextChangeOf(store, "events.count('call', days(7)) > 0", now) == ToTime(kDay0 + 7 * kDay));
  CHECK(NextChangeOf(store, "events.count('call', hours(3)) > 0", now) == ToTime(kDay0 + 15 * kHour));
  // days_since(created_at) ticks at 05:00 UTC, the customer's creation time of day.
  CHECK(NextChangeOf(store, "days_since(customer.created_at) > 30", now) == ToTime(kDay0 + kDay + 5 * kHour));
  // The earliest of several; comparing `now` itself may change at any moment.
  CHECK(NextChangeOf(store, "days_since(customer.created_at) > 30 || events.count('call', hours(3)) > 0", now) ==
        ToTime(kDay0 + 15 * kHour));
  CHECK(NextChangeOf(store, "now > timestamp('2030-01-01T00:00:00Z')", now) == ToTime(now) + absl::Microseconds(1));
}

}  // namespace
}  // namespace saleskit::cel
