#include "saleskit/cel/functions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cel/internal/library.h"

namespace saleskit::cel {
namespace {

// Whether a runtime value can be of (declared) type t.
bool KindMatches(const Type& t, const Value& v) {
  using K = Type::Kind;
  using VK = Value::Kind;
  switch (t.kind) {
    case K::kDyn:
    case K::kTypeParam:
    case K::kAny:
    case K::kOpaque:  // host-defined values: the host's functions check them
    case K::kError: return true;
    case K::kNull: return v.kind() == VK::kNull;
    case K::kBool: return v.kind() == VK::kBool;
    case K::kInt: return v.kind() == VK::kInt;
    case K::kUint: return v.kind() == VK::kUint;
    case K::kDouble: return v.kind() == VK::kDouble;
    case K::kString: return v.kind() == VK::kString;
    case K::kBytes: return v.kind() == VK::kBytes;
    case K::kTimestamp: return v.kind() == VK::kTimestamp;
    case K::kDuration: return v.kind() == VK::kDuration;
    case K::kList: return v.kind() == VK::kList;
    case K::kMap: return v.kind() == VK::kMap;
    case K::kMessage: return v.kind() == VK::kStruct && v.struct_value().type_name() == t.name;
    case K::kType: return v.kind() == VK::kType;
    case K::kOptional: return v.kind() == VK::kOptional;
    case K::kWrapper: return v.kind() == VK::kNull || KindMatches(t.params[0], v);
  }
  return false;
}

// Splits "(T1, T2) -> R" at top-level commas.
absl::Status ParseSignature(absl::string_view sig, std::vector<Type>* params, Type* result) {
  const size_t arrow = sig.rfind("->");
  if (arrow == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("signature '", sig, "' has no '->'"));
  }
  absl::string_view args = absl::StripAsciiWhitespace(sig.substr(0, arrow));
  if (!absl::ConsumePrefix(&args, "(") || !absl::ConsumeSuffix(&args, ")")) {
    return absl::InvalidArgumentError(absl::StrCat("signature '", sig, "' lacks (...)"));
  }
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= args.size(); ++i) {
    const char c = i < args.size() ? args[i] : ',';
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      const absl::string_view part = absl::StripAsciiWhitespace(args.substr(start, i - start));
      start = i + 1;
      if (part.empty() && i == args.size() && params->empty()) break;  // "()"
      auto t = ParseType(part);
      if (!t.ok()) return t.status();
      params->push_back(*std::move(t));
    }
  }
  auto r = ParseType(absl::StripAsciiWhitespace(sig.substr(arrow + 2)));
  if (!r.ok()) return r.status();
  *result = *std::move(r);
  return absl::OkStatus();
}

}  // namespace

bool Overload::Matches(absl::Span<const Value> args) const {
  if (args.size() != params.size()) return false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!KindMatches(params[i], args[i])) return false;
  }
  return true;
}

absl::Status FunctionRegistry::Add(absl::string_view id, absl::string_view function, bool receiver,
                                   absl::string_view signature, FunctionImpl impl) {
  if (ids_.contains(id)) return absl::AlreadyExistsError(absl::StrCat("overload id '", id, "' is declared twice"));
  Overload o;
  o.id = std::string(id);
  o.function = std::string(function);
  o.receiver = receiver;
  o.impl = impl;
  if (auto st = ParseSignature(signature, &o.params, &o.result); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("overload '", id, "': ", st.message()));
  }
  if (receiver && o.params.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("overload '", id, "': a receiver call needs a receiver"));
  }
  ids_[o.id] = true;
  by_name_[o.function].push_back(std::move(o));
  return absl::OkStatus();
}

absl::Span<const Overload> FunctionRegistry::Find(absl::string_view function) const {
  auto it = by_name_.find(function);
  if (it == by_name_.end()) return {};
  return it->second;
}

std::vector<std::string> FunctionRegistry::FunctionNames() const {
  std::vector<std::string> names;
  names.reserve(by_name_.size());
  for (const auto& [name, overloads] : by_name_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

const FunctionRegistry& StandardFunctions() {
  static const FunctionRegistry* const registry = [] {
    auto* r = new FunctionRegistry();
    for (auto reg : {internal::RegisterCoreFunctions, internal::RegisterStringFunctions,
                     internal::RegisterTimeFunctions, internal::RegisterMathFunctions,
                     internal::RegisterOptionalFunctions}) {
      const absl::Status st = reg(r);
      // A malformed declaration is a bug in saleskit itself, caught by every test.
      if (!st.ok()) {
        fprintf(stderr, "saleskit: CEL function library: %s\n", std::string(st.message()).c_str());
        abort();
      }
    }
    return r;
  }();
  return *registry;
}

Value BehaviourSource::InSegment(absl::string_view segment) const {
  return Value::Error(absl::FailedPreconditionError(
      absl::StrCat("in_segment(\"", segment, "\"): no segments are defined where this is evaluated")));
}

Value BehaviourSource::Score(absl::string_view score) const {
  return Value::Error(absl::FailedPreconditionError(
      absl::StrCat("score(\"", score, "\"): no scores are defined where this is evaluated")));
}

}  // namespace saleskit::cel
