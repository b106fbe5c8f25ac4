#include "cel/internal/names.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace saleskit::cel::internal {

std::optional<std::string> QualifiedName(const Expr& e) {
  if (const auto* id = e.As<IdentExpr>()) return id->name;
  if (const auto* sel = e.As<SelectExpr>()) {
    if (sel->test_only) return std::nullopt;
    std::optional<std::string> prefix = QualifiedName(*sel->operand);
    if (!prefix) return std::nullopt;
    return absl::StrCat(*prefix, ".", sel->field);
  }
  return std::nullopt;
}

const IdentExpr* RootIdent(const Expr& e) {
  if (const auto* id = e.As<IdentExpr>()) return id;
  if (const auto* sel = e.As<SelectExpr>()) return RootIdent(*sel->operand);
  return nullptr;
}

std::optional<Type> PredeclaredType(absl::string_view name) {
  using K = Type::Kind;
  if (name == "int") return Type::Of(K::kInt);
  if (name == "uint") return Type::Of(K::kUint);
  if (name == "double") return Type::Of(K::kDouble);
  if (name == "bool") return Type::Of(K::kBool);
  if (name == "string") return Type::Of(K::kString);
  if (name == "bytes") return Type::Of(K::kBytes);
  if (name == "null_type") return Type::Of(K::kNull);
  if (name == "list") return Type::List(Type::Dyn());
  if (name == "map") return Type::Map(Type::Dyn(), Type::Dyn());
  if (name == "type") return Type::TypeOf(Type::Dyn());
  if (name == "optional_type") return Type::Optional(Type::Dyn());
  if (name == "google.protobuf.Timestamp") return Type::Of(K::kTimestamp);
  if (name == "google.protobuf.Duration") return Type::Of(K::kDuration);
  return std::nullopt;
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  // Optimal string alignment: a swap of two adjacent letters costs one edit.
  const size_t w = b.size() + 1;
  std::vector<size_t> d((a.size() + 1) * w);
  for (size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t best = std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1, d[(i - 1) * w + j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        best = std::min(best, d[(i - 2) * w + j - 2] + 1);
      }
      d[i * w + j] = best;
    }
  }
  return d[a.size() * w + b.size()];
}

}  // namespace saleskit::cel::internal
