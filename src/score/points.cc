#include "saleskit/score/points.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "internal/proto_time.h"
#include "saleskit/cel/columnar.h"
#include "saleskit/cel/customer.h"
#include "saleskit/status_macros.h"
#include "state/internal/archive.h"

namespace saleskit {

struct ScoreCatalog::Prepared::Score {
  v1::ScoreDef def;
  struct Rule {
    std::string label;
    double points = 0;
    bool is_event = false;
    // Condition rules.
    std::string hidden;               // the hidden segment's name
    const Bitmap* members = nullptr;  // its membership (set by Add)
    std::shared_ptr<const cel::Program> program;
    std::unique_ptr<cel::ColumnarCondition> columnar;  // for the batch recompute
    // Event rules.
    bool adjustment = false;  // added by Adjust: counts adjustments, not events
    std::string event_type;
    uint32_t max_per_window = 0;
    Micros window = 0;
  };
  std::vector<Rule> rules;
  enum class Decay { kNone, kHalfLife, kTimeFrame } decay = Decay::kNone;
  double half_life = 0;          // microseconds
  Micros horizon = INT64_MAX;    // an event counts while age < horizon
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  struct Threshold {
    double value;
    std::string name;
    v1::LifecycleStage promote;
  };
  std::vector<Threshold> thresholds;                   // ascending
  std::vector<std::pair<double, std::string>> grades;  // by min, descending
  ScoreSource::Reads reads;
  uint32_t slot = 0;
  bool initialized = true;  // false from Add until Initialize has computed it

