#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "saleskit/cel/value.h"

namespace saleskit::cel {
namespace {

TEST_CASE("numerically equal int, uint and double map keys are one key", "[cel][value]") {
  auto map = MapValue::Create({{Value::Int(1), Value::String("one")}, {Value::String("1"), Value::String("str")}});
  REQUIRE(map.ok());
  const MapValue& m = **map;
  REQUIRE(m.Find(Value::Uint(1)) != nullptr);
  CHECK(m.Find(Value::Uint(1))->string_value() == "one");
  REQUIRE(m.Find(Value::Double(1.0)) != nullptr);
  CHECK(m.Find(Value::Double(1.5)) == nullptr);
  CHECK(m.Find(Value::String("1"))->string_value() == "str");
  CHECK_FALSE(MapValue::Create({{Value::Int(1), Value::Null()}, {Value::Uint(1), Value::Null()}}).ok());
  CHECK_FALSE(MapValue::Create({{Value::Double(1.0), Value::Null()}}).ok());  // double keys are not allowed
}

TEST_CASE("int, uint and double compare exactly, without rounding", "[cel][value]") {
  // 2^63 - 1 is not representable as a double; a rounding compare says equal.
  CHECK(Compare(Value::Int(INT64_MAX), Value::Double(9223372036854775808.0)) == -1);
  CHECK(Compare(Value::Uint(UINT64_MAX), Value::Double(18446744073709551616.0)) == -1);
  CHECK(Compare(Value::Int(-1), Value::Uint(0)) == -1);
  CHECK(Compare(Value::Uint(5), Value::Int(5)) == 0);
  CHECK_FALSE(Compare(Value::Double(std::nan("")), Value::Int(1)).has_value());
  CHECK_FALSE(Compare(Value::String("a"), Value::Int(1)).has_value());
  CHECK(Equal(Value::Int(3), Value::Double(3.0)));
  CHECK_FALSE(Equal(Value::Int(3), Value::String("3")));
  CHECK_FALSE(Equal(Value::Double(std::nan("")), Value::Double(std::nan(""))));
}

TEST_CASE("values render readably for messages", "[cel][value]") {
  CHECK(Value::Double(0.1).DebugString() == "0.1");
  CHECK(Value::Double(2).DebugString() == "2.0");
  CHECK(Value::Uint(7).DebugString() == "7u");
  CHECK(Value::String("a\"b").DebugString() == "\"a\\\"b\"");
  CHECK(Value::List({Value::Int(1), Value::Null()}).DebugString() == "[1, null]");
  CHECK(Value::Duration(absl::Milliseconds(1500)).DebugString() == "duration(\"1.5s\")");
  CHECK(Value::OptionalNone().DebugString() == "optional.none()");
}

}  // namespace
}  // namespace saleskit::cel
