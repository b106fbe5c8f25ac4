#include <catch2/catch.hpp>

#include "saleskit/cel/program.h"

namespace saleskit::cel {
namespace {

Environment TestEnv() {
  Environment env;
  env.DeclareVariable("x", Type::Of(Type::Kind::kInt));
  env.DeclareVariable("name", Type::Of(Type::Kind::kString));
  env.DeclareVariable("tags", Type::List(Type::Of(Type::Kind::kString)));
  env.DeclareVariable("attrs", Type::Map(Type::Of(Type::Kind::kString), Type::Dyn()));
  env.DeclareMessage("test.Person", {{"age", Type::Wrapper(Type::Of(Type::Kind::kInt))},
                                     {"email", Type::Wrapper(Type::Of(Type::Kind::kString))}});
  env.DeclareVariable("person", Type::Message("test.Person"));
  return env;
}

std::string TypeOf(absl::string_view expr) {
  auto p = Compile(expr, TestEnv());
  REQUIRE(p.ok());
  return (*p)->result_type().DebugString();
}

std::string CheckError(absl::string_view expr) {
  auto p = Compile(expr, TestEnv());
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(p.status().message());
}

TEST_CASE("checker deduces the types of literals, operators and macros", "[cel][checker]") {
  CHECK(TypeOf("1 + x") == "int");
  CHECK(TypeOf("name.size() > 3") == "bool");
  CHECK(TypeOf("[1, 2]") == "list(int)");
  CHECK(TypeOf("[1, 'a']") == "list(dyn)");
  CHECK(TypeOf("{'a': 1}") == "map(string, int)");
  CHECK(TypeOf("tags.map(t, t + '!')") == "list(string)");
  CHECK(TypeOf("tags.exists(t, t == name)") == "bool");
  CHECK(TypeOf("attrs.plan") == "dyn");
  CHECK(TypeOf("person.age") == "wrapper(int)");
  CHECK(TypeOf("person.age < 10") == "bool");  // a wrapper compares as its value
  CHECK(TypeOf("has(person.email)") == "bool");
  CHECK(TypeOf("x > 0 ? 'big' : 'small'") == "string");
  CHECK(TypeOf("type(x)") == "type(int)");
}

TEST_CASE("checker names undeclared variables with position and suggestion", "[cel][checker]") {
  const std::string err = CheckError("x + nmae.size()");
  CHECK(err.find("ERROR: 1:5:") != std::string::npos);
  CHECK(err.find("undeclared reference to 'nmae'") != std::string::npos);
  CHECK(err.find("did you mean 'name'?") != std::string::npos);
}

TEST_CASE("checker reports unknown fields with a suggestion", "[cel][checker]") {
  const std::string err = CheckError("person.emial == 'a'");
  CHECK(err.find("undefined field 'emial'") != std::string::npos);
  CHECK(err.find("did you mean 'email'?") != std::string::npos);
}

TEST_CASE("checker reports unknown functions with a suggestion", "[cel][checker]") {
  const std::string err = CheckError("name.startWith('a')");
  CHECK(err.find("undeclared reference to 'startWith'") != std::string::npos);
  CHECK(err.find("did you mean 'startsWith'?") != std::string::npos);
}

TEST_CASE("checker rejects wrong argument types naming the overload", "[cel][checker]") {
  const std::string err = CheckError("x + name");
  CHECK(err.find("found no matching overload for '_+_' applied to '(int, string)'") != std::string::npos);
  CHECK(err.find("1:3") != std::string::npos);
}

TEST_CASE("checker reports errors on the line where they are", "[cel][checker]") {
  const std::string err = CheckError("x > 1 &&\n  name == 2");
  CHECK(err.find("ERROR: 2:8:") != std::string::npos);
}

TEST_CASE("a condition must be bool", "[cel][checker]") {
  CompileOptions options;
  options.require_bool = true;
  auto p = Compile("x + 1", TestEnv(), options);
  REQUIRE_FALSE(p.ok());
  CHECK(std::string(p.status().message()).find("must be bool") != std::string::npos);
  CHECK(Compile("x > 1", TestEnv(), options).ok());
}

TEST_CASE("comprehension variables shadow and go out of scope", "[cel][checker]") {
  CHECK(TypeOf("[1, 2].all(x, x > 0) && x > 0") == "bool");
  const std::string err = CheckError("[1].all(y, y > 0) && y > 0");
  CHECK(err.find("undeclared reference to 'y'") != std::string::npos);
}

TEST_CASE("containers resolve qualified names most specific first", "[cel][checker]") {
  Environment env;
  env.DeclareVariable("a.b.x", Type::Of(Type::Kind::kString));
  env.DeclareVariable("x", Type::Of(Type::Kind::kInt));
  env.set_container("a.b");
  auto p = Compile("x", env);
  REQUIRE(p.ok());
  CHECK((*p)->result_type().DebugString() == "string");
  auto q = Compile(".x", env);
  REQUIRE(q.ok());
  CHECK((*q)->result_type().DebugString() == "int");
}

}  // namespace
}  // namespace saleskit::cel
