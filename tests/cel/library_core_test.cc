// The core library (operators, size, type(), conversions), called the way the
// evaluator calls it: the first overload of the standard library whose kinds
// match the arguments. Expected values follow cel-spec's conformance suite
// (integer_math, fp_math, conversions, lists) and cel-go where the suite is silent.

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "cel/internal/library.h"
#include "saleskit/cel/functions.h"
#include "saleskit/cel/value.h"

namespace saleskit::cel {
namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr uint64_t kUint64Max = std::numeric_limits<uint64_t>::max();
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// The standard library as programs see it: dispatch below also shows that
// no other part of the library shadows a core overload.
const FunctionRegistry& Core() { return StandardFunctions(); }

// Calls `function` as the evaluator would; no matching overload is CEL's
// no-such-overload error.
Value Call(absl::string_view function, std::vector<Value> args, bool receiver = false) {
  static const MapActivation* const activation = new MapActivation();
  for (const Overload& o : Core().Find(function)) {
    if (o.receiver == receiver && o.Matches(args)) return o.impl(args, *activation);
  }
  return NoSuchOverload(function, args);
}

const Overload* FindOverload(absl::string_view function, absl::string_view id) {
  for (const Overload& o : Core().Find(function)) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

Value I(int64_t v) { return Value::Int(v); }
Value U(uint64_t v) { return Value::Uint(v); }
Value D(double v) { return Value::Double(v); }
Value S(std::string v) { return Value::String(std::move(v)); }
Value B(std::string v) { return Value::Bytes(std::move(v)); }
Value L(std::vector<Value> v) { return Value::List(std::move(v)); }
Value M(std::vector<std::pair<Value, Value>> entries) {
  auto map = MapValue::Create(std::move(entries));
  REQUIRE(map.ok());
  return Value::Map(*std::move(map));
}

// Matchers spelled as predicates: the value checks print the value on failure.
bool IsInt(const Value& v, int64_t want) { return v.kind() == Value::Kind::kInt && v.int_value() == want; }
bool IsUint(const Value& v, uint64_t want) { return v.kind() == Value::Kind::kUint && v.uint_value() == want; }
bool IsDouble(const Value& v, double want) {
  return v.kind() == Value::Kind::kDouble && v.double_value() == want &&
         std::signbit(v.double_value()) == std::signbit(want);
}
bool IsBool(const Value& v, bool want) { return v.kind() == Value::Kind::kBool && v.bool_value() == want; }
bool IsString(const Value& v, absl::string_view want) {
  return v.kind() == Value::Kind::kString && v.string_value() == want;
}
bool IsBytes(const Value& v, absl::string_view want) {
  return v.kind() == Value::Kind::kBytes && v.bytes_value() == want;
}
bool IsType(const Value& v, absl::string_view want) {
  return v.kind() == Value::Kind::kType && v.type_value() == want;
}
bool IsError(const Value& v, absl::string_view text) {
  return v.is_error() && absl::StrContains(v.error_value().message(), text);
}

TEST_CASE("core: int arithmetic is checked", "[cel][core]") {
  CHECK(IsInt(Call("_+_", {I(40), I(2)}), 42));
  CHECK(IsInt(Call("_-_", {I(-42), I(-12)}), -30));
  CHECK(IsInt(Call("_*_", {I(-30), I(-2)}), 60));
  CHECK(IsInt(Call("_/_", {I(-20), I(2)}), -10));
  // Division truncates and the remainder takes the dividend's sign.
  CHECK(IsInt(Call("_/_", {I(-7), I(2)}), -3));
  CHECK(IsInt(Call("_%_", {I(43), I(-5)}), 3));
  CHECK(IsInt(Call("_%_", {I(-42), I(-5)}), -2));
  CHECK(IsInt(Call("_%_", {I(-3), I(5)}), -3));
  CHECK(IsInt(Call("-_", {I(-42)}), 42));
  CHECK(IsInt(Call("-_", {I(0)}), 0));

  CHECK(IsError(Call("_+_", {I(kInt64Max), I(1)}), "overflow"));
  CHECK(IsError(Call("_-_", {I(kInt64Min), I(1)}), "overflow"));
  CHECK(IsError(Call("_+_", {I(kInt64Min), I(-1)}), "overflow"));
  CHECK(IsError(Call("_-_", {I(1), I(-kInt64Max)}), "overflow"));
  CHECK(IsError(Call("_*_", {I(5000000000), I(5000000000)}), "overflow"));
  CHECK(IsError(Call("_*_", {I(-5000000000), I(5000000000)}), "overflow"));
  CHECK(IsError(Call("_*_", {I(kInt64Min), I(-1)}), "overflow"));
  CHECK(IsError(Call("_/_", {I(kInt64Min), I(-1)}), "overflow"));
  CHECK(IsError(Call("_%_", {I(kInt64Min), I(-1)}), "overflow"));
  CHECK(IsError(Call("-_", {I(kInt64Min)}), "overflow"));
  CHECK(IsInt(Call("_+_", {I(kInt64Max), I(kInt64Min)}), -1));

  CHECK(IsError(Call("_/_", {I(15), I(0)}), "division by zero"));
  CHECK(IsError(Call("_%_", {I(34), I(0)}), "division by zero"));
}

TEST_CASE("core: uint arithmetic rejects wrap-around", "[cel][core]") {
  CHECK(IsUint(Call("_+_", {U(42), U(2)}), 44));
  CHECK(IsUint(Call("_-_", {U(42), U(12)}), 30));
  CHECK(IsUint(Call("_*_", {U(40), U(2)}), 80));
  CHECK(IsUint(Call("_/_", {U(60), U(2)}), 30));
  CHECK(IsUint(Call("_%_", {U(42), U(5)}), 2));
  CHECK(IsUint(Call("_+_", {U(kUint64Max - 1), U(1)}), kUint64Max));

  CHECK(IsError(Call("_+_", {U(kUint64Max), U(1)}), "overflow"));
  CHECK(IsError(Call("_-_", {U(0), U(1)}), "overflow"));
  CHECK(IsError(Call("_*_", {U(5000000000), U(5000000000)}), "overflow"));
  CHECK(IsError(Call("_/_", {U(15), U(0)}), "division by zero"));
  CHECK(IsError(Call("_%_", {U(34), U(0)}), "division by zero"));
  // There is no unsigned negation, and no mixed int/uint arithmetic.
  CHECK(IsError(Call("-_", {U(5)}), "no such overload"));
  CHECK(IsError(Call("_+_", {I(1), U(1)}), "no such overload"));
}

TEST_CASE("core: double arithmetic is IEEE 754", "[cel][core]") {
  CHECK(IsDouble(Call("_+_", {D(4.25), D(15.25)}), 19.5));
  CHECK(IsDouble(Call("_-_", {D(-4.875), D(-0.125)}), -4.75));
  CHECK(IsDouble(Call("_*_", {D(40.75), D(-2.25)}), -91.6875));
  CHECK(IsDouble(Call("_/_", {D(-8.875), D(-0.0625)}), 142));
  CHECK(IsDouble(Call("_/_", {D(15.75), D(0.0)}), kInf));
  CHECK(IsDouble(Call("_*_", {D(2.0), D(8.988466e+307)}), kInf));
  CHECK(IsDouble(Call("-_", {D(0.0)}), -0.0));
  CHECK(IsDouble(Call("-_", {D(-1.25)}), 1.25));
  const Value nan = Call("_/_", {D(0.0), D(0.0)});
  REQUIRE(nan.kind() == Value::Kind::kDouble);
  CHECK(std::isnan(nan.double_value()));
  // CEL has no floating-point modulus.
  CHECK(IsError(Call("_%_", {D(47.5), D(5.5)}), "no such overload"));
}

TEST_CASE("core: + concatenates strings, bytes and lists", "[cel][core]") {
  CHECK(IsString(Call("_+_", {S("foo"), S("bär")}), "foobär"));
  CHECK(IsBytes(Call("_+_", {B(std::string("\x00\xff", 2)), B("a")}), std::string("\x00\xff" "a", 3)));
  const Value list = Call("_+_", {L({I(0), I(1)}), L({S("x")})});
  REQUIRE(list.kind() == Value::Kind::kList);
  CHECK(Equal(list, L({I(0), I(1), S("x")})));
  CHECK(Equal(Call("_+_", {L({}), L({I(3)})}), L({I(3)})));
  CHECK(Equal(Call("_+_", {L({I(1)}), L({})}), L({I(1)})));
  CHECK(Equal(Call("_+_", {L({}), L({})}), L({})));
  // Not commutative.
  CHECK_FALSE(Equal(Call("_+_", {L({I(0)}), L({I(1)})}), L({I(1), I(0)})));
  CHECK(IsError(Call("_+_", {S("a"), B("b")}), "no such overload"));
}

TEST_CASE("core: ! negates bools only", "[cel][core]") {
  CHECK(IsBool(Call("!_", {Value::Bool(true)}), false));
  CHECK(IsBool(Call("!_", {Value::Bool(false)}), true));
  CHECK(IsError(Call("!_", {I(0)}), "no such overload"));
  CHECK(IsError(Call("-_", {Value::Bool(false)}), "no such overload"));
}

TEST_CASE("core: == and != use heterogeneous equality", "[cel][core]") {
  CHECK(IsBool(Call("_==_", {I(1), U(1)}), true));
  CHECK(IsBool(Call("_==_", {I(1), D(1.0)}), true));
  CHECK(IsBool(Call("_==_", {U(2), D(2.0)}), true));
  CHECK(IsBool(Call("_==_", {I(1), D(1.5)}), false));
  CHECK(IsBool(Call("_!=_", {I(-1), U(kUint64Max)}), true));
  // Different kinds are unequal, not an error.
  CHECK(IsBool(Call("_==_", {S("1"), I(1)}), false));
  CHECK(IsBool(Call("_!=_", {Value::Null(), I(0)}), true));
  CHECK(IsBool(Call("_==_", {Value::Null(), Value::Null()}), true));
  CHECK(IsBool(Call("_==_", {D(kNaN), D(kNaN)}), false));
  CHECK(IsBool(Call("_!=_", {D(kNaN), D(kNaN)}), true));
  CHECK(IsBool(Call("_==_", {L({I(1), S("a")}), L({D(1.0), S("a")})}), true));
  CHECK(IsBool(Call("_==_", {M({{S("k"), I(1)}}), M({{S("k"), U(1)}})}), true));
}

TEST_CASE("core: ordering within a type", "[cel][core]") {
  CHECK(IsBool(Call("_<_", {I(-1), I(0)}), true));
  CHECK(IsBool(Call("_<=_", {I(0), I(0)}), true));
  CHECK(IsBool(Call("_>_", {I(0), I(0)}), false));
  CHECK(IsBool(Call("_>=_", {U(3), U(2)}), true));
  CHECK(IsBool(Call("_<_", {D(-0.0), D(0.0)}), false));
  CHECK(IsBool(Call("_<_", {Value::Bool(false), Value::Bool(true)}), true));
  CHECK(IsBool(Call("_>_", {Value::Bool(false), Value::Bool(true)}), false));
  // Strings order by code point, bytes by byte.
  CHECK(IsBool(Call("_<_", {S("a"), S("b")}), true));
  CHECK(IsBool(Call("_<_", {S("ab"), S("a")}), false));
  CHECK(IsBool(Call("_<_", {S("Z"), S("a")}), true));
  CHECK(IsBool(Call("_<_", {S("é"), S("z")}), false));
  CHECK(IsBool(Call("_>_", {B("\xff"), B("a")}), true));
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  CHECK(IsBool(Call("_<_", {Value::Timestamp(t0), Value::Timestamp(t0 + absl::Nanoseconds(1))}), true));
  CHECK(IsBool(Call("_>=_", {Value::Duration(absl::Seconds(-1)), Value::Duration(absl::ZeroDuration())}), false));
  // No ordering between unrelated types.
  CHECK(IsError(Call("_<_", {S("1"), I(2)}), "no such overload"));
  CHECK(IsError(Call("_<_", {Value::Null(), Value::Null()}), "no such overload"));
  CHECK(IsError(Call("_<_", {L({}), L({})}), "no such overload"));
}

TEST_CASE("core: ordering across numeric types is by value", "[cel][core]") {
  CHECK(IsBool(Call("_<_", {I(1), D(1.5)}), true));
  CHECK(IsBool(Call("_<=_", {D(2.0), I(2)}), true));
  CHECK(IsBool(Call("_>_", {U(2), I(-1)}), true));
  CHECK(IsBool(Call("_<_", {I(-1), U(0)}), true));
  // Beyond int64: -1 is less than every uint, including those above INT64_MAX.
  CHECK(IsBool(Call("_<_", {I(kInt64Max), U(kUint64Max)}), true));
  CHECK(IsBool(Call("_>=_", {U(1), D(0.5)}), true));
  CHECK(IsBool(Call("_<_", {D(-0.5), U(0)}), true));
  // cel-go's ids for the mixed overloads, so checked expressions name them.
  for (const char* id : {"less_int64_uint64", "less_int64_double", "less_uint64_int64", "less_uint64_double",
                         "less_double_int64", "less_double_uint64"}) {
    CHECK(FindOverload("_<_", id) != nullptr);
  }
  CHECK(FindOverload("_>=_", "greater_equals_double_uint64") != nullptr);
}

TEST_CASE("core: NaN is not ordered", "[cel][core]") {
  for (const char* op : {"_<_", "_<=_", "_>_", "_>=_"}) {
    CAPTURE(op);
    CHECK(IsBool(Call(op, {D(kNaN), D(1.0)}), false));
    CHECK(IsBool(Call(op, {D(1.0), D(kNaN)}), false));
    CHECK(IsBool(Call(op, {D(kNaN), D(kNaN)}), false));
    CHECK(IsBool(Call(op, {I(1), D(kNaN)}), false));
    CHECK(IsBool(Call(op, {D(kNaN), U(1)}), false));
  }
}

TEST_CASE("core: list indexing", "[cel][core]") {
  const Value list = L({I(7), I(8), I(9)});
  CHECK(IsInt(Call("_[_]", {list, I(0)}), 7));
  CHECK(IsInt(Call("_[_]", {list, I(2)}), 9));
  // A uint or whole double index works (dyn-typed index).
  CHECK(IsInt(Call("_[_]", {list, U(1)}), 8));
  CHECK(IsInt(Call("_[_]", {list, D(0.0)}), 7));
  CHECK(IsInt(Call("_[_]", {list, D(2.0)}), 9));

  const Value past_end = Call("_[_]", {list, I(3)});
  CHECK(IsError(past_end, "index out of bounds"));
  CHECK(past_end.error_value().code() == absl::StatusCode::kInvalidArgument);
  CHECK(IsError(Call("_[_]", {list, I(-1)}), "index out of bounds"));
  CHECK(IsError(Call("_[_]", {list, U(3)}), "index out of bounds"));
  CHECK(IsError(Call("_[_]", {list, U(kUint64Max)}), "index out of bounds"));
  CHECK(IsError(Call("_[_]", {list, D(3.0)}), "index out of bounds"));
  CHECK(IsError(Call("_[_]", {list, D(-1.0)}), "index out of bounds"));
  CHECK(Call("_[_]", {list, D(0.1)}).is_error());
  CHECK(Call("_[_]", {list, D(kNaN)}).is_error());
  CHECK(Call("_[_]", {list, D(1e300)}).is_error());
  CHECK(Call("_[_]", {list, S("")}).is_error());
  CHECK(Call("_[_]", {L({}), I(0)}).is_error());
}

TEST_CASE("core: map indexing", "[cel][core]") {
  const Value map = M({{S("k"), S("v")}, {I(1), S("one")}, {Value::Bool(true), I(2)}});
  CHECK(IsString(Call("_[_]", {map, S("k")}), "v"));
  CHECK(IsInt(Call("_[_]", {map, Value::Bool(true)}), 2));
  // Numeric keys are heterogeneous: 1, 1u and 1.0 are the same key.
  CHECK(IsString(Call("_[_]", {map, I(1)}), "one"));
  CHECK(IsString(Call("_[_]", {map, U(1)}), "one"));
  CHECK(IsString(Call("_[_]", {map, D(1.0)}), "one"));

  const Value missing = Call("_[_]", {map, S("absent")});
  CHECK(IsError(missing, "no such key"));
  CHECK(IsError(missing, "absent"));
  CHECK(IsError(Call("_[_]", {map, D(1.5)}), "no such key"));
  CHECK(IsError(Call("_[_]", {map, Value::Bool(false)}), "no such key"));
}

TEST_CASE("core: in tests list elements and map keys", "[cel][core]") {
  const Value ints = L({I(5), I(4), I(3)});
  CHECK(IsBool(Call("@in", {I(3), ints}), true));
  CHECK(IsBool(Call("@in", {I(7), ints}), false));
  CHECK(IsBool(Call("@in", {D(3.0), ints}), true));
  CHECK(IsBool(Call("@in", {U(3), ints}), true));
  CHECK(IsBool(Call("@in", {D(3.5), ints}), false));
  CHECK(IsBool(Call("@in", {I(3), L({D(5.0), D(3.0)})}), true));
  CHECK(IsBool(Call("@in", {I(7), L({})}), false));
  CHECK(IsBool(Call("@in", {S("alpha"), L({S("alpha"), S("beta")})}), true));
  CHECK(IsBool(Call("@in", {S("3"), ints}), false));
  CHECK(IsBool(Call("@in", {D(kNaN), L({D(kNaN)})}), false));

  const Value map = M({{S("k"), I(1)}, {U(2), I(2)}});
  CHECK(IsBool(Call("@in", {S("k"), map}), true));
  // Membership is by key, never by value.
  CHECK(IsBool(Call("@in", {I(1), map}), false));
  CHECK(IsBool(Call("@in", {I(2), map}), true));
  CHECK(IsBool(Call("@in", {D(2.0), map}), true));
  CHECK(IsBool(Call("@in", {L({}), map}), false));
}

TEST_CASE("core: size counts code points, bytes, elements and entries", "[cel][core]") {
  CHECK(IsInt(Call("size", {S("")}), 0));
  CHECK(IsInt(Call("size", {S("héllo")}), 5));
  CHECK(IsInt(Call("size", {S("\xf0\x9f\x90\xb1!")}), 2));
  CHECK(IsInt(Call("size", {B("h\xc3\xa9")}), 3));
  CHECK(IsInt(Call("size", {L({I(1), S("a"), L({})})}), 3));
  CHECK(IsInt(Call("size", {M({{I(1), S("one")}, {I(2), S("two")}})}), 2));
  CHECK(IsInt(Call("size", {M({})}), 0));
  // x.size() as well as size(x).
  CHECK(IsInt(Call("size", {S("héllo")}, /*receiver=*/true), 5));
  CHECK(IsInt(Call("size", {B("ab")}, true), 2));
  CHECK(IsInt(Call("size", {L({I(1)})}, true), 1));
  CHECK(IsInt(Call("size", {M({{I(1), I(1)}})}, true), 1));
  CHECK(IsError(Call("size", {I(3)}), "no such overload"));
}

TEST_CASE("core: type() names types as CEL does", "[cel][core]") {
  CHECK(IsType(Call("type", {Value::Bool(true)}), "bool"));
  CHECK(IsType(Call("type", {I(0)}), "int"));
  CHECK(IsType(Call("type", {U(64)}), "uint"));
  CHECK(IsType(Call("type", {D(3.14)}), "double"));
  CHECK(IsType(Call("type", {Value::Null()}), "null_type"));
  CHECK(IsType(Call("type", {S("foo")}), "string"));
  CHECK(IsType(Call("type", {B("\xff")}), "bytes"));
  CHECK(IsType(Call("type", {L({I(1), S("one")})}), "list"));
  CHECK(IsType(Call("type", {M({{I(4), I(16)}})}), "map"));
  CHECK(IsType(Call("type", {Value::Timestamp(absl::UnixEpoch())}), "google.protobuf.Timestamp"));
  CHECK(IsType(Call("type", {Value::Duration(absl::Seconds(1))}), "google.protobuf.Duration"));
  CHECK(IsType(Call("type", {Value::Optional(I(1))}), "optional_type"));
  CHECK(IsType(Call("type", {Value::Type("int")}), "type"));
  // type(type(7)) == type(type(7u)).
  CHECK(Equal(Call("type", {Call("type", {I(7)})}), Call("type", {Call("type", {U(7)})})));
  CHECK_FALSE(Equal(Call("type", {I(7)}), Call("type", {U(7)})));
}

TEST_CASE("core: dyn() is the identity", "[cel][core]") {
  const Value list = L({I(1), S("one")});
  CHECK(Equal(Call("dyn", {list}), list));
  CHECK(IsUint(Call("dyn", {U(3)}), 3));
}

TEST_CASE("core: int() conversions", "[cel][core]") {
  CHECK(IsInt(Call("int", {I(1)}), 1));
  CHECK(IsInt(Call("int", {U(42)}), 42));
  CHECK(IsInt(Call("int", {U(static_cast<uint64_t>(kInt64Max))}), kInt64Max));
  CHECK(IsError(Call("int", {U(kUint64Max)}), "range"));
  // Doubles truncate toward zero.
  CHECK(IsInt(Call("int", {D(1.9)}), 1));
  CHECK(IsInt(Call("int", {D(-7.9)}), -7));
  CHECK(IsInt(Call("int", {D(11.5)}), 11));
  CHECK(IsInt(Call("int", {D(-3.5)}), -3));
  CHECK(IsInt(Call("int", {D(36028797018963968.0)}), 36028797018963968));
  CHECK(IsError(Call("int", {D(9223372036854775807.0)}), "range"));
  CHECK(IsError(Call("int", {D(-9223372036854775808.0)}), "range"));
  CHECK(IsError(Call("int", {D(1e99)}), "range"));
  CHECK(IsError(Call("int", {D(kNaN)}), "range"));
  CHECK(IsError(Call("int", {D(-kInf)}), "range"));
  CHECK(IsInt(Call("int", {S("987")}), 987));
  CHECK(IsInt(Call("int", {S("-9223372036854775808")}), kInt64Min));
  CHECK(IsInt(Call("int", {S("+5")}), 5));
  for (const char* bad : {"", "-", "9223372036854775808", "1.0", " 1", "1 ", "0x10", "1e3", "abc", "--1"}) {
    CAPTURE(bad);
    CHECK(Call("int", {S(bad)}).is_error());
  }
}

TEST_CASE("core: uint() conversions", "[cel][core]") {
  CHECK(IsUint(Call("uint", {U(1)}), 1));
  CHECK(IsUint(Call("uint", {I(1729)}), 1729));
  CHECK(IsUint(Call("uint", {I(kInt64Max)}), static_cast<uint64_t>(kInt64Max)));
  CHECK(IsError(Call("uint", {I(-1)}), "range"));
  CHECK(IsUint(Call("uint", {D(3.14159265)}), 3));
  CHECK(IsUint(Call("uint", {D(25.5)}), 25));
  CHECK(IsUint(Call("uint", {D(36028797018963968.0)}), 36028797018963968u));
  CHECK(IsError(Call("uint", {D(6.022e23)}), "range"));
  CHECK(IsError(Call("uint", {D(18446744073709551616.0)}), "range"));
  CHECK(IsError(Call("uint", {D(-0.5)}), "range"));
  CHECK(IsError(Call("uint", {D(kNaN)}), "range"));
  CHECK(IsUint(Call("uint", {S("300")}), 300));
  CHECK(IsUint(Call("uint", {S("18446744073709551615")}), kUint64Max));
  for (const char* bad : {"", "-1", "+1", "18446744073709551616", "1u", "3.0"}) {
    CAPTURE(bad);
    CHECK(Call("uint", {S(bad)}).is_error());
  }
}

TEST_CASE("core: double() conversions", "[cel][core]") {
  CHECK(IsDouble(Call("double", {D(5.5)}), 5.5));
  CHECK(IsDouble(Call("double", {I(-1000000000000000)}), -1e15));
  CHECK(IsDouble(Call("double", {I(kInt64Max)}), 9.223372036854775807e18));
  CHECK(IsDouble(Call("double", {U(kUint64Max)}), 1.8446744073709551615e19));
  CHECK(IsDouble(Call("double", {S("0")}), 0.0));
  CHECK(IsDouble(Call("double", {S("-0.0")}), -0.0));
  CHECK(IsDouble(Call("double", {S("123.456")}), 123.456));
  CHECK(IsDouble(Call("double", {S("6.02214e23")}), 6.02214e23));
  CHECK(IsDouble(Call("double", {S("-5.43e-21")}), -5.43e-21));
  CHECK(IsDouble(Call("double", {S("+.5")}), 0.5));
  CHECK(IsDouble(Call("double", {S("1e-400")}), 0.0));
  CHECK(IsDouble(Call("double", {S("-Infinity")}), -kInf));
  CHECK(IsDouble(Call("double", {S("inf")}), kInf));
  const Value nan = Call("double", {S("NaN")});
  REQUIRE(nan.kind() == Value::Kind::kDouble);
  CHECK(std::isnan(nan.double_value()));
  CHECK(IsError(Call("double", {S("1e400")}), "range"));
  for (const char* bad : {"", "abc", "1.0x", " 1", "1 ", "--1", "+-1", "1,5"}) {
    CAPTURE(bad);
    CHECK(Call("double", {S(bad)}).is_error());
  }
}

TEST_CASE("core: string() conversions", "[cel][core]") {
  CHECK(IsString(Call("string", {S("hello")}), "hello"));
  CHECK(IsString(Call("string", {I(123)}), "123"));
  CHECK(IsString(Call("string", {I(-456)}), "-456"));
  CHECK(IsString(Call("string", {I(kInt64Min)}), "-9223372036854775808"));
  CHECK(IsString(Call("string", {U(9876)}), "9876"));
  CHECK(IsString(Call("string", {U(kUint64Max)}), "18446744073709551615"));
  CHECK(IsString(Call("string", {Value::Bool(true)}), "true"));
  CHECK(IsString(Call("string", {Value::Bool(false)}), "false"));
  CHECK(IsString(Call("string", {B("abc")}), "abc"));
  CHECK(IsString(Call("string", {B("\xc3\xbf")}), "ÿ"));
  CHECK(IsError(Call("string", {B(std::string("\x00\xff", 2))}), "UTF-8"));
  CHECK(IsError(Call("string", {B("\xed\xa0\x80")}), "UTF-8"));  // a surrogate
  CHECK(IsError(Call("string", {B("\xc0\xaf")}), "UTF-8"));      // overlong '/'
}

TEST_CASE("core: string(double) formats as cel-go does", "[cel][core]") {
  const std::pair<double, const char*> cases[] = {
      {123.456, "123.456"},
      {-4.5e-3, "-0.0045"},
      {1.5, "1.5"},
      {0.0, "0"},
      {-0.0, "-0"},
      {1.0, "1"},
      {100.0, "100"},
      {123456.0, "123456"},
      {1e6, "1e+06"},
      {1234567.0, "1.234567e+06"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {1.5e-7, "1.5e-07"},
      {0.1, "0.1"},
      {1.0 / 3, "0.3333333333333333"},
      {1e100, "1e+100"},
      {-2.5e-300, "-2.5e-300"},
      {std::numeric_limits<double>::max(), "1.7976931348623157e+308"},
      {5e-324, "5e-324"},
      {kInf, "+Inf"},
      {-kInf, "-Inf"},
      {kNaN, "NaN"},
  };
  for (const auto& [d, want] : cases) {
    CAPTURE(d);
    CHECK(IsString(Call("string", {D(d)}), want));
  }
}

TEST_CASE("core: bytes() and bool() conversions", "[cel][core]") {
  CHECK(IsBytes(Call("bytes", {S("")}), ""));
  CHECK(IsBytes(Call("bytes", {S("ÿ")}), "\xc3\xbf"));
  CHECK(IsBytes(Call("bytes", {B("abc")}), "abc"));

  CHECK(IsBool(Call("bool", {Value::Bool(true)}), true));
  for (const char* yes : {"1", "t", "T", "true", "TRUE", "True"}) {
    CAPTURE(yes);
    CHECK(IsBool(Call("bool", {S(yes)}), true));
  }
  for (const char* no : {"0", "f", "F", "false", "FALSE", "False"}) {
    CAPTURE(no);
    CHECK(IsBool(Call("bool", {S(no)}), false));
  }
  for (const char* bad : {"TrUe", "FaLsE", "", "yes", " true", "2"}) {
    CAPTURE(bad);
    CHECK(IsError(Call("bool", {S(bad)}), "conversion"));
  }
}

TEST_CASE("core: conversions without an overload", "[cel][core]") {
  CHECK(IsError(Call("bool", {I(1)}), "no such overload"));
  CHECK(IsError(Call("bytes", {I(1)}), "no such overload"));
  CHECK(IsError(Call("double", {Value::Bool(true)}), "no such overload"));
  CHECK(IsError(Call("int", {Value::Null()}), "no such overload"));
}

TEST_CASE("core: declarations carry checker-visible signatures", "[cel][core]") {
  const Overload* index = FindOverload("_[_]", "index_map");
  REQUIRE(index != nullptr);
  CHECK(index->params.size() == 2);
  CHECK(index->params[0].kind == Type::Kind::kMap);
  CHECK(index->result.kind == Type::Kind::kTypeParam);
  const Overload* type = FindOverload("type", "type");
  REQUIRE(type != nullptr);
  CHECK(type->result.kind == Type::Kind::kType);
  const Overload* size = FindOverload("size", "string_size");
  REQUIRE(size != nullptr);
  CHECK(size->receiver);
  CHECK(size->result.kind == Type::Kind::kInt);
  // Registering twice fails: overload ids are unique.
  FunctionRegistry twice;
  REQUIRE(internal::RegisterCoreFunctions(&twice).ok());
  CHECK_FALSE(internal::RegisterCoreFunctions(&twice).ok());
}

}  // namespace
}  // namespace saleskit::cel
