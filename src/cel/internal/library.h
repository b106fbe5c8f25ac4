// Registration of the function library's parts into a FunctionRegistry.
// Each part lives in src/cel/library/; StandardFunctions() calls them all.
#ifndef SALESKIT_SRC_CEL_INTERNAL_LIBRARY_H_
#define SALESKIT_SRC_CEL_INTERNAL_LIBRARY_H_

#include "absl/status/status.h"
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

}  // namespace saleskit::cel::internal

#endif  // SALESKIT_SRC_CEL_INTERNAL_LIBRARY_H_
