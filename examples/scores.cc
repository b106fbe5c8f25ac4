// Points scores: a fit score from conditions and an engagement score from
// events that fades by a half-life, with a threshold that promotes a customer
// to marketing qualified; then an explanation and the crossing log.
//   ./example_scores
#include <iostream>
#include <string>

#include <google/protobuf/text_format.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "saleskit/engine.h"

namespace {

absl::Time At(int month, int day, int hour = 0) {
  return absl::FromCivil(absl::CivilHour(2026, month, day, hour), absl::UTCTimeZone());
}

int Fail(const absl::Status& status) {
  std::cerr << status << "\n";
  return 1;
}

// Definitions are protos (proto/saleskit/v1/playbook.proto); text format reads well.
constexpr char kScores[] = R"pb(
  scores {
    name: "fit"
    rules { condition: 'customer.industry == "SaaS"' points: 20 }
    rules { condition: "customer.employee_count >= 50" points: 15 }
    grades { grade: "A" min: 35 }
    grades { grade: "B" min: 20 }
  }
  scores {
    name: "engagement"
    rules { event: "demo_request" points: 40 }
    rules { event: "email_click" points: 5 max_per_window: 2 window { seconds: 86400 } }
    decay { half_life { seconds: 604800 } }  # a week
    min: 0
    max: 100
    thresholds { value: 40 name: "mql" promote_to: LIFECYCLE_STAGE_MARKETING_QUALIFIED }
  }
)pb";

}  // namespace

int main() {
  saleskit::EngineOptions options;
  options.start = At(3, 1);
  auto engine = saleskit::Engine::Create(options).value();

  saleskit::v1::Playbook playbook;
  if (!google::protobuf::TextFormat::ParseFromString(kScores, &playbook)) return 1;
  // Define scores before ingesting: event rules count the events ingested after.
  if (auto s = engine->DefinePlaybook(playbook); !s.ok()) return Fail(s);

  const char* customers =
      "id,industry,employee_count,lifecycle_stage\n"
      "c1,SaaS,120,lead\n"
      "c2,Retail,10,lead\n";
  if (auto r = engine->Load(saleskit::RecordKind::kCustomers, customers, saleskit::Format::kCsv); !r.ok()) {
    return Fail(r.status());
  }
  // Three clicks in one day: only two earn points.
  const char* events =
      "customer_id,type,occurred_at\n"
      "c1,demo_request,2026-03-02T09:00:00Z\n"
      "c1,email_click,2026-03-02T10:00:00Z\n"
      "c1,email_click,2026-03-02T10:30:00Z\n"
      "c1,email_click,2026-03-02T11:00:00Z\n"
      "c2,email_click,2026-03-02T11:00:00Z\n";
  if (auto s = engine->AdvanceTo(At(3, 2, 12)); !s.ok()) return Fail(s);
  if (auto r = engine->Load(saleskit::RecordKind::kEvents, events, saleskit::Format::kCsv); !r.ok()) {
    return Fail(r.status());
  }
  for (const char* id : {"c1", "c2"}) {
    const saleskit::ScoreValue fit = engine->GetScore("fit", id).value();
    const saleskit::ScoreValue engagement = engine->GetScore("engagement", id).value();
    std::cout << id << ": fit " << fit.value << " (grade " << fit.grade << "), engagement " << engagement.value
              << ", stage " << saleskit::v1::LifecycleStage_Name(engine->GetCustomer(id)->lifecycle_stage()) << "\n";
  }

  // A week later every event is worth half; the engagement score has fallen
  // below 40 at an exact instant, recorded as a down crossing.
  if (auto s = engine->AdvanceTo(At(3, 9, 12)); !s.ok()) return Fail(s);
  const saleskit::ScoreExplanation why = engine->ExplainScore("engagement", "c1").value();
  std::cout << "engagement of c1 on 2026-03-09: " << why.value << "\n";
  for (const auto& rule : why.rules) {
    std::cout << "  " << rule.rule << ": " << rule.points << "\n";
    for (const auto& event : rule.events) {
      std::cout << "    " << absl::FormatTime("%Y-%m-%d %H:%M", event.at, absl::UTCTimeZone()) << " worth "
                << event.points << " of " << event.full_points << (event.over_maximum ? " (over the maximum)" : "")
                << "\n";
    }
  }
  for (const saleskit::v1::ScoreCrossing& c : engine->ScoreCrossingsSince(0)) {
    const absl::Time at = absl::FromUnixSeconds(c.at().seconds()) + absl::Nanoseconds(c.at().nanos());
    std::cout << "crossing " << c.seq() << " " << absl::FormatTime("%Y-%m-%d %H:%M", at, absl::UTCTimeZone()) << " "
              << c.score() << " " << c.customer_id() << " "
              << (c.direction() == saleskit::v1::ScoreCrossing::UP ? "up" : "down") << " " << c.threshold();
    if (c.promoted_to() != saleskit::v1::LIFECYCLE_STAGE_UNSPECIFIED) {
      std::cout << " -> " << saleskit::v1::LifecycleStage_Name(c.promoted_to());
    }
    std::cout << "\n";
  }
  return 0;
}
