// The core of CEL's standard library: operators, size, type(), dyn() and the
// type conversions. Semantics follow cel-spec's language definition; where it
// leaves a choice open (error texts, double formatting, which strings bool()
// accepts) cel-go's behaviour is the reference.
//
// Timestamp and duration conversions (int(timestamp), string(timestamp),
// string(duration)) and time arithmetic belong to time.cc.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/charconv.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "cel/internal/library.h"
#include "internal/utf8.h"
#include "saleskit/cel/functions.h"
#include "saleskit/cel/value.h"

namespace saleskit::cel::internal {
namespace {

using Args = absl::Span<const Value>;

// ---------------------------------------------------------------- arithmetic
// Integer arithmetic is checked: CEL defines overflow as an error, never as
// wrap-around.

Value AddInt(Args a, const Activation&) {
  int64_t r;
  if (__builtin_add_overflow(a[0].int_value(), a[1].int_value(), &r)) return Overflow("int addition");
  return Value::Int(r);
}
Value SubInt(Args a, const Activation&) {
  int64_t r;
  if (__builtin_sub_overflow(a[0].int_value(), a[1].int_value(), &r)) return Overflow("int subtraction");
  return Value::Int(r);
}
Value MulInt(Args a, const Activation&) {
  int64_t r;
  if (__builtin_mul_overflow(a[0].int_value(), a[1].int_value(), &r)) return Overflow("int multiplication");
  return Value::Int(r);
}
Value DivInt(Args a, const Activation&) {
  const int64_t x = a[0].int_value(), y = a[1].int_value();
  if (y == 0) return DivisionByZero();
  if (x == std::numeric_limits<int64_t>::min() && y == -1) return Overflow("int division");
  return Value::Int(x / y);
}
Value ModInt(Args a, const Activation&) {
  const int64_t x = a[0].int_value(), y = a[1].int_value();
  if (y == 0) return DivisionByZero();
  // INT64_MIN % -1 traps on x86; cel-go reports it as overflow.
  if (x == std::numeric_limits<int64_t>::min() && y == -1) return Overflow("int modulus");
  return Value::Int(x % y);
}
Value NegInt(Args a, const Activation&) {
  const int64_t x = a[0].int_value();
  if (x == std::numeric_limits<int64_t>::min()) return Overflow("int negation");
  return Value::Int(-x);
}

Value AddUint(Args a, const Activation&) {
  uint64_t r;
  if (__builtin_add_overflow(a[0].uint_value(), a[1].uint_value(), &r)) return Overflow("uint addition");
  return Value::Uint(r);
}
Value SubUint(Args a, const Activation&) {
  uint64_t r;
  if (__builtin_sub_overflow(a[0].uint_value(), a[1].uint_value(), &r)) return Overflow("uint subtraction");
  return Value::Uint(r);
}
Value MulUint(Args a, const Activation&) {
  uint64_t r;
  if (__builtin_mul_overflow(a[0].uint_value(), a[1].uint_value(), &r)) return Overflow("uint multiplication");
  return Value::Uint(r);
}
Value DivUint(Args a, const Activation&) {
  if (a[1].uint_value() == 0) return DivisionByZero();
  return Value::Uint(a[0].uint_value() / a[1].uint_value());
}
Value ModUint(Args a, const Activation&) {
  if (a[1].uint_value() == 0) return DivisionByZero();
  return Value::Uint(a[0].uint_value() % a[1].uint_value());
}

// Doubles are IEEE 754: x / 0.0 is an infinity (or NaN), never an error.
Value AddDouble(Args a, const Activation&) { return Value::Double(a[0].double_value() + a[1].double_value()); }
Value SubDouble(Args a, const Activation&) { return Value::Double(a[0].double_value() - a[1].double_value()); }
Value MulDouble(Args a, const Activation&) { return Value::Double(a[0].double_value() * a[1].double_value()); }
Value DivDouble(Args a, const Activation&) { return Value::Double(a[0].double_value() / a[1].double_value()); }
Value NegDouble(Args a, const Activation&) { return Value::Double(-a[0].double_value()); }

Value AddString(Args a, const Activation&) {
  return Value::String(absl::StrCat(a[0].string_value(), a[1].string_value()));
}
Value AddBytes(Args a, const Activation&) {
  return Value::Bytes(absl::StrCat(a[0].bytes_value(), a[1].bytes_value()));
}
Value AddList(Args a, const Activation&) {
  const absl::Span<const Value> x = a[0].list_value(), y = a[1].list_value();
  // Concatenating with an empty list needs no new list: values are immutable.
  if (y.empty()) return a[0];
  if (x.empty()) return a[1];
  std::vector<Value> out;
  out.reserve(x.size() + y.size());
  out.insert(out.end(), x.begin(), x.end());
  out.insert(out.end(), y.begin(), y.end());
  return Value::List(std::move(out));
}

Value LogicalNot(Args a, const Activation&) { return Value::Bool(!a[0].bool_value()); }

// ---------------------------------------------------------- equality, order

Value Equals(Args a, const Activation&) { return Value::Bool(Equal(a[0], a[1])); }
Value NotEquals(Args a, const Activation&) { return Value::Bool(!Equal(a[0], a[1])); }

enum class Order { kLess, kLessEquals, kGreater, kGreaterEquals };

// Unordered pairs (NaN against anything) compare false under every operator.
template <Order op>
Value CompareOp(Args a, const Activation&) {
  const std::optional<int> c = Compare(a[0], a[1]);
  if (!c.has_value()) return Value::Bool(false);
  switch (op) {
    case Order::kLess: return Value::Bool(*c < 0);
    case Order::kLessEquals: return Value::Bool(*c <= 0);
    case Order::kGreater: return Value::Bool(*c > 0);
    case Order::kGreaterEquals: return Value::Bool(*c >= 0);
  }
  return Value::Bool(false);
}

// ------------------------------------------------------------ index and in

Value ListElement(const Value& list, int64_t index) {
  const absl::Span<const Value> elems = list.list_value();
  if (index < 0 || static_cast<uint64_t>(index) >= elems.size()) {
    return Value::Error(absl::InvalidArgumentError(
        absl::StrCat("index out of bounds: index ", index, ", list size ", elems.size())));
  }
  return elems[static_cast<size_t>(index)];
}

Value IndexListInt(Args a, const Activation&) { return ListElement(a[0], a[1].int_value()); }

Value IndexListUint(Args a, const Activation&) {
  const uint64_t i = a[1].uint_value();
  if (i >= a[0].list_value().size()) {
    return Value::Error(absl::InvalidArgumentError(
        absl::StrCat("index out of bounds: index ", i, ", list size ", a[0].list_value().size())));
  }
  return a[0].list_value()[static_cast<size_t>(i)];
}

// A double indexes a list only when it is a whole number (heterogeneous
// numeric indexing, as cel-go has it): [7, 8][dyn(1.0)] is 8, [7, 8][dyn(0.5)] an error.
Value IndexListDouble(Args a, const Activation&) {
  const double d = a[1].double_value();
  if (!(d == std::trunc(d)) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
    return Value::Error(absl::InvalidArgumentError(
        absl::StrCat("invalid list index: ", a[1].DebugString(), " is not a whole number")));
  }
  return ListElement(a[0], static_cast<int64_t>(d));
}

Value IndexMap(Args a, const Activation&) {
  const Value* v = a[0].map_value().Find(a[1]);
  if (v == nullptr) return NoSuchKey(a[1]);
  return *v;
}

Value InList(Args a, const Activation&) {
  for (const Value& e : a[1].list_value()) {
    if (Equal(a[0], e)) return Value::Bool(true);
  }
  return Value::Bool(false);
}

Value InMap(Args a, const Activation&) { return Value::Bool(a[1].map_value().Find(a[0]) != nullptr); }

// -------------------------------------------------------------------- size

// A string's size is its number of Unicode code points, not bytes.
Value SizeString(Args a, const Activation&) {
  int64_t n = 0;
  for (const char c : a[0].string_value()) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return Value::Int(n);
}
Value SizeBytes(Args a, const Activation&) { return Value::Int(static_cast<int64_t>(a[0].bytes_value().size())); }
Value SizeList(Args a, const Activation&) { return Value::Int(static_cast<int64_t>(a[0].list_value().size())); }
Value SizeMap(Args a, const Activation&) { return Value::Int(static_cast<int64_t>(a[0].map_value().size())); }

// ------------------------------------------------------------- type, dyn

Value TypeOf(Args a, const Activation&) { return Value::Type(a[0].TypeName()); }
Value Identity(Args a, const Activation&) { return a[0]; }

// ------------------------------------------------------------- conversions

Value RangeError(absl::string_view what) {
  return Value::Error(absl::OutOfRangeError(absl::StrCat("range error: ", what)));
}

Value ConversionError(absl::string_view from, absl::string_view to, absl::string_view text) {
  return Value::Error(absl::InvalidArgumentError(
      absl::StrCat("type conversion error from '", from, "' to '", to, "': cannot parse \"", text, "\"")));
}

// Decimal digits with an optional sign, nothing else (no spaces, no base
// prefixes), as Go's strconv.ParseInt(s, 10, 64) accepts.
bool ParseDecimal(absl::string_view s, bool allow_sign, bool* negative, uint64_t* magnitude) {
  *negative = false;
  if (allow_sign && !s.empty() && (s[0] == '-' || s[0] == '+')) {
    *negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    if (__builtin_mul_overflow(v, uint64_t{10}, &v) ||
        __builtin_add_overflow(v, static_cast<uint64_t>(c - '0'), &v)) {
      return false;
    }
  }
  *magnitude = v;
  return true;
}

Value IntFromUint(Args a, const Activation&) {
  const uint64_t u = a[0].uint_value();
  if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return RangeError(absl::StrCat("uint ", u, " does not fit in int"));
  }
  return Value::Int(static_cast<int64_t>(u));
}

// Truncates toward zero. The bounds are exclusive on both ends: 2^63 is not an
// int, and cel-go also rejects -2^63 (conversions/int/double_int_min_range).
Value IntFromDouble(Args a, const Activation&) {
  const double d = a[0].double_value();
  if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) {
    return RangeError(absl::StrCat("double ", a[0].DebugString(), " does not fit in int"));
  }
  return Value::Int(static_cast<int64_t>(d));
}