  // A counted event of an event rule.
  struct Counted {
    Micros at;
    uint32_t rule;
    bool operator<(const Counted& o) const { return at != o.at ? at < o.at : rule < o.rule; }
  };
  // By row, each sorted: a dense vector (24 bytes a row) so that one event
  // costs no hashing.
  std::vector<std::vector<Counted>> counted;
  const std::vector<Counted>* CountedOf(uint32_t row) const {
    return row < counted.size() && !counted[row].empty() ? &counted[row] : nullptr;
  }
  std::vector<uint8_t> level;  // by row: how many thresholds the value is at or above
};

namespace {

using Score = ScoreCatalog::Prepared::Score;

constexpr int kMaxThresholds = 255;

bool Holds(const Bitmap* members, uint32_t row) {
  return members != nullptr && row < members->words().size() * 64 && members->Get(row);
}

Micros FloorDiv(Micros a, Micros b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The parts of a customer's value at one instant.
struct Parts {
  double value = 0;       // clamped
  double unclamped = 0;
  double conditions = 0;  // the condition rules' points
  Micros next = INT64_MAX;  // when a counted event next enters (future-dated) or stops counting
};

// A customer's value of `s` at `now`, the one computation behind live
// reads, levels, the batch recompute and explanations: condition points in
// rule order, then event points oldest first. `holds(rule)` says whether a
// condition rule holds.
template <typename HoldsFn>
Parts Compute(const Score& s, uint32_t row, Micros now, HoldsFn holds, ScoreExplanation* explain = nullptr) {
  Parts parts;
  double conditions = 0;
  for (size_t r = 0; r < s.rules.size(); ++r) {
    const Score::Rule& rule = s.rules[r];
    if (rule.is_event) continue;
    const bool on = holds(static_cast<int>(r));
    if (on) conditions += rule.points;
    if (explain != nullptr) {
      explain->rules[r].holds = on;
      explain->rules[r].points = on ? rule.points : 0;
    }
  }
  double events = 0;
  if (const std::vector<Score::Counted>* list = s.CountedOf(row)) {
    // Per rule: the current window and how many of its events earned.
    absl::InlinedVector<std::pair<Micros, uint32_t>, 32> windows(s.rules.size(), {INT64_MIN, 0});
    for (const Score::Counted& c : *list) {
      if (c.at > now) {  // sorted: the rest are in the future too
        parts.next = std::min(parts.next, c.at);
        break;
      }
      const Micros age = now - c.at;
      if (age >= s.horizon) continue;
      if (s.horizon != INT64_MAX) parts.next = std::min(parts.next, c.at + s.horizon);
      const Score::Rule& rule = s.rules[c.rule];
      bool over = false;
      if (rule.max_per_window > 0) {
        auto& [window, earned] = windows[c.rule];
        const Micros w = FloorDiv(c.at, rule.window);
        if (w != window) {
          window = w;
          earned = 0;
        }
        over = ++earned > rule.max_per_window;
      }
      double points = 0;
      if (!over) {
        points = s.decay == Score::Decay::kHalfLife ? rule.points * std::exp2(-static_cast<double>(age) / s.half_life)
                                                   : rule.points;
      }
      events += points;
      if (explain != nullptr) {
        ScoreExplanation::Rule& out = explain->rules[c.rule];
        out.points += points;
        out.events.push_back({ToTime(c.at), rule.points, points, over,
                              s.horizon == INT64_MAX ? absl::InfiniteFuture() : ToTime(c.at + s.horizon)});
      }
    }
  }
  parts.conditions = conditions;
  parts.unclamped = conditions + events;
  parts.value = std::clamp(parts.unclamped, s.min, s.max);
  return parts;
}

Parts Live(const Score& s, uint32_t row, Micros now) {
  return Compute(s, row, now, [&](int r) { return Holds(s.rules[r].members, row); });
}

// When decay alone brings the value to its next threshold: the event points
// D move toward 0, so the value C + D reaches the next threshold T in D's
// direction after h * log2(|D| / |T - C|). INT64_MAX when none.
Micros DecayCrossing(const Score& s, const Parts& p, Micros now) {
  if (s.decay != Score::Decay::kHalfLife || s.thresholds.empty()) return INT64_MAX;
  const double d = p.unclamped - p.conditions;
  size_t level = 0;
  while (level < s.thresholds.size() && s.thresholds[level].value <= p.value) ++level;
  double target;
  if (d > 0 && level > 0 && s.thresholds[level - 1].value > s.min && s.thresholds[level - 1].value > p.conditions) {
    target = s.thresholds[level - 1].value;
  } else if (d < 0 && level < s.thresholds.size() && s.thresholds[level].value < p.conditions) {
    target = s.thresholds[level].value;
  } else {
    return INT64_MAX;
  }
  const double ratio = std::abs(d) / std::abs(target - p.conditions);
  const double wait = ratio <= 1 ? 0 : s.half_life * std::log2(ratio);
  return wait < 1e17 ? now + static_cast<Micros>(std::ceil(wait)) : INT64_MAX;
}

// How many thresholds `value` is at or above.
uint8_t LevelOf(const Score& s, double value) {
  size_t n = 0;
  while (n < s.thresholds.size() && s.thresholds[n].value <= value) ++n;
  return static_cast<uint8_t>(n);
}

// Lifecycle order for promotions: -1 for OTHER (never promoted), 0 unspecified.
int StageRank(v1::LifecycleStage stage) {
  return stage == v1::LIFECYCLE_STAGE_OTHER ? -1 : static_cast<int>(stage);
}

absl::StatusOr<Micros> PositiveDuration(const google::protobuf::Duration& d, absl::string_view what) {
  const Micros micros = d.seconds() * 1000000 + d.nanos() / 1000;
  if (d.seconds() < 0 || d.nanos() < 0 || micros <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be a positive duration"));
  }
  if (d.seconds() > int64_t{100} * 366 * 86400) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be at most a century"));
  }
  return micros;
}

std::string Num(double v) { return absl::StrCat(v); }

}  // namespace

// ---------------------------------------------------------------- definitions

ScoreCatalog::ScoreCatalog() = default;
ScoreCatalog::~ScoreCatalog() = default;

std::string ScoreCatalog::Prepared::Describe(absl::string_view message) const {
  std::string out(message);
  for (const auto& s : scores) {
    for (size_t r = 0; r < s->rules.size(); ++r) {
      if (s->rules[r].hidden.empty()) continue;
      out = absl::StrReplaceAll(out, {{absl::StrCat("segment \"", s->rules[r].hidden, "\""),
                                       absl::StrCat("score \"", s->def.name(), "\", rule ", r + 1)}});
    }
  }
  return out;
}

absl::StatusOr<ScoreCatalog::Prepared> ScoreCatalog::Prepare(absl::Span<const v1::ScoreDef> defs) const {
  Prepared out;
  absl::flat_hash_map<std::string, int> batch;
  for (const v1::ScoreDef& def : defs) {
    SALESKIT_RETURN_IF_ERROR(ValidateDefinitionName(def.name(), "score"));
    const std::string where = absl::StrCat("score \"", def.name(), "\": ");
    auto bad = [&](absl::string_view what) { return absl::InvalidArgumentError(absl::StrCat(where, what)); };
    if (names_.contains(def.name())) return bad("a score with this name already exists");
    if (!batch.emplace(def.name(), 0).second) return bad("defined twice");
    if (def.rules().empty()) return bad("has no rules");
    auto s = std::make_shared<Score>();
    s->def = def;
    if (def.has_min()) s->min = def.min();
    if (def.has_max()) s->max = def.max();
    if (!std::isfinite(s->min) && def.has_min()) return bad("min is not a finite number");
    if (!std::isfinite(s->max) && def.has_max()) return bad("max is not a finite number");
    if (s->min > s->max) return bad(absl::StrCat("min (", Num(s->min), ") is above max (", Num(s->max), ")"));
    const std::string range = absl::StrCat("[", def.has_min() ? Num(s->min) : "-inf", ", ",
                                           def.has_max() ? Num(s->max) : "inf", "]");
    // Decay.
    const bool half = def.decay().has_half_life(), frame = def.decay().has_time_frame();
    if (half && frame) return bad("decay has both a half_life and a time_frame; choose one");
    if (half) {
      absl::StatusOr<Micros> h = PositiveDuration(def.decay().half_life(), "decay.half_life");
      if (!h.ok()) return bad(h.status().message());
      s->decay = Score::Decay::kHalfLife;
      s->half_life = static_cast<double>(*h);
      s->horizon = 10 * *h;
    } else if (frame) {
      absl::StatusOr<Micros> f = PositiveDuration(def.decay().time_frame(), "decay.time_frame");
      if (!f.ok()) return bad(f.status().message());
      s->decay = Score::Decay::kTimeFrame;
      s->horizon = *f;
    }
    // Rules.
    for (int r = 0; r < def.rules_size(); ++r) {
      const v1::ScoreRule& in = def.rules(r);
      const std::string rule_where = absl::StrCat("rule ", r + 1, ": ");
      auto bad_rule = [&](absl::string_view what) { return bad(absl::StrCat(rule_where, what)); };
      Score::Rule rule;
      rule.points = in.points();
      if (!std::isfinite(rule.points)) return bad_rule("points is not a finite number");
      switch (in.trigger_case()) {
        case v1::ScoreRule::kCondition: {
          rule.label = in.name().empty() ? in.condition() : in.name();
          absl::StatusOr<std::unique_ptr<cel::Program>> program = cel::CompileCustomerExpression(in.condition());
          if (!program.ok()) return bad_rule(program.status().message());
          const cel::Type::Kind kind = (*program)->result_type().kind;
          if (kind != cel::Type::Kind::kBool && kind != cel::Type::Kind::kDyn) {
            return bad_rule(absl::StrCat("the condition must be bool, not ", (*program)->result_type().DebugString()));
          }
          SALESKIT_ASSIGN_OR_RETURN(cel::Dependencies deps, cel::ExtractDependencies(**program));
          if (!deps.scores.empty()) return bad_rule("a score's condition cannot read score()");
          rule.program = std::move(*program);
          rule.hidden = absl::StrCat("_score.", def.name(), ".", r + 1);
          if (in.max_per_window() != 0 || in.has_window()) return bad_rule("max_per_window is for event rules");
          v1::SegmentDef hidden;
          hidden.set_name(rule.hidden);
          hidden.set_condition(in.condition());
          out.hidden.push_back(std::move(hidden));
          s->reads.segments.push_back(rule.hidden);
          break;
        }
        case v1::ScoreRule::kEvent: {
          rule.is_event = true;
          rule.event_type = in.event();
          rule.label = in.name().empty() ? in.event() : in.name();
          if (in.event().empty()) return bad_rule("event is empty");
          if (in.max_per_window() != 0) {
            if (!in.has_window()) return bad_rule("max_per_window needs a window");
            absl::StatusOr<Micros> w = PositiveDuration(in.window(), "window");
            if (!w.ok()) return bad_rule(w.status().message());
            rule.max_per_window = in.max_per_window();
            rule.window = *w;
          } else if (in.has_window()) {
            return bad_rule("a window needs max_per_window");
          }
          s->reads.event_types.push_back(in.event());
          s->reads.time_dependent = true;  // future-dated events enter, decayed ones fade
          break;
        }
        default:
          return bad_rule("needs a condition or an event");
      }
      s->rules.push_back(std::move(rule));
    }
    std::sort(s->reads.event_types.begin(), s->reads.event_types.end());
    s->reads.event_types.erase(std::unique(s->reads.event_types.begin(), s->reads.event_types.end()),
                               s->reads.event_types.end());
    // Thresholds and grades.
    if (def.thresholds_size() > kMaxThresholds) return bad(absl::StrCat("more than ", kMaxThresholds, " thresholds"));
    for (const v1::ScoreThreshold& t : def.thresholds()) {
      const std::string name = t.name().empty() ? Num(t.value()) : t.name();
      if (!std::isfinite(t.value())) return bad(absl::StrCat("threshold \"", name, "\" is not a finite number"));
      if (t.value() < s->min || t.value() > s->max) {
        return bad(absl::StrCat("threshold \"", name, "\" (", Num(t.value()), ") is outside the score's range ", range));
      }
      if (!v1::LifecycleStage_IsValid(t.promote_to()) || t.promote_to() == v1::LIFECYCLE_STAGE_OTHER) {
        return bad(absl::StrCat("threshold \"", name, "\": promote_to must be a lifecycle stage other than OTHER"));
      }
      s->thresholds.push_back({t.value(), name, t.promote_to()});
    }
    std::sort(s->thresholds.begin(), s->thresholds.end(),
              [](const Score::Threshold& a, const Score::Threshold& b) { return a.value < b.value; });
    for (size_t i = 1; i < s->thresholds.size(); ++i) {
      if (s->thresholds[i].value == s->thresholds[i - 1].value) {
        return bad(absl::StrCat("two thresholds at ", Num(s->thresholds[i].value)));
      }
    }
    for (const v1::GradeBand& g : def.grades()) {
      if (g.grade().empty()) return bad("a grade band has no grade");
      if (!std::isfinite(g.min())) return bad(absl::StrCat("grade \"", g.grade(), "\": min is not a finite number"));
      if (g.min() < s->min || g.min() > s->max) {
        return bad(absl::StrCat("grade \"", g.grade(), "\" (", Num(g.min()), ") is outside the score's range ", range));
      }
      s->grades.emplace_back(g.min(), g.grade());
    }
    std::stable_sort(s->grades.begin(), s->grades.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    out.scores.push_back(std::move(s));
  }
  return out;
}

void ScoreCatalog::Add(Prepared prepared, const SegmentCatalog& segments) {
  for (auto& s : prepared.scores) {
    for (Score::Rule& rule : s->rules) {
      if (rule.is_event) continue;
      rule.members = segments.Members(rule.hidden);
      rule.columnar = cel::ColumnarCondition::Plan(rule.program);
    }
    s->slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(s);
    names_[s->def.name()] = static_cast<int>(scores_.size());
    s->initialized = false;
    scores_.push_back(std::move(s));
  }
  Reindex();
}

std::vector<std::pair<uint32_t, v1::LifecycleStage>> ScoreCatalog::Initialize(const CustomerStore& store,
                                                                               absl::Time now) {
  std::vector<std::pair<uint32_t, v1::LifecycleStage>> promotions;
  const Micros t = ToMicros(now);
  for (const auto& sp : scores_) {
    Score& s = *sp;
    if (s.initialized) continue;
    s.initialized = true;
    s.level.assign(store.row_capacity(), 0);
    for (uint32_t row = 0; row < store.row_capacity(); ++row) {
      if (store.live().Get(row)) Level(s, row, t, store, &promotions);  // no counted events yet: no timer
    }
  }
  return promotions;
}

absl::StatusOr<std::vector<std::string>> ScoreCatalog::Remove(absl::string_view name) {
  auto it = names_.find(name);
  if (it == names_.end()) return absl::NotFoundError(absl::StrCat("no score named \"", name, "\""));
  std::vector<std::string> hidden = scores_[it->second]->reads.segments;
  scores_.erase(scores_.begin() + it->second);
  names_.clear();
  for (size_t i = 0; i < scores_.size(); ++i) names_[scores_[i]->def.name()] = static_cast<int>(i);
  Reindex();
  return hidden;
}

std::vector<v1::ScoreDef> ScoreCatalog::Definitions() const {
  std::vector<v1::ScoreDef> out;
  for (const auto& s : scores_) out.push_back(s->def);
  return out;
}

void ScoreCatalog::Reindex() {
  by_event_type_.clear();
  for (size_t i = 0; i < scores_.size(); ++i) {
    for (size_t r = 0; r < scores_[i]->rules.size(); ++r) {
      const Score::Rule& rule = scores_[i]->rules[r];
      if (rule.is_event && !rule.adjustment) by_event_type_[rule.event_type].emplace_back(static_cast<int>(i), static_cast<int>(r));
    }
  }
}

absl::StatusOr<const Score*> ScoreCatalog::Find(absl::string_view name) const {
  auto it = names_.find(name);
  if (it == names_.end()) return absl::NotFoundError(absl::StrCat("no score named \"", name, "\""));
  return scores_[it->second].get();
}

// ---------------------------------------------------------------- incremental

void ScoreCatalog::ApplyEvents(const StoreChanges& changes, const CustomerStore& store) {
  if (scores_.empty()) return;
  for (const StoreChanges::CustomerWrite& w : changes.customers) {
    if (w.created) touched_.push_back(w.row);
  }
  if (by_event_type_.empty()) {
    for (const StoreChanges::EventCount& e : changes.events) {
      if (e.created) touched_.push_back(e.row);
    }
    return;
  }
  int32_t cached_type = -1;
  const std::vector<std::pair<int, int>>* rules = nullptr;
  for (const StoreChanges::EventCount& e : changes.events) {
    if (e.type != cached_type) {
      cached_type = e.type;
      auto it = by_event_type_.find(store.EventTypeName(e.type));
      rules = it == by_event_type_.end() ? nullptr : &it->second;
    }
    if (rules == nullptr) {
      if (e.created) touched_.push_back(e.row);
      continue;
    }
    for (const auto& [score, rule] : *rules) {
      Score& s = *scores_[score];
      if (s.counted.size() <= e.row) s.counted.resize(store.row_capacity());
      std::vector<Score::Counted>& list = s.counted[e.row];
      const Score::Counted c{e.at, static_cast<uint32_t>(rule)};
      list.insert(std::upper_bound(list.begin(), list.end(), c), c);
    }
    touched_.push_back(e.row);
  }
}

Micros ScoreCatalog::Level(Score& s, uint32_t row, Micros now, const CustomerStore& store,
                           std::vector<std::pair<uint32_t, v1::LifecycleStage>>* promotions) {
  if (s.level.size() <= row) s.level.resize(store.row_capacity(), 0);
  const Parts parts = Live(s, row, now);
  const Micros next = std::min(parts.next, DecayCrossing(s, parts, now));
  const double value = parts.value;
  const uint8_t before = s.level[row];
  const uint8_t after = LevelOf(s, value);
  if (before == after) return next;
  s.level[row] = after;
  auto record = [&](size_t k, bool up) {
    const Score::Threshold& t = s.thresholds[k];
    v1::LifecycleStage promoted = v1::LIFECYCLE_STAGE_UNSPECIFIED;
    if (up && t.promote != v1::LIFECYCLE_STAGE_UNSPECIFIED) {
      int current = StageRank(static_cast<v1::LifecycleStage>(store.lifecycle_stage()[row]));
      for (const auto& [r, stage] : *promotions) {
        if (r == row) current = std::max(current, StageRank(stage));
      }
      if (current >= 0 && current < StageRank(t.promote)) {
        promoted = t.promote;
        promotions->emplace_back(row, t.promote);
      }
    }
    log_.push_back({next_seq_++, now, row, s.slot, static_cast<uint16_t>(k), up, promoted, value});
  };
  for (size_t k = before; k < after; ++k) record(k, true);
  for (size_t k = before; k > after; --k) record(k - 1, false);
  return next;
}

void ScoreCatalog::Schedule(uint32_t row, Micros at) {
  if (timer_of_row_.size() <= row) timer_of_row_.resize(row + 1, INT64_MAX);
  Micros& current = timer_of_row_[row];
  if (current == at) return;
  if (current != INT64_MAX) timers_.erase({current, row});
  current = at;
  if (at != INT64_MAX) timers_.insert({at, row});
}

std::vector<std::pair<uint32_t, v1::LifecycleStage>> ScoreCatalog::Refresh(std::vector<uint32_t>* rows,
                                                                            const CustomerStore& store,
                                                                            absl::Time now) {
  std::vector<std::pair<uint32_t, v1::LifecycleStage>> promotions;
  if (scores_.empty()) {
    touched_.clear();
    return promotions;
  }
  rows->insert(rows->end(), touched_.begin(), touched_.end());
  touched_.clear();
  std::sort(rows->begin(), rows->end());
  rows->erase(std::unique(rows->begin(), rows->end()), rows->end());
  const Micros t = ToMicros(now);
  for (uint32_t row : *rows) {
    if (row >= store.row_capacity() || !store.live().Get(row)) continue;
    Micros next = INT64_MAX;
    for (const auto& sp : scores_) {
      Score& s = *sp;
      // Events past the horizon count for nothing: forget them.
      if (s.horizon != INT64_MAX) {
        if (s.CountedOf(row) != nullptr && s.counted[row].front().at <= t - s.horizon) {
          std::vector<Score::Counted>& list = s.counted[row];
          list.erase(std::remove_if(list.begin(), list.end(),
                                    [&](const Score::Counted& c) { return c.at <= t && t - c.at >= s.horizon; }),
                     list.end());
          if (list.empty()) list.shrink_to_fit();
        }
      }
      next = std::min(next, Level(s, row, t, store, &promotions));
    }
    // Strictly later than now, so that firing timers always makes progress.
    Schedule(row, next == INT64_MAX ? next : std::max(next, t + 1));
  }
  return promotions;
}

absl::Status ScoreCatalog::Adjust(absl::string_view name, uint32_t row, double points, absl::Time at,
                                  absl::string_view label, const CustomerStore& store) {
  auto it = names_.find(name);
  if (it == names_.end()) return absl::NotFoundError(absl::StrCat("no score named \"", name, "\""));
  if (!std::isfinite(points)) return absl::InvalidArgumentError("score adjustments must be finite");
  Score& s = *scores_[it->second];
  // One rule per distinct (label, points): an event rule no event type counts.
  uint32_t rule = 0;
  while (rule < s.rules.size() && !(s.rules[rule].adjustment && s.rules[rule].label == label &&
                                    s.rules[rule].points == points)) {
    ++rule;
  }
  if (rule == s.rules.size()) {
    Score::Rule& r = s.rules.emplace_back();
    r.label = std::string(label);
    r.points = points;
    r.is_event = true;
    r.adjustment = true;
  }
  if (s.counted.size() <= row) s.counted.resize(store.row_capacity());
  std::vector<Score::Counted>& list = s.counted[row];
  const Score::Counted c{ToMicros(at), rule};
  list.insert(std::upper_bound(list.begin(), list.end(), c), c);
  touched_.push_back(row);
  return absl::OkStatus();
}

void ScoreCatalog::Erase(uint32_t row) {
  for (const auto& sp : scores_) {
    if (row < sp->counted.size()) std::vector<Score::Counted>().swap(sp->counted[row]);
    if (row < sp->level.size()) sp->level[row] = 0;
  }
  if (row < timer_of_row_.size()) Schedule(row, INT64_MAX);
  touched_.erase(std::remove(touched_.begin(), touched_.end(), row), touched_.end());
  log_.erase(std::remove_if(log_.begin(), log_.end(), [row](const LogEntry& e) { return e.row == row; }), log_.end());
}

absl::Time ScoreCatalog::next_due() const {
  return timers_.empty() ? absl::InfiniteFuture() : ToTime(timers_.begin()->first);
}

std::vector<uint32_t> ScoreCatalog::TakeDue(absl::Time at) {
  std::vector<uint32_t> rows;
  const Micros t = ToMicros(at);
  while (!timers_.empty() && timers_.begin()->first <= t) {
    const uint32_t row = timers_.begin()->second;
    Schedule(row, INT64_MAX);
    rows.push_back(row);
  }
  return rows;
}

// ---------------------------------------------------------------- reading

const ScoreSource::Reads* ScoreCatalog::ScoreReads(absl::string_view score) const {
  auto it = names_.find(score);
  return it == names_.end() ? nullptr : &scores_[it->second]->reads;
}

cel::Value ScoreCatalog::ScoreValue(absl::string_view score, uint32_t row, absl::Time now) const {
  auto it = names_.find(score);
  if (it == names_.end()) {
    return cel::Value::Error(
        absl::NotFoundError(absl::StrCat("score(\"", score, "\"): there is no score named \"", score, "\"")));
  }
  return cel::Value::Double(Live(*scores_[it->second], row, ToMicros(now)).value);
}

namespace {
std::string GradeOf(const Score& s, double value) {
  for (const auto& [min, grade] : s.grades) {
    if (value >= min) return grade;
  }
  return "";
}
}  // namespace

absl::StatusOr<ScoreValue> ScoreCatalog::Get(absl::string_view score, uint32_t row, absl::Time now) const {
  SALESKIT_ASSIGN_OR_RETURN(const Score* s, Find(score));
  saleskit::ScoreValue out;
  out.value = Live(*s, row, ToMicros(now)).value;
  out.grade = GradeOf(*s, out.value);
  return out;
}

absl::StatusOr<std::string> ScoreCatalog::Grade(absl::string_view score, double value) const {
  SALESKIT_ASSIGN_OR_RETURN(const Score* s, Find(score));
  return GradeOf(*s, value);
}

absl::StatusOr<ScoreExplanation> ScoreCatalog::Explain(absl::string_view score, uint32_t row,
                                                       const CustomerStore& store, absl::Time now) const {
  SALESKIT_ASSIGN_OR_RETURN(const Score* s, Find(score));
  ScoreExplanation out;
  out.score = std::string(score);
  out.customer_id = std::string(store.IdOf(row));
  out.rules.resize(s->rules.size());
  for (size_t r = 0; r < s->rules.size(); ++r) {
    out.rules[r].rule = s->rules[r].label;
    out.rules[r].is_event = s->rules[r].is_event;
  }
  const Parts parts = Compute(*s, row, ToMicros(now), [&](int r) { return Holds(s->rules[r].members, row); }, &out);
  out.value = parts.value;
  out.unclamped = parts.unclamped;
  out.grade = GradeOf(*s, out.value);
  return out;
}

std::vector<std::pair<std::string, std::vector<double>>> ScoreCatalog::EvaluateAll(const CustomerStore& store,
                                                                                   const SegmentCatalog& segments,
                                                                                   absl::Time now) const {
  std::vector<std::pair<std::string, std::vector<double>>> out;
  const Micros t = ToMicros(now);
  for (const auto& sp : scores_) {
    const Score& s = *sp;
    std::vector<const cel::ColumnarCondition*> conditions;
    for (const Score::Rule& rule : s.rules) {
      if (!rule.is_event) conditions.push_back(rule.columnar.get());
    }
    std::vector<cel::ColumnarCondition::Result> results(conditions.size());
    cel::ColumnarCondition::EvaluateAll(conditions, store, now, &segments, &results);
    std::vector<const Bitmap*> fresh(s.rules.size(), nullptr);
    for (size_t r = 0, k = 0; r < s.rules.size(); ++r) {
      if (!s.rules[r].is_event) fresh[r] = &results[k++].matched;
    }
    std::vector<double> values(store.row_capacity(), 0.0);
    for (uint32_t row = 0; row < store.row_capacity(); ++row) {
      if (!store.live().Get(row)) continue;
      values[row] = Compute(s, row, t, [&](int r) { return Holds(fresh[r], row); }).value;
    }
    out.emplace_back(s.def.name(), std::move(values));
  }
  return out;
}

std::vector<v1::ScoreCrossing> ScoreCatalog::CrossingsSince(uint64_t after, size_t limit,
                                                            const CustomerStore& store) const {
  std::vector<v1::ScoreCrossing> out;
  auto it = std::upper_bound(log_.begin(), log_.end(), after,
                             [](uint64_t seq, const LogEntry& e) { return seq < e.seq; });
  for (; it != log_.end() && out.size() < limit; ++it) {
    const Score& s = *slots_[it->score];
    const Score::Threshold& t = s.thresholds[it->threshold];
    v1::ScoreCrossing& c = out.emplace_back();
    c.set_seq(it->seq);
    internal::ToProto(it->at, c.mutable_at());
    c.set_score(s.def.name());
    c.set_customer_id(std::string(store.IdOf(it->row)));
    c.set_threshold(t.name);
    c.set_threshold_value(t.value);
    c.set_direction(it->up ? v1::ScoreCrossing::UP : v1::ScoreCrossing::DOWN);
    c.set_value(it->value);
    c.set_promoted_to(it->promoted);
  }
  return out;
}

void ScoreCatalog::TrimCrossings(uint64_t through) {
  auto it = std::upper_bound(log_.begin(), log_.end(), through,
                             [](uint64_t seq, const LogEntry& e) { return seq < e.seq; });
  log_.erase(log_.begin(), it);
}

// ---------------------------------------------------------------- checkpoints

void ScoreCatalog::Save(internal::ArchiveWriter& out) const {
  out.Section(0x53434f31);  // "SCO1"
  out.Pod(static_cast<uint64_t>(slots_.size()));
  for (const auto& slot : slots_) {
    const Score& s = *slot;
    out.Msg(s.def);
    const auto live = names_.find(s.def.name());
    const uint8_t is_live = live != names_.end() && scores_[live->second].get() == &s;
    out.Pod(is_live);
    if (!is_live) continue;
    // The adjustment rules Adjust added after the definition's rules.
    std::vector<const Score::Rule*> adjustments;
    for (const Score::Rule& r : s.rules) {
      if (r.adjustment) adjustments.push_back(&r);
    }
    out.Pod(static_cast<uint64_t>(adjustments.size()));
    for (const Score::Rule* r : adjustments) {
      out.Str(r->label);
      out.Pod(r->points);
    }
    out.Pod(static_cast<uint64_t>(s.rules.size()));
    out.Pod(s.initialized);
    out.Pod(static_cast<uint64_t>(s.counted.size()));
    for (const std::vector<Score::Counted>& c : s.counted) out.Vec(c);
    out.Vec(s.level);
  }
  out.Vec(touched_);
  out.PodSet(timers_);
  out.Vec(timer_of_row_);
  out.Vec(log_);
  out.Pod(next_seq_);
  out.Section(0x53434f32);
}

absl::Status ScoreCatalog::Load(internal::ArchiveReader& in) {
  in.Section(0x53434f31);
  uint64_t slots = 0;
  in.Pod(slots);
  for (uint64_t i = 0; i < slots && in.ok(); ++i) {
    v1::ScoreDef def;
    in.Msg(def);
    uint8_t live = 0;
    in.Pod(live);
    if (!in.ok()) break;
    // Compiled alone: a removed score's name may be taken by a live one.
    absl::StatusOr<Prepared> prepared = ScoreCatalog().Prepare({def});
    if (!prepared.ok()) {
      in.Fail(absl::StrCat("score \"", def.name(), "\" does not compile: ", prepared.status().message()));
      break;
    }
    std::shared_ptr<Score> s = std::move(prepared->scores.front());
    s->slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(s);
    if (!live) continue;
    uint64_t adjustments = 0;
    in.Pod(adjustments);
    for (uint64_t a = 0; a < adjustments && in.ok(); ++a) {
      Score::Rule& r = s->rules.emplace_back();
      in.Str(r.label);
      in.Pod(r.points);
      r.is_event = true;
      r.adjustment = true;
    }
    uint64_t rules = 0;
    in.Pod(rules);
    if (in.ok() && rules != s->rules.size()) {
      in.Fail(absl::StrCat("score \"", def.name(), "\" has ", rules, " rules in the checkpoint and ", s->rules.size(),
                           " compiled"));
    }
    in.Pod(s->initialized);
    in.Seq(s->counted, [&in](std::vector<Score::Counted>& c) { in.Vec(c); });
    in.Vec(s->level);
    for (Score::Rule& rule : s->rules) {
      if (!rule.is_event) rule.columnar = cel::ColumnarCondition::Plan(rule.program);
    }
    names_[s->def.name()] = static_cast<int>(scores_.size());
    scores_.push_back(std::move(s));
  }
  in.Vec(touched_);
  in.PodSet(timers_);
  in.Vec(timer_of_row_);
  in.Vec(log_);
  in.Pod(next_seq_);
  in.Section(0x53434f32);
  if (!in.ok()) return in.status();
  for (const LogEntry& e : log_) {
    if (e.score >= slots_.size()) return absl::DataLossError("a score crossing names a slot that does not exist");
  }
  Reindex();
  return absl::OkStatus();
}

absl::Status ScoreCatalog::Link(const SegmentCatalog& segments) {
  for (const auto& s : scores_) {
    for (Score::Rule& rule : s->rules) {
      if (rule.is_event) continue;
      rule.members = segments.Members(rule.hidden);
      if (rule.members == nullptr) {
        return absl::DataLossError(absl::StrCat("score \"", s->def.name(), "\": its condition segment \"", rule.hidden,
                                                "\" is missing"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace saleskit
