#include "saleskit/time.h"

#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "test_util.h"

namespace saleskit {
namespace {

TEST_CASE("ParseTimestamp reads ISO 8601 dates and times", "[time]") {
  CHECK(*ParseTimestamp("1970-01-01") == 0);
  CHECK(*ParseTimestamp("2026-01-01") == 1767225600LL * 1000000);
  CHECK(*ParseTimestamp("2026-01-01T00:00:00Z") == 1767225600LL * 1000000);
  CHECK(*ParseTimestamp("2026-01-01T01:30:00") == (1767225600LL + 5400) * 1000000);
  CHECK(*ParseTimestamp("2026-01-01 01:30") == (1767225600LL + 5400) * 1000000);
  CHECK(*ParseTimestamp("2026-01-01T02:30:00+01:00") == (1767225600LL + 5400) * 1000000);
  CHECK(*ParseTimestamp("2026-01-01T00:30:00-0100") == (1767225600LL + 5400) * 1000000);
  CHECK(*ParseTimestamp("2026-01-01T00:00:00.25Z") == 1767225600LL * 1000000 + 250000);
  CHECK(*ParseTimestamp("2024-02-29") == 1709164800LL * 1000000);
  CHECK(*ParseTimestamp("1969-12-31T23:59:59Z") == -1000000);
}

TEST_CASE("ParseTimestamp rejects what is not a timestamp, naming the position", "[time]") {
  for (const char* bad : {"", "2026", "2026-13-01", "2023-02-29", "2026-01-01T25:00", "2026-01-01X",
                          "2026-01-01T10:00:00+25:00", "yesterday", "2026-01-01T10:00:00Zjunk", "0000-05-05",
                          "2026-01-01T10:00:60Z"}) {
    INFO(bad);
    auto t = ParseTimestamp(bad);
    REQUIRE_FALSE(t.ok());
    CHECK(std::string(t.status().message()).find("at character") != std::string::npos);
  }
  CHECK(ParseTimestamp("0000-05-05").status().message().find("year out of range") != absl::string_view::npos);
  // Offsets and leap seconds cannot carry a time outside years 0001-9999.
  CHECK_FALSE(ParseTimestamp("0001-01-01T00:00:00+01:00").ok());
  CHECK_FALSE(ParseTimestamp("9999-12-31T23:59:60Z").ok());
  CHECK(*ParseTimestamp("2016-12-31T23:59:60Z") == *ParseTimestamp("2017-01-01T00:00:00Z"));
}

TEST_CASE("FormatTimestamp round-trips through ParseTimestamp", "[time]") {
  for (Micros t : {Micros{0}, Micros{1767225600LL * 1000000}, Micros{-1}, Micros{1767225600LL * 1000000 + 123456},
                   Micros{253402300799LL * 1000000}, Micros{-62135596800LL * 1000000}}) {
    INFO(t);
    auto back = ParseTimestamp(FormatTimestamp(t));
    REQUIRE(back.ok());
    CHECK(*back == t);
  }
  CHECK(FormatTimestamp(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatTimestamp(1500000) == "1970-01-01T00:00:01.500000Z");
}

TEST_CASE("FormatTimestamp writes what absl's civil time says, in and out of years 0000-9999", "[time]") {
  std::mt19937_64 rng(5);
  const int iterations = testing::PropertyIterations(20000);
  for (int i = 0; i < iterations; ++i) {
    // Mostly years 0000-9999 ([lo, hi)), every tenth up to about +-12,000 years away.
    const Micros lo = i % 10 == 0 ? -400'000'000'000'000'000 : -62'167'219'200'000'000;
    const Micros hi = i % 10 == 0 ? 400'000'000'000'000'000 : 253'402'300'800'000'000;
    Micros t = lo + static_cast<Micros>(rng() % static_cast<uint64_t>(hi - lo));
    if (i % 3 == 0) t -= ((t % 1'000'000) + 1'000'000) % 1'000'000;
    const absl::Time at = absl::FromUnixMicros(t);
    const absl::CivilSecond c = absl::ToCivilSecond(at, absl::UTCTimeZone());
    const int64_t us = ((t % 1'000'000) + 1'000'000) % 1'000'000;
    const std::string want =
        us == 0 ? absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02dZ", c.year(), c.month(), c.day(), c.hour(), c.minute(),
                                  c.second())
                : absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", c.year(), c.month(), c.day(), c.hour(),
                                  c.minute(), c.second(), us);
    INFO(t);
    REQUIRE(FormatTimestamp(t) == want);
  }
}

TEST_CASE("IsKnownTimeZone knows IANA names only", "[time]") {
  CHECK(IsKnownTimeZone("Europe/Berlin"));
  CHECK(IsKnownTimeZone("America/New_York"));
  CHECK(IsKnownTimeZone("UTC"));
  CHECK_FALSE(IsKnownTimeZone("Mars/Olympus_Mons"));
  CHECK(IsKnownTimeZone("America/Port-au-Prince"));
  CHECK(IsKnownTimeZone("Etc/GMT+5"));
  // Not file paths, whatever the tz loader would accept.
  for (const char* path : {"/etc/localtime", "../../../../usr/share/zoneinfo/UTC", "file:/usr/share/zoneinfo/UTC",
                           "localtime"}) {
    CHECK_FALSE(IsKnownTimeZone(path));
  }
  CHECK_FALSE(IsKnownTimeZone(""));
}

}  // namespace
}  // namespace saleskit
