// Training data from history: features as of the reference time, outcomes in
// the horizon after it, the point-in-time promise (nothing dated after the
// reference time changes a feature), training end to end, and bad options.
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "internal/proto_time.h"
#include "saleskit/engine.h"
#include "saleskit/score/history.h"
#include "saleskit/time.h"
#include "test_util.h"

namespace saleskit {
namespace {

absl::Time Day(int d) {
  return absl::FromCivil(absl::CivilDay(2026, 1, 1), absl::UTCTimeZone()) + absl::Hours(24 * (d - 1));
}

v1::Customer Person(const std::string& id, const std::string& country) {
  v1::Customer c;
  c.set_id(id);
  c.set_country(country);
  return c;
}

v1::Event Ev(const std::string& id, const std::string& type, absl::Time at, const std::string& stage = "") {
  v1::Event e;
  e.set_customer_id(id);
  e.set_type(type);
  internal::ToProto(ToMicros(at), e.mutable_occurred_at());
  if (!stage.empty()) (*e.mutable_properties())["stage"] = stage;
  return e;
}

v1::Deal Won(const std::string& id, const std::string& customer, absl::Time closed) {
  v1::Deal d;
  d.set_id(id);
  d.set_customer_id(customer);
  d.set_status(v1::Deal::WON);
  internal::ToProto(ToMicros(closed), d.mutable_close_date());
  return d;
}

HistoryOptions Options() {
  HistoryOptions o;
  o.reference = Day(31);
  o.horizon = absl::Hours(24 * 30);
  o.stage = v1::LIFECYCLE_STAGE_MARKETING_QUALIFIED;
  o.won_deal = true;
  o.features = {{"visits_30d", R"(events.count("visit", days(30)))"},
                {"country", "customer.country"},
                {"recent", R"(days_since(events.last("visit")) <= 7)"}};
  return o;
}

std::string Column(const Table& t, const std::string& name) {
  const TableColumn* c = t.Find(name);
  REQUIRE(c != nullptr);
  std::string out;
  for (int64_t r = 0; r < t.rows(); ++r) absl::StrAppend(&out, r ? "," : "", c->ValueText(r));
  return out;
}

TEST_CASE("a history table holds features as of the reference time and outcomes after it", "[history]") {
  HistoryRecords h;
  h.customers = {Person("a", "DE"), Person("b", "FR"), Person("c", "DE"), Person("d", "US")};
  h.events = {Ev("a", "visit", Day(10)), Ev("a", "visit", Day(28)), Ev("b", "visit", Day(1)),
              // a reaches MQL in the horizon; b only becomes a lead; d had converted before: not eligible.
              Ev("a", "lifecycle_stage_changed", Day(40), "marketing_qualified"),
              Ev("b", "lifecycle_stage_changed", Day(40), "lead"), Ev("d", "lifecycle_stage_changed", Day(20), "customer"),
              // after the reference: never a feature
              Ev("b", "visit", Day(35)), Ev("c", "visit", Day(32))};
  h.deals = {Won("x", "c", Day(70))};  // c wins after the horizon: no
  absl::StatusOr<Table> t = BuildHistoryTable(h, Options());
  REQUIRE(t.ok());
  CHECK(Column(*t, "customer_id") == "a,b,c");
  CHECK(Column(*t, "visits_30d") == "2,0,0");
  CHECK(Column(*t, "country") == "DE,FR,DE");
  CHECK(Column(*t, "recent") == "1,0,");  // c never visited by then: missing
  CHECK(Column(*t, "outcome") == "yes,no,no");
  // A won deal inside the horizon is an outcome too.
  h.deals = {Won("x", "c", Day(45))};
  CHECK(Column(*BuildHistoryTable(h, Options()), "outcome") == "yes,no,yes");
}

TEST_CASE("nothing dated after the reference time changes a feature", "[history][property]") {
  const int iterations = testing::PropertyIterations(30);
  std::mt19937_64 rng(11);
  const char* kTypes[] = {"visit", "email_click", "lifecycle_stage_changed", "purchase"};
  for (int it = 0; it < iterations; ++it) {
    HistoryRecords h;
    for (int c = 0; c < 12; ++c) h.customers.push_back(Person(absl::StrCat("c", c), c % 3 ? "DE" : "FR"));
    auto random_event = [&](absl::Time from, int days) {
      v1::Event e = Ev(absl::StrCat("c", rng() % 12), kTypes[rng() % 4],
                       from + absl::Minutes(static_cast<int64_t>(rng() % (days * 1440))),
                       rng() % 2 ? "marketing_qualified" : "lead");
      e.set_value(static_cast<double>(rng() % 100));
      return e;
    };
    for (int k = 0; k < 60; ++k) h.events.push_back(random_event(Day(1), 30));  // before the reference (day 31)
    h.events.push_back(random_event(Day(32), 20));  // something after it, so outcomes can be observed
    HistoryOptions o = Options();
    o.features.push_back({"spend", R"(events.sum("purchase", days(14)))"});
    o.features.push_back({"clicks_7d", R"(events.count("email_click", hours(168)))"});
    absl::StatusOr<Table> before = BuildHistoryTable(h, o);
    REQUIRE(before.ok());
    // The future: more events of every type (some exactly a microsecond
    // after the reference), and deals.
    HistoryRecords later = h;
    for (int k = 0; k < 40; ++k) later.events.push_back(random_event(Day(31) + absl::Microseconds(1), 60));
    later.events.push_back(Ev("c1", "visit", Day(31) + absl::Microseconds(1)));
    later.deals.push_back(Won("w", absl::StrCat("c", rng() % 12), Day(33)));
    absl::StatusOr<Table> after = BuildHistoryTable(later, o);
    REQUIRE(after.ok());
    INFO("iteration " << it);
    CHECK(Column(*after, "customer_id") == Column(*before, "customer_id"));
    for (const HistoryFeature& f : o.features) CHECK(Column(*after, f.name) == Column(*before, f.name));
  }
}

TEST_CASE("training from history learns the outcome and remembers the feature expressions", "[history]") {
  HistoryRecords h;
  std::mt19937_64 rng(5);
  for (int c = 0; c < 400; ++c) {
    const std::string id = absl::StrCat("c", c);
    h.customers.push_back(Person(id, c % 2 ? "DE" : "FR"));
    const int visits = static_cast<int>(rng() % 6);
    for (int k = 0; k < visits; ++k) h.events.push_back(Ev(id, "visit", Day(5 + static_cast<int>(rng() % 25))));
    // More visits, more conversions.
    if (static_cast<int>(rng() % 6) < visits) h.events.push_back(Ev(id, "lifecycle_stage_changed", Day(40), "sales_qualified"));
  }
  HistoryOptions o = Options();
  o.won_deal = false;
  absl::StatusOr<TrainResult> r = TrainFromHistory(h, o);
  REQUIRE(r.ok());
  CHECK(r->held_out.roc_auc > 0.7);
  bool found = false;
  for (const v1::ScoreFeature& f : r->model.proto().features()) {
    if (f.name() == "visits_30d") {
      found = true;
      CHECK(f.expression() == R"(events.count("visit", days(30)))");
    }
  }
  CHECK(found);
}

TEST_CASE("a model bound to an engine scores live customers as the table of their features", "[history]") {
  HistoryRecords h;
  std::mt19937_64 rng(9);
  const char* kStages[] = {"lead", "subscriber"};
  for (int c = 0; c < 300; ++c) {
    const std::string id = absl::StrCat("c", c);
    v1::Customer p = Person(id, c % 3 == 0 ? "DE" : (c % 3 == 1 ? "FR" : "US"));
    if (c % 5 != 0) p.set_employee_count(static_cast<int64_t>(rng() % 500));
    p.set_lifecycle_stage(c % 2 ? v1::LIFECYCLE_STAGE_LEAD : v1::LIFECYCLE_STAGE_SUBSCRIBER);
    h.customers.push_back(p);
    const int visits = static_cast<int>(rng() % 6);
    for (int k = 0; k < visits; ++k) h.events.push_back(Ev(id, "visit", Day(5 + static_cast<int>(rng() % 25))));
    if (static_cast<int>(rng() % 6) < visits) h.events.push_back(Ev(id, "lifecycle_stage_changed", Day(40), kStages[0]));
  }
  HistoryOptions o = Options();
  o.stage = v1::LIFECYCLE_STAGE_LEAD;
  o.won_deal = false;
  o.features = {{"visits_30d", R"(events.count("visit", days(30)))"},
                {"country", "customer.country"},
                {"stage", "customer.lifecycle_stage"},
                {"employees", "customer.employee_count"},
                {"big", "customer.employee_count > 250"}};  // read row by row
  absl::StatusOr<TrainResult> r = TrainFromHistory(h, o);
  REQUIRE(r.ok());
  absl::StatusOr<Table> table = BuildHistoryTable(h, o);
  REQUIRE(table.ok());
  absl::StatusOr<Predictions> expected = Predict(r->model, *table);
  REQUIRE(expected.ok());

  // A live engine: bind first, then load what was known at the reference time.
  EngineOptions eo;
  eo.start = Day(1);
  std::unique_ptr<Engine> e = *Engine::Create(eo);
  absl::StatusOr<std::shared_ptr<const LiveModel>> live = e->BindModel(r->model);
  REQUIRE(live.ok());
  CHECK((*live)->columnar_features() == 4);
  Batch<v1::Customer> customers;
  customers.records = h.customers;
  REQUIRE(e->UpsertCustomers(customers).ok());
  Batch<v1::Event> past;
  for (const v1::Event& ev : h.events) {
    if (internal::FromProto(ev.occurred_at()) <= ToMicros(o.reference)) past.records.push_back(ev);
  }
  REQUIRE(e->IngestEvents(past).ok());
  REQUIRE(e->AdvanceTo(o.reference).ok());
  const std::vector<double> all = e->PredictAll(**live);
  const TableColumn* ids = table->Find("customer_id");
  uint32_t c1 = 0;
  {
    const auto snapshot = e->Read();
    for (int64_t row = 0; row < table->rows(); ++row) {
      const std::string& id = ids->strings[static_cast<size_t>(row)];
      INFO("customer " << id);
      CHECK(all[*snapshot.store().FindRow(id)] == Approx(expected->probabilities[static_cast<size_t>(row)]).epsilon(1e-12));
    }
    c1 = *snapshot.store().FindRow("c1");
  }
  absl::StatusOr<Explanation> x = e->ExplainPrediction(**live, "c1", 3);
  REQUIRE(x.ok());
  CHECK(x->top.size() == 3);
  CHECK(x->probability == Approx(all[c1]).epsilon(1e-12));
  CHECK(e->Predict(**live, "nobody").status().code() == absl::StatusCode::kNotFound);
  // A model trained on a CSV table has no expressions to bind.
  v1::ScoreModel plain = r->model.proto();
  plain.mutable_features(0)->clear_expression();
  CHECK(e->BindModel(*PredictiveModel::FromProto(plain)).status().message() ==
        "feature \"visits_30d\" has no CEL expression: only a model trained from history can score live customers");
}

TEST_CASE("bad history options are refused with the reason", "[history][errors]") {
  HistoryRecords h;
  h.customers = {Person("a", "DE")};
  h.events = {Ev("a", "visit", Day(10))};
  auto error = [&](const HistoryOptions& o) {
    absl::StatusOr<Table> t = BuildHistoryTable(h, o);
    CHECK(t.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(t.status().message());
  };
  CHECK(error(Options()) ==
        "the reference time 2026-01-31T00:00:00Z is not before any event or deal (the latest is "
        "2026-01-10T00:00:00Z): no outcome can be observed after it");
  h.events.push_back(Ev("a", "visit", Day(50)));
  HistoryOptions o = Options();
  o.stage = v1::LIFECYCLE_STAGE_UNSPECIFIED;
  o.won_deal = false;
  CHECK(error(o) == "choose an outcome: a lifecycle stage reached, a won deal, or both");
  o = Options();
  o.features.push_back({"country", "customer.email"});
  CHECK(error(o) == "feature name \"country\" is taken or reserved");
  o = Options();
  o.features.push_back({"broken", "customer.nope + 1"});
  CHECK(error(o).rfind("feature \"broken\": ", 0) == 0);
  o = Options();
  o.horizon = absl::ZeroDuration();
  CHECK(error(o) == "the horizon must be positive");
  o = Options();
  o.features = {{"mixed", R"(customer.country == "DE" ? "x" : 1)"}};
  CHECK_FALSE(BuildHistoryTable(h, o).ok());
}

}  // namespace
}  // namespace saleskit
