// Registration of the function library's parts into a FunctionRegistry.
// Each part lives in src/cel/library/; StandardFunctions() calls them all.
#ifndef SALESKIT_SRC_CEL_INTERNAL_LIBRARY_H_
#define SALESKIT_SRC_CEL_INTERNAL_LIBRARY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "saleskit/cel/functions.h"

namespace saleskit::cel::internal {

// Operators (arithmetic with overflow checks, comparison, equality, !, unary -,
// indexing, `in`), size, type(), dyn(), and the conversions int(), uint(),
// double(), string(), bytes(), bool().
absl::Status RegisterCoreFunctions(FunctionRegistry* registry);
// contains, startsWith, endsWith, matches (RE2), and the strings extension.
absl::Status RegisterStringFunctions(FunctionRegistry* registry);
// timestamp(), duration(), their arithmetic and comparisons, and the
// accessors (getFullYear, getHours, ...) with optional time zone.
absl::Status RegisterTimeFunctions(FunctionRegistry* registry);
// The math extension: math.greatest, math.least, ceil, floor, round, trunc,
// abs, sign, isInf, isNaN, isFinite, and bit operations.
absl::Status RegisterMathFunctions(FunctionRegistry* registry);
// optional.of, optional.none, optional.ofNonZeroValue, hasValue, value,
// orValue, or, and optional indexing `_[?_]`.
absl::Status RegisterOptionalFunctions(FunctionRegistry* registry);

// CEL's text for timestamps and durations, as string() and format("%s") write
// them: RFC 3339 in UTC with the fraction trimmed ("2009-02-13T23:31:30.5Z"),
// and exact seconds with the fraction trimmed ("3600s", "-1.5s"). In time.cc.
std::string FormatTimestamp(absl::Time t);
std::string FormatDuration(absl::Duration d);

}  // namespace saleskit::cel::internal

#endif  // SALESKIT_SRC_CEL_INTERNAL_LIBRARY_H_
