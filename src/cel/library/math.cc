// The math extension (cel-go ext/math.go): math.greatest, math.least, rounding,
// abs/sign, floating-point classification and bit operations.
//
// cel-go implements math.greatest/least as a variadic macro over math.@max and
// math.@min; here they are plain functions declared for one to
// kMaxNumericArgs arguments (or one list), so the checker sees them directly.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "cel/internal/library.h"
#include "saleskit/cel/functions.h"
#include "saleskit/cel/value.h"
#include "saleskit/status_macros.h"

namespace saleskit::cel::internal {
namespace {

// The most separate arguments math.greatest/least accept; more go in a list.
constexpr int kMaxNumericArgs = 8;

constexpr char kGreatest[] = "math.greatest";
constexpr char kLeast[] = "math.least";

bool IsNumeric(const Value& v) {
  const Value::Kind k = v.kind();
  return k == Value::Kind::kInt || k == Value::Kind::kUint || k == Value::Kind::kDouble;
}

// The greatest (want = 1) or least (want = -1) of `values` (the arguments or
// the elements of the list argument, `args`); on ties the earlier value wins,
// so math.greatest(1u, 1) is 1u as in cel-go.
Value Extreme(absl::string_view function, absl::Span<const Value> args,
              absl::Span<const Value> values, int want) {
  const Value* best = nullptr;
  for (const Value& v : values) {
    if (!IsNumeric(v)) return NoSuchOverload(function, args);
    if (best == nullptr) {
      best = &v;
      continue;
    }
    const std::optional<int> c = Compare(v, *best);
    if (!c.has_value()) {
      // Only NaN is unordered among numbers.
      return Value::Error(absl::InvalidArgumentError(
          absl::StrCat(function, ": NaN values cannot be ordered")));
    }
    if (*c == want) best = &v;
  }
  return *best;
}

Value Identity(absl::Span<const Value> args, const Activation&) { return args[0]; }

Value GreatestArgs(absl::Span<const Value> args, const Activation&) {
  return Extreme(kGreatest, args, args, 1);
}
Value LeastArgs(absl::Span<const Value> args, const Activation&) {
  return Extreme(kLeast, args, args, -1);
}

Value EmptyListError(absl::string_view function) {
  return Value::Error(
      absl::InvalidArgumentError(absl::StrCat(function, "(list) argument must not be empty")));
}

Value GreatestList(absl::Span<const Value> args, const Activation&) {
  const absl::Span<const Value> list = args[0].list_value();
  if (list.empty()) return EmptyListError(kGreatest);
  return Extreme(kGreatest, args, list, 1);
}
Value LeastList(absl::Span<const Value> args, const Activation&) {
  const absl::Span<const Value> list = args[0].list_value();
  if (list.empty()) return EmptyListError(kLeast);
  return Extreme(kLeast, args, list, -1);
}

Value Ceil(absl::Span<const Value> args, const Activation&) {
  return Value::Double(std::ceil(args[0].double_value()));
}
Value Floor(absl::Span<const Value> args, const Activation&) {
  return Value::Double(std::floor(args[0].double_value()));
}
// std::round rounds half away from zero, as CEL specifies (not half to even).
Value Round(absl::Span<const Value> args, const Activation&) {
  return Value::Double(std::round(args[0].double_value()));
}
Value Trunc(absl::Span<const Value> args, const Activation&) {
  return Value::Double(std::trunc(args[0].double_value()));
}

Value IsInf(absl::Span<const Value> args, const Activation&) {
  return Value::Bool(std::isinf(args[0].double_value()));
}
Value IsNaN(absl::Span<const Value> args, const Activation&) {
  return Value::Bool(std::isnan(args[0].double_value()));
}
Value IsFinite(absl::Span<const Value> args, const Activation&) {
  return Value::Bool(std::isfinite(args[0].double_value()));
}

Value AbsDouble(absl::Span<const Value> args, const Activation&) {
  return Value::Double(std::fabs(args[0].double_value()));
}
Value AbsInt(absl::Span<const Value> args, const Activation&) {
  const int64_t v = args[0].int_value();
  if (v == std::numeric_limits<int64_t>::min()) return Overflow("math.abs");
  return Value::Int(v < 0 ? -v : v);
}

Value SignDouble(absl::Span<const Value> args, const Activation&) {
  const double v = args[0].double_value();
  if (std::isnan(v)) return args[0];
  // -0.0 gives 0.0: the sign of zero is not distinguished.
  return Value::Double(v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0);
}
Value SignInt(absl::Span<const Value> args, const Activation&) {
  const int64_t v = args[0].int_value();
  return Value::Int(v > 0 ? 1 : v < 0 ? -1 : 0);
}
Value SignUint(absl::Span<const Value> args, const Activation&) {
  return Value::Uint(args[0].uint_value() == 0 ? 0 : 1);
}

// Bit operations on int work on the two's complement bits; going through
// uint64_t keeps every shift and complement well defined in C++.
uint64_t Bits(int64_t v) { return static_cast<uint64_t>(v); }
int64_t FromBits(uint64_t v) { return static_cast<int64_t>(v); }

Value BitAndInt(absl::Span<const Value> args, const Activation&) {
  return Value::Int(args[0].int_value() & args[1].int_value());
}
Value BitAndUint(absl::Span<const Value> args, const Activation&) {
  return Value::Uint(args[0].uint_value() & args[1].uint_value());
}
Value BitOrInt(absl::Span<const Value> args, const Activation&) {
  return Value::Int(args[0].int_value() | args[1].int_value());
}
Value BitOrUint(absl::Span<const Value> args, const Activation&) {
  return Value::Uint(args[0].uint_value() | args[1].uint_value());
}
Value BitXorInt(absl::Span<const Value> args, const Activation&) {
  return Value::Int(args[0].int_value() ^ args[1].int_value());
}
Value BitXorUint(absl::Span<const Value> args, const Activation&) {
  return Value::Uint(args[0].uint_value() ^ args[1].uint_value());
}
Value BitNotInt(absl::Span<const Value> args, const Activation&) {
  return Value::Int(FromBits(~Bits(args[0].int_value())));
}
Value BitNotUint(absl::Span<const Value> args, const Activation&) {
  return Value::Uint(~args[0].uint_value());
}

// Shifts of 64 bits or more give 0 (C++ leaves them undefined); a right
// shift of an int is logical: vacated bits are 0, the sign is not extended.
std::optional<uint64_t> Shift(uint64_t bits, int64_t offset, bool left) {
  if (offset < 0) return std::nullopt;
  if (offset >= 64) return 0;
  return left ? bits << offset : bits >> offset;
}

Value NegativeOffset(absl::string_view function, int64_t offset) {
  return Value::Error(
      absl::InvalidArgumentError(absl::StrCat(function, "() negative offset: ", offset)));
}

Value ShiftLeftInt(absl::Span<const Value> args, const Activation&) {
  const auto r = Shift(Bits(args[0].int_value()), args[1].int_value(), true);
  if (!r) return NegativeOffset("math.bitShiftLeft", args[1].int_value());
  return Value::Int(FromBits(*r));
}
Value ShiftLeftUint(absl::Span<const Value> args, const Activation&) {
  const auto r = Shift(args[0].uint_value(), args[1].int_value(), true);
  if (!r) return NegativeOffset("math.bitShiftLeft", args[1].int_value());
  return Value::Uint(*r);
}
Value ShiftRightInt(absl::Span<const Value> args, const Activation&) {
  const auto r = Shift(Bits(args[0].int_value()), args[1].int_value(), false);
  if (!r) return NegativeOffset("math.bitShiftRight", args[1].int_value());
  return Value::Int(FromBits(*r));
}
Value ShiftRightUint(absl::Span<const Value> args, const Activation&) {
  const auto r = Shift(args[0].uint_value(), args[1].int_value(), false);
  if (!r) return NegativeOffset("math.bitShiftRight", args[1].int_value());
  return Value::Uint(*r);
}

// Declares math.greatest (id prefix "math_@max") or math.least ("math_@min")
// with cel-go's overload ids, plus the same-kind and dyn overloads for 3 to
// kMaxNumericArgs arguments that cel-go reaches through its macro's list.
absl::Status RegisterExtreme(FunctionRegistry* r, absl::string_view function,
                             absl::string_view id_prefix, FunctionImpl args_impl,
                             FunctionImpl list_impl) {
  static constexpr const char* kNumeric[] = {"double", "int", "uint"};
  for (const char* t : kNumeric) {
    SALESKIT_RETURN_IF_ERROR(r->Add(absl::StrCat(id_prefix, "_", t), function, false,
                                     absl::StrCat("(", t, ") -> ", t), Identity));
  }
  // Same kinds keep their type; mixed kinds are dyn (either argument may win).
  for (const char* a : kNumeric) {
    for (const char* b : kNumeric) {
      const std::string result = absl::string_view(a) == b ? a : "dyn";
      SALESKIT_RETURN_IF_ERROR(r->Add(absl::StrCat(id_prefix, "_", a, "_", b), function, false,
                                       absl::StrCat("(", a, ", ", b, ") -> ", result), args_impl));
    }
  }
  for (int n = 3; n <= kMaxNumericArgs; ++n) {
    for (const char* t : kNumeric) {
      std::string params;
      for (int i = 0; i < n; ++i) absl::StrAppend(&params, i ? ", " : "", t);
      SALESKIT_RETURN_IF_ERROR(r->Add(absl::StrCat(id_prefix, "_", t, "_x", n), function, false,
                                       absl::StrCat("(", params, ") -> ", t), args_impl));
    }
    // Mixed kinds: the implementation rejects non-numbers at run time.
    std::string params;
    for (int i = 0; i < n; ++i) absl::StrAppend(&params, i ? ", " : "", "dyn");
    SALESKIT_RETURN_IF_ERROR(r->Add(absl::StrCat(id_prefix, "_dyn_x", n), function, false,
                                     absl::StrCat("(", params, ") -> dyn"), args_impl));
  }
  // Runtime matching sees only "a list"; list_impl checks each element.
  for (const char* t : kNumeric) {
    SALESKIT_RETURN_IF_ERROR(r->Add(absl::StrCat(id_prefix, "_list_", t), function, false,
                                     absl::StrCat("(list(", t, ")) -> ", t), list_impl));
  }
  SALESKIT_RETURN_IF_ERROR(r->Add(absl::StrCat(id_prefix, "_list_dyn"), function, false,
                                   "(list(dyn)) -> dyn", list_impl));
  return absl::OkStatus();
}

struct Decl {
  const char* id;
  const char* function;
  const char* signature;
  FunctionImpl impl;
};

constexpr Decl kDecls[] = {
    {"math_ceil_double", "math.ceil", "(double) -> double", Ceil},
    {"math_floor_double", "math.floor", "(double) -> double", Floor},
    {"math_round_double", "math.round", "(double) -> double", Round},
    {"math_trunc_double", "math.trunc", "(double) -> double", Trunc},
    {"math_isInf_double", "math.isInf", "(double) -> bool", IsInf},
    {"math_isNaN_double", "math.isNaN", "(double) -> bool", IsNaN},
    {"math_isFinite_double", "math.isFinite", "(double) -> bool", IsFinite},
    {"math_abs_double", "math.abs", "(double) -> double", AbsDouble},
    {"math_abs_int", "math.abs", "(int) -> int", AbsInt},
    {"math_abs_uint", "math.abs", "(uint) -> uint", Identity},
    {"math_sign_double", "math.sign", "(double) -> double", SignDouble},
    {"math_sign_int", "math.sign", "(int) -> int", SignInt},
    {"math_sign_uint", "math.sign", "(uint) -> uint", SignUint},
    {"math_bitAnd_int_int", "math.bitAnd", "(int, int) -> int", BitAndInt},
    {"math_bitAnd_uint_uint", "math.bitAnd", "(uint, uint) -> uint", BitAndUint},
    {"math_bitOr_int_int", "math.bitOr", "(int, int) -> int", BitOrInt},
    {"math_bitOr_uint_uint", "math.bitOr", "(uint, uint) -> uint", BitOrUint},
    {"math_bitXor_int_int", "math.bitXor", "(int, int) -> int", BitXorInt},
    {"math_bitXor_uint_uint", "math.bitXor", "(uint, uint) -> uint", BitXorUint},
    {"math_bitNot_int_int", "math.bitNot", "(int) -> int", BitNotInt},
    {"math_bitNot_uint_uint", "math.bitNot", "(uint) -> uint", BitNotUint},
    {"math_bitShiftLeft_int_int", "math.bitShiftLeft", "(int, int) -> int", ShiftLeftInt},
    {"math_bitShiftLeft_uint_int", "math.bitShiftLeft", "(uint, int) -> uint", ShiftLeftUint},
    {"math_bitShiftRight_int_int", "math.bitShiftRight", "(int, int) -> int", ShiftRightInt},
    {"math_bitShiftRight_uint_int", "math.bitShiftRight", "(uint, int) -> uint", ShiftRightUint},
};

}  // namespace

absl::Status RegisterMathFunctions(FunctionRegistry* registry) {
  SALESKIT_RETURN_IF_ERROR(RegisterExtreme(registry, kGreatest, "math_@max", GreatestArgs, GreatestList));
  SALESKIT_RETURN_IF_ERROR(RegisterExtreme(registry, kLeast, "math_@min", LeastArgs, LeastList));
  for (const Decl& d : kDecls) {
    SALESKIT_RETURN_IF_ERROR(registry->Add(d.id, d.function, false, d.signature, d.impl));
  }
  return absl::OkStatus();
}

}  // namespace saleskit::cel::internal
