// Status propagation macros (Abseil 20220623 ships none).
#ifndef SALESKIT_STATUS_MACROS_H_
#define SALESKIT_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define SALESKIT_RETURN_IF_ERROR(expr)                 \
  do {                                                 \
    ::absl::Status saleskit_status_ = (expr);          \
    if (!saleskit_status_.ok()) return saleskit_status_; \
  } while (false)

#define SALESKIT_INTERNAL_CONCAT_(a, b) a##b
#define SALESKIT_INTERNAL_CONCAT(a, b) SALESKIT_INTERNAL_CONCAT_(a, b)

// `SALESKIT_ASSIGN_OR_RETURN(auto x, F());` declares or assigns `x` from an
// absl::StatusOr, returning its status from the enclosing function on error.
#define SALESKIT_ASSIGN_OR_RETURN(lhs, expr) \
  SALESKIT_INTERNAL_ASSIGN_OR_RETURN(        \
      SALESKIT_INTERNAL_CONCAT(saleskit_statusor_, __LINE__), lhs, expr)

#define SALESKIT_INTERNAL_ASSIGN_OR_RETURN(tmp, lhs, expr) \
  auto tmp = (expr);                                       \
  if (!tmp.ok()) return std::move(tmp).status();           \
  lhs = std::move(tmp).value()

#endif  // SALESKIT_STATUS_MACROS_H_
