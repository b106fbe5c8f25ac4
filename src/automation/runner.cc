#include "saleskit/automation/runner.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "automation/internal/compiled.h"
#include "internal/proto_time.h"
#include "saleskit/cel/customer.h"
#include "saleskit/cel/functions.h"
#include "saleskit/io/csv.h"
#include "saleskit/io/readers.h"

namespace saleskit::automation {
namespace {

uint64_t Key(int rule, uint32_t row) { return (static_cast<uint64_t>(rule) << 32) | row; }

// FNV-1a, twice with different offsets: a stable 128-bit id (absl::Hash is
// seeded per process, so it cannot name anything durable).
Runner::ActionId StableId(absl::string_view rule, absl::string_view customer, absl::string_view trigger, int action) {
  uint64_t a = 14695981039346656037ull, b = 0x9e3779b97f4a7c15ull;
  auto mix = [&](absl::string_view s) {
    for (unsigned char ch : s) {
      a = (a ^ ch) * 1099511628211ull;
      b = (b ^ ch) * 1099511628211ull;
    }
    a = (a ^ 0xff) * 1099511628211ull;
    b = (b ^ 0xfe) * 1099511628211ull;
  };
  mix(rule);
  mix(customer);
  mix(trigger);
  mix(absl::StrCat(action));
  return {a, b};
}

std::string AttrText(const v1::AttrValue& v) {
  switch (v.kind_case()) {
    case v1::AttrValue::kBoolValue: return v.bool_value() ? "true" : "false";
    case v1::AttrValue::kIntValue: return absl::StrCat(v.int_value());
    case v1::AttrValue::kDoubleValue: return absl::StrCat(v.double_value());
    case v1::AttrValue::kStringValue: return v.string_value();
    case v1::AttrValue::kTimestampValue: return FormatTimestamp(internal::FromProto(v.timestamp_value()));
    case v1::AttrValue::kStringListValue: return absl::StrJoin(v.string_list_value().values(), "|");
    case v1::AttrValue::KIND_NOT_SET: return "";
  }
  return "";
}

// A customer field in its text form, as CSV writes it ("" when absent).
std::string FieldText(const v1::Customer& c, absl::string_view field) {
  if (absl::StartsWith(field, "attrs.")) {
    auto it = c.attrs().find(std::string(field.substr(6)));
    return it == c.attrs().end() ? "" : AttrText(it->second);
  }
  const auto* d = v1::Customer::descriptor()->FindFieldByName(std::string(field));
  if (d == nullptr) return "";
  const auto* reflection = v1::Customer::GetReflection();
  if (d->is_repeated()) {
    std::vector<std::string> values;
    for (int i = 0; i < reflection->FieldSize(c, d); ++i) values.push_back(reflection->GetRepeatedString(c, d, i));
    return absl::StrJoin(values, "|");
  }
  if (d->has_presence() && !reflection->HasField(c, d)) return "";
  using FD = google::protobuf::FieldDescriptor;
  switch (d->cpp_type()) {
    case FD::CPPTYPE_STRING: return reflection->GetString(c, d);
    case FD::CPPTYPE_INT64: return absl::StrCat(reflection->GetInt64(c, d));
    case FD::CPPTYPE_DOUBLE: return absl::StrCat(reflection->GetDouble(c, d));
    case FD::CPPTYPE_BOOL: return reflection->GetBool(c, d) ? "true" : "false";
    case FD::CPPTYPE_ENUM:
      return c.lifecycle_stage() == v1::LIFECYCLE_STAGE_UNSPECIFIED ? "" : LifecycleStageName(c.lifecycle_stage());
    case FD::CPPTYPE_MESSAGE: {
      const auto& m = reflection->GetMessage(c, d);
      if (const auto* ts = dynamic_cast<const google::protobuf::Timestamp*>(&m)) {
        return FormatTimestamp(internal::FromProto(*ts));
      }
      return m.ShortDebugString();
    }
    default: return "";
  }
}

// A timestamp field's value, for date triggers.
std::optional<Micros> FieldTime(const v1::Customer& c, absl::string_view field) {
  if (absl::StartsWith(field, "attrs.")) {
    auto it = c.attrs().find(std::string(field.substr(6)));
    if (it == c.attrs().end() || !it->second.has_timestamp_value()) return std::nullopt;
    return internal::FromProto(it->second.timestamp_value());
  }
  if (field == "created_at" && c.has_created_at()) return internal::FromProto(c.created_at());
  if (field == "updated_at" && c.has_updated_at()) return internal::FromProto(c.updated_at());
  return std::nullopt;
}

bool OptedOut(const v1::Customer& c, absl::string_view channel) {
  const v1::ConsentSet& consent = c.consent();
  if (channel == "email") return consent.email().status() == v1::Consent::OPTED_OUT;
  if (channel == "sms") return consent.sms().status() == v1::Consent::OPTED_OUT;
  if (channel == "phone") return consent.phone().status() == v1::Consent::OPTED_OUT;
  return false;
}

// A string field's value in the store (nullopt: absent).
std::optional<absl::string_view> StoreString(const CustomerStore& store, StringField field, uint32_t row) {
  const int32_t code = store.string_codes(field)[row];
  if (code == StringDictionary::kNone) return std::nullopt;
  return store.string_dictionary(field).Get(code);
}

// A record's optional string field (nullopt: absent).
std::optional<absl::string_view> Present(bool has, const std::string& value) {
  return has ? std::optional<absl::string_view>(value) : std::nullopt;
}

// Bit of Customer field `name` in StoreChanges::CustomerWrite::fields (-1: none).
int FieldBit(absl::string_view name) {
  const auto* d = v1::Customer::descriptor()->FindFieldByName(std::string(name));
  return d == nullptr ? -1 : d->index();
}

}  // namespace

using ActionResult = v1::ActionResult;

// A trigger that matched, waiting for its decision.
struct Runner::Pending {
  int rule;
  uint32_t row;
  std::shared_ptr<const Occurrence> occurrence;
  size_t order = 0;     // Decide: position of the occurrence's first trigger
  size_t position = 0;  // Decide: position in the queue
};

struct Runner::PendingEvent {
  int rule;
  std::string customer_id;
  std::shared_ptr<const Occurrence> occurrence;
};

namespace {
std::shared_ptr<const Runner::Occurrence> MakeOccurrence(std::string key, std::string text) {
  return std::make_shared<const Runner::Occurrence>(Runner::Occurrence{std::move(key), std::move(text)});
}
}  // namespace

std::string Runner::ActionId::Text() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[15 - i] = kHex[(hi >> (4 * i)) & 0xf];
    out[31 - i] = kHex[(lo >> (4 * i)) & 0xf];
  }
  return out;
}

Runner::Runner() = default;
Runner::~Runner() = default;

