#include "cel/conformance.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>
#include "absl/strings/str_split.h"
#include "cli/cel_conformance.h"

namespace saleskit::cel::conformance {
namespace {

using internal::ParseTextProto;
using internal::TextNode;

// The Value a text-format `value { ... }` stands for.
absl::StatusOr<Value> ValueOf(const std::string& text) {
  auto root = ParseTextProto(text);
  REQUIRE(root.ok());
  REQUIRE(root->Find("value") != nullptr);
  return ValueFromText(*root->Find("value"));
}

absl::StatusOr<Type> TypeOf(const std::string& text) {
  auto root = ParseTextProto(text);
  REQUIRE(root.ok());
  REQUIRE(root->Find("type") != nullptr);
  return TypeFromText(*root->Find("type"));
}

TEST_CASE("conformance: expected values convert to CEL values", "[cel][conformance]") {
  CHECK(ValueOf("value { int64_value: -9223372036854775808 }")->int_value() == INT64_MIN);
  CHECK(ValueOf("value { uint64_value: 18446744073709551615 }")->uint_value() == UINT64_MAX);
  CHECK(ValueOf("value { double_value: -inf }")->double_value() == -INFINITY);
  CHECK(std::isnan(ValueOf("value { double_value: nan }")->double_value()));
  CHECK(ValueOf("value { null_value: NULL_VALUE }")->kind() == Value::Kind::kNull);
  CHECK(ValueOf("value { bytes_value: \"\\xff\\000\" }")->bytes_value() == std::string("\xff\0", 2));
  CHECK(ValueOf("value { type_value: \"list\" }")->type_value() == "list");

  auto list = ValueOf("value { list_value { values { int64_value: 1 } values { string_value: 'a' } } }");
  REQUIRE(list.ok());
  REQUIRE(list->list_value().size() == 2);
  CHECK(list->list_value()[1].string_value() == "a");

  auto map = ValueOf(
      "value { map_value { entries { key { string_value: 'k' } value { bool_value: true } } } }");
  REQUIRE(map.ok());
  REQUIRE(map->map_value().Find(Value::String("k")) != nullptr);
  CHECK(map->map_value().Find(Value::String("k"))->bool_value());
}

TEST_CASE("conformance: well-known messages become the values CEL reads them as", "[cel][conformance]") {
  CHECK(ValueOf("value { object_value { [type.googleapis.com/google.protobuf.Int32Value] { value: -7 } } }")
            ->int_value() == -7);
  CHECK(ValueOf("value { object_value { [type.googleapis.com/google.protobuf.UInt64Value] {} } }")->uint_value() == 0);
  // A FloatValue holds single precision.
  CHECK(ValueOf("value { object_value { [type.googleapis.com/google.protobuf.FloatValue] { value: 0.1 } } }")
            ->double_value() == static_cast<double>(0.1f));
  CHECK(ValueOf("value { object_value { [type.googleapis.com/google.protobuf.Duration] { seconds: 123 nanos: 5 } } }")
            ->duration_value() == absl::Seconds(123) + absl::Nanoseconds(5));
  CHECK(ValueOf("value { object_value { [type.googleapis.com/google.protobuf.Timestamp] { seconds: 1 } } }")
            ->timestamp_value() == absl::FromUnixSeconds(1));

  auto json = ValueOf(R"(value { object_value { [type.googleapis.com/google.protobuf.Struct] {
      fields { key: "n" value { number_value: 1.5 } }
      fields { key: "l" value { list_value { values { null_value: NULL_VALUE } values { bool_value: true } } } }
    } } })");
  REQUIRE(json.ok());
  REQUIRE(json->kind() == Value::Kind::kMap);
  CHECK(json->map_value().Find(Value::String("n"))->double_value() == 1.5);
  const Value* l = json->map_value().Find(Value::String("l"));
  REQUIRE(l != nullptr);
  REQUIRE(l->list_value().size() == 2);
  CHECK(l->list_value()[0].kind() == Value::Kind::kNull);

  // An Any holding a well-known message is that message's value.
  CHECK(ValueOf(R"(value { object_value { [type.googleapis.com/google.protobuf.Any] {
      [type.googleapis.com/google.protobuf.StringValue] { value: "s" } } } })")
            ->string_value() == "s");
}