Value IntFromString(Args a, const Activation&) {
  const absl::string_view s = a[0].string_value();
  bool negative;
  uint64_t m;
  if (!ParseDecimal(s, /*allow_sign=*/true, &negative, &m)) return ConversionError("string", "int", s);
  if (negative) {
    if (m > uint64_t{1} << 63) return ConversionError("string", "int", s);
    return Value::Int(static_cast<int64_t>(0 - m));
  }
  if (m > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return ConversionError("string", "int", s);
  }
  return Value::Int(static_cast<int64_t>(m));
}

Value UintFromInt(Args a, const Activation&) {
  const int64_t i = a[0].int_value();
  if (i < 0) return RangeError(absl::StrCat("int ", i, " does not fit in uint"));
  return Value::Uint(static_cast<uint64_t>(i));
}

Value UintFromDouble(Args a, const Activation&) {
  const double d = a[0].double_value();
  // -0.5 truncates to 0 in C, but cel-go rejects every negative double.
  if (!(d >= 0 && d < 18446744073709551616.0)) {
    return RangeError(absl::StrCat("double ", a[0].DebugString(), " does not fit in uint"));
  }
  return Value::Uint(static_cast<uint64_t>(d));
}

Value UintFromString(Args a, const Activation&) {
  const absl::string_view s = a[0].string_value();
  bool negative;
  uint64_t m;
  if (!ParseDecimal(s, /*allow_sign=*/false, &negative, &m)) return ConversionError("string", "uint", s);
  return Value::Uint(m);
}