bool Runner::wants_events() const { return rules_ != nullptr && !rules_->by_event_.empty(); }

void Runner::Install(std::shared_ptr<const RuleSet> rules, const CustomerStore& store, absl::Time now,
                     uint64_t segment_seq, uint64_t crossing_seq) {
  std::vector<RuleStats> stats;  // carried over by rule name
  if (rules != nullptr) {
    for (const v1::Rule& r : rules->definition().rules()) {
      RuleStats& s = stats.emplace_back();
      s.rule = r.name();
      for (const RuleStats& old : stats_) {
        if (old.rule == r.name()) s = old;
      }
    }
    versions_[++version_] = rules;
  }
  stats_ = std::move(stats);
  rules_ = std::move(rules);
  DropUnusedVersions();
  segment_cursor_ = segment_seq;
  crossing_cursor_ = crossing_seq;
  last_event_.clear();
  pending_.clear();
  events_.clear();
  timers_ = {};
  armed_.clear();
  shadows_.clear();
  shadow_fields_.clear();
  zones_.clear();
  zone_index_.clear();
  owner_load_.clear();
  // Availability set by the host outlives the version for the owners it keeps.
  absl::erase_if(owner_available_, [&](const auto& entry) {
    return rules_ == nullptr || !rules_->owner_index_.contains(entry.first);
  });
  if (rules_ == nullptr) return;
  // Shadows of the watched fields, so that a change knows its old value.
  for (const std::string& f : rules_->watched_fields_) shadow_fields_.push_back(f);
  const size_t rows = store.row_capacity();
  for (const std::string& f : shadow_fields_) shadows_[f].assign(rows, "");
  stage_shadow_.assign(rows, 0);
  const Bitmap& live = store.live();
  const auto& owners = store.string_codes(StringField::kOwnerId);
  const StringDictionary& owner_names = store.string_dictionary(StringField::kOwnerId);
  for (uint32_t row = 0; row < rows; ++row) {
    if (!live.Get(row)) continue;
    stage_shadow_[row] = store.lifecycle_stage()[row];
    if (owners[row] != StringDictionary::kNone) ++owner_load_[std::string(owner_names.Get(owners[row]))];
    if (!shadow_fields_.empty()) {
      const v1::Customer c = store.CustomerAt(row);
      for (const std::string& f : shadow_fields_) shadows_[f][row] = FieldText(c, f);
    }
    ScheduleRow(store, row, now, /*created=*/false);
  }
  ArmSchedules(store, now);
}

// ------------------------------------------------------------------ timers

void Runner::ArmDate(int rule, uint32_t row, const v1::Customer& c, absl::Time now) {
  const CompiledRule& r = rules_->rules_[rule];
  const uint64_t key = Key(rule, row);
  std::optional<Micros> value = FieldTime(c, r.def->trigger().date().field());
  if (!value) {
    armed_.erase(key);
    return;
  }
  const Micros due = *value + r.offset;
  // A time already past when the value is written does not fire.
  if (due <= ToMicros(now)) {
    armed_.erase(key);
    return;
  }
  armed_[key] = due;
  timers_.push({due, rule, row});
}

void Runner::ScheduleRow(const CustomerStore& store, uint32_t row, absl::Time now, bool created) {
  if (!rules_->date_rules_.empty()) {
    const v1::Customer c = store.CustomerAt(row);
    for (int rule : rules_->date_rules_) ArmDate(rule, row, c, now);
  }
  for (int rule : rules_->inactivity_rules_) {
    const CompiledRule& r = rules_->rules_[rule];
    std::optional<EventSummary> last =
        created ? std::nullopt : store.EventSummaryOf(row, r.def->trigger().inactivity().event_type());
    if (last) last_event_[Key(rule, row)] = last->last;
    const Micros due = (last ? last->last : ToMicros(now)) + r.offset;
    armed_[Key(rule, row)] = due;
    timers_.push({due, rule, row});
  }
}

void Runner::ArmSchedules(const CustomerStore& store, absl::Time now) {
  if (rules_->schedule_rules_.empty()) return;
  auto add_zone = [&](const std::string& name) {
    if (zone_index_.contains(name)) return;
    if (!zones_.empty() && !LoadZone(name).ok()) return;  // customers in an unknown zone use the default
    const int z = static_cast<int>(zones_.size());
    zones_.push_back(name);
    zone_index_[name] = z;
    const absl::TimeZone zone = *LoadZone(name);
    for (int rule : rules_->schedule_rules_) {
      const CompiledRule& r = rules_->rules_[rule];
      timers_.push({ToMicros(NextOccurrence(now, r.days, r.minute_of_day, zone)), rule, static_cast<uint32_t>(z)});
    }
  };
  add_zone(rules_->default_zone_name_);
  const StringDictionary& names = store.string_dictionary(StringField::kTimezone);
  std::vector<std::string> sorted;
  for (int32_t code = 0; code < static_cast<int32_t>(names.size()); ++code) sorted.emplace_back(names.Get(code));
  std::sort(sorted.begin(), sorted.end());
  for (const std::string& name : sorted) add_zone(name);
}

absl::Time Runner::next_due() const {
  return timers_.empty() ? absl::InfiniteFuture() : ToTime(timers_.top().at);
}

void Runner::FireDue(const CustomerStore& store, absl::Time at) {
  if (rules_ == nullptr) return;
  const Micros limit = ToMicros(at);
  while (!timers_.empty() && timers_.top().at <= limit) {
    const Timer t = timers_.top();
    timers_.pop();
    const CompiledRule& r = rules_->rules_[t.rule];
    const v1::Trigger& trigger = r.def->trigger();
    if (trigger.has_schedule()) {
      const absl::TimeZone zone = *LoadZone(zones_[t.row]);
      const auto occurrence = MakeOccurrence(
          absl::StrCat("schedule:", zones_[t.row], ":", t.at),
          absl::StrCat("schedule ", absl::FormatTime("%Y-%m-%dT%H:%M%Ez", ToTime(t.at), zone), " ", zones_[t.row]));
      const auto& codes = store.string_codes(StringField::kTimezone);
      const StringDictionary& names = store.string_dictionary(StringField::kTimezone);
      const Bitmap& live = store.live();
      for (uint32_t row = 0; row < store.row_capacity(); ++row) {
        if (!live.Get(row)) continue;
        int z = 0;
        if (codes[row] != StringDictionary::kNone) {
          auto it = zone_index_.find(names.Get(codes[row]));
          if (it != zone_index_.end()) z = it->second;
        }
        if (z == static_cast<int>(t.row)) pending_.push_back({t.rule, row, occurrence});
      }
      timers_.push({ToMicros(NextOccurrence(ToTime(t.at), r.days, r.minute_of_day, zone)), t.rule, t.row});
      continue;
    }
    auto it = armed_.find(Key(t.rule, t.row));
    if (it == armed_.end() || it->second != t.at || !store.live().Get(t.row)) continue;  // stale
    armed_.erase(it);
    if (trigger.has_date()) {
      const Micros value = t.at - r.offset;
      auto [fired, inserted] = date_fired_.emplace(Key(t.rule, t.row), value);
      if (!inserted) {
        if (fired->second == value) continue;  // once per value of the field
        fired->second = value;
      }
      pending_.push_back(
          {t.rule, t.row,
           MakeOccurrence(absl::StrCat("date:", trigger.date().field(), ":", value),
                          absl::StrCat("date ", trigger.date().field(), " ", FormatTimestamp(value), " ",
                                       r.offset < 0 ? "-" : "+",
                                       absl::FormatDuration(absl::Microseconds(std::abs(r.offset)))))});
    } else if (trigger.has_inactivity()) {
      const Micros since = t.at - r.offset;
      pending_.push_back({t.rule, t.row,
                          MakeOccurrence(absl::StrCat("inactivity:", since),
                                         absl::StrCat("inactivity: no ", trigger.inactivity().event_type(), " since ",
                                                      FormatTimestamp(since)))});
    }
  }
}

