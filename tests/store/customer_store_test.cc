#include "saleskit/store/customer_store.h"

#include <map>
#include <random>
#include <string>

#include <catch2/catch.hpp>
#include "google/protobuf/util/message_differencer.h"
#include "test_util.h"

namespace saleskit {
namespace {

using testing::BatchOf;

v1::Customer Person(const std::string& id) {
  v1::Customer c;
  c.set_id(id);
  return c;
}

v1::Event Ev(const std::string& customer, const std::string& type, Micros at, const std::string& id = "",
             double value = 0) {
  v1::Event e;
  e.set_customer_id(customer);
  e.set_type(type);
  e.mutable_occurred_at()->set_seconds(at / 1000000);
  if (!id.empty()) e.set_id(id);
  if (value != 0) e.set_value(value);
  return e;
}

constexpr Micros kDay = 86400LL * 1000000;

// Every customer, in id order, as serialized records plus event summaries.
std::string Dump(const CustomerStore& store) {
  std::map<std::string, std::string> rows;
  for (uint32_t row = 0; row < store.row_capacity(); ++row) {
    if (!store.live().Get(row)) continue;
    std::string s;
    store.CustomerAt(row).SerializeToString(&s);
    for (const auto& [type, e] : store.EventSummaries(row)) {
      s += "|" + type + ":" + std::to_string(e.count) + ":" + std::to_string(e.sum) + ":" +
           std::to_string(e.first) + ":" + std::to_string(e.last);
    }
    rows[std::string(store.IdOf(row))] = s;
  }
  std::string out;
  for (const auto& [id, s] : rows) out += id + "=" + s + "\n";
  return out;
}

TEST_CASE("Upsert stores standard fields with presence", "[store]") {
  CustomerStore store;
  v1::Customer c = Person("c1");
  c.set_email("ada@example.com");
  c.set_employee_count(0);  // zero is a value, not absence
  c.set_lifecycle_stage(v1::LIFECYCLE_STAGE_LEAD);
  c.set_timezone("Europe/Berlin");
  c.add_tags("vip");
  c.mutable_consent()->mutable_email()->set_status(v1::Consent::OPTED_IN);
  c.mutable_consent()->mutable_email()->set_source("signup_form");
  (*c.mutable_attrs())["plan"].set_string_value("pro");
  (*c.mutable_attrs())["seats"].set_int_value(12);
  auto report = store.UpsertCustomers(BatchOf({c}));
  REQUIRE(report.ok());
  CHECK(report->inserted == 1);

  auto got = store.GetCustomer("c1");
  REQUIRE(got.ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(*got, c));
  CHECK(got->has_employee_count());
  CHECK_FALSE(got->has_annual_revenue());
  CHECK_FALSE(got->has_phone());
  CHECK(store.attr_type("seats") == AttrType::kInt);
}

TEST_CASE("Upsert merges: absent fields keep their value, clearing is explicit", "[store]") {
  CustomerStore store;
  v1::Customer first = Person("c1");
  first.set_email("ada@example.com");
  first.set_company("Analytical Engines");
  first.add_tags("a");
  first.add_tags("b");
  (*first.mutable_attrs())["plan"].set_string_value("pro");
  REQUIRE(store.UpsertCustomers(BatchOf({first})).ok());

  v1::Customer second = Person("c1");
  second.set_company("Difference Engines");
  second.add_clear_fields("email");
  second.add_clear_fields("attrs.plan");
  auto report = store.UpsertCustomers(BatchOf({second}));
  REQUIRE(report.ok());
  CHECK(report->updated == 1);

  auto got = *store.GetCustomer("c1");
  CHECK(got.company() == "Difference Engines");
  CHECK_FALSE(got.has_email());
  CHECK(got.attrs().empty());
  CHECK(got.tags_size() == 2);  // not in the input: kept

  v1::Customer third = Person("c1");
  third.add_tags("c");
  REQUIRE(store.UpsertCustomers(BatchOf({third})).ok());
  got = *store.GetCustomer("c1");
  REQUIRE(got.tags_size() == 1);
  CHECK(got.tags(0) == "c");  // a non-empty list replaces
  CHECK(store.string_dictionary(StringField::kEmail).size() == 0);
  CHECK(store.string_dictionary(StringField::kCompany).Find("Analytical Engines") == StringDictionary::kNone);
}

TEST_CASE("A custom attribute keeps the type it first had", "[store][bad-input]") {
  CustomerStore store;
  v1::Customer a = Person("c1");
  (*a.mutable_attrs())["seats"].set_int_value(5);
  REQUIRE(store.UpsertCustomers(BatchOf({a})).ok());

  v1::Customer b = Person("c2");
  (*b.mutable_attrs())["seats"].set_string_value("five");
  auto report = store.UpsertCustomers(BatchOf({b}));
  REQUIRE_FALSE(report.ok());
  const std::string msg(report.status().message());
  CHECK(msg.find("record 1") != std::string::npos);
  CHECK(msg.find("attrs.seats") != std::string::npos);
  CHECK(msg.find("int64") != std::string::npos);
  CHECK(store.customer_count() == 1);

  SECTION("within one batch, the first record fixes the type") {
    v1::Customer x = Person("c3"), y = Person("c4");
    (*x.mutable_attrs())["score"].set_double_value(1.5);
    (*y.mutable_attrs())["score"].set_bool_value(true);
    auto r = store.UpsertCustomers(BatchOf({x, y}));
    REQUIRE_FALSE(r.ok());
    CHECK(std::string(r.status().message()).find("record 2") != std::string::npos);
    CHECK_FALSE(store.attr_type("score").has_value());
  }
}

TEST_CASE("A batch with an invalid record applies nothing", "[store][bad-input]") {
  CustomerStore store;
  v1::Customer keep = Person("c1");
  keep.set_email("old@example.com");
  REQUIRE(store.UpsertCustomers(BatchOf({keep})).ok());
  const std::string before = Dump(store);

  v1::Customer update = Person("c1");
  update.set_email("new@example.com");
  v1::Customer fresh = Person("c2");
  v1::Customer bad_tz = Person("c3");
  bad_tz.set_timezone("Mars/Olympus_Mons");
  v1::Customer empty_id;
  v1::Customer bad_utf8 = Person("c4");
  bad_utf8.set_first_name(std::string("Ad\xC3", 3));

  auto report = store.UpsertCustomers(BatchOf({update, fresh, bad_tz, empty_id, bad_utf8}));
  REQUIRE_FALSE(report.ok());
  const std::string msg(report.status().message());
  CHECK(msg.find("3 invalid records") != std::string::npos);
  CHECK(msg.find("record 3, field \"timezone\": unknown time zone \"Mars/Olympus_Mons\"") != std::string::npos);
  CHECK(msg.find("record 4, field \"id\"") != std::string::npos);
  CHECK(msg.find("record 5, field \"first_name\": invalid UTF-8") != std::string::npos);
  CHECK(Dump(store) == before);

  SECTION("skip mode applies the valid records and lists the others") {
    LoadOptions skip;
    skip.on_invalid = OnInvalid::kSkipRecord;
    auto r = store.UpsertCustomers(BatchOf({update, fresh, bad_tz, empty_id, bad_utf8}), skip);
    REQUIRE(r.ok());
    CHECK(r->updated == 1);
    CHECK(r->inserted == 1);
    REQUIRE(r->rejected.size() == 3);
    CHECK(r->rejected[0].index == 2);
    CHECK(r->rejected[0].field == "timezone");
    CHECK(store.GetCustomer("c1")->email() == "new@example.com");
  }
}

TEST_CASE("Unknown clear_fields names are rejected", "[store][bad-input]") {
  CustomerStore store;
  v1::Customer c = Person("c1");
  c.add_clear_fields("emial");
  auto r = store.UpsertCustomers(BatchOf({c}));
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.status().message()).find("\"emial\" is not a field that can be cleared") != std::string::npos);
}

