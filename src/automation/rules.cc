// RuleSet::Compile: every check a playbook's automation part must pass
// before anything runs.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "automation/internal/compiled.h"
#include "saleskit/cel/ast.h"
#include "saleskit/cel/customer.h"
#include "saleskit/io/readers.h"
#include "saleskit/status_macros.h"

namespace saleskit::automation {
namespace {

absl::Status Invalid(absl::string_view where, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(where, message));
}

Micros DurationMicros(const google::protobuf::Duration& d) { return d.seconds() * 1000000 + d.nanos() / 1000; }

// A customer field a trigger or set_field may name: a field of
// saleskit.v1.Customer other than id, or "attrs.<name>".
absl::Status CheckField(absl::string_view field, absl::string_view where) {
  if (absl::StartsWith(field, "attrs.") && field.size() > 6) return absl::OkStatus();
  const auto* d = v1::Customer::descriptor()->FindFieldByName(std::string(field));
  if (d == nullptr || field == "id" || field == "attrs" || field == "clear_fields") {
    return Invalid(where, absl::StrCat("unknown customer field \"", field,
                                       "\" (a field of saleskit.v1.Customer, or attrs.<name>)"));
  }
  return absl::OkStatus();
}

// The CEL literal of a constant.
std::string Literal(const cel::Constant& c) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, cel::NullValue>) {
          return cel::Value::Null().DebugString();
        } else if constexpr (std::is_same_v<T, bool>) {
          return cel::Value::Bool(v).DebugString();
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return cel::Value::Int(v).DebugString();
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          return cel::Value::Uint(v).DebugString();
        } else if constexpr (std::is_same_v<T, double>) {
          return cel::Value::Double(v).DebugString();
        } else if constexpr (std::is_same_v<T, std::string>) {
          return cel::Value::String(v).DebugString();
        } else {
          return cel::Value::Bytes(v.data).DebugString();
        }
      },
      c);
}

// Names a read: the text of a select chain from a variable of the customer
// environment, an index by a literal, an events method or score() or
// in_segment() call with literal arguments. nullopt for anything else.
std::optional<std::string> ReadName(const cel::Expr& e, bool argument = false) {
  if (const auto* c = e.As<cel::Constant>()) {
    if (argument) return Literal(*c);
    return std::nullopt;
  }
  if (const auto* id = e.As<cel::IdentExpr>()) {
    if (!argument && (id->name == "customer" || id->name == "account" || id->name == "now")) return id->name;
    return std::nullopt;
  }
  if (const auto* sel = e.As<cel::SelectExpr>()) {
    if (sel->test_only || argument) return std::nullopt;
    std::optional<std::string> base = ReadName(*sel->operand);
    if (base) return absl::StrCat(*base, ".", sel->field);
    return std::nullopt;
  }
  const auto* call = e.As<cel::CallExpr>();
  if (call == nullptr) return std::nullopt;
  std::vector<std::string> args;
  for (const cel::ExprPtr& a : call->args) {
    std::optional<std::string> name = ReadName(*a, /*argument=*/true);
    if (!name) return std::nullopt;
    args.push_back(std::move(*name));
  }
  if (argument) {  // a literal argument such as days(30)
    if (call->target != nullptr || call->function.find('_') != std::string::npos) return std::nullopt;
    return absl::StrCat(call->function, "(", absl::StrJoin(args, ", "), ")");
  }
  if (call->function == "_[_]" && call->args.size() == 2) {
    std::optional<std::string> base = ReadName(*call->args[0]);
    std::optional<std::string> key = ReadName(*call->args[1], /*argument=*/true);
    if (base && key) return absl::StrCat(*base, "[", *key, "]");
    return std::nullopt;
  }
  if (call->target != nullptr) {
    const auto* target = call->target->As<cel::IdentExpr>();
    if (target == nullptr || target->name != "events") return std::nullopt;
    return absl::StrCat("events.", call->function, "(", absl::StrJoin(args, ", "), ")");
  }
  if (call->function == "score" || call->function == "in_segment") {
    return absl::StrCat(call->function, "(", absl::StrJoin(args, ", "), ")");
  }
  return std::nullopt;
}

