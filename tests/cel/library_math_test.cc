// The math extension, evaluated end to end (parse, check, evaluate) as users
// write it. Expected values follow cel-spec's math_ext.textproto.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "saleskit/cel/program.h"
#include "saleskit/cel/value.h"

namespace saleskit::cel {
namespace {

Value Eval(const std::string& expr, const Environment& env = Environment()) {
  auto program = Compile(expr, env);
  INFO(expr);
  INFO((program.ok() ? std::string() : std::string(program.status().message())));
  REQUIRE(program.ok());
  return (*program)->Evaluate(MapActivation());
}

void RequireInt(const std::string& expr, int64_t want) {
  INFO(expr);
  const Value v = Eval(expr);
  INFO((v.is_error() ? std::string(v.error_value().message()) : v.DebugString()));
  REQUIRE(v.kind() == Value::Kind::kInt);
  CHECK(v.int_value() == want);
}

void RequireUint(const std::string& expr, uint64_t want) {
  INFO(expr);
  const Value v = Eval(expr);
  INFO((v.is_error() ? std::string(v.error_value().message()) : v.DebugString()));
  REQUIRE(v.kind() == Value::Kind::kUint);
  CHECK(v.uint_value() == want);
}

void RequireDouble(const std::string& expr, double want) {
  INFO(expr);
  const Value v = Eval(expr);
  INFO((v.is_error() ? std::string(v.error_value().message()) : v.DebugString()));
  REQUIRE(v.kind() == Value::Kind::kDouble);
  CHECK(v.double_value() == want);
}

void RequireTrue(const std::string& expr) {
  INFO(expr);
  const Value v = Eval(expr);
  INFO((v.is_error() ? std::string(v.error_value().message()) : v.DebugString()));
  REQUIRE(v.kind() == Value::Kind::kBool);
  CHECK(v.bool_value());
}

// An evaluation error whose message mentions `fragment`.
void RequireError(const std::string& expr, const std::string& fragment) {
  INFO(expr);
  const Value v = Eval(expr);
  INFO(v.DebugString());
  REQUIRE(v.is_error());
  CHECK_THAT(std::string(v.error_value().message()), Catch::Contains(fragment));
}

void RequireCheckError(const std::string& expr) {
  INFO(expr);
  CHECK_FALSE(Compile(expr, Environment()).ok());
}

TEST_CASE("math.greatest and math.least pick one argument", "[cel][math]") {
  RequireInt("math.greatest(-5)", -5);
  RequireDouble("math.least(5.5)", 5.5);
  RequireUint("math.greatest(5u)", 5);
  RequireInt("math.greatest(-7, 5)", 5);
  RequireInt("math.least(5, -7)", -7);
  RequireInt("math.greatest(9223372036854775807, 1)", std::numeric_limits<int64_t>::max());
  RequireInt("math.least(1, -9223372036854775808)", std::numeric_limits<int64_t>::min());
  RequireUint("math.greatest(1u, 18446744073709551615u)", std::numeric_limits<uint64_t>::max());
  RequireDouble("math.least(-1.797693e308, 1.5)", -1.797693e308);
  RequireInt("math.greatest(-1, -2, -3)", -1);
  RequireDouble("math.least(1.5, 3.5, 0.5)", 0.5);
  RequireUint("math.least(10u, 3u, 1u)", 1);
}

TEST_CASE("math.greatest and math.least compare int, uint and double by value", "[cel][math]") {
  // The result keeps the winning argument's kind.
  RequireUint("math.greatest(5u, -7)", 5);
  RequireUint("math.greatest(-3, 3u)", 3);
  RequireUint("math.greatest(18446744073709551615u, 9223372036854775807)",
              std::numeric_limits<uint64_t>::max());
  RequireInt("math.least(-1, 18446744073709551615u)", -1);
  RequireDouble("math.greatest(1.797693e308, 1)", 1.797693e308);
  RequireInt("math.greatest(2, 1.5)", 2);
  // Equal values: the first argument wins, as in cel-go.
  RequireUint("math.greatest(1u, 1)", 1);
  RequireInt("math.least(1, 1.0)", 1);
  RequireDouble("math.least(1.0, 1u, 1u)", 1.0);
  RequireTrue("math.greatest(5.4, 10, 3u, -5.0, 9223372036854775807) == 9223372036854775807");
  RequireTrue("math.least(5.4, 10, 3u, 1u, 18446744073709551615u) == 1u");
  RequireInt("math.greatest(1, 2, 3, 4, 5, 6, 7, 8)", 8);
  RequireUint("math.least(8, 7, 6, 5, 4, 3, 2.5, 1u)", 1);
}

TEST_CASE("math.greatest and math.least accept a list", "[cel][math]") {
  RequireInt("math.greatest([5.4, 10, 3u, -5.0, 3.5])", 10);
  RequireDouble("math.least([5.4, 10, 3u, -5.0, 3.5])", -5.0);
  RequireUint("math.greatest([dyn(5.4), dyn(10u), dyn(3u), dyn(-5.0), dyn(3.5)])", 10);
  RequireInt("math.least([3])", 3);

  Environment env;
  env.DeclareVariable("scores", Type::List(Type::Of(Type::Kind::kInt)));
  auto program = Compile("math.greatest(scores) - math.least(scores)", env);
  REQUIRE(program.ok());
  MapActivation vars;
  vars.Bind("scores", Value::List({Value::Int(4), Value::Int(-2), Value::Int(9)}));
  const Value spread = (*program)->Evaluate(vars);
  REQUIRE(spread.kind() == Value::Kind::kInt);
  CHECK(spread.int_value() == 11);

  vars.Bind("scores", Value::List({}));
  const Value empty = (*program)->Evaluate(vars);
  REQUIRE(empty.is_error());
  CHECK_THAT(std::string(empty.error_value().message()), Catch::Contains("must not be empty"));
}

TEST_CASE("math.greatest and math.least reject what is not a number", "[cel][math]") {
  RequireError("math.greatest([1, dyn('a')])", "no such overload");
  RequireError("math.least(dyn('a'), 1)", "no such overload");
  RequireError("math.greatest(1, 2, dyn(true))", "no such overload");
  RequireError("math.greatest([1.0, 0.0 / 0.0])", "NaN");
  RequireCheckError("math.greatest('a', 'b')");
}

TEST_CASE("math rounding functions", "[cel][math]") {
  RequireDouble("math.ceil(-1.2)", -1.0);
  RequireDouble("math.ceil(1.2)", 2.0);
  RequireDouble("math.floor(-1.2)", -2.0);
  RequireDouble("math.floor(1.2)", 1.0);
  // Halves round away from zero, not to even.
  RequireDouble("math.round(-1.5)", -2.0);
  RequireDouble("math.round(2.5)", 3.0);
  RequireDouble("math.round(-1.4)", -1.0);
  RequireDouble("math.round(1.2)", 1.0);
  RequireDouble("math.trunc(-1.7)", -1.0);
  RequireDouble("math.trunc(1.7)", 1.0);
  RequireTrue("math.isNaN(math.round(0.0/0.0))");
  RequireTrue("math.isNaN(math.trunc(0.0/0.0))");
  // Only doubles: an int is not silently converted.
  RequireError("math.ceil(dyn(1))", "no such overload");
  RequireError("math.round(dyn(1))", "no such overload");
  RequireCheckError("math.floor(1)");
}

TEST_CASE("math.abs and math.sign", "[cel][math]") {
  RequireInt("math.abs(-11)", 11);
  RequireInt("math.abs(1)", 1);
  RequireUint("math.abs(1u)", 1);
  RequireDouble("math.abs(-11.5)", 11.5);
  RequireError("math.abs(-9223372036854775808)", "overflow");
  RequireInt("math.abs(-9223372036854775807)", std::numeric_limits<int64_t>::max());

  RequireInt("math.sign(-11)", -1);
  RequireInt("math.sign(0)", 0);
  RequireInt("math.sign(100)", 1);
  RequireUint("math.sign(0u)", 0);
  RequireUint("math.sign(100u)", 1);
  RequireDouble("math.sign(-32.0)", -1.0);
  RequireDouble("math.sign(0.0)", 0.0);
  RequireDouble("math.sign(100.5)", 1.0);
  RequireTrue("math.isNaN(math.sign(0.0/0.0))");
  RequireError("math.sign(dyn(true))", "no such overload");
}

TEST_CASE("math.isInf, math.isNaN and math.isFinite", "[cel][math]") {
  RequireTrue("math.isNaN(0.0/0.0)");
  RequireTrue("!math.isNaN(1.0/0.0)");
  RequireTrue("math.isInf(1.0/0.0) && math.isInf(-1.0/0.0)");
  RequireTrue("!math.isInf(0.0/0.0) && !math.isInf(1.5)");
  RequireTrue("math.isFinite(1.0/1.5)");
  RequireTrue("!math.isFinite(0.0/0.0) && !math.isFinite(-1.0/0.0)");
  RequireError("math.isFinite(dyn(true))", "no such overload");
}

TEST_CASE("math bit operations on int and uint", "[cel][math]") {
  RequireInt("math.bitAnd(1, 3)", 1);
  RequireInt("math.bitAnd(1, -1)", 1);
  RequireUint("math.bitAnd(1u, 2u)", 0);
  RequireInt("math.bitOr(4, -2)", -2);
  RequireUint("math.bitOr(1u, 4u)", 5);
  RequireInt("math.bitXor(4, -2)", -6);
  RequireUint("math.bitXor(1u, 3u)", 2);
  RequireInt("math.bitNot(1)", -2);
  RequireInt("math.bitNot(-1)", 0);
  RequireUint("math.bitNot(0u)", std::numeric_limits<uint64_t>::max());
  RequireError("math.bitAnd(2u, dyn(''))", "no such overload");
  // int and uint do not mix.
  RequireCheckError("math.bitOr(1, 2u)");
}

TEST_CASE("math bit shifts", "[cel][math]") {
  RequireInt("math.bitShiftLeft(1, 2)", 4);
  RequireInt("math.bitShiftLeft(-1, 2)", -4);
  RequireUint("math.bitShiftLeft(1u, 63)", uint64_t{1} << 63);
  // Shifting out every bit gives 0.
  RequireInt("math.bitShiftLeft(1, 200)", 0);
  RequireInt("math.bitShiftLeft(-1, 64)", 0);
  RequireUint("math.bitShiftLeft(1u, 200)", 0);
  RequireInt("math.bitShiftRight(1024, 2)", 256);
  RequireUint("math.bitShiftRight(1024u, 2)", 256);
  RequireUint("math.bitShiftRight(1024u, 200)", 0);
  // Right shifts are logical: the sign bit is not extended.
  RequireInt("math.bitShiftRight(-1024, 3)", 2305843009213693824);
  RequireInt("math.bitShiftRight(-1024, 64)", 0);
  RequireError("math.bitShiftLeft(1u, -1)", "negative offset");
  RequireError("math.bitShiftRight(1, -1)", "negative offset");
  RequireError("math.bitShiftLeft(dyn(4.3), 1)", "no such overload");
}

}  // namespace
}  // namespace saleskit::cel