TEST_CASE("Events are aggregated per customer and type, in any order", "[store]") {
  CustomerStore store;
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  auto r = store.IngestEvents(BatchOf({Ev("c1", "purchase", 5 * kDay, "", 10), Ev("c1", "purchase", 2 * kDay, "", 5),
                                       Ev("c1", "email_open", 3 * kDay)}));
  REQUIRE(r.ok());
  CHECK(r->inserted == 3);
  auto summary = store.EventSummaries(*store.FindRow("c1"));
  REQUIRE(summary.size() == 2);
  CHECK(summary["purchase"].count == 2);
  CHECK(summary["purchase"].sum == 15);
  CHECK(summary["purchase"].first == 2 * kDay);
  CHECK(summary["purchase"].last == 5 * kDay);
  CHECK(summary["email_open"].count == 1);
  CHECK(store.Stats().events == 3);
}

TEST_CASE("A horizon larger than all time de-duplicates forever without overflow", "[store]") {
  CustomerStore store(StoreOptions{absl::Seconds(INT64_MAX)});
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  auto r = store.IngestEvents(BatchOf({Ev("c1", "call", -365 * kDay, "x"), Ev("c1", "call", -365 * kDay, "x")}));
  REQUIRE(r.ok());
  CHECK(r->duplicates == 1);
}

