#include "saleskit/cel/customer.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "saleskit/status_macros.h"

namespace saleskit::cel {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

constexpr Micros kMicrosPerHour = int64_t{3600} * 1000000;

// ------------------------------------------------------------------ messages

// "LifecycleStage" -> "LIFECYCLE_STAGE_"
std::string EnumPrefix(const pb::EnumDescriptor* e) {
  std::string out;
  for (char c : e->name()) {
    if (absl::ascii_isupper(c) && !out.empty()) out.push_back('_');
    out.push_back(absl::ascii_toupper(c));
  }
  out.push_back('_');
  return out;
}

// An enum value as CEL sees it: its lowercase name without the enum's
// prefix; the zero (unspecified) value is null.
Value EnumValue(const pb::EnumValueDescriptor* v) {
  if (v == nullptr || v->number() == 0) return Value::Null();
  absl::string_view name = v->name();
  const std::string prefix = EnumPrefix(v->type());
  if (absl::StartsWith(name, prefix)) name.remove_prefix(prefix.size());
  return Value::String(absl::AsciiStrToLower(name));
}

Value Convert(const std::shared_ptr<const pb::Message>& root, const pb::Message& msg);

Value AttrToValue(const v1::AttrValue& a) {
  switch (a.kind_case()) {
    case v1::AttrValue::kBoolValue: return Value::Bool(a.bool_value());
    case v1::AttrValue::kIntValue: return Value::Int(a.int_value());
    case v1::AttrValue::kDoubleValue: return Value::Double(a.double_value());
    case v1::AttrValue::kStringValue: return Value::String(a.string_value());
    case v1::AttrValue::kTimestampValue:
      return Value::Timestamp(absl::FromUnixSeconds(a.timestamp_value().seconds()) +
                              absl::Nanoseconds(a.timestamp_value().nanos()));
    case v1::AttrValue::kStringListValue: {
      std::vector<Value> items;
      for (const std::string& s : a.string_list_value().values()) items.push_back(Value::String(s));
      return Value::List(std::move(items));
    }
    case v1::AttrValue::KIND_NOT_SET: break;
  }
  return Value::Null();
}

Value Scalar(const std::shared_ptr<const pb::Message>& root, const pb::Message& msg, const FD* fd, int index) {
  const pb::Reflection* r = msg.GetReflection();
  const bool rep = index >= 0;
  switch (fd->cpp_type()) {
    case FD::CPPTYPE_INT32: return Value::Int(rep ? r->GetRepeatedInt32(msg, fd, index) : r->GetInt32(msg, fd));
    case FD::CPPTYPE_INT64: return Value::Int(rep ? r->GetRepeatedInt64(msg, fd, index) : r->GetInt64(msg, fd));
    case FD::CPPTYPE_UINT32: return Value::Uint(rep ? r->GetRepeatedUInt32(msg, fd, index) : r->GetUInt32(msg, fd));
    case FD::CPPTYPE_UINT64: return Value::Uint(rep ? r->GetRepeatedUInt64(msg, fd, index) : r->GetUInt64(msg, fd));
    case FD::CPPTYPE_DOUBLE: return Value::Double(rep ? r->GetRepeatedDouble(msg, fd, index) : r->GetDouble(msg, fd));
    case FD::CPPTYPE_FLOAT: return Value::Double(rep ? r->GetRepeatedFloat(msg, fd, index) : r->GetFloat(msg, fd));
    case FD::CPPTYPE_BOOL: return Value::Bool(rep ? r->GetRepeatedBool(msg, fd, index) : r->GetBool(msg, fd));
    case FD::CPPTYPE_ENUM: return EnumValue(rep ? r->GetRepeatedEnum(msg, fd, index) : r->GetEnum(msg, fd));
    case FD::CPPTYPE_STRING: {
      std::string s = rep ? r->GetRepeatedString(msg, fd, index) : r->GetString(msg, fd);
      return fd->type() == FD::TYPE_BYTES ? Value::Bytes(std::move(s)) : Value::String(std::move(s));
    }
    case FD::CPPTYPE_MESSAGE:
      return Convert(root, rep ? r->GetRepeatedMessage(msg, fd, index) : r->GetMessage(msg, fd));
  }
  return Value::Null();
}

class MessageStruct : public StructValue {
 public:
  MessageStruct(std::shared_ptr<const pb::Message> root, const pb::Message* msg)
      : root_(std::move(root)), msg_(msg) {}

  absl::string_view type_name() const override { return msg_->GetDescriptor()->full_name(); }

