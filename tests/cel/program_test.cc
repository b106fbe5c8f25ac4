#include <catch2/catch.hpp>

#include "saleskit/cel/program.h"

namespace saleskit::cel {
namespace {

Value Eval(absl::string_view expr, const MapActivation& vars = {}, CompileOptions options = {}) {
  Environment env;
  env.DeclareVariable("x", Type::Of(Type::Kind::kInt));
  env.DeclareVariable("s", Type::Of(Type::Kind::kString));
  env.DeclareVariable("d", Type::Dyn());
  auto p = Compile(expr, env, options);
  REQUIRE(p.ok());
  return (*p)->Evaluate(vars);
}

bool IsTrue(const Value& v) { return v.kind() == Value::Kind::kBool && v.bool_value(); }
bool IsFalse(const Value& v) { return v.kind() == Value::Kind::kBool && !v.bool_value(); }

TEST_CASE("&& and || absorb errors when the other side decides", "[cel][eval]") {
  MapActivation vars;
  vars.Bind("x", Value::Int(0));
  CHECK(IsFalse(Eval("1 / x > 0 && false", vars)));
  CHECK(IsFalse(Eval("false && 1 / x > 0", vars)));
  CHECK(IsTrue(Eval("1 / x > 0 || true", vars)));
  CHECK(Eval("1 / x > 0 && true", vars).is_error());
  CHECK(Eval("1 / x > 0 || false", vars).is_error());
}

TEST_CASE("integer overflow and division by zero are errors, not wrapped values", "[cel][eval]") {
  MapActivation vars;
  vars.Bind("x", Value::Int(INT64_MAX));
  const Value v = Eval("x + 1", vars);
  REQUIRE(v.is_error());
  CHECK(std::string(v.error_value().message()).find("overflow") != std::string::npos);
  vars.Bind("x", Value::Int(0));
  const Value z = Eval("10 % x", vars);
  REQUIRE(z.is_error());
  CHECK(std::string(z.error_value().message()).find("division by zero") != std::string::npos);
}

TEST_CASE("heterogeneous numbers compare by value", "[cel][eval]") {
  CHECK(IsTrue(Eval("dyn(1) == 1.0 && dyn(1u) == 1 && 2 > 1.5 && 3u < 3.5")));
  CHECK(IsTrue(Eval("[dyn(1), 2.0] == [1.0, dyn(2u)]")));
  CHECK(IsTrue(Eval("{1: 'a'}[dyn(1u)] == 'a' && dyn(2.0) in [1, 2]")));
  CHECK(IsFalse(Eval("0.0/0.0 == 0.0/0.0")));
}

TEST_CASE("a comprehension over the iteration limit is an error naming the limit", "[cel][eval][limits]") {
  CompileOptions options;
  options.max_iterations = 1000;
  const Value v = Eval("[0,1,2,3,4,5,6,7,8,9].all(a, [0,1,2,3,4,5,6,7,8,9].all(b, "
                       "[0,1,2,3,4,5,6,7,8,9].all(c, a + b + c >= 0)))",
                       {}, options);
  REQUIRE(v.is_error());
  CHECK(v.error_value().code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(v.error_value().message()).find("max_iterations") != std::string::npos);
  CHECK(IsTrue(Eval("[0,1,2,3,4,5,6,7,8,9].all(a, [0,1,2].all(b, a + b >= 0))", {}, options)));
}

TEST_CASE("macros evaluate with CEL semantics", "[cel][eval]") {
  CHECK(IsTrue(Eval("[1, 2, 3].exists_one(v, v > 2)")));
  CHECK(IsFalse(Eval("[1, 2, 3].exists_one(v, v > 1)")));
  CHECK(Equal(Eval("[1, 2, 3].map(v, v * 2)"), Value::List({Value::Int(2), Value::Int(4), Value::Int(6)})));
  CHECK(Equal(Eval("[1, 2, 3].filter(v, v % 2 == 1)"), Value::List({Value::Int(1), Value::Int(3)})));
  CHECK(Equal(Eval("{'a': 1, 'b': 2}.map(k, k)"), Value::List({Value::String("a"), Value::String("b")})));
  // all() is false when any element is false, even if another errs.
  CHECK(IsFalse(Eval("[0, 1, 2].all(v, 2 / v > 1)")));
  CHECK(Eval("[1, 0].all(v, 1 / v > 0)").is_error());
}

TEST_CASE("unchecked programs resolve names at evaluation time", "[cel][eval]") {
  CompileOptions options;
  options.check = false;
  MapActivation vars;
  vars.Bind("d", Value::String("abc"));
  CHECK(IsTrue(Eval("d.size() == 3", vars, options)));
  const Value missing = Eval("nope + 1", vars, options);
  REQUIRE(missing.is_error());
  CHECK(std::string(missing.error_value().message()).find("undeclared reference to 'nope'") != std::string::npos);
  CHECK(NoSuchOverload("f", {}).is_error());
  CHECK(Eval("d + 1", vars, options).is_error());  // string + int: no such overload
}

TEST_CASE("map keys are unique and typed", "[cel][eval]") {
  const Value dup = Eval("{'a': 1, 'a': 2}");
  REQUIRE(dup.is_error());
  CHECK(std::string(dup.error_value().message()).find("repeated key") != std::string::npos);
  CHECK(Eval("{'a': 1}['b']").is_error());
  CHECK(IsTrue(Eval("has({'a': 1}.a) && !has({'a': 1}.b)")));
}

TEST_CASE("type values compare by name", "[cel][eval]") {
  CHECK(IsTrue(Eval("type(1) == int && type('a') == string && type([1]) == list")));
  CHECK(IsTrue(Eval("type(type(1)) == type && type(null) == null_type")));
}

TEST_CASE("a program outlives the environment it was compiled in", "[cel][eval]") {
  std::unique_ptr<Program> program;
  {
    Environment env;
    env.DeclareVariable("n", Type::Of(Type::Kind::kInt));
    auto p = Compile("n + 1 == 3", env);
    REQUIRE(p.ok());
    program = *std::move(p);
  }
  MapActivation vars;
  vars.Bind("n", Value::Int(2));
  CHECK(IsTrue(program->Evaluate(vars)));
}

TEST_CASE("optional values nest inside lists and maps", "[cel][eval]") {
  CHECK(IsTrue(Eval("{?'k': optional.of({'a': 1})} == {'k': {'a': 1}}")));
  CHECK(IsTrue(Eval("[?optional.of([1]), ?optional.none()] == [[1]]")));
  CHECK(IsTrue(Eval("optional.of(2).optMap(v, v * 3).value() == 6")));
  CHECK(IsTrue(Eval("!optional.none().optFlatMap(v, optional.of(v)).hasValue()")));
  // or/orValue decide from a present receiver without evaluating their argument.
  MapActivation vars;
  vars.Bind("x", Value::Int(0));
  CHECK(IsTrue(Eval("optional.of(1).orValue(1 / x) == 1", vars)));
  CHECK(IsTrue(Eval("optional.of(1).or(optional.of(1 / x)).value() == 1", vars)));
  CHECK(Eval("optional.none().orValue(1 / x) == 1", vars).is_error());
}

TEST_CASE("strings with NUL and any valid UTF-8 are values like any other", "[cel][eval]") {
  CHECK(IsTrue(Eval("'a\\x00b'.size() == 3")));
  CHECK(IsTrue(Eval("'héllo'.size() == 5")));
}

}  // namespace
}  // namespace saleskit::cel