TEST_CASE("Events with an id are de-duplicated over the horizon", "[store]") {
  CustomerStore store(StoreOptions{absl::Hours(7 * 24)});
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  auto r = store.IngestEvents(BatchOf({Ev("c1", "email_open", 10 * kDay, "e1"), Ev("c1", "email_open", 10 * kDay, "e1"),
                                       Ev("c1", "email_open", 10 * kDay), Ev("c1", "email_open", 10 * kDay)}));
  REQUIRE(r.ok());
  CHECK(r->duplicates == 1);  // events without an id are never de-duplicated
  CHECK(r->inserted == 3);
  // A redelivery within the horizon is recognised ...
  r = store.IngestEvents(BatchOf({Ev("c1", "email_open", 10 * kDay, "e1")}));
  CHECK(r->duplicates == 1);
  // ... but not once the newest event is more than the horizon past it.
  REQUIRE(store.IngestEvents(BatchOf({Ev("c1", "page_view", 18 * kDay, "e2")})).ok());
  r = store.IngestEvents(BatchOf({Ev("c1", "email_open", 10 * kDay, "e1")}));
  CHECK(r->duplicates == 0);
  CHECK(store.EventSummaries(0)["email_open"].count == 4);
}

TEST_CASE("Events for unknown customers: error, skip or create", "[store][bad-input]") {
  CustomerStore store;
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  auto batch = BatchOf({Ev("c1", "call", kDay), Ev("ghost", "call", kDay)});
  auto r = store.IngestEvents(batch);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.status().message()).find("record 2, field \"customer_id\": unknown customer \"ghost\"") !=
        std::string::npos);
  CHECK(store.Stats().events == 0);

  LoadOptions skip;
  skip.unknown_customer = UnknownCustomer::kSkip;
  r = store.IngestEvents(batch, skip);
  REQUIRE(r.ok());
  CHECK(r->skipped_unknown_customer == 1);
  CHECK(store.customer_count() == 1);

  LoadOptions create;
  create.unknown_customer = UnknownCustomer::kCreate;
  r = store.IngestEvents(batch, create);
  REQUIRE(r.ok());
  CHECK(r->created_customers == 1);
  CHECK(store.customer_count() == 2);
  CHECK(store.GetCustomer("ghost").ok());

  // A duplicate changes nothing, not even by creating its unknown customer.
  REQUIRE(store.IngestEvents(BatchOf({Ev("c1", "call", kDay, "dup-1")})).ok());
  r = store.IngestEvents(BatchOf({Ev("phantom", "call", kDay, "dup-1")}), create);
  REQUIRE(r.ok());
  CHECK(r->duplicates == 1);
  CHECK(r->created_customers == 0);
  CHECK_FALSE(store.FindRow("phantom").has_value());
}

