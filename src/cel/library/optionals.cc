// Optional values (cel-go's optional library): optional.of, optional.none,
// optional.ofNonZeroValue, hasValue(), value(), or(), orValue(), optional
// indexing `l[?i]`/`m[?k]`, and indexing into an optional list or map.
//
// or() and orValue() are declared as ordinary strict functions: both sides are
// evaluated before the call. CEL specifies them as short-circuiting (the
// alternative is not evaluated when the receiver has a value), which only
// shows when the alternative is an error; the evaluator would have to special
// case them to match.
#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "cel/internal/library.h"
#include "saleskit/cel/functions.h"
#include "saleskit/cel/value.h"
#include "saleskit/status_macros.h"

namespace saleskit::cel::internal {
namespace {

// The zero value of each kind, as protobuf defaults have it. Messages, types
// and optionals count as set (StructValue cannot say whether every field is
// at its default).
bool IsZeroValue(const Value& v) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kNull: return true;
    case K::kBool: return !v.bool_value();
    case K::kInt: return v.int_value() == 0;
    case K::kUint: return v.uint_value() == 0;
    case K::kDouble: return v.double_value() == 0;  // also -0.0
    case K::kString: return v.string_value().empty();
    case K::kBytes: return v.bytes_value().empty();
    // google.protobuf.Timestamp's default is the Unix epoch.
    case K::kTimestamp: return v.timestamp_value() == absl::UnixEpoch();
    case K::kDuration: return v.duration_value() == absl::ZeroDuration();
    case K::kList: return v.list_value().empty();
    case K::kMap: return v.map_value().size() == 0;
    default: return false;
  }
}

Value Of(absl::Span<const Value> args, const Activation&) { return Value::Optional(args[0]); }

Value None(absl::Span<const Value>, const Activation&) { return Value::OptionalNone(); }

Value OfNonZeroValue(absl::Span<const Value> args, const Activation&) {
  return IsZeroValue(args[0]) ? Value::OptionalNone() : Value::Optional(args[0]);
}

Value HasValue(absl::Span<const Value> args, const Activation&) {
  return Value::Bool(args[0].optional_has_value());
}

Value GetValue(absl::Span<const Value> args, const Activation&) {
  if (!args[0].optional_has_value()) {
    return Value::Error(absl::InvalidArgumentError("optional.none() dereference"));
  }
  return args[0].optional_value();
}

Value Or(absl::Span<const Value> args, const Activation&) {
  return args[0].optional_has_value() ? args[0] : args[1];
}

Value OrValue(absl::Span<const Value> args, const Activation&) {
  return args[0].optional_has_value() ? args[0].optional_value() : args[1];
}

// container[?index]: the element or entry as an optional, none when absent
// (an index out of range, a missing key). Runtime matching only checks that
// the container is a list or map (or an optional), so the index kind is
// checked here; `args` are the call's arguments, for the error.
Value OptIndex(const Value& container, const Value& index, absl::string_view function,
               absl::Span<const Value> args) {
  if (container.kind() == Value::Kind::kList) {
    if (index.kind() != Value::Kind::kInt) return NoSuchOverload(function, args);
    const absl::Span<const Value> list = container.list_value();
    const int64_t i = index.int_value();
    if (i < 0 || static_cast<uint64_t>(i) >= list.size()) return Value::OptionalNone();
    return Value::Optional(list[static_cast<size_t>(i)]);
  }
  if (container.kind() == Value::Kind::kMap) {
    const Value* v = container.map_value().Find(index);
    return v == nullptr ? Value::OptionalNone() : Value::Optional(*v);
  }
  return NoSuchOverload(function, args);
}

Value ListOrMapOptIndex(absl::Span<const Value> args, const Activation&) {
  return OptIndex(args[0], args[1], "_[?_]", args);
}

// An optional container indexed with [?i] or [i] gives an optional either
// way: none stays none.
Value OptionalOptIndex(absl::Span<const Value> args, const Activation&) {
  if (!args[0].optional_has_value()) return Value::OptionalNone();
  return OptIndex(args[0].optional_value(), args[1], "_[?_]", args);
}
Value OptionalIndex(absl::Span<const Value> args, const Activation&) {
  if (!args[0].optional_has_value()) return Value::OptionalNone();
  return OptIndex(args[0].optional_value(), args[1], "_[_]", args);
}

struct Decl {
  const char* id;
  const char* function;
  bool receiver;
  const char* signature;
  FunctionImpl impl;
};

constexpr Decl kDecls[] = {
    {"optional_of", "optional.of", false, "(A) -> optional_type(A)", Of},
    {"optional_ofNonZeroValue", "optional.ofNonZeroValue", false, "(A) -> optional_type(A)",
     OfNonZeroValue},
    {"optional_none", "optional.none", false, "() -> optional_type(A)", None},
    {"optional_hasValue", "hasValue", true, "(optional_type(A)) -> bool", HasValue},
    {"optional_value", "value", true, "(optional_type(A)) -> A", GetValue},
    {"optional_or_optional", "or", true, "(optional_type(A), optional_type(A)) -> optional_type(A)",
     Or},
    {"optional_orValue_value", "orValue", true, "(optional_type(A), A) -> A", OrValue},
    {"list_optindex_optional_int", "_[?_]", false, "(list(A), int) -> optional_type(A)",
     ListOrMapOptIndex},
    {"optional_list_optindex_optional_int", "_[?_]", false,
     "(optional_type(list(A)), int) -> optional_type(A)", OptionalOptIndex},
    {"map_optindex_optional_value", "_[?_]", false, "(map(K, V), K) -> optional_type(V)",
     ListOrMapOptIndex},
    {"optional_map_optindex_optional_value", "_[?_]", false,
     "(optional_type(map(K, V)), K) -> optional_type(V)", OptionalOptIndex},
    {"optional_list_index_int", "_[_]", false, "(optional_type(list(A)), int) -> optional_type(A)",
     OptionalIndex},
    {"optional_map_index_value", "_[_]", false,
     "(optional_type(map(K, V)), K) -> optional_type(V)", OptionalIndex},
};

}  // namespace

absl::Status RegisterOptionalFunctions(FunctionRegistry* registry) {
  for (const Decl& d : kDecls) {
    SALESKIT_RETURN_IF_ERROR(registry->Add(d.id, d.function, d.receiver, d.signature, d.impl));
  }
  return absl::OkStatus();
}

}  // namespace saleskit::cel::internal