// ------------------------------------------------------------------ changes

void Runner::NoteEvent(const v1::Event& event, absl::Span<const std::string> kinds) {
  // One name for the event, whichever rules it triggers.
  const std::string id =
      event.has_id() ? event.id() : absl::StrCat(internal::FromProto(event.occurred_at()), "#", ++change_counter_);
  std::optional<cel::MapActivation> activation;  // bound on the first event condition
  auto consider = [&](const std::string& name) {
    auto it = rules_->by_event_.find(name);
    if (it == rules_->by_event_.end()) return;
    std::shared_ptr<const Occurrence> occurrence;  // shared by the rules this name triggers
    for (int rule : it->second) {
      const CompiledRule& r = rules_->rules_[rule];
      if (r.event_condition != nullptr) {
        if (!activation) {
          // Not owned: the value lives only for these evaluations.
          activation.emplace().Bind("event", cel::MessageValue(std::shared_ptr<const google::protobuf::Message>(
                                                 std::shared_ptr<const google::protobuf::Message>(), &event)));
        }
        const cel::Value v = r.event_condition->Evaluate(*activation);
        if (v.kind() != cel::Value::Kind::kBool || !v.bool_value()) continue;
      }
      if (occurrence == nullptr) {
        occurrence = MakeOccurrence(
            absl::StrCat("event:", name, ":", id),
            absl::StrCat("event ", name, event.has_id() ? absl::StrCat(" ", event.id()) : "", " at ",
                         FormatTimestamp(internal::FromProto(event.occurred_at()))));
      }
      events_.push_back({rule, event.customer_id(), occurrence});
    }
  };
  consider(event.type());
  for (const std::string& kind : kinds) consider(kind);
}

void Runner::DiscardEvents() { events_.clear(); }

void Runner::NoteWrites(const StoreChanges& changes, const CustomerStore& store, const SegmentCatalog& segments,
                        const ScoreCatalog& scores, absl::Time now) {
  if (rules_ == nullptr) return;
  QueueSegmentChanges(segments, store);
  QueueCrossings(scores, store);
  QueueEvents(store);
  const size_t rows = store.row_capacity();
  if (stage_shadow_.size() < rows) stage_shadow_.resize(rows, 0);
  for (auto& [f, values] : shadows_) {
    if (values.size() < rows) values.resize(rows);
  }
  static const int kZoneBit = FieldBit("timezone");
  bool new_zone = false;
  for (const StoreChanges::CustomerWrite& w : changes.customers) {
    if (w.created) ScheduleRow(store, w.row, now, /*created=*/true);
    if (w.fields & (uint64_t{1} << kZoneBit)) new_zone = true;
    // Lifecycle stage.
    const uint8_t stage = store.lifecycle_stage()[w.row];
    if (stage != stage_shadow_[w.row]) {
      const auto from = static_cast<v1::LifecycleStage>(stage_shadow_[w.row]);
      const auto to = static_cast<v1::LifecycleStage>(stage);
      stage_shadow_[w.row] = stage;
      const uint64_t change = ++change_counter_;
      std::shared_ptr<const Occurrence> occurrence;
      for (int rule : rules_->lifecycle_rules_) {
        const v1::LifecycleTrigger& t = rules_->rules_[rule].def->trigger().lifecycle_changed();
        if (w.created && !t.on_create()) continue;  // a new customer's first stage is no change
        if ((t.from() == 0 || t.from() == from) && (t.to() == 0 || t.to() == to)) {
          if (occurrence == nullptr) {
            occurrence = MakeOccurrence(absl::StrCat("stage:", change),
                                        absl::StrCat("lifecycle ", from == 0 ? "(none)" : LifecycleStageName(from),
                                                     " -> ", LifecycleStageName(to)));
          }
          pending_.push_back({rule, w.row, occurrence});
        }
      }
    }
    // Watched fields.
    if (shadow_fields_.empty()) continue;
    bool touched = false;
    for (const std::string& f : shadow_fields_) {
      if (absl::StartsWith(f, "attrs.")) {
        for (uint32_t a = w.attrs_begin; a < w.attrs_end && !touched; ++a) touched = changes.attrs[a] == f.substr(6);
      } else {
        const int bit = FieldBit(f);
        touched = touched || (bit >= 0 && (w.fields & (uint64_t{1} << bit)));
      }
    }
    if (!touched) continue;
    const v1::Customer c = store.CustomerAt(w.row);
    for (const std::string& f : shadow_fields_) {
      std::string& old = shadows_[f][w.row];
      std::string text = FieldText(c, f);
      if (text == old) continue;
      if (f == "owner_id") {
        if (!old.empty()) --owner_load_[old];
        if (!text.empty()) ++owner_load_[text];
      }
      auto it = rules_->by_field_.find(f);
      if (it != rules_->by_field_.end()) {
        const uint64_t change = ++change_counter_;
        std::shared_ptr<const Occurrence> occurrence;
        for (int rule : it->second) {
          const v1::FieldChangeTrigger& t = rules_->rules_[rule].def->trigger().field_changed();
          if (w.created && !t.on_create()) continue;  // a new customer's initial value is no change
          if ((t.has_from() && t.from() != old) || (t.has_to() && t.to() != text)) continue;
          if (occurrence == nullptr) {
            occurrence = MakeOccurrence(absl::StrCat("field:", f, ":", change),
                                        absl::StrCat("field ", f, " \"", old, "\" -> \"", text, "\""));
          }
          pending_.push_back({rule, w.row, occurrence});
        }
      }
      old = std::move(text);
    }
    for (int rule : rules_->date_rules_) ArmDate(rule, w.row, c, now);
  }
  // Inactivity: each counted event restarts its quiet spell.
  if (!rules_->inactivity_rules_.empty()) {
    for (const StoreChanges::EventCount& e : changes.events) {
      const absl::string_view type = store.EventTypeName(e.type);
      for (int rule : rules_->inactivity_rules_) {
        const CompiledRule& r = rules_->rules_[rule];
        if (r.def->trigger().inactivity().event_type() != type) continue;
        // The spell runs from the latest such event.
        auto [last, first] = last_event_.try_emplace(Key(rule, e.row), e.at);
        if (!first && e.at <= last->second) continue;
        last->second = e.at;
        armed_[Key(rule, e.row)] = e.at + r.offset;
        timers_.push({e.at + r.offset, rule, e.row});
      }
    }
  }
  if (new_zone) ArmSchedules(store, now);
}