void CollectReads(const cel::Expr& e, std::vector<CompiledRule::Read>* out) {
  if (std::optional<std::string> name = ReadName(e)) {
    if (std::none_of(out->begin(), out->end(), [&](const CompiledRule::Read& r) { return r.name == *name; })) {
      out->push_back({std::move(*name), e.id});
    }
    return;
  }
  if (const auto* sel = e.As<cel::SelectExpr>()) {
    CollectReads(*sel->operand, out);
  } else if (const auto* call = e.As<cel::CallExpr>()) {
    if (call->target != nullptr) CollectReads(*call->target, out);
    for (const cel::ExprPtr& a : call->args) CollectReads(*a, out);
  } else if (const auto* list = e.As<cel::ListExpr>()) {
    for (const cel::ExprPtr& x : list->elements) CollectReads(*x, out);
  } else if (const auto* map = e.As<cel::MapExpr>()) {
    for (const auto& entry : map->entries) CollectReads(*entry.key, out), CollectReads(*entry.value, out);
  } else if (const auto* st = e.As<cel::StructExpr>()) {
    for (const auto& f : st->fields) CollectReads(*f.value, out);
  } else if (const auto* loop = e.As<cel::ComprehensionExpr>()) {
    CollectReads(*loop->iter_range, out);  // the rest reads the loop's own variables
  }
}

// Compiles a customer condition and adds the event windows it reads.
absl::StatusOr<std::shared_ptr<const cel::Program>> CompileCondition(
    absl::string_view source, absl::string_view where, std::set<cel::Dependencies::WindowRead>* windows) {
  absl::StatusOr<std::unique_ptr<cel::Program>> program = cel::CompileCustomerCondition(source);
  if (!program.ok()) return Invalid(where, program.status().message());
  absl::StatusOr<cel::Dependencies> deps = cel::ExtractDependencies(**program);
  if (!deps.ok()) return Invalid(where, deps.status().message());
  windows->insert(deps->windows.begin(), deps->windows.end());
  return std::shared_ptr<const cel::Program>(std::move(*program));
}

absl::StatusOr<Micros> PositiveWindow(const google::protobuf::Duration& d, absl::string_view where) {
  const Micros m = DurationMicros(d);
  if (m <= 0) return Invalid(where, "needs a positive window");
  return m;
}

}  // namespace

std::string OutreachChannel(const v1::Action& action) {
  if (action.has_send_email()) return "email";
  if (action.has_webhook()) return action.webhook().channel();
  return "";
}

RuleSet::RuleSet() = default;
RuleSet::~RuleSet() = default;

