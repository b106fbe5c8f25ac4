// The CEL function library: overloads declared by signature, implemented by
// plain function pointers (no per-call allocation or std::function).
#ifndef SALESKIT_CEL_FUNCTIONS_H_
#define SALESKIT_CEL_FUNCTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "saleskit/cel/types.h"
#include "saleskit/cel/value.h"

namespace saleskit::cel {

// A customer's event history and segment memberships as the behaviour
// functions (events.count, events.sum, events.last, in_segment) read them.
// Results are values: errors included.
class BehaviourSource {
 public:
  virtual ~BehaviourSource() = default;
  virtual Value EventCount(absl::string_view type, absl::Duration window) const = 0;
  virtual Value EventSum(absl::string_view type, absl::Duration window) const = 0;
  virtual Value EventLast(absl::string_view type) const = 0;
  // Whether the customer is a member of the named segment (in_segment());
  // by default an error: no segments.
  virtual Value InSegment(absl::string_view segment) const;
  // The customer's current value of the named points score (score()); by
  // default an error: no scores.
  virtual Value Score(absl::string_view score) const;
};

// Variables an expression is evaluated against.
class Activation {
 public:
  virtual ~Activation() = default;
  // The value bound to a (fully qualified) variable name, or nullopt.
  virtual std::optional<Value> FindVariable(absl::string_view name) const = 0;
  // The event history behind the behaviour functions, or nullptr.
  virtual const BehaviourSource* behaviour() const { return nullptr; }
};

// An Activation over a map of names to values.
class MapActivation : public Activation {
 public:
  void Bind(std::string name, Value value) { vars_[std::move(name)] = std::move(value); }
  std::optional<Value> FindVariable(absl::string_view name) const override {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
  }

 private:
  absl::flat_hash_map<std::string, Value> vars_;
};

// An overload's implementation. Arguments are never errors (the evaluator
// propagates those before calling a strict function) and match the
// overload's runtime kinds; a receiver call passes the receiver first.
using FunctionImpl = Value (*)(absl::Span<const Value> args, const Activation& activation);

struct Overload {
  std::string id;        // unique, e.g. "add_int64", "string_contains"
  std::string function;  // CEL name: "_+_", "contains", "math.greatest"
  bool receiver = false; // called as args[0].function(args[1..])
  std::vector<Type> params;
  Type result;
  FunctionImpl impl = nullptr;

  // Whether runtime values match the parameter kinds (type parameters and
  // dyn match anything; wrapper(T) matches T or null).
  bool Matches(absl::Span<const Value> args) const;
};

// All overloads by function name. Immutable once built; share freely.
class FunctionRegistry {
 public:
  // Declares an overload. `signature` is "(T1, T2) -> R" in ParseType's
  // spelling; for a receiver-style overload T1 is the receiver's type.
  // Fails on a malformed signature or a repeated id.
  absl::Status Add(absl::string_view id, absl::string_view function, bool receiver,
                   absl::string_view signature, FunctionImpl impl);

  // The overloads of `function` (global or receiver-style), in declaration order.
  absl::Span<const Overload> Find(absl::string_view function) const;
  // Every function name, for "did you mean" suggestions.
  std::vector<std::string> FunctionNames() const;

 private:
  absl::flat_hash_map<std::string, std::vector<Overload>> by_name_;
  absl::flat_hash_map<std::string, bool> ids_;
};

// The standard library and the strings, math and optionals extensions.
// Built once; the same registry is returned every call.
const FunctionRegistry& StandardFunctions();

}  // namespace saleskit::cel

#endif  // SALESKIT_CEL_FUNCTIONS_H_