void Runner::QueueSegmentChanges(const SegmentCatalog& segments, const CustomerStore& store) {
  if (segments.last_seq() <= segment_cursor_) return;
  const uint64_t after = segment_cursor_;
  segment_cursor_ = segments.last_seq();
  if (rules_ == nullptr || rules_->by_segment_.empty()) return;
  segments.ForEachChangeSince(after, [&](uint64_t seq, absl::string_view segment, uint32_t row,
                                         SegmentChange::Kind change) {
    auto it = rules_->by_segment_.find(segment);
    if (it == rules_->by_segment_.end()) return;
    const auto kind = change == SegmentChange::Kind::kEnter ? v1::SegmentChange::ENTER : v1::SegmentChange::EXIT;
    std::shared_ptr<const Occurrence> occurrence;
    for (int rule : it->second) {
      if (rules_->rules_[rule].def->trigger().segment().on() != kind) continue;
      if (occurrence == nullptr) {
        occurrence = MakeOccurrence(absl::StrCat("segment:", seq),
                                    absl::StrCat("segment ", segment, " ", SegmentChangeKindName(change)));
      }
      pending_.push_back({rule, row, occurrence});
    }
  });
}

void Runner::QueueCrossings(const ScoreCatalog& scores, const CustomerStore& store) {
  if (scores.last_seq() <= crossing_cursor_) return;
  const uint64_t after = crossing_cursor_;
  crossing_cursor_ = scores.last_seq();
  if (rules_ == nullptr || rules_->by_score_.empty()) return;
  for (const v1::ScoreCrossing& c : scores.CrossingsSince(after, SIZE_MAX, store)) {
    auto it = rules_->by_score_.find(c.score());
    if (it == rules_->by_score_.end()) continue;
    const std::optional<uint32_t> row = store.FindRow(c.customer_id());
    if (!row) continue;
    std::shared_ptr<const Occurrence> occurrence;
    for (int rule : it->second) {
      const v1::ScoreTrigger& t = rules_->rules_[rule].def->trigger().score();
      if (!t.threshold().empty() && t.threshold() != c.threshold()) continue;
      if (t.direction() != v1::ScoreCrossing::DIRECTION_UNSPECIFIED && t.direction() != c.direction()) continue;
      if (occurrence == nullptr) {
        occurrence = MakeOccurrence(absl::StrCat("score:", c.seq()),
                                    absl::StrCat("score ", c.score(), " ", c.threshold(),
                                                 c.direction() == v1::ScoreCrossing::UP ? " up" : " down", " at ",
                                                 c.value()));
      }
      pending_.push_back({rule, *row, occurrence});
    }
  }
}

bool Runner::HasWork(const SegmentCatalog& segments, const ScoreCatalog& scores) const {
  return !pending_.empty() || !events_.empty() || segments.last_seq() > segment_cursor_ ||
         scores.last_seq() > crossing_cursor_;
}

void Runner::EndCascade() {
  depth_ = 0;
  origins_.clear();
}

// ------------------------------------------------------------------ deciding

// One round of decisions at one instant.
class Runner::Decider {
 public:
  // `rows`: how many rows the round may act on (one allocation for their states).
  Decider(Runner& runner, const CustomerStore& store, const SegmentCatalog& segments, absl::Time now, size_t rows)
      : r_(runner), set_(*runner.rules_), store_(store), segments_(segments), now_(now) {
    rows_.reserve(rows);
  }

  void Decide(Pending& p);
  Effects Finish();

 private:
  struct RowState {
    // The customer as this round's actions left them, made from the store
    // by the first action that writes (View); until then the store's
    // columns are the customer.
    std::optional<v1::Customer> view;
    std::optional<v1::Customer> patch;  // what they wrote (Patch), made by the first write
    bool written = false;
    bool tags = false;   // the patch sets the tag list
    std::vector<int> writers;
    // (change, group) pairs a rule already acted in.
    // Views of the change's key (its occurrence lives through the round).
    absl::flat_hash_set<std::pair<absl::string_view, absl::string_view>> groups;
  };
  RowState& Row(uint32_t row);
  v1::Customer& View(RowState& state, uint32_t row);
  static v1::Customer& Patch(RowState& state) { return state.patch ? *state.patch : state.patch.emplace(); }
  // The customer's owner id (nullopt: none), time zone and outreach flags,
  // as this round's actions left them.
  std::optional<absl::string_view> OwnerOf(const RowState& state, uint32_t row) const;
  absl::TimeZone ZoneOf(const RowState& state, uint32_t row) const;
  bool DoNotContact(const RowState& state, uint32_t row) const;
  bool OptedOutOf(const RowState& state, uint32_t row, absl::string_view channel) const;
  void Act(const Pending& p, int index, const v1::Action& action, AuditEntry& record, RowState& state);
  // The owner a pool picks for the customer; -1 for none.
  int Route(int pool, uint32_t row);
  // The host's override (SetOwnerAvailable), else the playbook's flag.
  bool Available(int owner) const {
    if (owner < 0) return false;
    const v1::Owner& o = *set_.owners_[owner].def;
    if (r_.owner_available_.empty()) return !o.unavailable();
    auto it = r_.owner_available_.find(o.id());
    return it != r_.owner_available_.end() ? it->second : !o.unavailable();
  }
  ActionResult::Result Outreach(const std::string& channel, uint32_t row, const RowState& state,
                                v1::SkipReason* reason, absl::Time* available_at);

  Runner& r_;
  const RuleSet& set_;
  const CustomerStore& store_;
  const SegmentCatalog& segments_;
  const absl::Time now_;
  // The rows acted on, in row order: Decide sees the queue sorted by row.
  std::vector<std::pair<uint32_t, RowState>> rows_;
  absl::flat_hash_map<std::string, int64_t> load_delta_;  // assignments this round
  Effects effects_;
};

