#include "saleskit/engine.h"

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

namespace saleskit {
namespace {

TEST_CASE("The engine clock only moves when the host moves it, and only forward", "[engine]") {
  EngineOptions options;
  options.start = absl::FromUnixSeconds(1767225600);
  auto engine = *Engine::Create(options);
  CHECK(engine->now() == absl::FromUnixSeconds(1767225600));
  REQUIRE(engine->AdvanceTo(absl::FromUnixSeconds(1767225700)).ok());
  CHECK(engine->now() == absl::FromUnixSeconds(1767225700));
  auto back = engine->AdvanceTo(absl::FromUnixSeconds(1767225600));
  CHECK(back.code() == absl::StatusCode::kInvalidArgument);
  CHECK(engine->now() == absl::FromUnixSeconds(1767225700));
}

TEST_CASE("Engine::Load parses and applies a batch atomically", "[engine][bad-input]") {
  auto engine = *Engine::Create();
  REQUIRE(engine->Load(RecordKind::kCustomers, "id,email\nc1,a@x.com\nc2,b@x.com\n", Format::kCsv).ok());
  CHECK(engine->customer_count() == 2);
  // A parse error in one row rejects the whole batch.
  auto bad = engine->Load(RecordKind::kCustomers, "id,email\nc3,c@x.com\nc4,d@x.com,extra\n", Format::kCsv);
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()).find("record 2 (line 3)") != std::string::npos);
  CHECK(engine->customer_count() == 2);
  // Skip mode applies the good rows and reports the bad one.
  LoadOptions skip;
  skip.on_invalid = OnInvalid::kSkipRecord;
  auto partial = engine->Load(RecordKind::kCustomers, "id,email\nc3,c@x.com\nc4,d@x.com,extra\n", Format::kCsv, skip);
  REQUIRE(partial.ok());
  CHECK(partial->received == 2);
  CHECK(partial->inserted == 1);
  REQUIRE(partial->rejected.size() == 1);
  CHECK(partial->rejected[0].line == 3);
  CHECK(engine->customer_count() == 3);
}

TEST_CASE("Engine conditions: compile, evaluate one customer, match all, windows follow the clock", "[engine][cel]") {
  EngineOptions options;
  options.start = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z
  auto engine = *Engine::Create(options);
  auto hot = engine->Compile("customer.country == 'DE' && events.count('email_click', days(2)) >= 1");
  REQUIRE(hot.ok());
  REQUIRE(engine->Load(RecordKind::kCustomers, "id,country,attrs.vip\nc1,DE,true\nc2,DE,false\nc3,FR,true\n",
                       Format::kCsv)
              .ok());
  REQUIRE(engine->Load(RecordKind::kEvents,
                       "customer_id,type,occurred_at\nc1,email_click,2026-01-01T08:00:00Z\n"
                       "c3,email_click,2026-01-01T09:00:00Z\n",
                       Format::kCsv)
              .ok());
  CHECK(*engine->Match(**hot) == std::vector<std::string>{"c1"});
  CHECK(cel::Equal(*engine->Evaluate(**hot, "c1"), cel::Value::Bool(true)));
  CHECK(cel::Equal(*engine->Evaluate(**hot, "c2"), cel::Value::Bool(false)));
  CHECK(engine->Evaluate(**hot, "nobody").status().code() == absl::StatusCode::kNotFound);
  // The click's day and the next are in a 2-day window; the day after is not.
  REQUIRE(engine->AdvanceTo(absl::FromUnixSeconds(1767225600 + 86400 * 2 - 1)).ok());
  CHECK(*engine->Match(**hot) == std::vector<std::string>{"c1"});
  REQUIRE(engine->AdvanceTo(absl::FromUnixSeconds(1767225600 + 86400 * 2)).ok());
  CHECK(engine->Match(**hot)->empty());
  // A dyn-typed condition matches where it is true; non-bool values do not match.
  auto vip = engine->Compile("customer.attrs.vip");
  REQUIRE(vip.ok());
  CHECK(*engine->Match(**vip) == std::vector<std::string>{"c1", "c3"});
  // Expressions that are not conditions evaluate but do not match.
  auto country = engine->Compile("customer.country", /*condition=*/false);
  REQUIRE(country.ok());
  CHECK(engine->Evaluate(**country, "c3")->string_value() == "FR");
  CHECK(engine->Match(**country).status().code() == absl::StatusCode::kFailedPrecondition);
  auto bad = engine->Compile("customer.country == ");
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()).find("1:") != std::string::npos);
}

TEST_CASE("Log lines reach the host's sink", "[engine]") {
  std::vector<std::string> lines;
  EngineOptions options;
  options.log = [&](LogLevel level, absl::string_view message) {
    if (level >= LogLevel::kWarning) lines.emplace_back(message);
  };
  auto engine = *Engine::Create(options);
  LoadOptions skip;
  skip.on_invalid = OnInvalid::kSkipRecord;
  REQUIRE(engine->Load(RecordKind::kCustomers, "id\nc1\n\"\"\n", Format::kCsv, skip).ok());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("1 invalid record(s) skipped") != std::string::npos);
}

TEST_CASE("Readers see a consistent snapshot while a writer loads", "[engine][concurrency]") {
  auto engine = *Engine::Create();
  std::atomic<bool> done{false};
  std::atomic<int> inconsistent{0};
  std::thread reader([&] {
    while (!done) {
      auto snap = engine->Read();
      // Every batch adds a customer and one event for it: the two always agree.
      if (snap.store().Stats().events != snap.store().customer_count()) ++inconsistent;
    }
  });
  for (int i = 0; i < 300; ++i) {
    const std::string id = "c" + std::to_string(i);
    // One writer call creates the customer and counts its event: a reader never sees half of it.
    auto loaded = engine->Load(RecordKind::kEvents,
                                 "customer_id,type,occurred_at\n" + id + ",call,2026-01-01\n", Format::kCsv,
                                 LoadOptions{OnInvalid::kRejectBatch, UnknownCustomer::kCreate});
    REQUIRE(loaded.ok());
  }
  done = true;
  reader.join();
  CHECK(inconsistent == 0);
  CHECK(engine->customer_count() == 300);
}

}  // namespace
}  // namespace saleskit