absl::StatusOr<std::shared_ptr<const RuleSet>> RuleSet::Compile(const v1::Playbook& playbook, const Names& names) {
  std::shared_ptr<RuleSet> set(new RuleSet());
  v1::Playbook& def = set->definition_;
  *def.mutable_rules() = playbook.rules();
  *def.mutable_owners() = playbook.owners();
  *def.mutable_pools() = playbook.pools();
  *def.mutable_policies() = playbook.policies();
  def.set_version(playbook.version());

  // Segments and scores this playbook defines count as defined.
  absl::flat_hash_map<std::string, std::set<std::string>> own_segments;
  for (const v1::SegmentDef& s : playbook.segments()) {
    std::set<std::string>& fields = own_segments[s.name()];
    absl::StatusOr<std::unique_ptr<cel::Program>> p = cel::CompileCustomerCondition(s.condition());
    if (!p.ok()) continue;  // the segment catalog reports it
    absl::StatusOr<cel::Dependencies> deps = cel::ExtractDependencies(**p);
    if (deps.ok()) fields = deps->customer_fields;
  }
  auto segment_fields = [&](absl::string_view name) -> const std::set<std::string>* {
    auto it = own_segments.find(name);
    if (it != own_segments.end()) return &it->second;
    return names.segment_fields ? names.segment_fields(name) : nullptr;
  };
  auto score_def = [&](absl::string_view name) -> const v1::ScoreDef* {
    for (const v1::ScoreDef& s : playbook.scores()) {
      if (s.name() == name) return &s;
    }
    return names.score ? names.score(name) : nullptr;
  };

  // --- Policies
  auto policies = std::make_unique<Policies>();
  const v1::Policies& p = def.policies();
  set->default_zone_name_ = p.timezone().empty() ? "UTC" : p.timezone();
  {
    absl::StatusOr<absl::TimeZone> zone = LoadZone(set->default_zone_name_);
    if (!zone.ok()) return Invalid("policies.timezone: ", zone.status().message());
    policies->zone = *zone;
  }
  for (int i = 0; i < p.caps_size(); ++i) {
    const v1::FrequencyCap& c = p.caps(i);
    const std::string where = absl::StrCat("policies.caps[", i, "]: ");
    if (c.channel().empty()) return Invalid(where, "needs a channel");
    if (c.max() == 0) return Invalid(where, "a cap of 0 would block every action on the channel; remove the actions instead");
    SALESKIT_ASSIGN_OR_RETURN(Micros window, PositiveWindow(c.window(), where));
    policies->caps.push_back({c.channel(), c.max(), window});
    policies->horizon = std::max(policies->horizon, window);
  }
  if (p.has_contact_budget()) {
    const std::string where = "policies.contact_budget: ";
    if (p.contact_budget().max() == 0) return Invalid(where, "a budget of 0 would block all outreach");
    SALESKIT_ASSIGN_OR_RETURN(policies->budget_window, PositiveWindow(p.contact_budget().window(), where));
    policies->budget_max = p.contact_budget().max();
    policies->horizon = std::max(policies->horizon, policies->budget_window);
  }
  if (p.has_quiet_hours()) {
    absl::StatusOr<DailyWindow> quiet = ParseQuietHours(p.quiet_hours());
    if (!quiet.ok()) return Invalid("policies.quiet_hours: ", quiet.status().message());
    policies->quiet = *quiet;
  }
  policies->max_depth = p.max_cascade_depth() == 0 ? 3 : p.max_cascade_depth();
  set->policies_ = std::move(policies);

  // --- Owners and pools
  for (int i = 0; i < def.owners_size(); ++i) {
    const v1::Owner& o = def.owners(i);
    const std::string where = absl::StrCat("owner \"", o.id(), "\": ");
    if (o.id().empty()) return Invalid(absl::StrCat("owners[", i, "]: "), "needs an id");
    if (!set->owner_index_.emplace(o.id(), i).second) return Invalid(where, "defined twice");
    if (o.weight() < 0) return Invalid(where, "weight must not be negative");
    CompiledOwner& co = set->owners_.emplace_back();
    co.def = &o;
    co.zone = set->policies_->zone;
    if (!o.timezone().empty()) {
      absl::StatusOr<absl::TimeZone> zone = LoadZone(o.timezone());
      if (!zone.ok()) return Invalid(where, zone.status().message());
      co.zone = *zone;
    }
    absl::StatusOr<WorkWeek> week = ParseBusinessHours(o.hours());
    if (!week.ok()) return Invalid(absl::StrCat(where, "hours: "), week.status().message());
    co.week = *week;
  }
  auto available = [&](int owner) { return owner >= 0 && !set->owners_[owner].def->unavailable(); };
  for (int i = 0; i < def.pools_size(); ++i) {
    const v1::RoutingPool& pool = def.pools(i);
    const std::string where = absl::StrCat("pool \"", pool.name(), "\": ");
    SALESKIT_RETURN_IF_ERROR(ValidateDefinitionName(pool.name(), "pool"));
    if (!set->pool_index_.emplace(pool.name(), i).second) return Invalid(where, "defined twice");
    if (pool.strategy() == v1::RoutingPool::STRATEGY_UNSPECIFIED) {
      return Invalid(where, "needs a strategy (round_robin, weighted, least_loaded or territory)");
    }
    CompiledPool& cp = set->pools_.emplace_back();
    cp.def = &pool;
    auto owner_of = [&](const std::string& id, absl::string_view field) -> absl::StatusOr<int> {
      auto it = set->owner_index_.find(id);
      if (it == set->owner_index_.end()) return Invalid(where, absl::StrCat(field, ": no owner \"", id, "\""));
      return it->second;
    };
    for (const std::string& id : pool.owners()) {
      SALESKIT_ASSIGN_OR_RETURN(int o, owner_of(id, "owners"));
      cp.owners.push_back(o);
    }
    for (int t = 0; t < pool.territories_size(); ++t) {
      const std::string tw = absl::StrCat(where, "territories[", t, "]: ");
      CompiledPool::Territory& ct = cp.territories.emplace_back();
      SALESKIT_ASSIGN_OR_RETURN(ct.program, CompileCondition(pool.territories(t).condition(), tw, &set->windows_));
      ct.columnar = cel::ColumnarCondition::Plan(ct.program);
      SALESKIT_ASSIGN_OR_RETURN(ct.owner, owner_of(pool.territories(t).owner(), "owner"));
    }
    if (pool.strategy() == v1::RoutingPool::TERRITORY ? cp.territories.empty() : cp.owners.empty()) {
      return Invalid(where, pool.strategy() == v1::RoutingPool::TERRITORY ? "has no territories" : "has no owners");
    }
    if (!pool.fallback_owner().empty()) {
      SALESKIT_ASSIGN_OR_RETURN(cp.fallback, owner_of(pool.fallback_owner(), "fallback_owner"));
    }
    bool any = available(cp.fallback);
    for (int o : cp.owners) any = any || available(o);
    for (const auto& t : cp.territories) any = any || available(t.owner);
    if (!any) return Invalid(where, "no owner is available and there is no available fallback_owner");
  }

  // --- Rules
  for (int i = 0; i < def.rules_size(); ++i) {
    const v1::Rule& r = def.rules(i);
    SALESKIT_RETURN_IF_ERROR(ValidateDefinitionName(r.name(), "rule"));
    const std::string where = absl::StrCat("rule \"", r.name(), "\": ");
    if (!set->rule_index_.emplace(r.name(), i).second) return Invalid(where, "defined twice");
    CompiledRule& cr = set->rules_.emplace_back();
    cr.def = &r;
    if (!r.condition().empty()) {
      SALESKIT_ASSIGN_OR_RETURN(cr.condition, CompileCondition(r.condition(), absl::StrCat(where, "condition: "), &set->windows_));
      cr.columnar = cel::ColumnarCondition::Plan(cr.condition);
      cr.reads = PlanReads(*cr.condition);
    }
    const v1::Trigger& t = r.trigger();
    switch (t.kind_case()) {
      case v1::Trigger::kEvent: {
        if (t.event().type().empty()) return Invalid(where, "trigger.event needs a type");
        if (!t.event().condition().empty()) {
          cel::CompileOptions options;
          options.require_bool = true;
          absl::StatusOr<std::unique_ptr<cel::Program>> program =
              cel::Compile(t.event().condition(), cel::EventEnvironment(), options);
          if (!program.ok()) return Invalid(where, absl::StrCat("trigger.event.condition: ", program.status().message()));
          cr.event_condition = std::move(*program);
        }
        set->by_event_[t.event().type()].push_back(i);
        break;
      }
      case v1::Trigger::kSegment:
        if (segment_fields(t.segment().segment()) == nullptr) {
          return Invalid(where, absl::StrCat("trigger.segment: there is no segment named \"", t.segment().segment(), "\""));
        }
        if (t.segment().on() == v1::SegmentChange::KIND_UNSPECIFIED) {
          return Invalid(where, "trigger.segment needs `on: enter` or `on: exit`");
        }
        set->by_segment_[t.segment().segment()].push_back(i);
        break;
      case v1::Trigger::kScore: {
        const v1::ScoreDef* s = score_def(t.score().score());
        if (s == nullptr) return Invalid(where, absl::StrCat("trigger.score: there is no score named \"", t.score().score(), "\""));
        if (!t.score().threshold().empty() &&
            std::none_of(s->thresholds().begin(), s->thresholds().end(),
                         [&](const v1::ScoreThreshold& th) { return th.name() == t.score().threshold(); })) {
          return Invalid(where, absl::StrCat("trigger.score: score \"", s->name(), "\" has no threshold named \"",
                                             t.score().threshold(), "\""));
        }
        set->by_score_[t.score().score()].push_back(i);
        break;
      }
      case v1::Trigger::kFieldChanged:
        SALESKIT_RETURN_IF_ERROR(CheckField(t.field_changed().field(), absl::StrCat(where, "trigger.field_changed: ")));
        set->by_field_[t.field_changed().field()].push_back(i);
        set->watched_fields_.insert(t.field_changed().field());
        break;
      case v1::Trigger::kLifecycleChanged:
        set->lifecycle_rules_.push_back(i);
        break;
      case v1::Trigger::kDate: {
        const std::string& f = t.date().field();
        SALESKIT_RETURN_IF_ERROR(CheckField(f, absl::StrCat(where, "trigger.date: ")));
        if (!absl::StartsWith(f, "attrs.") && f != "created_at" && f != "updated_at") {
          return Invalid(where, absl::StrCat("trigger.date: \"", f, "\" is not a timestamp field"));
        }
        cr.offset = DurationMicros(t.date().offset());
        set->date_rules_.push_back(i);
        set->watched_fields_.insert(f);
        break;
      }
      case v1::Trigger::kInactivity: {
        if (t.inactivity().event_type().empty()) return Invalid(where, "trigger.inactivity needs an event_type");
        SALESKIT_ASSIGN_OR_RETURN(cr.offset, PositiveWindow(t.inactivity().after(),
                                                            absl::StrCat(where, "trigger.inactivity: after ")));
        set->inactivity_rules_.push_back(i);
        break;
      }
      case v1::Trigger::kSchedule: {
        absl::StatusOr<Schedule> schedule = ParseScheduleTrigger(t.schedule());
        if (!schedule.ok()) return Invalid(where, absl::StrCat("trigger.", schedule.status().message()));
        cr.minute_of_day = schedule->minute_of_day;
        cr.days = schedule->days;
        set->schedule_rules_.push_back(i);
        break;
      }
      case v1::Trigger::KIND_NOT_SET:
        return Invalid(where, "needs a trigger");
    }
    if (r.actions().empty()) return Invalid(where, "needs at least one action");
    for (int a = 0; a < r.actions_size(); ++a) {
      const v1::Action& act = r.actions(a);
      const std::string aw = absl::StrCat(where, "actions[", a, "]: ");
      int target = -1;
      switch (act.kind_case()) {
        case v1::Action::kSetField:
          SALESKIT_RETURN_IF_ERROR(CheckField(act.set_field().field(), aw));
          if (act.set_field().field() == "lifecycle_stage" && !act.set_field().value().empty() &&
              !ParseLifecycleStage(act.set_field().value())) {
            return Invalid(aw, absl::StrCat("\"", act.set_field().value(), "\" is not a lifecycle stage"));
          }
          cr.writes.push_back(act.set_field().field());
          break;
        case v1::Action::kAddTag:
        case v1::Action::kRemoveTag:
          if ((act.has_add_tag() ? act.add_tag() : act.remove_tag()).empty()) return Invalid(aw, "needs a tag");
          cr.writes.push_back("tags");
          break;
        case v1::Action::kSetLifecycleStage:
          if (act.set_lifecycle_stage() == v1::LIFECYCLE_STAGE_UNSPECIFIED) return Invalid(aw, "needs a stage");
          cr.writes.push_back("lifecycle_stage");
          break;
        case v1::Action::kAdjustScore:
          if (score_def(act.adjust_score().score()) == nullptr) {
            return Invalid(aw, absl::StrCat("adjust_score: there is no score named \"", act.adjust_score().score(), "\""));
          }
          if (!std::isfinite(act.adjust_score().points()) || act.adjust_score().points() == 0) {
            return Invalid(aw, "adjust_score needs finite, non-zero points");
          }
          break;
        case v1::Action::kAssignOwner: {
          const v1::AssignOwner& to = act.assign_owner();
          if (to.has_pool()) {
            auto it = set->pool_index_.find(to.pool());
            if (it == set->pool_index_.end()) return Invalid(aw, absl::StrCat("assign_owner: no pool \"", to.pool(), "\""));
            target = it->second;
          } else if (to.has_owner()) {
            auto it = set->owner_index_.find(to.owner());
            if (it == set->owner_index_.end()) return Invalid(aw, absl::StrCat("assign_owner: no owner \"", to.owner(), "\""));
            target = it->second;
          } else {
            return Invalid(aw, "assign_owner needs a pool or an owner");
          }
          cr.writes.push_back("owner_id");
          break;
        }
        case v1::Action::kCreateTask:
          if (act.create_task().title().empty()) return Invalid(aw, "create_task needs a title");
          break;
        case v1::Action::kSendEmail:
          if (act.send_email().template_id().empty()) return Invalid(aw, "send_email needs a template_id");
          break;
        case v1::Action::kNotifyOwner:
          break;
        case v1::Action::kWebhook:
          if (act.webhook().name().empty()) return Invalid(aw, "webhook needs a name");
          break;
        case v1::Action::KIND_NOT_SET:
          return Invalid(aw, "is empty");
      }
      cr.targets.push_back(target);
      const bool external = act.has_send_email() || act.has_notify_owner() || act.has_webhook();
      cr.sources.push_back(external ? std::make_shared<const Outbox::Source>(Outbox::Source{r.name(), act}) : nullptr);
    }
  }
  if (std::any_of(set->pools_.begin(), set->pools_.end(),
                  [](const CompiledPool& p) { return p.def->strategy() == v1::RoutingPool::LEAST_LOADED; })) {
    set->watched_fields_.insert("owner_id");
  }

  // --- Loops: rule A writes a field that triggers rule B (directly, or by
  // moving a segment that reads it), B ... triggers A again.
  const int n = def.rules_size();
  std::vector<std::vector<std::pair<int, std::string>>> edges(n);  // to, field
  for (int a = 0; a < n; ++a) {
    for (const std::string& field : set->rules_[a].writes) {
      for (int b = 0; b < n; ++b) {
        if (a == b) continue;  // a rule never retriggers itself (SELF_TRIGGER)
        const v1::Trigger& t = def.rules(b).trigger();
        bool hit = false;
        if (t.has_field_changed()) hit = t.field_changed().field() == field;
        if (t.has_lifecycle_changed()) hit = field == "lifecycle_stage";
        if (t.has_date()) hit = t.date().field() == field;
        if (t.has_segment()) {
          const std::set<std::string>* reads = segment_fields(t.segment().segment());
          hit = reads != nullptr && (reads->count(field) > 0 || reads->count("*") > 0 ||
                                     (absl::StartsWith(field, "attrs.") && reads->count("attrs") > 0));
        }
        if (hit) edges[a].push_back({b, field});
      }
    }
  }
  std::vector<int> state(n, 0), path;  // 0 new, 1 on the path, 2 done
  std::vector<std::string> via;
  std::function<absl::Status(int)> visit = [&](int a) -> absl::Status {
    state[a] = 1;
    path.push_back(a);
    for (const auto& [b, field] : edges[a]) {
      via.push_back(field);
      if (state[b] == 1) {
        std::string cycle;
        const size_t start = std::find(path.begin(), path.end(), b) - path.begin();
        for (size_t k = start; k < path.size(); ++k) {
          absl::StrAppend(&cycle, "\"", def.rules(path[k]).name(), "\" writes ", via[k], ", which triggers ");
        }
        absl::StrAppend(&cycle, "\"", def.rules(b).name(), "\"");
        return absl::InvalidArgumentError(absl::StrCat("rules form a loop: ", cycle));
      }
      if (state[b] == 0) SALESKIT_RETURN_IF_ERROR(visit(b));
      via.pop_back();
    }
    path.pop_back();
    state[a] = 2;
    return absl::OkStatus();
  };
  for (int a = 0; a < n; ++a) {
    if (state[a] == 0) SALESKIT_RETURN_IF_ERROR(visit(a));
  }

  // Priority order: higher first, ties by name.
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    if (def.rules(a).priority() != def.rules(b).priority()) return def.rules(a).priority() > def.rules(b).priority();
    return def.rules(a).name() < def.rules(b).name();
  });
  set->rank_.assign(n, 0);
  for (int k = 0; k < n; ++k) set->rank_[order[k]] = k;
  return std::shared_ptr<const RuleSet>(std::move(set));
}

std::vector<CompiledRule::Read> PlanReads(const cel::Program& condition) {
  std::vector<CompiledRule::Read> reads;
  CollectReads(condition.expr(), &reads);
  return reads;
}

}  // namespace saleskit::automation
