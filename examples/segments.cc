// Live segments: define a derived event kind and two segments, feed events,
// move the clock, and read the enter/exit records and an explanation.
//   ./example_segments
#include <iostream>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "saleskit/engine.h"

namespace {

absl::Time At(int month, int day) {
  return absl::FromCivil(absl::CivilDay(2026, month, day), absl::UTCTimeZone());
}

int Fail(const absl::Status& status) {
  std::cerr << status << "\n";
  return 1;
}

}  // namespace

int main() {
  saleskit::EngineOptions options;
  options.start = At(3, 1);
  auto engine = saleskit::Engine::Create(options).value();

  // A page view of the pricing pages counts as a "pricing_view" too.
  saleskit::v1::EventKindDef pricing;
  pricing.set_name("pricing_view");
  pricing.set_condition(R"(event.type == "page_view" && event.properties.url.startsWith("/pricing"))");
  if (auto s = engine->DefineEventKinds({pricing}); !s.ok()) return Fail(s);

  // Segments may be defined in any order; in_segment() makes a dependency graph.
  std::vector<saleskit::v1::SegmentDef> segments(2);
  segments[0].set_name("hot_saas");
  segments[0].set_condition(R"(in_segment("shopping") && customer.industry == "SaaS")");
  segments[1].set_name("shopping");
  segments[1].set_condition(R"(events.count("pricing_view", days(14)) >= 2)");
  if (auto s = engine->DefineSegments(segments); !s.ok()) return Fail(s);

  const char* customers = "id,industry\nc1,SaaS\nc2,Retail\n";
  if (auto r = engine->Load(saleskit::RecordKind::kCustomers, customers, saleskit::Format::kCsv); !r.ok()) {
    return Fail(r.status());
  }
  const char* events =
      "customer_id,type,occurred_at,properties.url\n"
      "c1,page_view,2026-03-01T09:00:00Z,/pricing\n"
      "c1,page_view,2026-03-02T09:00:00Z,/pricing/enterprise\n"
      "c2,page_view,2026-03-02T10:00:00Z,/blog\n";
  if (!engine->AdvanceTo(At(3, 2) + absl::Hours(12)).ok()) return 1;
  if (auto r = engine->Load(saleskit::RecordKind::kEvents, events, saleskit::Format::kCsv); !r.ok()) {
    return Fail(r.status());
  }
  std::cout << "hot_saas members: " << engine->SegmentMembers("hot_saas")->size() << "\n";

  // On March 15 the first pricing view leaves the 14-day window (March 2-15).
  if (!engine->AdvanceTo(At(4, 1)).ok()) return 1;
  for (const saleskit::SegmentChange& c : engine->SegmentChangesSince(0)) {
    std::cout << c.seq << " " << absl::FormatTime("%Y-%m-%d %H:%M", c.at, absl::UTCTimeZone()) << " "
              << saleskit::SegmentChangeKindName(c.kind) << " " << c.segment << " " << c.customer_id << "\n";
  }
  auto why = engine->ExplainSegment("hot_saas", "c1").value();
  std::cout << "c1 in hot_saas: " << (why.member ? "yes" : "no") << "\n";
  for (const saleskit::ClauseValue& clause : why.clauses) {
    std::cout << "  " << clause.text << " => " << clause.value.DebugString() << "\n";
  }
  return 0;
}