Value DoubleFromInt(Args a, const Activation&) { return Value::Double(static_cast<double>(a[0].int_value())); }
Value DoubleFromUint(Args a, const Activation&) { return Value::Double(static_cast<double>(a[0].uint_value())); }

// Accepts what Go's strconv.ParseFloat does for ordinary input: an optional
// sign, decimal or exponent notation, "inf"/"infinity"/"nan" in any case.
// A finite literal too large for a double is an error; one too small rounds to zero.
Value DoubleFromString(Args a, const Activation&) {
  const absl::string_view s = a[0].string_value();
  absl::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  // from_chars would take a second sign; Go does not.
  if (body.empty() || body[0] == '+' || body[0] == '-') return ConversionError("string", "double", s);
  double d = 0;
  const absl::from_chars_result r = absl::from_chars(body.data(), body.data() + body.size(), d);
  if (r.ptr != body.data() + body.size()) return ConversionError("string", "double", s);
  if (r.ec == std::errc::result_out_of_range) {
    // from_chars does not say whether it overflowed or underflowed; strtod
    // does (an infinity for overflow), and the text is known to be well formed.
    d = std::strtod(std::string(body).c_str(), nullptr);
    if (std::isinf(d)) return RangeError(absl::StrCat("\"", s, "\" does not fit in double"));
  } else if (r.ec != std::errc()) {
    return ConversionError("string", "double", s);
  }
  return Value::Double(negative ? -d : d);
}