TEST_CASE("conformance: conformance messages are Unimplemented (skipped), other gaps InvalidArgument",
          "[cel][conformance]") {
  auto message = ValueOf(
      "value { object_value { [type.googleapis.com/cel.expr.conformance.proto3.TestAllTypes] { single_int64: 1 } } }");
  CHECK(message.status().code() == absl::StatusCode::kUnimplemented);
  auto in_any = ValueOf(R"(value { object_value { [type.googleapis.com/google.protobuf.Any] {
      type_url: "type.googleapis.com/cel.expr.conformance.proto2.TestAllTypes" value: "\x08\x96\x01" } } })");
  CHECK(in_any.status().code() == absl::StatusCode::kUnimplemented);
  auto field_mask = ValueOf("value { object_value { [type.googleapis.com/google.protobuf.FieldMask] {} } }");
  CHECK(field_mask.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ValueOf("value { int64_value: 1.5 }").status().code() == absl::StatusCode::kInvalidArgument);

  CHECK(IsConformanceName(".google.api.expr.test.v1.proto3.TestAllTypes"));
  CHECK(IsConformanceName("cel.expr.conformance.proto2.GlobalEnum"));
  CHECK_FALSE(IsConformanceName("cel.expr.conformancex.Foo"));
  CHECK_FALSE(IsConformanceName("google.protobuf.Any"));
}

TEST_CASE("conformance: declared types convert to CEL types", "[cel][conformance]") {
  using K = Type::Kind;
  CHECK(*TypeOf("type { primitive: UINT64 }") == Type::Of(K::kUint));
  CHECK(*TypeOf("type { list_type { elem_type { dyn {} } } }") == Type::List(Type::Dyn()));
  CHECK(*TypeOf("type { map_type { key_type { primitive: STRING } value_type { wrapper: INT64 } } }") ==
        Type::Map(Type::Of(K::kString), Type::Wrapper(Type::Of(K::kInt))));
  CHECK(*TypeOf("type { abstract_type { name: 'optional_type' parameter_types { type_param: 'T' } } }") ==
        Type::Optional(Type::Param("T")));
  CHECK(*TypeOf("type { well_known: DURATION }") == Type::Of(K::kDuration));
  CHECK(*TypeOf("type { message_type: 'google.protobuf.Struct' }") == Type::Map(Type::Of(K::kString), Type::Dyn()));
  CHECK(*TypeOf("type { null: NULL_VALUE }") == Type::Of(K::kNull));
  CHECK(TypeOf("type { message_type: 'cel.expr.conformance.proto3.TestAllTypes' }").status().code() ==
        absl::StatusCode::kUnimplemented);
  CHECK(*TypeOf("type { abstract_type { name: 'tuple' parameter_types { primitive: INT64 } } }") ==
        Type::Opaque("tuple", {Type::Of(K::kInt)}));
}

const TestResult& Find(const std::vector<TestResult>& results, const std::string& test) {
  for (const TestResult& r : results) {
    if (r.test == test) return r;
  }
  FAIL("no test " << test);
  return results.front();
}