TEST_CASE("Invalid events are rejected with their field", "[store][bad-input]") {
  CustomerStore store;
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  v1::Event no_time = Ev("c1", "call", kDay);
  no_time.clear_occurred_at();
  v1::Event no_type = Ev("c1", "", kDay);
  v1::Event bad_value = Ev("c1", "purchase", kDay);
  bad_value.set_value(std::numeric_limits<double>::quiet_NaN());
  v1::Event bad_type = Ev("c1", std::string("cl\xC3", 3), kDay);
  v1::Event bad_property = Ev("c1", "page_view", kDay);
  (*bad_property.mutable_properties())["url"] = std::string("/\xFF", 2);
  auto r = store.IngestEvents(BatchOf({no_time, no_type, bad_value, bad_type, bad_property}));
  REQUIRE_FALSE(r.ok());
  const std::string msg(r.status().message());
  CHECK(msg.find("record 1, field \"occurred_at\": required") != std::string::npos);
  CHECK(msg.find("record 2, field \"type\"") != std::string::npos);
  CHECK(msg.find("record 3, field \"value\"") != std::string::npos);
  CHECK(msg.find("record 4, field \"type\": invalid UTF-8 at byte 3") != std::string::npos);
  CHECK(msg.find("record 5, field \"properties.value\": invalid UTF-8 at byte 2") != std::string::npos);
}

TEST_CASE("Erase leaves no trace of the customer", "[store]") {
  CustomerStore store;
  v1::Customer c = Person("c1");
  c.set_email("only-me@example.com");
  c.set_industry("SaaS");
  c.add_tags("secret-tag");
  (*c.mutable_attrs())["nickname"].set_string_value("Ada");
  c.mutable_consent()->mutable_sms()->set_status(v1::Consent::OPTED_OUT);
  c.mutable_consent()->mutable_sms()->set_source("sms-stop-reply-c1");
  v1::Customer other = Person("c2");
  other.set_industry("SaaS");
  REQUIRE(store.UpsertCustomers(BatchOf({c, other})).ok());
  REQUIRE(store.IngestEvents(BatchOf({Ev("c1", "page_view", kDay, "evt-c1")})).ok());
  v1::Deal deal;
  deal.set_id("d1");
  deal.set_customer_id("c1");
  REQUIRE(store.UpsertDeals(BatchOf({deal})).ok());

  REQUIRE(store.EraseCustomer("c1").ok());
  CHECK(store.customer_count() == 1);
  CHECK_FALSE(store.FindRow("c1").has_value());
  CHECK(store.GetCustomer("c1").status().code() == absl::StatusCode::kNotFound);
  CHECK(store.string_dictionary(StringField::kEmail).Find("only-me@example.com") == StringDictionary::kNone);
  CHECK(store.string_dictionary(StringField::kIndustry).Find("SaaS") != StringDictionary::kNone);  // c2's
  CHECK(store.Stats().events == 0);
  CHECK_FALSE(store.FindDeal("d1")->has_customer_id());
  // The erased customer's event id is forgotten too: the same id counts again.
  REQUIRE(store.UpsertCustomers(BatchOf({Person("c1")})).ok());
  auto r = store.IngestEvents(BatchOf({Ev("c1", "page_view", kDay, "evt-c1")}));
  CHECK(r->duplicates == 0);
  // The re-created customer has none of the old fields.
  auto again = *store.GetCustomer("c1");
  CHECK_FALSE(again.has_email());
  CHECK(again.tags_size() == 0);
  CHECK(again.attrs().empty());
  CHECK_FALSE(again.has_consent());
  CHECK(store.EraseCustomer("nobody").code() == absl::StatusCode::kNotFound);
}