Runner::Decider::RowState& Runner::Decider::Row(uint32_t row) {
  if (rows_.empty() || rows_.back().first < row) return rows_.emplace_back(row, RowState()).second;
  auto it = std::lower_bound(rows_.begin(), rows_.end(), row, [](const auto& r, uint32_t v) { return r.first < v; });
  if (it == rows_.end() || it->first != row) it = rows_.emplace(it, row, RowState());
  return it->second;
}

v1::Customer& Runner::Decider::View(RowState& state, uint32_t row) {
  if (!state.view) state.view = store_.CustomerAt(row);
  return *state.view;
}

std::optional<absl::string_view> Runner::Decider::OwnerOf(const RowState& state, uint32_t row) const {
  return state.view ? Present(state.view->has_owner_id(), state.view->owner_id())
                    : StoreString(store_, StringField::kOwnerId, row);
}

absl::TimeZone Runner::Decider::ZoneOf(const RowState& state, uint32_t row) const {
  const std::optional<absl::string_view> name = state.view
                                                    ? Present(state.view->has_timezone(), state.view->timezone())
                                                    : StoreString(store_, StringField::kTimezone, row);
  if (name) {
    absl::StatusOr<absl::TimeZone> zone = LoadZone(std::string(*name));
    if (zone.ok()) return *zone;
  }
  return set_.policies_->zone;
}

bool Runner::Decider::DoNotContact(const RowState& state, uint32_t row) const {
  return state.view ? state.view->do_not_contact() : store_.do_not_contact(row);
}

bool Runner::Decider::OptedOutOf(const RowState& state, uint32_t row, absl::string_view channel) const {
  if (state.view) return OptedOut(*state.view, channel);
  return store_.consent_status(row, channel) == v1::Consent::OPTED_OUT;
}

int Runner::Decider::Route(int pool, uint32_t row) {
  const CompiledPool& p = set_.pools_[pool];
  const int n = static_cast<int>(p.owners.size());
  auto fallback = [&] { return Available(p.fallback) ? p.fallback : -1; };
  switch (p.def->strategy()) {
    case v1::RoutingPool::TERRITORY: {
      for (const CompiledPool::Territory& t : p.territories) {
        std::optional<bool> holds = t.columnar ? t.columnar->EvaluateRow(store_, row, now_, &segments_) : std::nullopt;
        if (!holds) {
          cel::StoreCustomerActivation act(store_, row, now_, &segments_);
          const cel::Value v = t.program->Evaluate(act);
          holds = v.kind() == cel::Value::Kind::kBool && v.bool_value();
        }
        if (*holds) return Available(t.owner) ? t.owner : fallback();
      }
      return fallback();
    }
    case v1::RoutingPool::ROUND_ROBIN: {
      int& last = r_.round_robin_.try_emplace(p.def->name(), -1).first->second;
      for (int k = 1; k <= n; ++k) {
        const int i = ((last + k) % n + n) % n;
        if (Available(p.owners[i])) {
          last = i;
          return p.owners[i];
        }
      }
      return fallback();
    }
    case v1::RoutingPool::WEIGHTED: {
      std::vector<double>& current = r_.weighted_[p.def->name()];
      current.resize(n, 0.0);
      double total = 0;
      int best = -1;
      for (int i = 0; i < n; ++i) {
        if (!Available(p.owners[i])) continue;
        const double w = set_.owners_[p.owners[i]].def->weight() > 0 ? set_.owners_[p.owners[i]].def->weight() : 1.0;
        current[i] += w;
        total += w;
        if (best < 0 || current[i] > current[best]) best = i;
      }
      if (best < 0) return fallback();
      current[best] -= total;
      return p.owners[best];
    }
    case v1::RoutingPool::LEAST_LOADED: {
      int best = -1;
      int64_t best_load = 0;
      for (int i = 0; i < n; ++i) {
        if (!Available(p.owners[i])) continue;
        const std::string& id = set_.owners_[p.owners[i]].def->id();
        auto it = r_.owner_load_.find(id);
        const int64_t load = (it == r_.owner_load_.end() ? 0 : it->second) + load_delta_[id];
        if (best < 0 || load < best_load) {
          best = i;
          best_load = load;
        }
      }
      return best < 0 ? fallback() : p.owners[best];
    }
    default:
      return -1;
  }
}

ActionResult::Result Runner::Decider::Outreach(const std::string& channel, uint32_t row, const RowState& state,
                                               v1::SkipReason* reason, absl::Time* available_at) {
  const RuleSet::Policies& policies = *set_.policies_;
  if (DoNotContact(state, row)) {
    *reason = v1::DO_NOT_CONTACT;
    return ActionResult::SKIPPED;
  }
  if (OptedOutOf(state, row, channel)) {
    *reason = v1::NO_CONSENT;
    return ActionResult::SKIPPED;
  }
  const Micros now = ToMicros(now_);
  std::vector<std::pair<Micros, std::string>>& recent = r_.recent_[row];
  if (policies.horizon > 0) {  // forget what no window reaches any more
    recent.erase(std::remove_if(recent.begin(), recent.end(),
                                [&](const auto& e) { return e.first <= now - policies.horizon; }),
                 recent.end());
  }
  for (const RuleSet::Policies::Cap& cap : policies.caps) {
    if (cap.channel != channel) continue;
    const auto used = std::count_if(recent.begin(), recent.end(), [&](const auto& e) {
      return e.second == channel && e.first > now - cap.window;
    });
    if (static_cast<uint32_t>(used) >= cap.max) {
      *reason = v1::FREQUENCY_CAP;
      return ActionResult::SKIPPED;
    }
  }
  if (policies.budget_max > 0) {
    const auto used = std::count_if(recent.begin(), recent.end(),
                                    [&](const auto& e) { return e.first > now - policies.budget_window; });
    if (static_cast<uint32_t>(used) >= policies.budget_max) {
      *reason = v1::CONTACT_BUDGET;
      return ActionResult::SKIPPED;
    }
  }
  if (policies.horizon > 0) recent.push_back({now, channel});
  if (policies.quiet) {
    const absl::TimeZone zone = ZoneOf(state, row);
    if (InWindow(now_, *policies.quiet, zone)) {
      *available_at = NextOutside(now_, *policies.quiet, zone);
      return ActionResult::DEFERRED;
    }
  }
  return ActionResult::OUTBOX;
}