// Go's %g with the shortest round-trip precision, which is what cel-go's
// string(double) produces: exponent form below 1e-4 and from 1e6 on
// ("1e+06", "1.5e-07"), plain decimals in between ("123.456", "-0.0045").
std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  // The shortest "%.*e" rendering that reads back as the same double.
  char buf[40];
  for (int precision = 0; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  // buf is "[-]D[.DDD]e(+|-)XX": split into digits and a decimal exponent.
  const char* p = buf;
  const bool negative = *p == '-';
  if (negative) ++p;
  std::string digits;
  for (; *p != 'e'; ++p) {
    if (*p != '.') digits.push_back(*p);
  }
  const int exponent = std::atoi(p + 1);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();

  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    out.push_back(digits[0]);
    if (digits.size() > 1) absl::StrAppend(&out, ".", absl::string_view(digits).substr(1));
    const int magnitude = exponent < 0 ? -exponent : exponent;
    absl::StrAppend(&out, exponent < 0 ? "e-" : "e+", magnitude < 10 ? "0" : "", magnitude);
  } else if (exponent < 0) {
    absl::StrAppend(&out, "0.", std::string(static_cast<size_t>(-exponent - 1), '0'), digits);
  } else {
    const size_t int_digits = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= int_digits) {
      absl::StrAppend(&out, digits, std::string(int_digits - digits.size(), '0'));
    } else {
      absl::StrAppend(&out, absl::string_view(digits).substr(0, int_digits), ".",
                      absl::string_view(digits).substr(int_digits));
    }
  }
  return out;
}

Value StringFromInt(Args a, const Activation&) { return Value::String(absl::StrCat(a[0].int_value())); }
Value StringFromUint(Args a, const Activation&) { return Value::String(absl::StrCat(a[0].uint_value())); }
Value StringFromDouble(Args a, const Activation&) { return Value::String(FormatDouble(a[0].double_value())); }
Value StringFromBool(Args a, const Activation&) { return Value::String(a[0].bool_value() ? "true" : "false"); }
Value StringFromBytes(Args a, const Activation&) {
  const absl::string_view b = a[0].bytes_value();
  const int64_t bad = saleskit::internal::FindInvalidUtf8(b);
  if (bad >= 0) {
    return Value::Error(absl::InvalidArgumentError(
        absl::StrCat("invalid UTF-8 in bytes at offset ", bad, ": cannot convert to string")));
  }
  return Value::String(std::string(b));
}

Value BytesFromString(Args a, const Activation&) { return Value::Bytes(std::string(a[0].string_value())); }