TEST_CASE("Accounts and deals merge present fields", "[store]") {
  CustomerStore store;
  v1::Account a;
  a.set_id("a1");
  a.set_name("Acme");
  a.mutable_created_at()->set_seconds(100);
  a.mutable_created_at()->set_nanos(500000000);
  REQUIRE(store.UpsertAccounts(BatchOf({a})).ok());
  v1::Account b;
  b.set_id("a1");
  b.set_industry("Retail");
  b.mutable_created_at()->set_seconds(200);
  auto r = store.UpsertAccounts(BatchOf({b}));
  REQUIRE(r.ok());
  CHECK(r->updated == 1);
  const v1::Account* got = store.FindAccount("a1");
  CHECK(got->name() == "Acme");
  CHECK(got->industry() == "Retail");
  CHECK(got->created_at().seconds() == 200);
  CHECK(got->created_at().nanos() == 0);  // replaced whole, not field-merged

  v1::Account typed;
  typed.set_id("a2");
  (*typed.mutable_attrs())["tier"].set_int_value(1);
  REQUIRE(store.UpsertAccounts(BatchOf({typed})).ok());
  (*typed.mutable_attrs())["tier"].set_string_value("gold");
  auto conflict = store.UpsertAccounts(BatchOf({typed}));
  REQUIRE_FALSE(conflict.ok());
  CHECK(std::string(conflict.status().message()).find("field \"attrs.tier\": type conflict") != std::string::npos);

  v1::Deal bad;
  bad.set_id("d1");
  bad.set_status(static_cast<v1::Deal::Status>(42));
  auto d = store.UpsertDeals(BatchOf({bad}));
  REQUIRE_FALSE(d.ok());
  CHECK(std::string(d.status().message()).find("field \"status\"") != std::string::npos);
}

// Property: random upserts, clears, events and erases give the same state as
// a plain model of the merge rules, and a failing batch never changes state.
TEST_CASE("Property: store matches a reference model of merge and erase", "[store][property]") {
  const int iterations = testing::PropertyIterations(30);
  for (int it = 0; it < iterations; ++it) {
    std::mt19937_64 rng(1000 + it);
    auto pick = [&](int n) { return static_cast<int>(rng() % n); };
    CustomerStore store;
    std::map<std::string, v1::Customer> model;
    std::map<std::string, std::map<std::string, int64_t>> model_counts;
    const char* industries[] = {"SaaS", "Retail", "Media"};
    for (int step = 0; step < 60; ++step) {
      const std::string id = "c" + std::to_string(pick(12));
      const int op = pick(10);
      if (op < 6) {
        v1::Customer c = Person(id);
        if (pick(2)) c.set_industry(industries[pick(3)]);
        if (pick(3) == 0) c.set_employee_count(pick(1000));
        if (pick(4) == 0) c.add_clear_fields("industry");
        if (pick(3) == 0) (*c.mutable_attrs())["n"].set_int_value(pick(5));
        if (pick(5) == 0) c.add_tags(industries[pick(3)]);
        const bool poison = pick(8) == 0;
        v1::Customer bad = Person(poison ? "" : "cx");
        if (poison) {
          const std::string before = Dump(store);
          REQUIRE_FALSE(store.UpsertCustomers(BatchOf({c, bad})).ok());
          REQUIRE(Dump(store) == before);
          continue;
        }
        REQUIRE(store.UpsertCustomers(BatchOf({c})).ok());
        v1::Customer& m = model[id];
        m.set_id(id);
        for (const auto& f : c.clear_fields()) {
          if (f == "industry") m.clear_industry();
        }
        if (c.has_industry()) m.set_industry(c.industry());
        if (c.has_employee_count()) m.set_employee_count(c.employee_count());
        if (c.tags_size() > 0) *m.mutable_tags() = c.tags();
        for (const auto& [k, v] : c.attrs()) (*m.mutable_attrs())[k] = v;
      } else if (op < 9) {
        if (!model.count(id)) continue;
        const std::string type = pick(2) ? "email_open" : "call";
        REQUIRE(store.IngestEvents(BatchOf({Ev(id, type, pick(30) * kDay)})).ok());
        ++model_counts[id][type];
      } else if (pick(2) == 0) {
        const bool known = model.count(id) > 0;
        REQUIRE(store.EraseCustomer(id).ok() == known);
        model.erase(id);
        model_counts.erase(id);
      } else {  // several at once: all or none
        std::vector<std::string> ids = {id};
        for (int k = pick(3); k > 0; --k) {
          const std::string more = "c" + std::to_string(pick(12));
          if (std::find(ids.begin(), ids.end(), more) == ids.end()) ids.push_back(more);
        }
        const bool known = std::all_of(ids.begin(), ids.end(), [&](const std::string& i) { return model.count(i); });
        const std::string before = Dump(store);
        const absl::Status st = store.EraseCustomers(ids);
        REQUIRE(st.ok() == known);
        if (!known) {
          CHECK(st.code() == absl::StatusCode::kNotFound);
          REQUIRE(Dump(store) == before);
          continue;
        }
        for (const std::string& i : ids) {
          model.erase(i);
          model_counts.erase(i);
        }
      }
    }
    REQUIRE(store.customer_count() == model.size());
    for (const auto& [id, m] : model) {
      auto got = store.GetCustomer(id);
      REQUIRE(got.ok());
      INFO("iteration " << it << " customer " << id);
      CHECK(google::protobuf::util::MessageDifferencer::Equals(*got, m));
      auto summary = store.EventSummaries(*store.FindRow(id));
      for (const auto& [type, n] : model_counts[id]) CHECK(summary[type].count == n);
    }
  }
}

}  // namespace
}  // namespace saleskit