  Value GetField(absl::string_view name) const override {
    const FD* fd = msg_->GetDescriptor()->FindFieldByName(std::string(name));
    if (fd == nullptr) return NoSuchField(name);
    const pb::Reflection* r = msg_->GetReflection();
    if (fd->is_map()) {
      const FD* key = fd->message_type()->map_key();
      const FD* value = fd->message_type()->map_value();
      std::vector<std::pair<Value, Value>> entries;
      for (int i = 0; i < r->FieldSize(*msg_, fd); ++i) {
        const pb::Message& entry = r->GetRepeatedMessage(*msg_, fd, i);
        entries.emplace_back(Scalar(root_, entry, key, -1), Scalar(root_, entry, value, -1));
      }
      auto map = MapValue::Create(std::move(entries));
      if (!map.ok()) return Value::Error(map.status());
      return Value::Map(*std::move(map));
    }
    if (fd->is_repeated()) {
      std::vector<Value> items;
      for (int i = 0; i < r->FieldSize(*msg_, fd); ++i) items.push_back(Scalar(root_, *msg_, fd, i));
      return Value::List(std::move(items));
    }
    if (fd->has_presence() && !r->HasField(*msg_, fd)) return Value::Null();
    return Scalar(root_, *msg_, fd, -1);
  }

  Value HasField(absl::string_view name) const override {
    const FD* fd = msg_->GetDescriptor()->FindFieldByName(std::string(name));
    if (fd == nullptr) return NoSuchField(name);
    const pb::Reflection* r = msg_->GetReflection();
    if (fd->is_repeated()) return Value::Bool(r->FieldSize(*msg_, fd) > 0);
    return Value::Bool(r->HasField(*msg_, fd));  // proto3 scalars: non-default
  }

 private:
  std::shared_ptr<const pb::Message> root_;  // keeps msg_ alive
  const pb::Message* msg_;
};

Value Convert(const std::shared_ptr<const pb::Message>& root, const pb::Message& msg) {
  const std::string& type = msg.GetDescriptor()->full_name();
  if (type == "google.protobuf.Timestamp") {
    const auto& ts = static_cast<const pb::Timestamp&>(msg);
    return Value::Timestamp(absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos()));
  }
  if (type == v1::AttrValue::descriptor()->full_name()) return AttrToValue(static_cast<const v1::AttrValue&>(msg));
  return Value::Struct(std::make_shared<MessageStruct>(root, &msg));
}

// The CEL type of a field, declaring nested message types in `env`.
Type FieldType(const FD* fd, Environment* env);

void DeclareMessageType(const pb::Descriptor* d, Environment* env) {
  if (env->FindMessage(d->full_name()) != nullptr) return;
  env->DeclareMessage(d->full_name(), {});  // placeholder: breaks recursion
  absl::flat_hash_map<std::string, Type> fields;
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* fd = d->field(i);
    if (fd->name() == "clear_fields") continue;  // upsert-only
    fields[fd->name()] = FieldType(fd, env);
  }
  env->DeclareMessage(d->full_name(), std::move(fields));
}

Type ElementType(const FD* fd, Environment* env) {
  using K = Type::Kind;
  switch (fd->cpp_type()) {
    case FD::CPPTYPE_INT32:
    case FD::CPPTYPE_INT64: return Type::Of(K::kInt);
    case FD::CPPTYPE_UINT32:
    case FD::CPPTYPE_UINT64: return Type::Of(K::kUint);
    case FD::CPPTYPE_FLOAT:
    case FD::CPPTYPE_DOUBLE: return Type::Of(K::kDouble);
    case FD::CPPTYPE_BOOL: return Type::Of(K::kBool);
    case FD::CPPTYPE_ENUM: return Type::Of(K::kString);
    case FD::CPPTYPE_STRING: return Type::Of(fd->type() == FD::TYPE_BYTES ? K::kBytes : K::kString);
    case FD::CPPTYPE_MESSAGE: {
      const std::string& name = fd->message_type()->full_name();
      if (name == "google.protobuf.Timestamp") return Type::Of(K::kTimestamp);
      if (name == v1::AttrValue::descriptor()->full_name()) return Type::Dyn();
      DeclareMessageType(fd->message_type(), env);
      return Type::Message(name);
    }
  }
  return Type::Dyn();
}

