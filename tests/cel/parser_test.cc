#include "saleskit/cel/parser.h"

#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace saleskit::cel {
namespace {

std::string P(absl::string_view source) {
  auto parsed = Parse(source);
  if (!parsed.ok()) return std::string(parsed.status().message());
  return DebugString(*parsed->expr);
}

TEST_CASE("CEL operators parse with CEL precedence and associativity", "[cel][parser]") {
  CHECK(P("1 + 2 * 3") == "_+_(1, _*_(2, 3))");
  CHECK(P("(1 + 2) * 3") == "_*_(_+_(1, 2), 3)");
  CHECK(P("a - b - c") == "_-_(_-_(a, b), c)");
  CHECK(P("a || b && c") == "_||_(a, _&&_(b, c))");
  CHECK(P("a < b == c") == "_==_(_<_(a, b), c)");
  CHECK(P("x in [1, 2]") == "@in(x, [1, 2])");
  CHECK(P("a ? b : c ? d : e") == "_?_:_(a, b, _?_:_(c, d, e))");
  CHECK(P("!!a") == "!_(!_(a))");
  CHECK(P("-a.b") == "-_(a.b)");
  CHECK(P("a.b[0].c(1)") == "_[_](a.b, 0).c(1)");
  CHECK(P(".pkg.Name") == ".pkg.Name");
}

TEST_CASE("CEL literals: numbers, strings, bytes", "[cel][parser]") {
  CHECK(P("-9223372036854775808") == "-9223372036854775808");
  CHECK(P("9223372036854775808").find("integer literal out of range") != std::string::npos);
  CHECK(P("0x7fffffffffffffff") == "9223372036854775807");
  CHECK(P("-0x8000000000000000") == "-9223372036854775808");
  CHECK(P("18446744073709551615u") == "18446744073709551615u");
  CHECK(P("1e3") == "1000");
  CHECK(P(".5") == "0.5");
  CHECK(P("2.5e-1") == "0.25");
  CHECK(P(R"('a\tb')") == R"("a\tb")");
  CHECK(P(R"("\u00e9\U0001F600\x41\101")") == "\"\\303\\251\\360\\237\\230\\200AA\"");
  CHECK(P(R"(r'a\tb')") == R"("a\\tb")");
  CHECK(P("'''multi\nline'''") == R"("multi\nline")");
  CHECK(P(R"(b'\xff\000')") == R"(b"\xff\x00")");
  CHECK(P(R"(b'\u00ff')").find("not allowed in bytes") != std::string::npos);
  CHECK(P("true && null != false") == "_&&_(true, _!=_(null, false))");
}

TEST_CASE("CEL aggregates and message construction", "[cel][parser]") {
  CHECK(P("[1, 2, 3,]") == "[1, 2, 3]");
  CHECK(P("{'a': 1, 2: [true]}") == R"({"a": 1, 2: [true]})");
  CHECK(P("google.protobuf.Int64Value{value: 1}") == "google.protobuf.Int64Value{value: 1}");
  CHECK(P("[?a, b]") == "[?a, b]");
  CHECK(P("[?a, ?b, c]") == "[?a, ?b, c]");
  CHECK(P("[a, ?b]") == "[a, ?b]");
  CHECK(P("{?'k': v}") == R"({?"k": v})");
  CHECK(P("M{?f: v}") == "M{?f: v}");
  CHECK(P("a.?b") == R"(_?._(a, "b"))");
  CHECK(P("m.`content-type`") == "m.content-type");
  CHECK(P("has(m.`a/b`)") == "m.a/b~test-only");
  CHECK(P("M{`in`: true}") == "M{in: true}");
  CHECK(P("`a` + 1").find("unexpected token") != std::string::npos);
  CHECK(P("a[?0]") == "_[?_](a, 0)");
}

TEST_CASE("CEL macros expand to comprehensions", "[cel][parser]") {
  CHECK(P("has(a.b)") == "a.b~test-only");
  CHECK(P("l.all(x, x > 0)") ==
        "__comprehension__(x, l, @result, true, @not_strictly_false(@result), _&&_(@result, _>_(x, 0)), @result)");
  CHECK(P("l.exists(x, x > 0)") ==
        "__comprehension__(x, l, @result, false, @not_strictly_false(!_(@result)), _||_(@result, _>_(x, 0)), "
        "@result)");
  CHECK(P("l.exists_one(x, x)") ==
        "__comprehension__(x, l, @result, 0, true, _?_:_(x, _+_(@result, 1), @result), _==_(@result, 1))");
  CHECK(P("l.map(x, x * 2)") == "__comprehension__(x, l, @result, [], true, _+_(@result, [_*_(x, 2)]), @result)");
  CHECK(P("l.map(x, x > 1, x)") ==
        "__comprehension__(x, l, @result, [], true, _?_:_(_>_(x, 1), _+_(@result, [x]), @result), @result)");
  CHECK(P("l.filter(x, x > 1)") ==
        "__comprehension__(x, l, @result, [], true, _?_:_(_>_(x, 1), _+_(@result, [x]), @result), @result)");
  CHECK(P("l.size()") == "l.size()");  // not a macro: a receiver call
}

TEST_CASE("CEL syntax errors give line:column and the token", "[cel][parser][bad-input]") {
  CHECK(P("a +") == "Syntax error: 1:4: unexpected end of expression (near end of input)");
  CHECK(P("a\n  && (b ||)") == "Syntax error: 2:11: unexpected token (near ')')");
  CHECK(P("a = b") == "Syntax error: 1:3: unexpected character '=' (near '=')");
  CHECK(P("'open") == "Syntax error: 1:1: unterminated string literal (near ''open')");
  CHECK(P("if(a)") == "Syntax error: 1:1: reserved identifier 'if' (near 'if')");
  CHECK(P("has(a)") == "Syntax error: 1:4: has() needs a field selection such as has(a.b) (near 'has')");
  CHECK(P("l.all(1, true)") == "Syntax error: 1:7: all() needs a variable name first (near 'all')");
  CHECK(P("'\\q'").find("invalid escape sequence") != std::string::npos);
  CHECK(P("123abc").find("malformed number") != std::string::npos);
  CHECK(P("é + 1").find("1:1: unexpected character") != std::string::npos);
  CHECK(Parse("\"a\xff\"").status().message() == "Syntax error: invalid UTF-8 at byte 3");
}

TEST_CASE("CEL parsing is bounded", "[cel][parser][bad-input]") {
  std::string deep(1000, '(');
  deep += "1" + std::string(1000, ')');
  auto r = Parse(deep);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(r.status().message()).find("nesting exceeds the limit of 250") != std::string::npos);
  CHECK(Parse(std::string(1000, '!') + "a").status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(Parse(std::string(1000, '[') + std::string(1000, ']')).status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(Parse(std::string(200, '(') + "1" + std::string(200, ')')).ok());
  std::string chain = "1";
  for (int i = 0; i < 400; ++i) chain += " + 1";
  CHECK(Parse(chain).ok());  // long flat chains are not deep
  ParseOptions small;
  small.max_source_bytes = 10;
  CHECK(Parse("a + b + c + d", small).status().code() == absl::StatusCode::kResourceExhausted);
}

TEST_CASE("CEL source positions map node ids to line and column", "[cel][parser]") {
  const std::string src = "a &&\n  b.c";
  auto parsed = Parse(src);
  REQUIRE(parsed.ok());
  const auto* call = parsed->expr->As<CallExpr>();
  REQUIRE(call != nullptr);
  const Expr& select = *call->args[1];
  CHECK(parsed->source_info.LineColumn(src, parsed->source_info.positions.at(select.id)) ==
        std::make_pair(2, 4));
  CHECK(parsed->source_info.LineColumn(src, parsed->source_info.positions.at(call->args[0]->id)) ==
        std::make_pair(1, 1));
}

// Every expression in the CEL conformance suite is valid CEL syntax except
// the few written to be syntax errors: the parser must accept the rest.
TEST_CASE("CEL parser accepts the conformance suite's expressions", "[cel][parser][conformance]") {
  const char* files[] = {"basic", "conversions", "fp_math", "integer_math", "lists", "logic", "macros",
                         "string", "timestamps", "parse", "plumbing", "namespace", "fields", "optionals",
                         "string_ext", "math_ext", "type_deduction", "wrappers", "proto3", "dynamic",
                         "enums"};
  int parsed = 0, failed = 0;
  std::string rejected;
  for (const char* name : files) {
    const std::string path = absl::StrCat(SALESKIT_SHARED_DATA_DIR, "/cel-spec/testdata/", name, ".textproto");
    std::ifstream in(path);
    REQUIRE(in.good());
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      const size_t at = line.find("expr: \"");
      if (at == std::string::npos || line.find_first_not_of(' ') != at) continue;
      std::string text = line.substr(at + 7);
      text = text.substr(0, text.rfind('"'));
      std::string expr;
      REQUIRE(absl::CUnescape(text, &expr));
      auto r = Parse(expr);
      if (r.ok()) {
        ++parsed;
      } else {
        ++failed;
        absl::StrAppend(&rejected, name, ":", line_no, ": ", expr, " -> ", r.status().message(), "\n");
      }
    }
  }
  INFO(parsed << " parsed, " << failed << " rejected:\n" << rejected);
  CHECK(parsed > 1500);
  CHECK(failed == 0);
}

}  // namespace
}  // namespace saleskit::cel