void Runner::Decider::Act(const Pending& p, int index, const v1::Action& action, AuditEntry& record,
                          RowState& state) {
  const CompiledRule& rule = set_.rules_[p.rule];
  const std::string& customer = record.customer_id;
  AuditEntry::Action* result = &record.actions.emplace_back();
  result->index = static_cast<uint32_t>(index);
  auto skip = [&](v1::SkipReason reason, std::string detail = "") {
    result->result = ActionResult::SKIPPED;
    result->reason = reason;
    result->detail = std::move(detail);
  };
  auto wrote = [&] {
    result->result = ActionResult::APPLIED;
    state.written = true;
    if (std::find(state.writers.begin(), state.writers.end(), p.rule) == state.writers.end()) {
      state.writers.push_back(p.rule);
    }
  };
  switch (action.kind_case()) {
    case v1::Action::kSetField: {
      v1::Customer& view = View(state, p.row);
      const std::string& field = action.set_field().field();
      const std::string& value = action.set_field().value();
      if (FieldText(view, field) == value) return skip(v1::NO_EFFECT, absl::StrCat(field, " is already \"", value, "\""));
      v1::Customer write;
      if (value.empty()) {
        write.add_clear_fields(field);
      } else {
        std::string csv = absl::StrCat("id,", field, "\nx,");
        AppendCsvCell(value, &csv);
        csv += "\n";
        ReadOptions read;
        if (absl::StartsWith(field, "attrs.")) {
          if (std::optional<AttrType> type = store_.attr_type(field.substr(6))) read.attr_types[field.substr(6)] = *type;
        }
        absl::StatusOr<ReadResult<v1::Customer>> parsed = ReadRecords<v1::Customer>(csv, Format::kCsv, read);
        if (!parsed.ok() || !parsed->errors.empty() || parsed->batch.records.size() != 1) {
          return skip(v1::INVALID_VALUE, parsed.ok() && !parsed->errors.empty() ? parsed->errors[0].message
                                                                                : std::string(parsed.status().message()));
        }
        write = std::move(parsed->batch.records[0]);
        write.clear_id();
      }
      if (value.empty()) {
        Patch(state).add_clear_fields(field);
      } else {
        Patch(state).MergeFrom(write);
      }
      if (absl::StartsWith(field, "attrs.")) {
        if (value.empty()) {
          view.mutable_attrs()->erase(field.substr(6));
        } else {
          (*view.mutable_attrs())[field.substr(6)] = write.attrs().at(field.substr(6));
        }
      } else if (value.empty()) {
        const auto* d = v1::Customer::descriptor()->FindFieldByName(field);
        v1::Customer::GetReflection()->ClearField(&view, d);
      } else {
        view.MergeFrom(write);
      }
      return wrote();
    }
    case v1::Action::kAddTag:
    case v1::Action::kRemoveTag: {
      const bool add = action.has_add_tag();
      const std::string& tag = add ? action.add_tag() : action.remove_tag();
      auto* tags = View(state, p.row).mutable_tags();
      auto it = std::find(tags->begin(), tags->end(), tag);
      if ((it != tags->end()) == add) {
        return skip(v1::NO_EFFECT, absl::StrCat("tag \"", tag, add ? "\" is already there" : "\" is not there"));
      }
      if (add) {
        tags->Add(std::string(tag));
      } else {
        tags->erase(it);
      }
      state.tags = true;
      return wrote();
    }
    case v1::Action::kSetLifecycleStage: {
      v1::Customer& view = View(state, p.row);
      if (view.lifecycle_stage() == action.set_lifecycle_stage()) return skip(v1::NO_EFFECT, "already at that stage");
      view.set_lifecycle_stage(action.set_lifecycle_stage());
      Patch(state).set_lifecycle_stage(action.set_lifecycle_stage());
      return wrote();
    }
    case v1::Action::kAdjustScore:
      effects_.adjustments.push_back({p.row, action.adjust_score().score(), action.adjust_score().points(),
                                      absl::StrCat("rule ", rule.def->name())});
      state.written = true;
      if (std::find(state.writers.begin(), state.writers.end(), p.rule) == state.writers.end()) {
        state.writers.push_back(p.rule);
      }
      result->result = ActionResult::APPLIED;
      return;
    case v1::Action::kAssignOwner: {
      const int target = rule.targets[index];
      const int owner = action.assign_owner().has_pool() ? Route(target, p.row) : (Available(target) ? target : -1);
      if (owner < 0) {
        return skip(v1::NO_OWNER, action.assign_owner().has_pool()
                                      ? absl::StrCat("pool ", action.assign_owner().pool(), " has no available owner")
                                      : absl::StrCat("owner ", action.assign_owner().owner(), " is unavailable"));
      }
      const std::string& owner_id = set_.owners_[owner].def->id();
      result->detail = owner_id;
      v1::Customer& view = View(state, p.row);
      if (view.owner_id() == owner_id && view.has_owner_id()) return skip(v1::NO_EFFECT, absl::StrCat("already owned by ", owner_id));
      if (view.has_owner_id()) --load_delta_[view.owner_id()];
      ++load_delta_[owner_id];
      view.set_owner_id(owner_id);
      Patch(state).set_owner_id(owner_id);
      return wrote();
    }
    case v1::Action::kCreateTask: {
      const ActionId id = StableId(rule.def->name(), customer, p.occurrence->key, index);
      v1::Task task;
      task.set_id(id.Text());
      task.set_customer_id(customer);
      const std::optional<absl::string_view> owner = OwnerOf(state, p.row);
      if (owner) task.set_owner_id(std::string(*owner));
      task.set_title(action.create_task().title());
      task.set_rule(rule.def->name());
      internal::ToProto(ToMicros(now_), task.mutable_created_at());
      WorkWeek week;
      absl::TimeZone zone = set_.policies_->zone;
      if (auto it = owner ? set_.owner_index_.find(*owner) : set_.owner_index_.end(); it != set_.owner_index_.end()) {
        week = set_.owners_[it->second].week;
        zone = set_.owners_[it->second].zone;
      }
      const absl::Time due =
          AddBusinessTime(now_, absl::Hours(action.create_task().due_in_business_hours()), week, zone);
      internal::ToProto(ToMicros(due), task.mutable_due_at());
      task.set_seq(r_.next_task_seq_++);
      r_.tasks_.push_back(std::move(task));
      result->id = id;
      result->result = ActionResult::APPLIED;
      return;
    }
    case v1::Action::kSendEmail:
    case v1::Action::kNotifyOwner:
    case v1::Action::kWebhook: {
      absl::Time available_at = now_;
      ActionResult::Result outcome = ActionResult::OUTBOX;
      const std::optional<absl::string_view> owner = OwnerOf(state, p.row);
      if (action.has_notify_owner() && !owner) return skip(v1::NO_OWNER, "the customer has no owner");
      const std::string channel = OutreachChannel(action);
      if (!channel.empty()) {
        v1::SkipReason reason = v1::SKIP_REASON_UNSPECIFIED;
        outcome = Outreach(channel, p.row, state, &reason, &available_at);
        if (outcome == ActionResult::SKIPPED) return skip(reason, absl::StrCat("channel ", channel));
      }
      const ActionId id = StableId(rule.def->name(), customer, p.occurrence->key, index);
      Outbox::Draft entry;
      entry.id = id.Text();
      entry.customer_id = customer;
      if (owner) entry.owner_id = std::string(*owner);
      entry.source = rule.sources[index];
      entry.trigger = std::shared_ptr<const std::string>(p.occurrence, &p.occurrence->text);
      entry.created_at = ToMicros(now_);
      entry.available_at = ToMicros(available_at);
      if (!r_.outbox_.Add(std::move(entry))) return skip(v1::NO_EFFECT, "already in the outbox");
      result->id = id;
      result->result = outcome;
      return;
    }
    case v1::Action::KIND_NOT_SET:
      return skip(v1::SKIP_REASON_UNSPECIFIED, "empty action");
  }
}