Type FieldType(const FD* fd, Environment* env) {
  if (fd->is_map()) {
    return Type::Map(ElementType(fd->message_type()->map_key(), env),
                     ElementType(fd->message_type()->map_value(), env));
  }
  Type t = ElementType(fd, env);
  if (fd->is_repeated()) return Type::List(t);
  // Fields that may be unset read as null: wrappers for scalars and enums.
  const bool nullable = fd->has_presence() || fd->cpp_type() == FD::CPPTYPE_ENUM;
  if (nullable && t.kind != Type::Kind::kMessage && t.kind != Type::Kind::kTimestamp &&
      t.kind != Type::Kind::kDyn) {
    return Type::Wrapper(std::move(t));
  }
  return t;
}

// ------------------------------------------------------------------ behaviour functions

std::optional<EventWindow> WindowOf(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return std::nullopt;
  const int64_t micros = absl::ToInt64Microseconds(d);
  if (absl::Microseconds(micros) != d || micros % kMicrosPerHour != 0) return std::nullopt;
  const int64_t hours = micros / kMicrosPerHour;
  if (hours > int64_t{24} * 366 * 100) return std::nullopt;  // a century is the longest window
  if (hours % 24 == 0) return EventWindow{EventWindow::Unit::kDay, static_cast<int32_t>(hours / 24)};
  return EventWindow{EventWindow::Unit::kHour, static_cast<int32_t>(hours)};
}

Value NoHistory(absl::string_view fn) {
  return Value::Error(absl::FailedPreconditionError(absl::StrCat(
      fn, "() needs the customer's event history: evaluate against a customer in an engine")));
}

Value EventsCount(absl::Span<const Value> args, const Activation& act) {
  const BehaviourSource* b = act.behaviour();
  if (b == nullptr) return NoHistory("events.count");
  return b->EventCount(args[0].string_value(), args[1].duration_value());
}
Value EventsSum(absl::Span<const Value> args, const Activation& act) {
  const BehaviourSource* b = act.behaviour();
  if (b == nullptr) return NoHistory("events.sum");
  return b->EventSum(args[0].string_value(), args[1].duration_value());
}
Value InSegment(absl::Span<const Value> args, const Activation& act) {
  const BehaviourSource* b = act.behaviour();
  if (b == nullptr) {
    return Value::Error(absl::FailedPreconditionError(
        absl::StrCat("in_segment(\"", args[0].string_value(), "\"): no segments where this is evaluated")));
  }
  return b->InSegment(args[0].string_value());
}
Value ScoreOf(absl::Span<const Value> args, const Activation& act) {
  const BehaviourSource* b = act.behaviour();
  if (b == nullptr) {
    return Value::Error(absl::FailedPreconditionError(
        absl::StrCat("score(\"", args[0].string_value(), "\"): no scores where this is evaluated")));
  }
  return b->Score(args[0].string_value());
}
Value EventsLast(absl::Span<const Value> args, const Activation& act) {
  const BehaviourSource* b = act.behaviour();
  if (b == nullptr) return NoHistory("events.last");
  return b->EventLast(args[0].string_value());
}

constexpr int64_t kMaxWindowUnits = int64_t{24} * 366 * 10000;  // beyond any CEL duration

Value Days(absl::Span<const Value> args, const Activation&) {
  const int64_t n = args[0].int_value();
  if (n > kMaxWindowUnits / 24 || n < -kMaxWindowUnits / 24) return Overflow("days");
  return Value::Duration(absl::Hours(24 * n));
}
Value Hours(absl::Span<const Value> args, const Activation&) {
  const int64_t n = args[0].int_value();
  if (n > kMaxWindowUnits || n < -kMaxWindowUnits) return Overflow("hours");
  return Value::Duration(absl::Hours(n));
}
Value DaysSince(absl::Span<const Value> args, const Activation& act) {
  std::optional<Value> now = act.FindVariable("now");
  if (!now || now->kind() != Value::Kind::kTimestamp) {
    return Value::Error(absl::FailedPreconditionError("days_since() needs `now` bound to a timestamp"));
  }
  const absl::Duration d = now->timestamp_value() - args[0].timestamp_value();
  return Value::Int(absl::ToInt64Hours(absl::Floor(d, absl::Hours(24))) / 24);
}

// A store customer read column by column: the standard scalar fields come
// straight from the columns; any other field builds the record once.
class StoreCustomerStruct : public StructValue {
 public:
  StoreCustomerStruct(const CustomerStore& store, uint32_t row) : store_(store), row_(row) {}

  absl::string_view type_name() const override { return v1::Customer::descriptor()->full_name(); }