TEST_CASE("conformance: skips only what needs conformance messages or missing extensions", "[cel][conformance]") {
  auto results = RunText("mixed", R"(
    name: "mixed"
    section {
      name: "s"
      test { name: "message_literal" container: "cel.expr.conformance.proto3"
             expr: "TestAllTypes{single_int64: 1}.single_int64" value { int64_value: 1 } }
      test { name: "qualified_literal" expr: ".cel.expr.conformance.proto3.TestAllTypes{}.single_int64 == 0" }
      test { name: "message_binding" expr: "x"
             type_env { name: "x" ident { type { message_type: "cel.expr.conformance.proto2.TestAllTypes" } } } }
      test { name: "abstract_type" expr: "1"
             type_env { name: "f" function { overloads { overload_id: "f" result_type {
               abstract_type { name: "tuple" } } } } }
             value { int64_value: 1 } }
      test { name: "unknown_result" expr: "x" unknown { exprs: 1 } }
    }
  )");
  REQUIRE(results.ok());
  REQUIRE(results->size() == 5);
  CHECK(Find(*results, "message_literal").status == TestStatus::kSkip);
  CHECK(Find(*results, "message_literal").reason ==
        "needs the conformance message cel.expr.conformance.proto3.TestAllTypes");
  CHECK(Find(*results, "qualified_literal").status == TestStatus::kSkip);
  CHECK(Find(*results, "message_binding").status == TestStatus::kSkip);
  // Gaps in saleskit are failures with a reason, never skips.
  CHECK(Find(*results, "abstract_type").status == TestStatus::kPass);  // host-declared abstract types check
  CHECK(Find(*results, "unknown_result").status == TestStatus::kFail);
  CHECK(Find(*results, "unknown_result").reason == "unknown results are not supported");

  auto ext = RunText("renamed", "name: \"bindings_ext\" section { name: \"bind\" test { name: \"t\" expr: \"1\" } }");
  REQUIRE(ext.ok());
  REQUIRE(ext->size() == 1);
  CHECK(ext->front().file == "renamed");
  CHECK(ext->front().status == TestStatus::kSkip);
  CHECK(ext->front().reason == "needs the bindings extension (cel.bind)");

  CHECK(RunText("broken", "section {").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("conformance: results are compared by value and kind", "[cel][conformance]") {
  auto results = RunText("compare", R"(
    name: "compare"
    section {
      name: "s"
      test { name: "int" expr: "1 + 1" value { int64_value: 2 } }
      test { name: "int_is_not_uint" expr: "1 + 1" value { uint64_value: 2 } }
      test { name: "nan" expr: "0.0 / 0.0" value { double_value: nan } }
      test { name: "map_order" expr: "{'a': 1, 'b': 2}" value { map_value {
               entries { key { string_value: 'b' } value { int64_value: 2 } }
               entries { key { string_value: 'a' } value { int64_value: 1 } } } } }
      test { name: "error" expr: "1 / 0" eval_error { errors { message: "division by zero" } } }
      test { name: "no_error" expr: "1 / 1" eval_error { errors { message: "division by zero" } } }
      test { name: "default_true" expr: "x > 1" type_env { name: "x" ident { type { primitive: INT64 } } }
             bindings { key: "x" value { value { int64_value: 2 } } } }
      test { name: "deduced" expr: "[1]" check_only: true
             typed_result { deduced_type { list_type { elem_type { primitive: INT64 } } } } }
      test { name: "deduced_wrong" expr: "[1]" check_only: true
             typed_result { deduced_type { list_type { elem_type { primitive: STRING } } } } }
    }
  )");
  REQUIRE(results.ok());
  for (const char* pass : {"int", "nan", "map_order", "error", "default_true", "deduced"}) {
    INFO(pass << ": " << Find(*results, pass).reason);
    CHECK(Find(*results, pass).status == TestStatus::kPass);
  }
  for (const char* fail : {"int_is_not_uint", "no_error", "deduced_wrong"}) {
    INFO(fail);
    CHECK(Find(*results, fail).status == TestStatus::kFail);
    CHECK_FALSE(Find(*results, fail).reason.empty());
  }
}

TEST_CASE("conformance: JSON lines escape and name every field", "[cel][conformance]") {
  TestResult r{"f", "s", "t\"q", TestStatus::kFail, "line\nbreak"};
  CHECK(ToJson(r) ==
        R"({"file":"f","section":"s","test":"t\"q","status":"fail","reason":"line\nbreak"})");
}

// A file in the system temp directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/saleskit_cel_conformanceXXXXXX.textproto";
    const int fd = mkstemps(name, 10);
    REQUIRE(fd >= 0);
    close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_CASE("conformance: cel-conformance prints JSON lines and a summary, exit codes", "[cel][conformance][cli]") {
  TempFile file(R"(
    name: "tiny"
    section { name: "s"
      test { name: "ok" expr: "2 * 3" value { int64_value: 6 } }
      test { name: "wrong" expr: "2 * 3" value { int64_value: 7 } }
      test { name: "skipped" container: "cel.expr.conformance.proto3" expr: "TestAllTypes{}" }
    }
  )");
  std::ostringstream out, err;
  CHECK(cli::RunCelConformance({"--json", file.path()}, out, err) == 0);
  const std::vector<std::string> lines = absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
  REQUIRE(lines.size() == 4);
  const std::string stem = file.path().substr(file.path().rfind('/') + 1, file.path().size() -
                                              file.path().rfind('/') - 1 - std::string(".textproto").size());
  CHECK(lines[0] == "{\"file\":\"" + stem + "\",\"section\":\"s\",\"test\":\"ok\",\"status\":\"pass\",\"reason\":\"\"}");
  CHECK(lines[1].find("\"status\":\"fail\"") != std::string::npos);
  CHECK(lines[2].find("\"status\":\"skip\"") != std::string::npos);
  CHECK(lines[3] == "cel-conformance: 1 pass, 1 fail, 1 skip");

  // The pass rate excludes skips: 1 / 2.
  std::ostringstream out2, err2;
  CHECK(cli::RunCelConformance({"--min-pass-rate", "0.5", file.path()}, out2, err2) == 0);
  CHECK(out2.str().find("FAIL " + stem + "/s/wrong: ") != std::string::npos);
  std::ostringstream out3, err3;
  CHECK(cli::RunCelConformance({"--min-pass-rate=0.6", file.path()}, out3, err3) == 1);
  CHECK(err3.str().find("below --min-pass-rate") != std::string::npos);

  std::ostringstream out4, err4;
  CHECK(cli::RunCelConformance({file.path() + ".missing"}, out4, err4) == 1);
  CHECK(cli::RunCelConformance({}, out4, err4) == 2);
  CHECK(cli::RunCelConformance({"--min-pass-rate", "2", file.path()}, out4, err4) == 2);
  CHECK(cli::RunCelConformance({"--verbose", file.path()}, out4, err4) == 2);
}

}  // namespace
}  // namespace saleskit::cel::conformance
