#include "cel/internal/textproto.h"

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include "absl/strings/str_cat.h"

namespace saleskit::cel::internal {
namespace {

TEST_CASE("textproto: fields, messages, lists, strings and extension names", "[cel][textproto]") {
  auto root = ParseTextProto(R"(
    # a comment
    name: "basic"
    section {
      name: 'a' "b\n"
      test < value { int64_value: -7 } >
      test { value: { double_value: 1e-3 } list: [1, 2, 3] }
      [type.googleapis.com/x.Y] { flag: true }
    }
  )");
  REQUIRE(root.ok());
  REQUIRE(root->Find("name") != nullptr);
  CHECK(root->Find("name")->value == "basic");
  const TextNode* section = root->Find("section");
  REQUIRE(section != nullptr);
  CHECK(section->Find("name")->value == "ab\n");
  auto tests = section->FindAll("test");
  REQUIRE(tests.size() == 2);
  CHECK(tests[0]->Find("value")->Find("int64_value")->value == "-7");
  CHECK(tests[1]->Find("value")->Find("double_value")->value == "1e-3");
  CHECK(tests[1]->FindAll("list").size() == 3);
  CHECK(section->Find("[type.googleapis.com/x.Y]")->Find("flag")->value == "true");
  CHECK(section->line == 4);
}

TEST_CASE("textproto: errors name the line", "[cel][textproto][bad-input]") {
  CHECK(ParseTextProto("a {\n b: 1\n").status().message() ==
        "textproto line 3: expected '}' before the end of input");
  CHECK(ParseTextProto("a: \"open\n").status().message() == "textproto line 1: newline in a string");
  CHECK(ParseTextProto("a b").status().message() == "textproto line 1: expected ':' or '{' after field \"a\"");
}

TEST_CASE("textproto: every cel-spec conformance file reads", "[cel][textproto][conformance]") {
  for (const char* name : {"basic", "bindings_ext", "block_ext", "conversions", "dynamic", "encoders_ext", "enums",
                           "fields", "fp_math", "integer_math", "lists", "logic", "macros", "math_ext", "namespace",
                           "network_ext", "optionals", "parse", "plumbing", "proto2", "proto2_ext", "proto3",
                           "string", "string_ext", "timestamps", "type_deduction", "unknowns", "wrappers"}) {
    std::ifstream in(absl::StrCat(SALESKIT_SHARED_DATA_DIR, "/cel-spec/testdata/", name, ".textproto"));
    std::stringstream text;
    text << in.rdbuf();
    auto root = ParseTextProto(text.str());
    INFO(name << ": " << root.status().message());
    REQUIRE(root.ok());
    REQUIRE(root->Find("name") != nullptr);  // (type_deduction.textproto calls itself "type_deductions")
    if (std::string(name) != "unknowns") CHECK_FALSE(root->FindAll("section").empty());  // unknowns has none
  }
}

}  // namespace
}  // namespace saleskit::cel::internal
