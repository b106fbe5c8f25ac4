// Parsing CEL source text into an AST with source positions.
#ifndef SALESKIT_CEL_PARSER_H_
#define SALESKIT_CEL_PARSER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "saleskit/cel/ast.h"

namespace saleskit::cel {

// Where each node of a parsed expression came from.
struct SourceInfo {
  std::vector<int32_t> line_offsets;  // byte offset where each line after the first starts
  absl::flat_hash_map<int64_t, int32_t> positions;  // node id -> byte offset in the source

  // 1-based line and column (in code points) of a byte offset.
  std::pair<int32_t, int32_t> LineColumn(absl::string_view source, int32_t offset) const;
};

struct ParsedExpr {
  ExprPtr expr;
  SourceInfo source_info;
};

// Bounds that keep parsing of user-written text cheap whatever it holds.
struct ParseOptions {
  size_t max_source_bytes = 100 * 1024;
  int max_recursion_depth = 250;  // nesting of sub-expressions and unary operators
  bool enable_optional_syntax = true;  // a.?b, a[?b], [?e], {?k: v}
};

// Parses `source`. Errors are InvalidArgument, "Syntax error: LINE:COLUMN: what
// (near 'token')", listing every error found (up to a few); an over-limit
// input is ResourceExhausted naming the limit.
absl::StatusOr<ParsedExpr> Parse(absl::string_view source, const ParseOptions& options = {});

// A compact, stable rendering of an AST for tests and debugging:
// calls as f(a, b), t.f(a), selects as a.b, has(a.b) as a.b~test-only,
// comprehensions as __comprehension__(var, range, accu, init, cond, step, result).
std::string DebugString(const Expr& expr);

}  // namespace saleskit::cel

#endif  // SALESKIT_CEL_PARSER_H_
