#include "saleskit/cel/columnar.h"

#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include "saleskit/cel/customer.h"
#include "test_util.h"

namespace saleskit::cel {
namespace {

using testing::BatchOf;

constexpr Micros kHour = int64_t{3600} * 1000000;
constexpr Micros kDay = 24 * kHour;
constexpr Micros kNow = 20000 * kDay + 13 * kHour;

// A store of random customers: every field sometimes never set, some
// customers erased (dead rows), events of two types around kNow.
void FillRandomStore(std::mt19937_64& rng, CustomerStore* store, const std::vector<std::string>& window_sources) {
  // Windows first, so that the events below are counted in them.
  store->AdvanceWindowsTo(kNow);
  for (const std::string& source : window_sources) {
    auto p = CompileCustomerCondition(source);
    INFO(source << ": " << p.status());
    REQUIRE(p.ok());
    auto deps = ExtractDependencies(**p);
    REQUIRE(deps.ok());
    for (const auto& w : deps->windows) store->RequireWindow(w.event_type, w.window);
  }
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  const char* countries[] = {"DE", "US", "FR", "BR"};
  Batch<v1::Customer> customers;
  const int n = 150 + pick(200);
  for (int i = 0; i < n; ++i) {
    v1::Customer c;
    c.set_id("c" + std::to_string(i));
    if (pick(5) != 0) c.set_country(countries[pick(4)]);
    if (pick(4) != 0) c.set_industry(pick(2) ? "Software" : "Retail");
    if (pick(4) != 0) c.set_email(std::string(1, static_cast<char>('a' + pick(3))) + "@x.io");
    if (pick(3) != 0) c.set_lifecycle_stage(static_cast<v1::LifecycleStage>(1 + pick(8)));
    if (pick(5) != 0) c.set_employee_count(pick(200) - 10);
    if (pick(5) != 0) c.set_annual_revenue(pick(1000) * 1.5);
    for (int t = pick(3); t > 0; --t) c.add_tags("t" + std::to_string(pick(3)));
    customers.records.push_back(c);
  }
  REQUIRE(store->UpsertCustomers(customers).ok());
  Batch<v1::Event> events;
  for (int i = 0; i < 3 * n; ++i) {
    v1::Event e;
    e.set_customer_id("c" + std::to_string(pick(n)));
    e.set_type(pick(2) ? "click" : "buy");
    e.mutable_occurred_at()->set_seconds((kNow - std::uniform_int_distribution<Micros>(0, 6 * kDay)(rng)) / 1000000);
    if (pick(2)) e.set_value(pick(4) * 0.5);
    events.records.push_back(e);
  }
  REQUIRE(store->IngestEvents(events).ok());
  for (int i = 0; i < n / 10; ++i) (void)store->EraseCustomer("c" + std::to_string(pick(n)));
}

class ExpressionGenerator {
 public:
  explicit ExpressionGenerator(std::mt19937_64& rng) : rng_(rng) {}

