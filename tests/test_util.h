// Helpers shared by the C++ tests.
#ifndef SALESKIT_TESTS_TEST_UTIL_H_
#define SALESKIT_TESTS_TEST_UTIL_H_

#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "saleskit/batch.h"

namespace saleskit::testing {

// Iterations for property tests: SALESKIT_PROPERTY_ITERATIONS or `fallback`.
inline int PropertyIterations(int fallback) {
  const char* env = std::getenv("SALESKIT_PROPERTY_ITERATIONS");
  int n;
  if (env != nullptr && absl::SimpleAtoi(env, &n) && n > 0) return n;
  return fallback;
}

template <typename Record>
Batch<Record> BatchOf(std::initializer_list<Record> records) {
  Batch<Record> b;
  for (const Record& r : records) b.records.push_back(r);
  return b;
}

}  // namespace saleskit::testing

#endif  // SALESKIT_TESTS_TEST_UTIL_H_