// The spellings Go's strconv.ParseBool accepts, and no others ("TrUe" is an error).
Value BoolFromString(Args a, const Activation&) {
  const absl::string_view s = a[0].string_value();
  if (s == "true" || s == "True" || s == "TRUE" || s == "t" || s == "T" || s == "1") return Value::Bool(true);
  if (s == "false" || s == "False" || s == "FALSE" || s == "f" || s == "F" || s == "0") return Value::Bool(false);
  return ConversionError("string", "bool", s);
}

// ------------------------------------------------------------ declarations

struct Decl {
  const char* id;
  const char* function;
  bool receiver;
  const char* signature;
  FunctionImpl impl;
};

constexpr Decl kDecls[] = {
    // Arithmetic.
    {"add_int64", "_+_", false, "(int, int) -> int", AddInt},
    {"add_uint64", "_+_", false, "(uint, uint) -> uint", AddUint},
    {"add_double", "_+_", false, "(double, double) -> double", AddDouble},
    {"add_string", "_+_", false, "(string, string) -> string", AddString},
    {"add_bytes", "_+_", false, "(bytes, bytes) -> bytes", AddBytes},
    {"add_list", "_+_", false, "(list(A), list(A)) -> list(A)", AddList},
    {"subtract_int64", "_-_", false, "(int, int) -> int", SubInt},
    {"subtract_uint64", "_-_", false, "(uint, uint) -> uint", SubUint},
    {"subtract_double", "_-_", false, "(double, double) -> double", SubDouble},
    {"multiply_int64", "_*_", false, "(int, int) -> int", MulInt},
    {"multiply_uint64", "_*_", false, "(uint, uint) -> uint", MulUint},
    {"multiply_double", "_*_", false, "(double, double) -> double", MulDouble},
    {"divide_int64", "_/_", false, "(int, int) -> int", DivInt},
    {"divide_uint64", "_/_", false, "(uint, uint) -> uint", DivUint},
    {"divide_double", "_/_", false, "(double, double) -> double", DivDouble},
    {"modulo_int64", "_%_", false, "(int, int) -> int", ModInt},
    {"modulo_uint64", "_%_", false, "(uint, uint) -> uint", ModUint},
    {"negate_int64", "-_", false, "(int) -> int", NegInt},
    {"negate_double", "-_", false, "(double) -> double", NegDouble},
    {"logical_not", "!_", false, "(bool) -> bool", LogicalNot},

    // Equality: heterogeneous at runtime (1 == 1u == 1.0).
    {"equals", "_==_", false, "(A, A) -> bool", Equals},
    {"not_equals", "_!=_", false, "(A, A) -> bool", NotEquals},

    // Indexing and membership. The uint and double list indexes serve
    // dyn-typed indexes at runtime ([7, 8, 9][dyn(0u)]).
    {"index_list", "_[_]", false, "(list(A), int) -> A", IndexListInt},
    {"index_list_uint64", "_[_]", false, "(list(A), uint) -> A", IndexListUint},
    {"index_list_double", "_[_]", false, "(list(A), double) -> A", IndexListDouble},
    {"index_map", "_[_]", false, "(map(K, V), K) -> V", IndexMap},
    {"in_list", "@in", false, "(A, list(A)) -> bool", InList},
    {"in_map", "@in", false, "(K, map(K, V)) -> bool", InMap},

    // size, global and receiver style.
    {"size_string", "size", false, "(string) -> int", SizeString},
    {"size_bytes", "size", false, "(bytes) -> int", SizeBytes},
    {"size_list", "size", false, "(list(A)) -> int", SizeList},
    {"size_map", "size", false, "(map(K, V)) -> int", SizeMap},
    {"string_size", "size", true, "(string) -> int", SizeString},
    {"bytes_size", "size", true, "(bytes) -> int", SizeBytes},
    {"list_size", "size", true, "(list(A)) -> int", SizeList},
    {"map_size", "size", true, "(map(K, V)) -> int", SizeMap},

    // type() and dyn().
    {"type", "type", false, "(A) -> type(A)", TypeOf},
    {"to_dyn", "dyn", false, "(A) -> dyn", Identity},

    // Conversions. int(timestamp), string(timestamp) and string(duration) are time.cc's.
    {"int64_to_int64", "int", false, "(int) -> int", Identity},
    {"uint64_to_int64", "int", false, "(uint) -> int", IntFromUint},
    {"double_to_int64", "int", false, "(double) -> int", IntFromDouble},
    {"string_to_int64", "int", false, "(string) -> int", IntFromString},
    {"int64_to_uint64", "uint", false, "(int) -> uint", UintFromInt},
    {"uint64_to_uint64", "uint", false, "(uint) -> uint", Identity},
    {"double_to_uint64", "uint", false, "(double) -> uint", UintFromDouble},
    {"string_to_uint64", "uint", false, "(string) -> uint", UintFromString},
    {"int64_to_double", "double", false, "(int) -> double", DoubleFromInt},
    {"uint64_to_double", "double", false, "(uint) -> double", DoubleFromUint},
    {"double_to_double", "double", false, "(double) -> double", Identity},
    {"string_to_double", "double", false, "(string) -> double", DoubleFromString},
    {"int64_to_string", "string", false, "(int) -> string", StringFromInt},
    {"uint64_to_string", "string", false, "(uint) -> string", StringFromUint},
    {"double_to_string", "string", false, "(double) -> string", StringFromDouble},
    {"bool_to_string", "string", false, "(bool) -> string", StringFromBool},
    {"string_to_string", "string", false, "(string) -> string", Identity},
    {"bytes_to_string", "string", false, "(bytes) -> string", StringFromBytes},
    {"bytes_to_bytes", "bytes", false, "(bytes) -> bytes", Identity},
    {"string_to_bytes", "bytes", false, "(string) -> bytes", BytesFromString},
    {"bool_to_bool", "bool", false, "(bool) -> bool", Identity},
    {"string_to_bool", "bool", false, "(string) -> bool", BoolFromString},
};