void Runner::Decider::Decide(Pending& p) {
  const CompiledRule& rule = set_.rules_[p.rule];
  AuditEntry record;
  record.at = ToMicros(now_);
  record.version = r_.version_;
  record.rule = p.rule;
  record.customer_id = std::string(store_.IdOf(p.row));
  record.depth = r_.depth_;
  auto done = [&] {
    record.trigger = std::move(p.occurrence);
    r_.AppendAudit(std::move(record));
  };
  auto skipped = [&](v1::SkipReason reason, std::string detail = "") {
    record.outcome = v1::AuditRecord::SKIPPED;
    record.reason = reason;
    if (!detail.empty()) record.actions.emplace_back().detail = std::move(detail);
    done();
  };
  if (r_.depth_ > set_.policies_->max_depth) return skipped(v1::LOOP_LIMIT);
  if (r_.depth_ > 0) {
    auto it = r_.origins_.find(p.row);
    if (it != r_.origins_.end() && std::find(it->second.begin(), it->second.end(), p.rule) != it->second.end()) {
      return skipped(v1::SELF_TRIGGER);
    }
  }
  if (rule.condition != nullptr) {
    // The columnar plan decides; the program runs only for the values read
    // and to name an error.
    std::optional<bool> holds =
        rule.columnar != nullptr ? rule.columnar->EvaluateRow(store_, p.row, now_, &segments_) : std::nullopt;
    if (!holds || !rule.reads.empty()) {
      cel::StoreCustomerActivation activation(store_, p.row, now_, &segments_);
      for (const CompiledRule::Read& read : rule.reads) {
        cel::Value v = rule.condition->EvaluateSubexpression(read.expr_id, activation);
        AuditEntry::Read& stored = record.reads.emplace_back();
        switch (v.kind()) {
          case cel::Value::Kind::kList:
          case cel::Value::Kind::kMap:
          case cel::Value::Kind::kStruct:
          case cel::Value::Kind::kOptional:
            stored.literal = v.DebugString();  // may refer to the store: not kept
            break;
          default:
            stored.value = std::move(v);
        }
      }
      if (!holds) {
        const cel::Value v = rule.condition->Evaluate(activation);
        if (v.kind() != cel::Value::Kind::kBool) return skipped(v1::CONDITION_ERROR, v.DebugString());
        holds = v.bool_value();
      }
    }
    if (!*holds) return skipped(v1::CONDITION_FALSE);
  }
  RowState& state = Row(p.row);  // read only for rules that act
  const std::string& group = rule.def->group();
  if (!group.empty() && !state.groups.insert({p.occurrence->key, group}).second) {
    return skipped(v1::PRIORITY, absl::StrCat("a higher-priority rule of group ", group, " acted"));
  }
  record.outcome = v1::AuditRecord::FIRED;
  for (int i = 0; i < rule.def->actions_size(); ++i) Act(p, i, rule.def->actions(i), record, state);
  done();
}

Effects Runner::Decider::Finish() {
  effects_.customers.records.reserve(
      std::count_if(rows_.begin(), rows_.end(), [](const auto& r) { return r.second.written; }));
  for (auto& [row, state] : rows_) {
    if (!state.written) continue;
    std::vector<int>& origins = r_.origins_[row];
    for (int w : state.writers) {
      if (std::find(origins.begin(), origins.end(), w) == origins.end()) origins.push_back(w);
    }
    if (!state.patch && !state.tags) continue;  // score adjustments only
    v1::Customer& c = effects_.customers.records.emplace_back(std::move(Patch(state)));
    c.set_id(std::string(store_.IdOf(row)));
    if (state.tags) {
      *c.mutable_tags() = state.view->tags();
      if (c.tags().empty()) c.add_clear_fields("tags");
    }
  }
  return std::move(effects_);
}

void Runner::QueueEvents(const CustomerStore& store) {
  for (PendingEvent& e : events_) {
    if (std::optional<uint32_t> row = store.FindRow(e.customer_id)) {
      pending_.push_back({e.rule, *row, std::move(e.occurrence)});
    }
  }
  events_.clear();
}

Effects Runner::Decide(const CustomerStore& store, const SegmentCatalog& segments, const ScoreCatalog& scores,
                       absl::Time now) {
  QueueEvents(store);
  QueueSegmentChanges(segments, store);
  QueueCrossings(scores, store);
  // The buffers keep their capacity from round to round.
  std::vector<Pending>& work = work_;
  work.swap(pending_);
  pending_.clear();
  if (rules_ == nullptr) {
    work.clear();
    return {};
  }
  // Per customer, change by change in the order they happened; the rules
  // one change triggers by priority.
  // A change is named by its key (timers of several rules at one instant
  // make several occurrences of one key). An occurrence's rules are queued
  // together, so a key is found in runs: each run takes the position of
  // its key's first run.
  auto same_key = [](const Occurrence* a, const Occurrence* b) { return a == b || a->key == b->key; };
  runs_.clear();
  for (size_t i = 0; i < work.size(); ++i) {
    if (i == 0 || !same_key(work[i].occurrence.get(), work[i - 1].occurrence.get())) {
      runs_.push_back({work[i].occurrence.get(), i});
    }
  }
  std::sort(runs_.begin(), runs_.end(), [](const auto& a, const auto& b) {
    return a.first->key != b.first->key ? a.first->key < b.first->key : a.second < b.second;
  });
  for (size_t k = 0; k < runs_.size(); ++k) {
    const bool again = k > 0 && same_key(runs_[k].first, runs_[k - 1].first);
    const size_t first = again ? work[runs_[k - 1].second].order : runs_[k].second;
    for (size_t i = runs_[k].second; i < work.size() && same_key(work[i].occurrence.get(), runs_[k].first); ++i) {
      work[i].order = first;
    }
  }
  for (size_t i = 0; i < work.size(); ++i) work[i].position = i;
  std::sort(work.begin(), work.end(), [&](const Pending& a, const Pending& b) {  // stable, without a buffer
    if (a.row != b.row) return a.row < b.row;
    if (a.order != b.order) return a.order < b.order;
    if (a.rule != b.rule) return rules_->rank_[a.rule] < rules_->rank_[b.rule];
    return a.position < b.position;
  });
  size_t rows = 0;
  for (size_t i = 0; i < work.size(); ++i) rows += i == 0 || work[i].row != work[i - 1].row;
  Decider decider(*this, store, segments, now, rows);
  for (Pending& p : work) decider.Decide(p);
  work.clear();
  Effects effects = decider.Finish();
  ++depth_;
  return effects;
}

