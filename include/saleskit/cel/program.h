// Compiling CEL: parse -> check -> plan, and evaluating the result.
//
//   cel::Environment env;                     // the standard library
//   env.DeclareVariable("x", cel::Type::Of(cel::Type::Kind::kInt));
//   auto program = cel::Compile("x * 2 > 10", env);
//   cel::MapActivation vars;
//   vars.Bind("x", cel::Value::Int(6));
//   cel::Value v = (*program)->Evaluate(vars);   // Bool(true)
#ifndef SALESKIT_CEL_PROGRAM_H_
#define SALESKIT_CEL_PROGRAM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "saleskit/cel/ast.h"
#include "saleskit/cel/functions.h"
#include "saleskit/cel/parser.h"
#include "saleskit/cel/types.h"
#include "saleskit/cel/value.h"

namespace saleskit::cel {

// What an expression may refer to: variables with their types, the
// functions, and the container (namespace) names resolve in.
class Environment {
 public:
  // The standard library, no variables, no container.
  Environment();
  explicit Environment(FunctionRegistry functions);

  void DeclareVariable(std::string name, Type type) { variables_[std::move(name)] = std::move(type); }
  // Declares a message type and its fields, for field selection and has().
  void DeclareMessage(std::string name, absl::flat_hash_map<std::string, Type> fields) {
    messages_[std::move(name)] = std::move(fields);
  }
  // Names resolve in this namespace first: with container "a.b", `x` is
  // looked up as a.b.x, then a.x, then x.
  void set_container(std::string container) { container_ = std::move(container); }

  const absl::flat_hash_map<std::string, Type>& variables() const { return variables_; }
  const std::string& container() const { return container_; }
  // The fields of a declared message, or nullptr.
  const absl::flat_hash_map<std::string, Type>* FindMessage(absl::string_view name) const {
    auto it = messages_.find(name);
    return it == messages_.end() ? nullptr : &it->second;
  }
  const FunctionRegistry& functions() const { return *functions_; }
  // The registry to add functions to (copied first if shared with a program
  // or another environment).
  FunctionRegistry& mutable_functions();
  // Programs keep the registry alive: they may outlive their environment.
  std::shared_ptr<const FunctionRegistry> shared_functions() const { return functions_; }

  // The candidate full names of `name` in the container, most specific first.
  std::vector<std::string> Candidates(absl::string_view name) const;

 private:
  absl::flat_hash_map<std::string, Type> variables_;
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, Type>> messages_;
  std::string container_;
  std::shared_ptr<FunctionRegistry> functions_;
};

struct CompileOptions {
  ParseOptions parse;
  // Type-check against the environment. Without checking, unknown names and
  // type errors surface only at evaluation, as error values.
  bool check = true;
  // When checking, require the expression to be bool (a condition).
  bool require_bool = false;
  // Total comprehension iterations one evaluation may run; beyond it the
  // evaluation is an error naming the limit.
  int64_t max_iterations = 100000;
};

// The checker's findings, keyed by expression id.
struct CheckedInfo {
  absl::flat_hash_map<int64_t, Type> types;
  // Identifiers (and qualified select chains) resolved to a declared
  // variable or type name.
  absl::flat_hash_map<int64_t, std::string> names;
  // Calls resolved to overload ids (more than one when argument types are dyn).
  absl::flat_hash_map<int64_t, std::vector<std::string>> overloads;
};

// Type-checks `parsed`. Errors are InvalidArgument, one per line:
// "ERROR: LINE:COLUMN: message", with a "did you mean 'x'?" suggestion for an
// unknown name when one is close.
absl::StatusOr<CheckedInfo> Check(const ParsedExpr& parsed, absl::string_view source,
                                  const Environment& env);

class Plan;  // internal

// A compiled expression. Immutable; Evaluate may run concurrently from any
// number of threads.
class Program {
 public:
  ~Program();
  // Evaluates against `activation`. Never fails outright: failures are error values.
  Value Evaluate(const Activation& activation) const;
  // Evaluates one node of expr() (by id) on its own, for back ends that
  // evaluate parts of an expression. Nodes inside comprehensions, and select
  // chains planned as one qualified name, evaluate to an error value.
  Value EvaluateSubexpression(int64_t expr_id, const Activation& activation) const;

  const std::string& source() const { return source_; }
  const Expr& expr() const { return *parsed_.expr; }
  const SourceInfo& source_info() const { return parsed_.source_info; }
  // The checked result type (dyn when compiled without checking).
  const Type& result_type() const { return result_type_; }
  // The checker's findings (empty when compiled without checking).
  const CheckedInfo& checked() const { return checked_; }

 private:
  friend absl::StatusOr<std::unique_ptr<Program>> Compile(absl::string_view, const Environment&,
                                                          const CompileOptions&);
  Program() = default;
  std::string source_;
  ParsedExpr parsed_;
  CheckedInfo checked_;
  Type result_type_;
  std::shared_ptr<const FunctionRegistry> functions_;  // the plan calls into it
  std::unique_ptr<Plan> plan_;
};

// Parses, checks (unless options.check is false) and plans `source`.
absl::StatusOr<std::unique_ptr<Program>> Compile(absl::string_view source, const Environment& env,
                                                 const CompileOptions& options = {});

}  // namespace saleskit::cel

#endif  // SALESKIT_CEL_PROGRAM_H_