  Value GetField(absl::string_view name) const override {
    if (std::optional<StringField> f = StringFieldOf(name)) {
      const int32_t code = store_.string_codes(*f)[row_];
      if (code == StringDictionary::kNone) return Value::Null();
      return Value::String(std::string(store_.string_dictionary(*f).Get(code)));
    }
    if (name == "id") return Value::String(std::string(store_.IdOf(row_)));
    if (name == "employee_count") {
      const auto& col = store_.employee_count();
      return col.Has(row_) ? Value::Int(col.values[row_]) : Value::Null();
    }
    if (name == "annual_revenue") {
      const auto& col = store_.annual_revenue();
      return col.Has(row_) ? Value::Double(col.values[row_]) : Value::Null();
    }
    if (name == "lifecycle_stage") {
      return EnumValue(v1::LifecycleStage_descriptor()->FindValueByNumber(store_.lifecycle_stage()[row_]));
    }
    if (name == "attrs") return Attrs();
    return Record().struct_value().GetField(name);
  }

  Value HasField(absl::string_view name) const override {
    if (std::optional<StringField> f = StringFieldOf(name)) {
      return Value::Bool(store_.string_codes(*f)[row_] != StringDictionary::kNone);
    }
    if (name == "employee_count") return Value::Bool(store_.employee_count().Has(row_));
    if (name == "annual_revenue") return Value::Bool(store_.annual_revenue().Has(row_));
    if (name == "lifecycle_stage") return Value::Bool(store_.lifecycle_stage()[row_] != 0);
    if (name == "attrs") {
      bool any = false;
      store_.ForEachAttrColumn([&](const CustomerStore::AttrColumn& col) { any |= col.valid.Get(row_); });
      return Value::Bool(any);
    }
    return Record().struct_value().HasField(name);
  }

 private:
  static std::optional<StringField> StringFieldOf(absl::string_view name) {
    for (int i = 0; i < kStringFieldCount; ++i) {
      if (StringFieldName(static_cast<StringField>(i)) == name) return static_cast<StringField>(i);
    }
    return std::nullopt;
  }

  // The custom attributes as a map, from their columns (in name order), as
  // AttrToValue converts the record's.
  Value Attrs() const {
    std::vector<std::pair<Value, Value>> entries;
    store_.ForEachAttrColumn([&](const CustomerStore::AttrColumn& col) {
      if (!col.valid.Get(row_)) return;
      Value v;
      switch (col.type) {
        case AttrType::kBool: v = Value::Bool(col.ints[row_] != 0); break;
        case AttrType::kInt: v = Value::Int(col.ints[row_]); break;
        case AttrType::kTimestamp: v = Value::Timestamp(ToTime(col.ints[row_])); break;
        case AttrType::kDouble: v = Value::Double(col.doubles[row_]); break;
        case AttrType::kString: v = Value::String(std::string(col.dict->Get(col.codes[row_]))); break;
        case AttrType::kStringList: {
          std::vector<Value> items;
          items.reserve(col.lists[row_].size());
          for (int32_t code : col.lists[row_]) items.push_back(Value::String(std::string(col.dict->Get(code))));
          v = Value::List(std::move(items));
          break;
        }
      }
      entries.emplace_back(Value::String(col.name), std::move(v));
    });
    auto map = MapValue::Create(std::move(entries));
    if (!map.ok()) return Value::Error(map.status());  // cannot happen: names are distinct
    return Value::Map(*std::move(map));
  }

  const Value& Record() const {
    if (!record_) record_ = MessageValue(std::make_shared<const v1::Customer>(store_.CustomerAt(row_)));
    return *record_;
  }

  const CustomerStore& store_;
  uint32_t row_;
  mutable std::optional<Value> record_;  // built on first use of another field
};

class StoreBehaviour : public BehaviourSource {
 public:
  StoreBehaviour(const CustomerStore& store, uint32_t row, absl::Time now, const SegmentMembership* segments)
      : store_(store), row_(row), now_(now), segments_(segments) {}

  Value Score(absl::string_view score) const override {
    if (segments_ == nullptr) return BehaviourSource::Score(score);
    return segments_->Score(score, row_, now_);
  }

  Value InSegment(absl::string_view segment) const override {
    const Bitmap* members = segments_ == nullptr ? nullptr : segments_->Members(segment);
    if (members == nullptr) return BehaviourSource::InSegment(segment);
    return Value::Bool(row_ < members->words().size() * 64 && members->Get(row_));
  }