// Ordering: every same-type pair of an ordered type, and every mixed pair of
// numeric types (1 < 1.5, 2u > -1), with cel-go's overload ids.
struct OrderedPair {
  const char* id_suffix;
  const char* params;
};
constexpr OrderedPair kOrderedPairs[] = {
    {"bool", "bool, bool"},
    {"int64", "int, int"},
    {"uint64", "uint, uint"},
    {"double", "double, double"},
    {"string", "string, string"},
    {"bytes", "bytes, bytes"},
    {"timestamp", "timestamp, timestamp"},
    {"duration", "duration, duration"},
    {"int64_uint64", "int, uint"},
    {"int64_double", "int, double"},
    {"uint64_int64", "uint, int"},
    {"uint64_double", "uint, double"},
    {"double_int64", "double, int"},
    {"double_uint64", "double, uint"},
};

struct OrderOperator {
  const char* id_prefix;
  const char* function;
  FunctionImpl impl;
};
constexpr OrderOperator kOrderOperators[] = {
    {"less", "_<_", CompareOp<Order::kLess>},
    {"less_equals", "_<=_", CompareOp<Order::kLessEquals>},
    {"greater", "_>_", CompareOp<Order::kGreater>},
    {"greater_equals", "_>=_", CompareOp<Order::kGreaterEquals>},
};

}  // namespace

absl::Status RegisterCoreFunctions(FunctionRegistry* registry) {
  for (const Decl& d : kDecls) {
    absl::Status st = registry->Add(d.id, d.function, d.receiver, d.signature, d.impl);
    if (!st.ok()) return st;
  }
  for (const OrderOperator& op : kOrderOperators) {
    for (const OrderedPair& pair : kOrderedPairs) {
      absl::Status st = registry->Add(absl::StrCat(op.id_prefix, "_", pair.id_suffix), op.function,
                                      false, absl::StrCat("(", pair.params, ") -> bool"), op.impl);
      if (!st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace saleskit::cel::internal