namespace saleskit::cel {
namespace {

TEST_CASE("a catastrophic regular expression stays linear (RE2)", "[cel][eval][bad-input]") {
  // (a+)+$ against a^n b takes exponential time in a backtracking engine.
  Environment env;
  env.DeclareVariable("s", Type::Of(Type::Kind::kString));
  auto p = Compile("s.matches('^(a+)+$')", env);
  REQUIRE(p.ok());
  MapActivation vars;
  vars.Bind("s", Value::String(std::string(200000, 'a') + "b"));
  const Value v = (*p)->Evaluate(vars);
  REQUIRE(v.kind() == Value::Kind::kBool);
  CHECK_FALSE(v.bool_value());
}

TEST_CASE("NUL bytes and invalid UTF-8 are handled, never crash", "[cel][eval][bad-input]") {
  Environment env;
  // A raw NUL byte inside a string literal is a character like any other.
  auto nul = Compile(std::string("'a\0b'.size() == 3", 17), env);
  REQUIRE(nul.ok());
  CHECK(Equal((*nul)->Evaluate(MapActivation()), Value::Bool(true)));
  // Outside a literal it is a syntax error with its position.
  auto stray = Compile(std::string("1 ==\0 1", 7), env);
  REQUIRE_FALSE(stray.ok());
  CHECK(std::string(stray.status().message()).find("1:5: unexpected character") != std::string::npos);
  // Invalid UTF-8 in the source is a syntax error naming the byte.
  auto bad = Compile("'caf\xc3' == 'x'", env);
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()).find("invalid UTF-8 at byte") != std::string::npos);
  // Bytes that are not UTF-8 do not become strings.
  auto conv = Compile("string(b'\\xff')", env);
  REQUIRE(conv.ok());
  CHECK((*conv)->Evaluate(MapActivation()).is_error());
}

TEST_CASE("an expression over the size or nesting limit is an error naming the limit", "[cel][eval][bad-input]") {
  Environment env;
  auto big = Compile(std::string(200 * 1024, ' ') + "1", env);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == absl::StatusCode::kResourceExhausted);
  auto deep = Compile(std::string(300, '[') + std::string(300, ']'), env);
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(deep.status().message()).find("250") != std::string::npos);
}

}  // namespace
}  // namespace saleskit::cel

namespace saleskit::cel {
namespace {

TEST_CASE("map() and filter() stay linear in the size of their input", "[cel][eval][limits]") {
  // A quadratic accumulator (copying the list on every step) would take
  // minutes here; the iteration limit alone would not prevent it.
  Environment env;
  env.DeclareVariable("xs", Type::List(Type::Of(Type::Kind::kInt)));
  std::vector<Value> xs;
  for (int i = 0; i < 100000; ++i) xs.push_back(Value::Int(i));
  MapActivation vars;
  vars.Bind("xs", Value::List(std::move(xs)));
  auto p = Compile("xs.map(x, x * 2).size() == 100000 && xs.filter(x, x % 2 == 0).size() == 50000 && "
                   "xs.map(x, x * 2)[99999] == 199998",
                   env);
  REQUIRE(p.ok());
  CompileOptions options;
  options.max_iterations = 300000;
  auto q = Compile("xs.map(x, x * 2).size() == 100000 && xs.filter(x, x % 2 == 0).size() == 50000 && "
                   "xs.map(x, x * 2)[99999] == 199998",
                   env, options);
  REQUIRE(q.ok());
  CHECK(Equal((*q)->Evaluate(vars), Value::Bool(true)));
  // With the default limit of 100000 iterations the three loops together are too many.
  CHECK((*p)->Evaluate(vars).is_error());
  // The input list is not changed by the appends.
  CHECK((*vars.FindVariable("xs")).list_value().size() == 100000);
}

}  // namespace
}  // namespace saleskit::cel