// ------------------------------------------------------------------ records

void Runner::AppendAudit(AuditEntry record) {
  record.seq = next_audit_seq_++;
  RuleStats& s = stats_[record.rule];
  if (record.outcome == v1::AuditRecord::FIRED) {
    ++s.fired;
    for (const AuditEntry::Action& a : record.actions) {
      if (a.result == ActionResult::APPLIED) ++s.applied;
      if (a.result == ActionResult::OUTBOX || a.result == ActionResult::DEFERRED) ++s.outbox;
      if (a.result == ActionResult::SKIPPED && a.reason != v1::NO_EFFECT) ++s.blocked;
    }
  } else {
    ++s.skipped;
  }
  audit_.emplace_back() = std::move(record);
}

absl::string_view Runner::RuleName(const AuditEntry& e) const {
  if (e.restored != nullptr) return e.restored->rule();
  return versions_.at(e.version)->rules_[e.rule].def->name();
}

v1::AuditRecord Runner::ToRecord(const AuditEntry& e) const {
  if (e.restored != nullptr) return *e.restored;
  const RuleSet& set = *versions_.at(e.version);
  const CompiledRule& rule = set.rules_[e.rule];
  v1::AuditRecord out;
  out.set_seq(e.seq);
  internal::ToProto(e.at, out.mutable_at());
  out.set_rule(rule.def->name());
  out.set_playbook_version(set.version());
  out.set_customer_id(e.customer_id);
  if (e.trigger != nullptr) out.set_trigger(e.trigger->text);
  for (size_t i = 0; i < e.reads.size(); ++i) {
    v1::ConditionRead* read = out.add_reads();
    read->set_name(rule.reads[i].name);
    read->set_value(e.reads[i].literal.empty() ? e.reads[i].value.DebugString() : e.reads[i].literal);
  }
  out.set_outcome(e.outcome);
  out.set_reason(e.reason);
  for (const AuditEntry::Action& a : e.actions) {
    ActionResult* r = out.add_actions();
    r->set_index(a.index);
    if (a.id) r->set_id(a.id->Text());
    r->set_result(a.result);
    r->set_reason(a.reason);
    r->set_detail(a.detail);
  }
  out.set_depth(e.depth);
  return out;
}

std::vector<v1::AuditRecord> Runner::Audit(uint64_t after, size_t limit, absl::string_view customer_id,
                                           absl::string_view rule) const {
  std::vector<v1::AuditRecord> out;
  auto it = std::upper_bound(audit_.begin(), audit_.end(), after,
                             [](uint64_t seq, const AuditEntry& r) { return seq < r.seq; });
  for (; it != audit_.end() && out.size() < limit; ++it) {
    if (!customer_id.empty() && it->customer_id != customer_id) continue;
    if (!rule.empty() && RuleName(*it) != rule) continue;
    out.push_back(ToRecord(*it));
  }
  return out;
}

void Runner::TrimAudit(uint64_t through) {
  while (!audit_.empty() && audit_.front().seq <= through) audit_.pop_front();
  DropUnusedVersions();
}

void Runner::DropUnusedVersions() {
  if (versions_.size() <= 1) return;
  uint32_t oldest = rules_ != nullptr ? version_ : UINT32_MAX;  // entries only grow newer
  if (!audit_.empty()) oldest = std::min(oldest, audit_.front().version);
  absl::erase_if(versions_, [&](const auto& v) { return v.first < oldest; });
}

std::vector<v1::Task> Runner::Tasks(absl::string_view customer_id) const {
  std::vector<v1::Task> out;
  for (const v1::Task& t : tasks_) {
    if (customer_id.empty() || t.customer_id() == customer_id) out.push_back(t);
  }
  return out;
}

namespace {
// The first of `tasks` (by seq) with seq > `seq`.
std::vector<v1::Task>::const_iterator TaskAfter(const std::vector<v1::Task>& tasks, uint64_t seq) {
  return std::upper_bound(tasks.begin(), tasks.end(), seq, [](uint64_t s, const v1::Task& t) { return s < t.seq(); });
}
}  // namespace

std::vector<v1::Task> Runner::TasksSince(uint64_t after, size_t limit) const {
  auto it = TaskAfter(tasks_, after);
  const size_t n = std::min(limit, static_cast<size_t>(tasks_.end() - it));
  return std::vector<v1::Task>(it, it + static_cast<std::ptrdiff_t>(n));
}

void Runner::TrimTasks(uint64_t through) { tasks_.erase(tasks_.cbegin(), TaskAfter(tasks_, through)); }

std::vector<RuleStats> Runner::Stats() const { return stats_; }

absl::Status Runner::SetOwnerAvailable(absl::string_view owner_id, bool available) {
  if (rules_ == nullptr || !rules_->owner_index_.contains(owner_id)) {
    return absl::NotFoundError(absl::StrCat("no owner \"", owner_id, "\" in the running playbook",
                                            rules_ == nullptr ? " (none is loaded)" : ""));
  }
  owner_available_[owner_id] = available;
  return absl::OkStatus();
}

void Runner::EraseCustomers(absl::Span<const uint32_t> rows, absl::Span<const std::string> customer_ids) {
  const absl::flat_hash_set<absl::string_view> ids(customer_ids.begin(), customer_ids.end());
  const absl::flat_hash_set<uint32_t> row_set(rows.begin(), rows.end());
  audit_.erase_if([&](const AuditEntry& r) { return ids.contains(r.customer_id); });
  tasks_.erase(std::remove_if(tasks_.begin(), tasks_.end(),
                              [&](const v1::Task& t) { return ids.contains(t.customer_id()); }),
               tasks_.end());
  outbox_.EraseCustomers(ids);
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [&](const Pending& p) { return row_set.contains(p.row); }),
                 pending_.end());
  for (uint32_t row : rows) EraseRow(row);
}

void Runner::EraseRow(uint32_t row) {
  recent_.erase(row);
  origins_.erase(row);
  if (rules_ == nullptr) return;
  for (int rule = 0; rule < static_cast<int>(rules_->rules_.size()); ++rule) {
    armed_.erase(Key(rule, row));
    date_fired_.erase(Key(rule, row));
    last_event_.erase(Key(rule, row));
  }
  for (auto& [f, values] : shadows_) {
    if (row < values.size()) {
      if (f == "owner_id" && !values[row].empty()) --owner_load_[values[row]];
      values[row].clear();
    }
  }
  if (row < stage_shadow_.size()) stage_shadow_[row] = 0;
}

}  // namespace saleskit::automation
