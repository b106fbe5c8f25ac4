// Timestamps and durations, evaluated end to end against the standard
// library. Expected values follow cel-spec's timestamps.textproto and
// conversions.textproto, and cel-go where the suite is silent.

#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "saleskit/cel/functions.h"
#include "saleskit/cel/program.h"
#include "saleskit/cel/value.h"

namespace saleskit::cel {
namespace {

Value Eval(absl::string_view source, const Activation& activation = MapActivation()) {
  Environment env;
  env.DeclareVariable("t", Type::Of(Type::Kind::kTimestamp));
  env.DeclareVariable("d", Type::Of(Type::Kind::kDuration));
  auto program = Compile(source, env);
  INFO(source << ": " << program.status().message());
  REQUIRE(program.ok());
  return (*program)->Evaluate(activation);
}

std::string Str(absl::string_view source) {
  const Value v = Eval(source);
  INFO(source << " = " << v.DebugString());
  REQUIRE(v.kind() == Value::Kind::kString);
  return std::string(v.string_value());
}

int64_t Int(absl::string_view source, const Activation& activation = MapActivation()) {
  const Value v = Eval(source, activation);
  INFO(source << " = " << v.DebugString());
  REQUIRE(v.kind() == Value::Kind::kInt);
  return v.int_value();
}

bool Bool(absl::string_view source) {
  const Value v = Eval(source);
  INFO(source << " = " << v.DebugString());
  REQUIRE(v.kind() == Value::Kind::kBool);
  return v.bool_value();
}

std::string ErrorOf(absl::string_view source) {
  const Value v = Eval(source);
  INFO(source << " = " << v.DebugString());
  REQUIRE(v.is_error());
  return std::string(v.error_value().message());
}

TEST_CASE("timestamp() reads RFC 3339 and string() writes it back in UTC", "[cel][time]") {
  CHECK(Str("string(timestamp('2009-02-13T23:31:30Z'))") == "2009-02-13T23:31:30Z");
  CHECK(Str("string(timestamp('9999-12-31T23:59:59.999999999Z'))") ==
        "9999-12-31T23:59:59.999999999Z");
  // Fractions lose their trailing zeros; offsets are applied.
  CHECK(Str("string(timestamp('2009-02-13T23:31:30.500Z'))") == "2009-02-13T23:31:30.5Z");
  CHECK(Str("string(timestamp('2009-02-14T01:01:30+01:30'))") == "2009-02-13T23:31:30Z");
  CHECK(Str("string(timestamp('2009-02-13T20:00:00-08:00'))") == "2009-02-14T04:00:00Z");
  CHECK(Str("string(timestamp('0001-01-01T00:00:00Z'))") == "0001-01-01T00:00:00Z");
  CHECK(Bool("timestamp('2023-02-03T23:31:20+00:00') == timestamp('2023-02-03T23:31:20Z')"));
  CHECK(Bool("timestamp(timestamp(1000000000)) == timestamp(1000000000)"));
}

TEST_CASE("malformed timestamps are errors, those outside 0001..9999 say range", "[cel][time]") {
  for (const char* text : {"2009-02-13", "2009-02-13 23:31:30Z", "2009-02-13T23:31:30",
                           "2009-02-30T00:00:00Z", "2009-13-01T00:00:00Z", "2009-02-13T24:00:00Z",
                           "2009-02-13T23:31:60Z", "2009-02-13T23:31:30.Z", "209-02-13T23:31:30Z",
                           "2009-02-13T23:31:30+0100", "2009-02-13T23:31:30Zjunk", ""}) {
    INFO(text);
    CHECK(absl::StrContains(ErrorOf(std::string("timestamp('") + text + "')"),
                            "not an RFC 3339 timestamp"));
  }
  CHECK(absl::StrContains(ErrorOf("timestamp('0000-01-01T00:00:00Z')"), "range"));
  CHECK(absl::StrContains(ErrorOf("timestamp('10000-01-01T00:00:00Z')"), "range"));
  // In range as written, out of range in UTC.
  CHECK(absl::StrContains(ErrorOf("timestamp('0001-01-01T00:30:00+01:00')"), "range"));
  CHECK(absl::StrContains(ErrorOf("timestamp(-62135596801)"), "range"));
  CHECK(absl::StrContains(ErrorOf("timestamp(253402300800)"), "range"));
  CHECK(Str("string(timestamp(-62135596800))") == "0001-01-01T00:00:00Z");
}

TEST_CASE("int(timestamp) is Unix seconds, rounded down", "[cel][time]") {
  CHECK(Int("int(timestamp('2009-02-13T23:31:30Z'))") == 1234567890);
  CHECK(Int("int(timestamp('2004-09-16T23:59:59Z'))") == 1095379199);
  CHECK(Int("int(timestamp('1969-12-31T23:59:59.5Z'))") == -1);
  CHECK(Int("int(timestamp(42))") == 42);
}

TEST_CASE("duration() reads Go-style durations, string() writes seconds", "[cel][time]") {
  CHECK(Str("string(duration('1000000s'))") == "1000000s");
  CHECK(Str("string(duration('1h2m3.5s'))") == "3723.5s");
  CHECK(Str("string(duration('-1.5h'))") == "-5400s");
  CHECK(Str("string(duration('100ms'))") == "0.1s");
  CHECK(Str("string(duration('1us'))") == "0.000001s");
  CHECK(Str("string(duration('1µs'))") == "0.000001s");
  CHECK(Str("string(duration('1ns'))") == "0.000000001s");
  CHECK(Str("string(duration('-999999999ns'))") == "-0.999999999s");
  CHECK(Str("string(duration('0'))") == "0s");
  CHECK(Str("string(duration('+.5s'))") == "0.5s");
  CHECK(Str("string(duration(duration('100s')))") == "100s");
  for (const char* text : {"", "1", "1x", "s", "1.s2", "--1s", "1h 2m", ".s"}) {
    INFO(text);
    CHECK(absl::StrContains(ErrorOf(std::string("duration('") + text + "')"), "not a duration"));
  }
  // Durations are int64 nanoseconds: about 292 years either way.
  CHECK(Str("string(duration('2562047h'))") == "9223369200s");
  CHECK(absl::StrContains(ErrorOf("duration('2562048h')"), "range"));
  CHECK(absl::StrContains(ErrorOf("duration('320000000000s')"), "range"));
  CHECK(absl::StrContains(ErrorOf("duration('-320000000000s')"), "range"));
  CHECK(absl::StrContains(ErrorOf("duration('99999999999999999999999999h')"), "range"));
}

TEST_CASE("timestamp and duration arithmetic is exact and range-checked", "[cel][time]") {
  CHECK(Bool("timestamp('2009-02-13T23:00:00Z') + duration('240s') == "
             "timestamp('2009-02-13T23:04:00Z')"));
  CHECK(Bool("duration('120s') + timestamp('2009-02-13T23:01:00Z') == "
             "timestamp('2009-02-13T23:03:00Z')"));
  CHECK(Bool("timestamp('0001-01-01T00:00:01.000000001Z') + duration('-999999999ns') == "
             "timestamp('0001-01-01T00:00:00.000000002Z')"));
  CHECK(Bool("timestamp('2009-02-13T23:10:00Z') - duration('600s') == "
             "timestamp('2009-02-13T23:00:00Z')"));
  CHECK(Str("string(timestamp('2009-02-13T23:31:00Z') - timestamp('2009-02-13T23:29:00.25Z'))") ==
        "119.75s");
  CHECK(Bool("duration('900s') - duration('42s') == duration('858s')"));
  CHECK(Bool("duration('600s') + duration('50s') == duration('650s')"));

  CHECK(absl::StrContains(ErrorOf("timestamp('0001-01-01T00:00:00Z') + duration('-1ns')"), "range"));
  CHECK(absl::StrContains(ErrorOf("timestamp('9999-12-31T23:59:59.999999999Z') + duration('1ns')"),
                          "range"));
  CHECK(absl::StrContains(ErrorOf("timestamp('9999-12-31T23:59:59Z') - duration('-1s')"), "range"));
  // The difference of two timestamps is a duration, so at most ~292 years.
  CHECK(absl::StrContains(
      ErrorOf("timestamp('9999-12-31T23:59:59Z') - timestamp('0001-01-01T00:00:00Z')"), "range"));
  CHECK(absl::StrContains(ErrorOf("duration('2000000h') + duration('1000000h')"), "range"));
  CHECK(absl::StrContains(ErrorOf("duration('-2000000h') - duration('1000000h')"), "range"));
  CHECK(Str("string(duration('2000000h') + duration('500000h'))") == "9000000000s");
}

TEST_CASE("timestamps and durations order as instants and lengths", "[cel][time]") {
  CHECK(Bool("timestamp('2009-02-13T23:00:00Z') < timestamp('2009-03-13T23:00:00Z')"));
  CHECK_FALSE(Bool("timestamp('2009-02-13T23:00:00Z') <= timestamp('2009-02-13T22:59:59Z')"));
  CHECK(Bool("duration('-1s') < duration('1ns')"));
}

TEST_CASE("timestamp accessors read the civil time in UTC", "[cel][time]") {
  // 2009-02-13T23:31:30Z was a Friday, the 44th day of the year.
  const std::string t = "timestamp('2009-02-13T23:31:30.123456789Z')";
  CHECK(Int(t + ".getFullYear()") == 2009);
  CHECK(Int(t + ".getMonth()") == 1);        // 0-based
  CHECK(Int(t + ".getDayOfYear()") == 43);   // 0-based
  CHECK(Int(t + ".getDate()") == 13);        // 1-based
  CHECK(Int(t + ".getDayOfMonth()") == 12);  // 0-based
  CHECK(Int(t + ".getDayOfWeek()") == 5);    // 0 = Sunday
  CHECK(Int(t + ".getHours()") == 23);
  CHECK(Int(t + ".getMinutes()") == 31);
  CHECK(Int(t + ".getSeconds()") == 30);
  CHECK(Int(t + ".getMilliseconds()") == 123);
  CHECK(Int("timestamp('2009-02-15T00:00:00Z').getDayOfWeek()") == 0);
  CHECK(Int("timestamp('2008-12-31T12:00:00Z').getDayOfYear()") == 365);  // leap year
}

TEST_CASE("timestamp accessors take an IANA zone or a fixed offset", "[cel][time]") {
  const std::string t = "timestamp('2009-02-13T23:31:30Z')";
  CHECK(Int(t + ".getDate('Australia/Sydney')") == 14);
  CHECK(Int(t + ".getDayOfMonth('US/Central')") == 12);
  CHECK(Int(t + ".getDayOfMonth('+11:00')") == 13);
  CHECK(Int("timestamp('2009-02-13T02:00:00Z').getDayOfMonth('-02:30')") == 11);
  CHECK(Int("timestamp('2009-02-13T02:00:00Z').getDayOfMonth('America/St_Johns')") == 11);
  CHECK(Int(t + ".getDayOfWeek('UTC')") == 5);
  CHECK(Int(t + ".getFullYear('-09:30')") == 2009);
  CHECK(Int(t + ".getHours('02:00')") == 1);  // the sign may be left out
  CHECK(Int(t + ".getMinutes('Asia/Kathmandu')") == 16);
  CHECK(Int(t + ".getSeconds('-00:00')") == 30);
  CHECK(Int("timestamp('2009-12-31T23:00:00Z').getFullYear('+05:30')") == 2010);
  CHECK(Int("timestamp('2009-12-31T23:00:00Z').getMonth('Europe/Berlin')") == 0);
  // Daylight saving time: Los Angeles is UTC-7 in July, UTC-8 in January.
  CHECK(Int("timestamp('2024-07-01T12:00:00Z').getHours('America/Los_Angeles')") == 5);
  CHECK(Int("timestamp('2024-01-01T12:00:00Z').getHours('America/Los_Angeles')") == 4);
}

TEST_CASE("an unknown or malformed time zone is an error naming it", "[cel][time]") {
  const std::string t = "timestamp('2009-02-13T23:31:30Z')";
  CHECK(absl::StrContains(ErrorOf(t + ".getHours('Mars/Olympus_Mons')"), "Mars/Olympus_Mons"));
  // File paths are not zone names, even when the file exists.
  CHECK(absl::StrContains(ErrorOf(t + ".getHours('/usr/share/zoneinfo/UTC')"), "unknown time zone"));
  CHECK(absl::StrContains(ErrorOf(t + ".getHours('../zoneinfo/UTC')"), "unknown time zone"));
  CHECK(absl::StrContains(ErrorOf(t + ".getHours('+25:00')"), "+25:00"));
  CHECK(absl::StrContains(ErrorOf(t + ".getHours('+1:2')"), "+1:2"));
}

TEST_CASE("duration accessors convert to whole units", "[cel][time]") {
  CHECK(Int("duration('10000s').getHours()") == 2);
  CHECK(Int("duration('3730s').getMinutes()") == 62);
  CHECK(Int("duration('3730s').getSeconds()") == 3730);
  CHECK(Int("duration('-3730s').getMinutes()") == -62);  // toward zero
  // Milliseconds is the millisecond part of the fraction of a second.
  MapActivation vars;
  vars.Bind("d", Value::Duration(absl::Seconds(123) + absl::Nanoseconds(321456789)));
  CHECK(Int("d.getMilliseconds()", vars) == 321);
  CHECK(Int("d.getSeconds()", vars) == 123);
  CHECK(Int("duration('-1.5s').getMilliseconds()") == -500);
}

}  // namespace
}  // namespace saleskit::cel