  // When window `window` on `type` next changes for this customer by time alone.
  absl::Time WindowChange(absl::string_view type, absl::Duration window) const {
    std::optional<EventWindow> w = WindowOf(window);
    std::optional<int> col = w ? store_.FindWindow(type, *w) : std::nullopt;
    if (!col) return absl::InfiniteFuture();  // an error (no such window kept) whatever the time
    const Micros next = store_.windows().NextChange(*col, row_);
    return next == INT64_MAX ? absl::InfiniteFuture() : ToTime(next);
  }

  Value EventCount(absl::string_view type, absl::Duration window) const override {
    return Window(type, window, /*sum=*/false);
  }
  Value EventSum(absl::string_view type, absl::Duration window) const override {
    return Window(type, window, /*sum=*/true);
  }
  Value EventLast(absl::string_view type) const override {
    std::optional<EventSummary> s = store_.EventSummaryOf(row_, type);
    if (!s) {
      return Value::Error(absl::NotFoundError(absl::StrCat("the customer has no '", type, "' event")));
    }
    return Value::Timestamp(ToTime(s->last));
  }

 private:
  Value Window(absl::string_view type, absl::Duration window, bool sum) const {
    std::optional<EventWindow> w = WindowOf(window);
    if (!w) {
      return Value::Error(absl::InvalidArgumentError(absl::StrCat(
          "a window must be a positive whole number of days or hours, not ", absl::FormatDuration(window))));
    }
    std::optional<int> col = store_.FindWindow(type, *w);
    if (!col) {
      return Value::Error(absl::FailedPreconditionError(absl::StrCat(
          "the store keeps no window of ", absl::FormatDuration(window), " on '", type,
          "' events: compile the condition through the engine so that it keeps it")));
    }
    if (sum) return Value::Double(store_.windows().sums(*col)[row_]);
    return Value::Int(store_.windows().counts(*col)[row_]);
  }

  const CustomerStore& store_;
  uint32_t row_;
  absl::Time now_;
  const SegmentMembership* segments_;
};

// ------------------------------------------------------------------ dependencies

// The name the checker resolved an identifier or call to (the identifier's
// own name when unchecked; "" for other nodes).
std::string ResolvedName(const Program& p, const Expr& e) {
  auto it = p.checked().names.find(e.id);
  if (it != p.checked().names.end()) return it->second;
  if (const auto* id = e.As<IdentExpr>()) return id->name;
  return "";
}

class DependencyWalker {
 public:
  DependencyWalker(const Program& p, Dependencies* out) : p_(p), out_(out) {}

