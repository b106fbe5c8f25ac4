// The compiled parts of a RuleSet, shared by rules.cc and runner.cc.
#ifndef SALESKIT_SRC_AUTOMATION_INTERNAL_COMPILED_H_
#define SALESKIT_SRC_AUTOMATION_INTERNAL_COMPILED_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "saleskit/automation/calendar.h"
#include "saleskit/automation/runner.h"
#include "saleskit/cel/columnar.h"
#include "saleskit/cel/program.h"
#include "saleskit/time.h"

namespace saleskit::automation {

// The outreach channel of an external action ("" when it is not outreach).
std::string OutreachChannel(const v1::Action& action);

struct CompiledRule {
  const v1::Rule* def = nullptr;  // in RuleSet::definition_
  std::shared_ptr<const cel::Program> condition;  // nullptr: always
  std::unique_ptr<cel::ColumnarCondition> columnar;
  std::shared_ptr<const cel::Program> event_condition;  // event triggers; nullptr: any
  Micros offset = 0;           // date: offset; inactivity: after
  int minute_of_day = 0;       // schedule
  uint8_t days = 0x7F;         // schedule
  std::vector<int> targets;    // per action: pool or owner index for assign_owner, else -1
  // Per action: what its outbox entries share (external actions), else null.
  std::vector<std::shared_ptr<const Outbox::Source>> sources;
  std::vector<std::string> writes;  // fields its actions write
  // What the condition reads, for the audit: a field (customer.attrs.plan),
  // an event window (events.count("demo", days(30))), a score or a segment
  // test, each once, in source order; expr_id names it in `condition`.
  struct Read {
    std::string name;
    int64_t expr_id;
  };
  std::vector<Read> reads;
};

// The reads of a customer condition (CompiledRule::reads).
std::vector<CompiledRule::Read> PlanReads(const cel::Program& condition);

struct CompiledOwner {
  const v1::Owner* def = nullptr;
  absl::TimeZone zone;
  WorkWeek week;
};

struct CompiledPool {
  const v1::RoutingPool* def = nullptr;
  std::vector<int> owners;  // owner indexes, in rotation order
  struct Territory {
    std::shared_ptr<const cel::Program> program;
    std::unique_ptr<cel::ColumnarCondition> columnar;
    int owner = -1;
  };
  std::vector<Territory> territories;
  int fallback = -1;
};

struct RuleSet::Policies {
  absl::TimeZone zone;
  struct Cap {
    std::string channel;
    uint32_t max = 0;
    Micros window = 0;
  };
  std::vector<Cap> caps;
  uint32_t budget_max = 0;  // 0: no budget
  Micros budget_window = 0;
  std::optional<DailyWindow> quiet;
  uint32_t max_depth = 3;
  Micros horizon = 0;  // the longest cap or budget window
};

}  // namespace saleskit::automation

#endif  // SALESKIT_SRC_AUTOMATION_INTERNAL_COMPILED_H_
