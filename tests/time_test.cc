#include "saleskit/time.h"

#include <catch2/catch.hpp>

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
                          "2026-01-01T10:00:00+25:00", "yesterday", "2026-01-01T10:00:00Zjunk"}) {
    INFO(bad);
    auto t = ParseTimestamp(bad);
    REQUIRE_FALSE(t.ok());
    CHECK(std::string(t.status().message()).find("at character") != std::string::npos);
  }
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

TEST_CASE("IsKnownTimeZone knows IANA names only", "[time]") {
  CHECK(IsKnownTimeZone("Europe/Berlin"));
  CHECK(IsKnownTimeZone("America/New_York"));
  CHECK(IsKnownTimeZone("UTC"));
  CHECK_FALSE(IsKnownTimeZone("Mars/Olympus_Mons"));
  CHECK_FALSE(IsKnownTimeZone(""));
}

}  // namespace
}  // namespace saleskit