  std::string Condition(int depth) {
    if (depth <= 0 || Pick(3) == 0) return Leaf();
    switch (Pick(5)) {
      case 0: return "(" + Condition(depth - 1) + " && " + Condition(depth - 1) + ")";
      case 1: return "(" + Condition(depth - 1) + " || " + Condition(depth - 1) + ")";
      case 2: return "!(" + Condition(depth - 1) + ")";
      case 3: return "(" + Condition(depth - 1) + " ? " + Condition(depth - 1) + " : " + Condition(depth - 1) + ")";
      default: return Leaf();
    }
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string Op() {
    const char* ops[] = {"<", "<=", ">", ">=", "==", "!="};
    return ops[Pick(6)];
  }

  std::string Leaf() {
    const char* countries[] = {"'DE'", "'US'", "'XX'"};
    switch (Pick(19)) {
      case 0: return std::string("customer.country == ") + countries[Pick(3)];
      case 1: return std::string("customer.country != ") + countries[Pick(3)];
      case 2: return "customer.country in ['DE', 'FR', 'ZZ']";
      case 3: return "customer.industry == 'Software'";
      case 4: return "customer.lifecycle_stage == 'lead'";
      case 5: return "customer.lifecycle_stage in ['customer', 'opportunity', 'nope']";
      case 6: return "customer.employee_count " + Op() + " " + std::to_string(Pick(200) - 10);
      case 7: return std::to_string(Pick(100)) + " " + Op() + " customer.employee_count";
      case 8: return "customer.annual_revenue " + Op() + " " + std::to_string(Pick(1500)) + ".5";
      case 9: return std::string("customer.employee_count ") + (Pick(2) ? "<" : ">=") + " 50.5";  // mixed: fallback
      case 10: return "has(customer.employee_count)";
      case 11: return "events.count('click', days(3)) " + Op() + " " + std::to_string(Pick(4));
      case 12: return "events.sum('buy', hours(30)) " + Op() + " 1.5";
      case 13: return "customer.email.startsWith('a')";
      case 14: return "size(customer.tags) > 1";
      case 15: return "customer.employee_count / 0 == 1";  // always an error
      case 16: return Pick(2) ? "has(customer.industry)" : "has(customer.email)";
      case 17: return "has(customer.lifecycle_stage)";
      default: return Pick(2) ? "true" : "false";
    }
  }

  std::mt19937_64& rng_;
};

// The promise: the columnar evaluator (and the compiled row path over the same
// plan) says true, false or error for exactly the rows the row evaluator does.
TEST_CASE("columnar and row evaluation agree on random conditions over random data",
          "[cel][columnar][property]") {
  const int iterations = testing::PropertyIterations(30);
  std::mt19937_64 rng(20261123);
  ExpressionGenerator gen(rng);
  int vectorised = 0, fallback = 0;
  for (int it = 0; it < iterations; ++it) {
    std::vector<std::string> conditions;
    for (int i = 0; i < 10; ++i) conditions.push_back(gen.Condition(4));
    CustomerStore store;
    FillRandomStore(rng, &store, conditions);
    for (const std::string& source : conditions) {
      auto compiled = CompileCustomerCondition(source);
      REQUIRE(compiled.ok());
      std::shared_ptr<const Program> program = *std::move(compiled);
      auto columnar = ColumnarCondition::Plan(program);
      vectorised += columnar->vectorised_nodes();
      fallback += columnar->fallback_nodes();
      const auto result = columnar->Evaluate(store, ToTime(kNow));
      for (uint32_t row = 0; row < store.row_capacity(); ++row) {
        INFO("iteration " << it << ", row " << row << ": " << source);
        if (!store.live().Get(row)) {
          CHECK_FALSE(result.matched.Get(row));
          CHECK_FALSE(result.unmatched.Get(row));
          continue;
        }
        StoreCustomerActivation act(store, row, ToTime(kNow));
        const Value v = program->Evaluate(act);
        const bool is_true = v.kind() == Value::Kind::kBool && v.bool_value();
        const bool is_false = v.kind() == Value::Kind::kBool && !v.bool_value();
        CHECK(result.matched.Get(row) == is_true);
        CHECK(result.unmatched.Get(row) == is_false);
        // The compiled row path decides the same.
        const std::optional<bool> decided = columnar->EvaluateRow(store, row, ToTime(kNow));
        CHECK(decided.has_value() == (is_true || is_false));
        if (decided) CHECK(*decided == is_true);
      }
    }
  }
  // Both back-end paths were exercised.
  CHECK(vectorised > 0);
  CHECK(fallback > 0);
}

TEST_CASE("the benchmark's six-clause condition is planned without row fallback", "[cel][columnar]") {
  auto p = CompileCustomerCondition(
      "customer.country == 'DE' && customer.industry == 'Software' && "
      "customer.lifecycle_stage in ['lead', 'marketing_qualified'] && customer.employee_count >= 50 && "
      "customer.annual_revenue < 5e7 && events.count('email_click', days(30)) >= 2");
  REQUIRE(p.ok());
  auto c = ColumnarCondition::Plan(*std::move(p));
  CHECK(c->fallback_nodes() == 0);
  CHECK(c->vectorised_nodes() == 11);
}

// Custom attributes are read from the store's columns (the columnar leaves,
// and customer.attrs in the row evaluator): they must read what the stored
// record says, for every attribute type, a missing attribute (an error) and a
// value of another type than the one compared with (unequal).
TEST_CASE("attribute reads from columns agree with the customer record", "[cel][columnar][property]") {
  std::mt19937_64 rng(20261124);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  CustomerStore store;
  Batch<v1::Customer> customers;
  const char* plans[] = {"pro", "trial", "free"};
  const int n = 300;
  for (int i = 0; i < n; ++i) {
    v1::Customer c;
    c.set_id("c" + std::to_string(i));
    if (pick(4) != 0) c.set_employee_count(pick(100));
    auto& attrs = *c.mutable_attrs();
    if (pick(4) != 0) attrs["plan"].set_string_value(plans[pick(3)]);
    if (pick(3) != 0) attrs["seats"].set_int_value(pick(50));
    if (pick(3) != 0) attrs["trial"].set_bool_value(pick(2) == 1);
    if (pick(3) != 0) attrs["score"].set_double_value(pick(100) * 0.25);
    if (pick(3) != 0) attrs["renewal"].mutable_timestamp_value()->set_seconds(1700000000 + pick(1000) * 3600);
    if (pick(3) != 0) {
      auto* list = attrs["regions"].mutable_string_list_value();
      for (int k = pick(3); k > 0; --k) list->add_values(pick(2) ? "EU" : "US");
    }
    customers.records.push_back(c);
  }
  REQUIRE(store.UpsertCustomers(customers).ok());
  // Cleared attributes and erased customers leave rows without values.
  Batch<v1::Customer> clears;
  for (int i = 0; i < n; i += 7) {
    v1::Customer& c = clears.records.emplace_back();
    c.set_id("c" + std::to_string(i));
    c.add_clear_fields(i % 2 ? "attrs.plan" : "attrs");
  }
  REQUIRE(store.UpsertCustomers(clears).ok());
  for (int i = 3; i < n; i += 29) REQUIRE(store.EraseCustomer("c" + std::to_string(i)).ok());

  const absl::Time now = ToTime(kNow);
  const std::vector<std::string> conditions = {
      "customer.attrs.plan == 'pro'",
      "customer.attrs.plan != 'pro'",
      "customer.attrs.plan in ['trial', 'free', 'nobody']",
      "customer.attrs['plan'] == 'trial'",
      "customer.attrs.plan == 'nobody'",
      "customer.attrs.plan != 'nobody'",
      "customer.attrs.seats == 'pro'",       // int: another type
      "customer.attrs.trial != 'pro'",       // bool
      "customer.attrs.score == 'pro'",       // double
      "customer.attrs.renewal in ['pro']",   // timestamp
      "customer.attrs.regions == 'EU'",      // string list
      "customer.attrs.missing == 'pro'",     // no customer has it: an error
      "customer.attrs['missing'] != 'pro'",
      "has(customer.attrs.plan)",
      "has(customer.attrs.regions)",
      "has(customer.attrs.missing)",
      "customer.attrs.plan == 'trial' && customer.employee_count >= 40",
      "customer.attrs.plan == 'pro' || customer.attrs.seats > 10",
      "!(customer.attrs.plan in ['pro'])",
  };
  for (const std::string& source : conditions) {
    auto compiled = CompileCustomerCondition(source);
    INFO(source << ": " << compiled.status());
    REQUIRE(compiled.ok());
    std::shared_ptr<const Program> program = *std::move(compiled);
    auto columnar = ColumnarCondition::Plan(program);
    if (source.find("seats >") == std::string::npos) CHECK(columnar->fallback_nodes() == 0);
    const auto result = columnar->Evaluate(store, now);
    int decided_rows = 0;
    for (uint32_t row = 0; row < store.row_capacity(); ++row) {
      INFO("row " << row);
      if (!store.live().Get(row)) continue;
      RecordCustomerActivation record(store.CustomerAt(row), now);
      const Value want = program->Evaluate(record);
      const bool is_true = want.kind() == Value::Kind::kBool && want.bool_value();
      const bool is_false = want.kind() == Value::Kind::kBool && !want.bool_value();
      decided_rows += is_true || is_false;
      CHECK(result.matched.Get(row) == is_true);
      CHECK(result.unmatched.Get(row) == is_false);
      const std::optional<bool> decided = columnar->EvaluateRow(store, row, now);
      CHECK(decided.has_value() == (is_true || is_false));
      if (decided) CHECK(*decided == is_true);
      StoreCustomerActivation act(store, row, now);
      CHECK(program->Evaluate(act).DebugString() == want.DebugString());
    }
    if (source.find("missing") == std::string::npos) CHECK(decided_rows > 0);
  }

  // Whole values, through the row evaluator's customer.attrs.
  const std::vector<std::string> expressions = {
      "customer.attrs",          "customer.attrs.plan",  "customer.attrs.seats", "customer.attrs.trial",
      "customer.attrs.score",    "customer.attrs.renewal", "customer.attrs.regions", "customer.attrs.missing",
      "has(customer.attrs)",     "size(customer.attrs)", "'plan' in customer.attrs",
  };
  for (const std::string& source : expressions) {
    auto compiled = CompileCustomerExpression(source);
    INFO(source << ": " << compiled.status());
    REQUIRE(compiled.ok());
    for (uint32_t row = 0; row < store.row_capacity(); ++row) {
      if (!store.live().Get(row)) continue;
      INFO("row " << row);
      RecordCustomerActivation record(store.CustomerAt(row), now);
      StoreCustomerActivation act(store, row, now);
      const Value want = (*compiled)->Evaluate(record);
      const Value got = (*compiled)->Evaluate(act);
      REQUIRE(got.is_error() == want.is_error());
      if (want.is_error()) {
        CHECK(got.error_value() == want.error_value());
      } else {
        CHECK(got.TypeName() == want.TypeName());
        CHECK(Equal(got, want));  // maps: the record's iteration order is unspecified
      }
    }
  }
}

}  // namespace
}  // namespace saleskit::cel