namespace saleskit {
namespace {

// Property: ingesting events in one batch or split into many batches (same
// order) gives the same aggregates, and they match a plain model.
TEST_CASE("Property: event aggregates do not depend on how the stream is batched", "[store][property]") {
  const int iterations = testing::PropertyIterations(30);
  for (int it = 0; it < iterations; ++it) {
    std::mt19937_64 rng(500 + it);
    std::vector<v1::Event> events;
    for (int i = 0; i < 200; ++i) {
      const std::string customer = "c" + std::to_string(rng() % 5);
      const std::string type = rng() % 2 ? "email_open" : "purchase";
      const Micros at = static_cast<Micros>(rng() % 40) * kDay + static_cast<Micros>(rng() % 86400) * 1000000;
      // Ids repeat now and then (redeliveries, sometimes long after the first copy).
      const std::string id = rng() % 3 == 0 ? "" : "e" + std::to_string(rng() % 120);
      events.push_back(Ev(customer, type, at, id, static_cast<double>(rng() % 50)));
    }
    auto load = [&](CustomerStore& store, size_t batches) {
      Batch<v1::Customer> people;
      for (int c = 0; c < 5; ++c) people.records.push_back(Person("c" + std::to_string(c)));
      REQUIRE(store.UpsertCustomers(people).ok());
      size_t start = 0;
      for (size_t b = 0; b < batches; ++b) {
        const size_t end = b + 1 == batches ? events.size() : start + rng() % (events.size() - start + 1);
        Batch<v1::Event> batch;
        batch.records.assign(events.begin() + start, events.begin() + end);
        REQUIRE(store.IngestEvents(batch).ok());
        start = end;
      }
    };
    CustomerStore whole, split;
    load(whole, 1);
    load(split, 2 + rng() % 10);
    INFO("iteration " << it);
    REQUIRE(Dump(whole) == Dump(split));

    // The model: an id is a duplicate while its first copy is within the horizon
    // of the newest id'd event seen so far.
    std::map<std::string, Micros> seen;
    Micros watermark = INT64_MIN;
    std::map<std::pair<std::string, std::string>, EventSummary> model;
    for (const v1::Event& e : events) {
      const Micros at = e.occurred_at().seconds() * 1000000;
      if (e.has_id()) {
        watermark = std::max(watermark, at);
        auto s = seen.find(e.id());
        if (s != seen.end() && s->second >= watermark - 7 * kDay) continue;
        seen[e.id()] = at;
      }
      EventSummary& m = model[{e.customer_id(), e.type()}];
      m.first = m.count == 0 ? at : std::min(m.first, at);
      m.last = m.count == 0 ? at : std::max(m.last, at);
      ++m.count;
      m.sum += e.value();
    }
    for (const auto& [key, m] : model) {
      const auto summary = whole.EventSummaries(*whole.FindRow(key.first)).at(key.second);
      CHECK(summary.count == m.count);
      CHECK(summary.sum == m.sum);
      CHECK(summary.first == m.first);
      CHECK(summary.last == m.last);
    }
  }
}

}  // namespace
}  // namespace saleskit
