#include "saleskit/store/string_dictionary.h"

#include <catch2/catch.hpp>

namespace saleskit {
namespace {

TEST_CASE("StringDictionary gives one code per distinct string", "[store]") {
  StringDictionary d;
  const int32_t a = d.Acquire("SaaS");
  const int32_t b = d.Acquire("Retail");
  CHECK(a != b);
  CHECK(d.Acquire("SaaS") == a);
  CHECK(d.Get(a) == "SaaS");
  CHECK(d.Find("Retail") == b);
  CHECK(d.Find("Media") == StringDictionary::kNone);
  CHECK(d.size() == 2);
}

TEST_CASE("StringDictionary forgets a string when its last reference goes", "[store]") {
  StringDictionary d;
  const int32_t a = d.Acquire("ada@example.com");
  d.Acquire("ada@example.com");
  d.Release(a);
  CHECK(d.Find("ada@example.com") == a);
  d.Release(a);
  CHECK(d.Find("ada@example.com") == StringDictionary::kNone);
  CHECK(d.size() == 0);
  // The code is reused for the next new string.
  CHECK(d.Acquire("grace@example.com") == a);
  CHECK(d.Get(a) == "grace@example.com");
}

}  // namespace
}  // namespace saleskit
