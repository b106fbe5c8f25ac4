// Optional values, evaluated end to end (parse, check, evaluate). Expected
// values follow cel-spec's optionals.textproto.
#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include "absl/time/time.h"
#include "saleskit/cel/program.h"
#include "saleskit/cel/value.h"

namespace saleskit::cel {
namespace {

Value Eval(const std::string& expr, const Environment& env = Environment(),
           const Activation& vars = MapActivation()) {
  auto program = Compile(expr, env);
  INFO(expr);
  INFO((program.ok() ? std::string() : std::string(program.status().message())));
  REQUIRE(program.ok());
  return (*program)->Evaluate(vars);
}

std::string Describe(const Value& v) {
  return v.is_error() ? std::string(v.error_value().message()) : v.DebugString();
}

void RequireTrue(const std::string& expr) {
  INFO(expr);
  const Value v = Eval(expr);
  INFO(Describe(v));
  REQUIRE(v.kind() == Value::Kind::kBool);
  CHECK(v.bool_value());
}

void RequireFalse(const std::string& expr) {
  INFO(expr);
  const Value v = Eval(expr);
  INFO(Describe(v));
  REQUIRE(v.kind() == Value::Kind::kBool);
  CHECK_FALSE(v.bool_value());
}

void RequireString(const std::string& expr, const std::string& want) {
  INFO(expr);
  const Value v = Eval(expr);
  INFO(Describe(v));
  REQUIRE(v.kind() == Value::Kind::kString);
  CHECK(std::string(v.string_value()) == want);
}

void RequireInt(const std::string& expr, int64_t want) {
  INFO(expr);
  const Value v = Eval(expr);
  INFO(Describe(v));
  REQUIRE(v.kind() == Value::Kind::kInt);
  CHECK(v.int_value() == want);
}

void RequireError(const std::string& expr, const std::string& fragment) {
  INFO(expr);
  const Value v = Eval(expr);
  INFO(Describe(v));
  REQUIRE(v.is_error());
  CHECK_THAT(std::string(v.error_value().message()), Catch::Contains(fragment));
}

TEST_CASE("optional.of, optional.none, hasValue and value", "[cel][optionals]") {
  RequireTrue("optional.of(null).hasValue()");
  RequireTrue("optional.of(0).hasValue()");
  RequireFalse("optional.none().hasValue()");
  RequireInt("optional.of(42).value()", 42);
  RequireString("optional.of('x').value() + 'y'", "xy");
  RequireError("optional.none().value()", "optional.none() dereference");

  const Value opt = Eval("optional.of([1, 2])");
  REQUIRE(opt.kind() == Value::Kind::kOptional);
  REQUIRE(opt.optional_has_value());
  CHECK(opt.optional_value().list_value().size() == 2);
  const Value none = Eval("optional.none()");
  REQUIRE(none.kind() == Value::Kind::kOptional);
  CHECK_FALSE(none.optional_has_value());
}

TEST_CASE("optional.ofNonZeroValue is none for every kind's zero value", "[cel][optionals]") {
  for (const char* zero : {"null", "false", "0", "0u", "0.0", "-0.0", "''", "b''", "[]", "{}",
                           "duration('0s')",
                           "timestamp('1970-01-01T00:00:00Z')"}) {
    RequireFalse(std::string("optional.ofNonZeroValue(") + zero + ").hasValue()");
  }
  for (const char* set : {"true", "-1", "1u", "0.5", "' '", "b'\\x00'", "[0]", "{'': 0}",
                          "duration('1ns')",
                          "timestamp('1970-01-01T00:00:01Z')"}) {
    RequireTrue(std::string("optional.ofNonZeroValue(") + set + ").hasValue()");
  }
  RequireInt("optional.ofNonZeroValue(42).or(optional.of(20)).value()", 42);
}

TEST_CASE("or and orValue fall back only when the optional is none", "[cel][optionals]") {
  RequireInt("optional.none().or(optional.none()).orValue(42)", 42);
  RequireInt("optional.none().or(optional.of(7)).orValue(42)", 7);
  RequireInt("optional.of(1).or(optional.of(7)).value()", 1);
  RequireFalse("optional.none().or(optional.none()).hasValue()");
  RequireString("optional.of('set').orValue('default')", "set");
  RequireString(
      "optional.ofNonZeroValue('').or(optional.of({'c': {'dashed-index': 'goodbye'}}.c['dashed-index']))"
      ".orValue('default value')",
      "goodbye");
  // The fallback must have the optional's type.
  CHECK_FALSE(Compile("optional.of(1).orValue('a')", Environment()).ok());
  CHECK_FALSE(Compile("optional.of(1).or(optional.of('a'))", Environment()).ok());
}

TEST_CASE("optional indexing of lists", "[cel][optionals]") {
  RequireString("['foo'][?0].value()", "foo");
  RequireFalse("[][?0].hasValue()");
  RequireFalse("['foo'][?1].hasValue()");
  RequireFalse("['foo'][?-1].hasValue()");
  RequireString("['a', 'b'][?5].orValue('none')", "none");
  RequireString("optional.of(['foo'])[?0].value()", "foo");
  RequireFalse("optional.of([])[?0].hasValue()");
  RequireFalse("optional.none()[?0].hasValue()");
}

TEST_CASE("optional indexing of maps", "[cel][optionals]") {
  RequireString("{'c': {'dashed-index': 'goodbye'}}.c[?'dashed-index'].orValue('default value')",
                "goodbye");
  RequireString("{'c': {}}.c[?'missing-index'].orValue('default value')", "default value");
  RequireInt("{true: 1, 2: 2, 5u: 3}[?true].value()", 1);
  // Numeric keys match across int, uint and double.
  RequireTrue("{1u: 1.0, 2: 2.0, 3u: 3.0}[?3.0].value() == 3.0");
  RequireTrue("{1u: 1.0, 2: 2.0, 3u: 3.0}[?2u].value() == 2.0");
  RequireTrue("{1u: 1.0, 2: 2.0, 3u: 3.0}[?1].value() == 1.0");
  RequireFalse("{1: 'a'}[?2].hasValue()");
  // A present null entry is a value, not none.
  RequireTrue("{'k': dyn(null)}[?'k'].hasValue()");

  Environment env;
  env.DeclareVariable("attrs", Type::Map(Type::Of(Type::Kind::kString), Type::Of(Type::Kind::kString)));
  auto program = Compile("attrs[?'tier'].orValue('standard')", env);
  REQUIRE(program.ok());
  CHECK((*program)->result_type() == Type::Of(Type::Kind::kString));
  MapActivation vars;
  auto with_tier = MapValue::Create({{Value::String("tier"), Value::String("gold")}});
  REQUIRE(with_tier.ok());
  vars.Bind("attrs", Value::Map(*with_tier));
  Value v = (*program)->Evaluate(vars);
  REQUIRE(v.kind() == Value::Kind::kString);
  CHECK(v.string_value() == "gold");
  auto empty = MapValue::Create({});
  REQUIRE(empty.ok());
  vars.Bind("attrs", Value::Map(*empty));
  v = (*program)->Evaluate(vars);
  REQUIRE(v.kind() == Value::Kind::kString);
  CHECK(v.string_value() == "standard");
  // The key must have the map's key type.
  CHECK_FALSE(Compile("attrs[?1]", env).ok());
}

TEST_CASE("indexing into an optional list or map gives an optional", "[cel][optionals]") {
  RequireString("optional.of(['list-value'])[0].orValue('default value')", "list-value");
  RequireFalse("optional.of(['list-value'])[3].hasValue()");
  RequireFalse("optional.none()[0].hasValue()");
  RequireString("optional.of({'c': {'index': 'goodbye'}}).c['index'].orValue('default value')",
                "goodbye");
  RequireString("optional.of({'c': {}}).c['missing'].orValue('default value')", "default value");
  RequireString(
      "optional.of({'c': {}}).c.missing.or(optional.of(['list-value'])[0]).orValue('default value')",
      "list-value");
}

TEST_CASE("optionals compare equal by presence and value", "[cel][optionals]") {
  RequireTrue("optional.none() == optional.none()");
  RequireFalse("optional.none() == optional.of(1)");
  RequireFalse("optional.of(1) == optional.none()");
  RequireTrue("optional.of(1) == optional.of(1)");
  RequireFalse("optional.of(1) != optional.of(1)");
  RequireTrue("optional.of(1) != optional.of(2)");
  RequireTrue("optional.none() != optional.of(1)");
}

}  // namespace
}  // namespace saleskit::cel
