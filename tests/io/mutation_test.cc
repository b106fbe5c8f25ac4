// Property: whatever bytes arrive, a load either applies a batch or fails
// with an error and changes nothing; it never crashes (run under ASan/UBSan
// by the test command).
#include <random>
#include <string>

#include <catch2/catch.hpp>
#include "saleskit/engine.h"
#include "saleskit/io/readers.h"
#include "test_util.h"

namespace saleskit {
namespace {

std::string Mutate(std::string s, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits && !s.empty(); ++i) {
    const size_t at = rng() % s.size();
    switch (rng() % 5) {
      case 0: s[at] = static_cast<char>(rng() % 256); break;                  // replace a byte
      case 1: s.insert(s.begin() + at, static_cast<char>(rng() % 256)); break;  // insert one
      case 2: s.erase(at, 1 + rng() % 8); break;                              // delete some
      case 3: s.resize(at); break;                                            // truncate
      default: s.insert(at, s.substr(rng() % s.size(), rng() % 16)); break;   // duplicate a run
    }
  }
  return s;
}

std::string Snapshot(const Engine& engine) {
  auto snap = engine.Read();
  std::string out;
  for (uint32_t row = 0; row < snap.store().row_capacity(); ++row) {
    if (!snap.store().live().Get(row)) continue;
    out += ToJson(snap.store().CustomerAt(row));
    for (const auto& [type, e] : snap.store().EventSummaries(row)) out += type + std::to_string(e.count);
  }
  return out;
}

TEST_CASE("Property: mutated input is applied whole or rejected whole, never half", "[io][property][bad-input]") {
  v1::Customer a, b;
  a.set_id("c1");
  a.set_email("ada@example.com");
  a.set_employee_count(12);
  (*a.mutable_attrs())["plan"].set_string_value("pro");
  b.set_id("c2");
  b.set_timezone("Europe/Berlin");
  b.add_tags("vip");
  std::string pb;
  AppendDelimited(a, &pb);
  AppendDelimited(b, &pb);
  const std::pair<Format, std::string> seeds[] = {
      {Format::kProtobuf, pb},
      {Format::kJson, "[" + ToJson(a) + ",\n" + ToJson(b) + "]"},
      {Format::kNdjson, ToJson(a) + "\n" + ToJson(b) + "\n"},
      {Format::kCsv,
       "id,email,employee_count,timezone,tags,attrs.plan,consent.email,created_at\n"
       "c1,ada@example.com,12,,,pro,opted_in,2026-01-02T10:00:00Z\n"
       "c2,\"grace, \"\"g\"\"\",,Europe/Berlin,vip|x,,opted_out,2026-01-03\n"},
  };
  const std::string events =
      "id,customer_id,type,occurred_at,value,properties.url\n"
      "e1,c0,page_view,2026-01-05T10:00:00Z,,/pricing\n"
      "e2,c0,purchase,2026-01-06,19.5,\n";
  const int iterations = testing::PropertyIterations(300);
  std::mt19937_64 rng(99);
  for (int it = 0; it < iterations; ++it) {
    auto engine = *Engine::Create();
    REQUIRE(engine->Load(RecordKind::kCustomers, "id,industry\nc0,SaaS\n", Format::kCsv).ok());
    const auto& [format, seed] = seeds[it % 4];
    const std::string input = Mutate(seed, rng);
    const std::string before = Snapshot(*engine);
    auto strict = engine->Load(RecordKind::kCustomers, input, format);
    if (!strict.ok()) {
      INFO(FormatName(format) << " input: " << input);
      CHECK(Snapshot(*engine) == before);
      CHECK_FALSE(strict.status().message().empty());
    }
    LoadOptions skip;
    skip.on_invalid = OnInvalid::kSkipRecord;
    auto lenient = engine->Load(RecordKind::kCustomers, input, format, skip);
    // Every record received is accounted for: inserted, updated or rejected.
    if (lenient.ok()) CHECK(lenient->received == lenient->inserted + lenient->updated + lenient->rejected.size());
    const std::string before_events = Snapshot(*engine);
    auto ev = engine->Load(RecordKind::kEvents, Mutate(events, rng), Format::kCsv);
    if (!ev.ok()) CHECK(Snapshot(*engine) == before_events);
  }
}

}  // namespace
}  // namespace saleskit
