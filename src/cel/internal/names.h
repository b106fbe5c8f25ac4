// Name resolution shared by the checker and the planner: select chains that
// spell qualified names, and the type names CEL predeclares.
#ifndef SALESKIT_SRC_CEL_INTERNAL_NAMES_H_
#define SALESKIT_SRC_CEL_INTERNAL_NAMES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "saleskit/cel/ast.h"
#include "saleskit/cel/types.h"

namespace saleskit::cel::internal {

// "a.b.c" for the chain Select(Select(Ident(a), b), c) (no presence tests);
// nullopt for anything else.
std::optional<std::string> QualifiedName(const Expr& e);

// The root identifier of a select chain ("a" for a.b.c), or nullptr.
const IdentExpr* RootIdent(const Expr& e);

// The type a predeclared type name denotes ("int" -> int, "list" -> list(dyn),
// "google.protobuf.Timestamp" -> timestamp), or nullopt.
std::optional<Type> PredeclaredType(absl::string_view name);

// Edit distance (with adjacent swaps as one edit), for "did you mean" suggestions.
size_t EditDistance(absl::string_view a, absl::string_view b);

}  // namespace saleskit::cel::internal

#endif  // SALESKIT_SRC_CEL_INTERNAL_NAMES_H_
