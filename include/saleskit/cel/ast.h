// The abstract syntax of CEL (Common Expression Language) expressions, as the
// parser produces them and the checker and evaluators will consume them. The
// node kinds follow cel-spec's syntax.proto (cel.expr.Expr); macros are
// already expanded (has() is a test-only Select, all/exists/... are
// Comprehensions), and operators are Calls to their CEL function names
// ("_+_", "_&&_", "@in", "_[_]", ...).
#ifndef SALESKIT_CEL_AST_H_
#define SALESKIT_CEL_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace saleskit::cel {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct NullValue {
  bool operator==(const NullValue&) const { return true; }
};
// Bytes are kept apart from strings: a CEL bytes value need not be UTF-8.
struct BytesValue {
  std::string data;
  bool operator==(const BytesValue& o) const { return data == o.data; }
};
// A literal: null, bool, int, uint, double, string (UTF-8) or bytes.
using Constant = std::variant<NullValue, bool, int64_t, uint64_t, double, std::string, BytesValue>;

struct IdentExpr {
  std::string name;
};

// operand.field; with test_only, the presence test has(operand.field).
struct SelectExpr {
  ExprPtr operand;
  std::string field;
  bool test_only = false;
};

// function(args...) or target.function(args...).
struct CallExpr {
  std::string function;
  ExprPtr target;  // null for a global call
  std::vector<ExprPtr> args;
};

// [elements...]; optional_indices lists the elements written [?e].
struct ListExpr {
  std::vector<ExprPtr> elements;
  std::vector<int32_t> optional_indices;
};

// Message{field: value, ?field: value}.
struct StructExpr {
  struct Field {
    int64_t id = 0;
    std::string name;
    ExprPtr value;
    bool optional = false;
  };
  std::string message_name;
  std::vector<Field> fields;
};

// {key: value, ?key: value}.
struct MapExpr {
  struct Entry {
    int64_t id = 0;
    ExprPtr key;
    ExprPtr value;
    bool optional = false;
  };
  std::vector<Entry> entries;
};

// The loop every macro expands to: for iter_var in iter_range, while
// loop_condition holds, accu_var = loop_step; then result.
struct ComprehensionExpr {
  std::string iter_var;
  ExprPtr iter_range;
  std::string accu_var;
  ExprPtr accu_init;
  ExprPtr loop_condition;
  ExprPtr loop_step;
  ExprPtr result;
};

struct Expr {
  int64_t id = 0;  // unique within one parsed expression; keys SourceInfo::positions
  std::variant<Constant, IdentExpr, SelectExpr, CallExpr, ListExpr, StructExpr, MapExpr, ComprehensionExpr> kind;

  template <typename T>
  const T* As() const {
    return std::get_if<T>(&kind);
  }
};

// The accumulator variable of expanded macros.
inline constexpr char kAccumulatorVar[] = "@result";

}  // namespace saleskit::cel

#endif  // SALESKIT_CEL_AST_H_