  absl::Status Walk(const Expr& e) {
    if (e.As<IdentExpr>() != nullptr) {
      const std::string name = Resolved(e);
      if (name == "now") out_->reads_now = out_->reads_now_directly = true;
      if (name == "customer") out_->customer_fields.insert("*");  // the record as a whole
      if (name == "account") out_->account_fields.insert("*");
      return absl::OkStatus();
    }
    if (const auto* sel = e.As<SelectExpr>()) {
      const Expr& operand = *sel->operand;
      if (Resolved(operand) == "customer") {
        out_->customer_fields.insert(sel->field);
        return absl::OkStatus();
      } else if (Resolved(operand) == "account") {
        out_->account_fields.insert(sel->field);
        return absl::OkStatus();
      } else if (const auto* inner = operand.As<SelectExpr>();
                 inner != nullptr && Resolved(*inner->operand) == "customer" && inner->field == "attrs") {
        out_->customer_fields.insert(absl::StrCat("attrs.", sel->field));
        return absl::OkStatus();
      }
      return Walk(operand);
    }
    if (const auto* call = e.As<CallExpr>()) {
      const std::string fn = FunctionName(e, *call);
      if (fn == "events.count" || fn == "events.sum" || fn == "events.last") {
        SALESKIT_RETURN_IF_ERROR(Behaviour(e, *call, fn));
        out_->reads_now = true;
        return absl::OkStatus();
      }
      if (fn == "days_since") out_->reads_now = true;
      if (fn == "in_segment") {
        const Constant* name = call->args.size() == 1 ? call->args[0]->As<Constant>() : nullptr;
        if (name == nullptr || !std::holds_alternative<std::string>(*name)) {
          return ErrorAt(call->args.empty() ? e : *call->args[0], "in_segment() takes the segment name as a string literal");
        }
        out_->segments.insert(std::get<std::string>(*name));
        return absl::OkStatus();
      }
      if (fn == "score") {
        const Constant* name = call->args.size() == 1 ? call->args[0]->As<Constant>() : nullptr;
        if (name == nullptr || !std::holds_alternative<std::string>(*name)) {
          return ErrorAt(call->args.empty() ? e : *call->args[0], "score() takes the score name as a string literal");
        }
        out_->scores.insert(std::get<std::string>(*name));
        return absl::OkStatus();
      }
      if (fn == "_[_]" && call->args.size() == 2) {
        const Expr& target = *call->args[0];
        const auto* sel = target.As<SelectExpr>();
        const Constant* key = call->args[1]->As<Constant>();
        if (sel != nullptr && sel->field == "attrs" && Resolved(*sel->operand) == "customer" && key != nullptr &&
            std::holds_alternative<std::string>(*key)) {
          out_->customer_fields.insert(absl::StrCat("attrs.", std::get<std::string>(*key)));
          return absl::OkStatus();
        }
      }
      if (call->target) SALESKIT_RETURN_IF_ERROR(Walk(*call->target));
      for (const ExprPtr& a : call->args) SALESKIT_RETURN_IF_ERROR(Walk(*a));
      return absl::OkStatus();
    }
    if (const auto* list = e.As<ListExpr>()) {
      for (const ExprPtr& el : list->elements) SALESKIT_RETURN_IF_ERROR(Walk(*el));
    } else if (const auto* map = e.As<MapExpr>()) {
      for (const auto& en : map->entries) {
        SALESKIT_RETURN_IF_ERROR(Walk(*en.key));
        SALESKIT_RETURN_IF_ERROR(Walk(*en.value));
      }
    } else if (const auto* st = e.As<StructExpr>()) {
      for (const auto& f : st->fields) SALESKIT_RETURN_IF_ERROR(Walk(*f.value));
    } else if (const auto* c = e.As<ComprehensionExpr>()) {
      for (const Expr* sub : {c->iter_range.get(), c->accu_init.get(), c->loop_condition.get(), c->loop_step.get(),
                              c->result.get()}) {
        SALESKIT_RETURN_IF_ERROR(Walk(*sub));
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string Resolved(const Expr& e) const { return ResolvedName(p_, e); }

  std::string FunctionName(const Expr& e, const CallExpr& call) const {
    auto it = p_.checked().names.find(e.id);
    if (it != p_.checked().names.end()) return it->second;
    return call.function;
  }

  absl::Status ErrorAt(const Expr& e, absl::string_view message) const {
    auto it = p_.source_info().positions.find(e.id);
    const auto [line, column] =
        p_.source_info().LineColumn(p_.source(), it == p_.source_info().positions.end() ? 0 : it->second);
    return absl::InvalidArgumentError(absl::StrCat("ERROR: ", line, ":", column, ": ", message));
  }

  absl::Status Behaviour(const Expr& e, const CallExpr& call, const std::string& fn) {
    const Constant* type = call.args.empty() ? nullptr : call.args[0]->As<Constant>();
    if (type == nullptr || !std::holds_alternative<std::string>(*type)) {
      return ErrorAt(call.args.empty() ? e : *call.args[0],
                     absl::StrCat(fn, "() takes the event type as a string literal"));
    }
    const std::string& event_type = std::get<std::string>(*type);
    if (fn == "events.last") {
      out_->last_event_types.insert(event_type);
      return absl::OkStatus();
    }
    SALESKIT_ASSIGN_OR_RETURN(EventWindow w, ConstantWindow(*call.args[1]));
    out_->windows.insert({event_type, w});
    return absl::OkStatus();
  }

  // days(N), hours(N) or duration("..."), folded.
  absl::StatusOr<EventWindow> ConstantWindow(const Expr& e) const {
    const auto* call = e.As<CallExpr>();
    const Constant* arg = call != nullptr && call->target == nullptr && call->args.size() == 1
                              ? call->args[0]->As<Constant>()
                              : nullptr;
    std::optional<absl::Duration> d;
    if (arg != nullptr && call->function == "days" && std::holds_alternative<int64_t>(*arg)) {
      const Value v = Days({Value::Int(std::get<int64_t>(*arg))}, MapActivation());
      if (!v.is_error()) d = v.duration_value();
    } else if (arg != nullptr && call->function == "hours" && std::holds_alternative<int64_t>(*arg)) {
      const Value v = Hours({Value::Int(std::get<int64_t>(*arg))}, MapActivation());
      if (!v.is_error()) d = v.duration_value();
    } else if (arg != nullptr && call->function == "duration" && std::holds_alternative<std::string>(*arg)) {
      for (const Overload& o : StandardFunctions().Find("duration")) {
        const Value s = Value::String(std::get<std::string>(*arg));
        if (o.impl != nullptr && o.Matches({s})) {
          const Value v = o.impl({s}, MapActivation());
          if (!v.is_error()) d = v.duration_value();
          break;
        }
      }
    } else {
      return ErrorAt(e, "a window must be a constant: days(N), hours(N) or duration(\"...\")");
    }
    if (!d) return ErrorAt(e, "the window is not a valid duration");
    std::optional<EventWindow> w = WindowOf(*d);
    if (!w) {
      return ErrorAt(e, absl::StrCat("a window of ", absl::FormatDuration(*d),
                                     " is not a positive whole number of days or hours"));
    }
    return *w;
  }

  const Program& p_;
  Dependencies* out_;
};

// Finds the earliest time-driven change, as NextChange documents.
class NextChangeWalker {
 public:
  NextChangeWalker(const Program& p, const Activation& act, absl::Time now) : p_(p), act_(act), now_(now) {}

  void Walk(const Expr& e) {
    if (e.As<IdentExpr>() != nullptr) {
      if (Resolved(e) == "now") Earliest(now_ + absl::Microseconds(1));
      return;
    }
    if (const auto* sel = e.As<SelectExpr>()) return Walk(*sel->operand);
    if (const auto* call = e.As<CallExpr>()) {
      const std::string fn = Resolved(e).empty() ? call->function : Resolved(e);
      if (fn == "events.count" || fn == "events.sum") {
        const Value window = call->args.size() == 2 ? p_.EvaluateSubexpression(call->args[1]->id, act_) : Value();
        const Constant* type = call->args.empty() ? nullptr : call->args[0]->As<Constant>();
        if (window.kind() != Value::Kind::kDuration || type == nullptr || !std::holds_alternative<std::string>(*type)) {
          return;  // an error whatever the time
        }
        const auto* store = dynamic_cast<const StoreBehaviour*>(act_.behaviour());
        if (store != nullptr) {
          Earliest(store->WindowChange(std::get<std::string>(*type), window.duration_value()));
        } else {
          Earliest(now_ + absl::Microseconds(1));
        }
        return;
      }
      if (fn == "events.last") return;  // a fixed instant: time passing does not move it
      if (fn == "days_since" && call->args.size() == 1) {
        const Value ts = p_.EvaluateSubexpression(call->args[0]->id, act_);
        if (ts.kind() == Value::Kind::kTimestamp) {
          const absl::Duration since = now_ - ts.timestamp_value();
          Earliest(ts.timestamp_value() + absl::Floor(since, absl::Hours(24)) + absl::Hours(24));
        }
        Walk(*call->args[0]);
        return;
      }
      if (call->target) Walk(*call->target);
      for (const ExprPtr& a : call->args) Walk(*a);
      return;
    }
    if (const auto* list = e.As<ListExpr>()) {
      for (const ExprPtr& el : list->elements) Walk(*el);
    } else if (const auto* map = e.As<MapExpr>()) {
      for (const auto& en : map->entries) {
        Walk(*en.key);
        Walk(*en.value);
      }
    } else if (const auto* c = e.As<ComprehensionExpr>()) {
      // Inside a loop the arguments cannot be evaluated alone: any `now` or
      // window found there counts as changing at any moment.
      NextChangeWalker inner(p_, act_, now_);
      for (const Expr* sub : {c->iter_range.get(), c->accu_init.get(), c->loop_condition.get(), c->loop_step.get(),
                              c->result.get()}) {
        inner.Walk(*sub);
      }
      if (inner.next_ != absl::InfiniteFuture()) Earliest(std::min(inner.next_, now_ + absl::Microseconds(1)));
    }
  }

  absl::Time next() const { return next_; }

 private:
  std::string Resolved(const Expr& e) const { return ResolvedName(p_, e); }
  void Earliest(absl::Time t) { next_ = std::min(next_, std::max(t, now_ + absl::Microseconds(1))); }

  const Program& p_;
  const Activation& act_;
  absl::Time now_;
  absl::Time next_ = absl::InfiniteFuture();
};

}  // namespace

absl::Time NextChange(const Program& program, const Activation& activation, absl::Time now) {
  NextChangeWalker walker(program, activation, now);
  walker.Walk(program.expr());
  return walker.next();
}

Value MessageValue(std::shared_ptr<const google::protobuf::Message> message) {
  const google::protobuf::Message& m = *message;
  return Convert(message, m);
}

const Environment& EventEnvironment() {
  static const Environment* const env = [] {
    auto* e = new Environment(StandardFunctions());
    DeclareMessageType(v1::Event::descriptor(), e);
    e->DeclareVariable("event", Type::Message(v1::Event::descriptor()->full_name()));
    return e;
  }();
  return *env;
}

const Environment& CustomerEnvironment() {
  static const Environment* const env = [] {
    FunctionRegistry functions = StandardFunctions();
    struct Decl {
      const char* id;
      const char* name;
      const char* signature;
      FunctionImpl impl;
    };
    const Decl decls[] = {
        {"events_count", "events.count", "(string, duration) -> int", EventsCount},
        {"events_sum", "events.sum", "(string, duration) -> double", EventsSum},
        {"events_last", "events.last", "(string) -> timestamp", EventsLast},
        {"days_int64", "days", "(int) -> duration", Days},
        {"hours_int64", "hours", "(int) -> duration", Hours},
        {"days_since_timestamp", "days_since", "(timestamp) -> int", DaysSince},
        {"in_segment_string", "in_segment", "(string) -> bool", InSegment},
        {"score_string", "score", "(string) -> double", ScoreOf},
    };
    for (const Decl& d : decls) {
      const absl::Status st = functions.Add(d.id, d.name, false, d.signature, d.impl);
      if (!st.ok()) abort();  // a bug in the declarations above
    }
    auto* e = new Environment(std::move(functions));
    DeclareMessageType(v1::Customer::descriptor(), e);
    DeclareMessageType(v1::Account::descriptor(), e);
    e->DeclareVariable("customer", Type::Message(v1::Customer::descriptor()->full_name()));
    e->DeclareVariable("account", Type::Message(v1::Account::descriptor()->full_name()));
    e->DeclareVariable("now", Type::Of(Type::Kind::kTimestamp));
    return e;
  }();
  return *env;
}

absl::StatusOr<Dependencies> ExtractDependencies(const Program& program) {
  Dependencies deps;
  SALESKIT_RETURN_IF_ERROR(DependencyWalker(program, &deps).Walk(program.expr()));
  return deps;
}

absl::StatusOr<std::unique_ptr<Program>> CompileCustomerExpression(absl::string_view source,
                                                                   const CompileOptions& options) {
  CompileOptions o = options;
  o.check = true;
  SALESKIT_ASSIGN_OR_RETURN(std::unique_ptr<Program> program, Compile(source, CustomerEnvironment(), o));
  SALESKIT_RETURN_IF_ERROR(ExtractDependencies(*program).status());
  return program;
}

absl::StatusOr<std::unique_ptr<Program>> CompileCustomerCondition(absl::string_view source,
                                                                  const CompileOptions& options) {
  CompileOptions o = options;
  o.require_bool = true;
  return CompileCustomerExpression(source, o);
}

Value SegmentMembership::Score(absl::string_view score, uint32_t, absl::Time) const {
  return Value::Error(absl::NotFoundError(absl::StrCat("score(\"", score, "\"): there is no score named \"", score, "\"")));
}

StoreCustomerActivation::StoreCustomerActivation(const CustomerStore& store, uint32_t row, absl::Time now,
                                                 const SegmentMembership* segments)
    : store_(store), row_(row), now_(now), behaviour_(std::make_unique<StoreBehaviour>(store, row, now, segments)) {}

StoreCustomerActivation::~StoreCustomerActivation() = default;

std::optional<Value> StoreCustomerActivation::FindVariable(absl::string_view name) const {
  if (name == "now") return Value::Timestamp(now_);
  if (name == "customer") {
    if (!customer_) customer_ = Value::Struct(std::make_shared<StoreCustomerStruct>(store_, row_));
    return *customer_;
  }
  if (name == "account") {
    const int32_t code = store_.string_codes(StringField::kAccountId)[row_];
    const v1::Account* a =
        code == StringDictionary::kNone
            ? nullptr
            : store_.FindAccount(store_.string_dictionary(StringField::kAccountId).Get(code));
    if (a == nullptr) return Value::Null();
    return MessageValue(std::make_shared<const v1::Account>(*a));
  }
  return std::nullopt;
}

RecordCustomerActivation::RecordCustomerActivation(v1::Customer customer, absl::Time now,
                                                   std::optional<v1::Account> account)
    : customer_(MessageValue(std::make_shared<const v1::Customer>(std::move(customer)))),
      account_(account ? MessageValue(std::make_shared<const v1::Account>(*std::move(account))) : Value::Null()),
      now_(now) {}

std::optional<Value> RecordCustomerActivation::FindVariable(absl::string_view name) const {
  if (name == "now") return Value::Timestamp(now_);
  if (name == "customer") return customer_;
  if (name == "account") return account_;
  return std::nullopt;
}

}  // namespace saleskit::cel
