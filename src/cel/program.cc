// Planning a parsed (and usually checked) CEL expression into a tree of
// evaluation nodes, and evaluating it. Names, overload candidates and
// comprehension variable slots are all resolved at plan time, so evaluation
// does no name lookups beyond the activation's variables and allocates only
// for values it builds (lists, maps, strings).
#include "saleskit/cel/program.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cel/internal/names.h"
#include "saleskit/status_macros.h"

namespace saleskit::cel {

// ------------------------------------------------------------------ Environment

Environment::Environment() : functions_(std::make_shared<FunctionRegistry>(StandardFunctions())) {}
Environment::Environment(FunctionRegistry functions)
    : functions_(std::make_shared<FunctionRegistry>(std::move(functions))) {}

FunctionRegistry& Environment::mutable_functions() {
  if (functions_.use_count() > 1) functions_ = std::make_shared<FunctionRegistry>(*functions_);
  return *functions_;
}

std::vector<std::string> Environment::Candidates(absl::string_view name) const {
  if (absl::StartsWith(name, ".")) return {std::string(name.substr(1))};
  std::vector<std::string> out;
  absl::string_view container = container_;
  while (!container.empty()) {
    out.push_back(absl::StrCat(container, ".", name));
    const size_t dot = container.rfind('.');
    container = dot == absl::string_view::npos ? absl::string_view() : container.substr(0, dot);
  }
  out.emplace_back(name);
  return out;
}

// ------------------------------------------------------------------ nodes

namespace {

struct Frame {
  const Activation& activation;
  std::vector<Value> locals;
  int64_t iterations_left;
  int64_t max_iterations;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual Value Eval(Frame& frame) const = 0;
};
using NodePtr = std::unique_ptr<Node>;

Value TypeValueOf(const Type& t) {
  switch (t.kind) {
    case Type::Kind::kList: return Value::Type("list");
    case Type::Kind::kMap: return Value::Type("map");
    case Type::Kind::kType: return Value::Type("type");
    case Type::Kind::kOptional: return Value::Type("optional_type");
    default: return Value::Type(t.DebugString());
  }
}

class ConstNode : public Node {
 public:
  explicit ConstNode(Value v) : value_(std::move(v)) {}
  Value Eval(Frame&) const override { return value_; }

 private:
  Value value_;
};

class LocalNode : public Node {
 public:
  explicit LocalNode(int slot) : slot_(slot) {}
  Value Eval(Frame& f) const override { return f.locals[slot_]; }

 private:
  int slot_;
};

Value SelectField(const Value& v, const std::string& field, bool test_only) {
  switch (v.kind()) {
    case Value::Kind::kMap: {
      const Value* found = v.map_value().Find(Value::String(field));
      if (test_only) return Value::Bool(found != nullptr);
      return found != nullptr ? *found : NoSuchKey(Value::String(field));
    }
    case Value::Kind::kStruct:
      return test_only ? v.struct_value().HasField(field) : v.struct_value().GetField(field);
    case Value::Kind::kOptional: {
      // Selecting inside an optional: none stays none; a missing field is none.
      if (!v.optional_has_value()) return test_only ? Value::Bool(false) : v;
      const Value& inner = v.optional_value();
      const Value has = SelectField(inner, field, /*test_only=*/true);
      if (has.is_error()) return has;
      if (test_only) return has;
      if (!has.bool_value()) return Value::OptionalNone();
      return Value::Optional(SelectField(inner, field, false));
    }
    case Value::Kind::kError:
      return v;
    default:
      return Value::Error(absl::InvalidArgumentError(
          absl::StrCat("type '", v.TypeName(), "' does not support field selection (field '", field, "')")));
  }
}

// A variable, looked up by its candidate full names in order; a predeclared
// type name when no variable is bound.
class VariableNode : public Node {
 public:
  struct Alternative {
    std::string name;                 // the variable's full name
    std::vector<std::string> fields;  // then selected in turn
  };
  VariableNode(std::vector<Alternative> alternatives, std::optional<Value> type_value, std::string written)
      : alternatives_(std::move(alternatives)), type_value_(std::move(type_value)), written_(std::move(written)) {}

  Value Eval(Frame& f) const override {
    for (const Alternative& alt : alternatives_) {
      std::optional<Value> v = f.activation.FindVariable(alt.name);
      if (!v) continue;
      Value cur = *std::move(v);
      for (const std::string& field : alt.fields) cur = SelectField(cur, field, false);
      return cur;
    }
    if (type_value_) return *type_value_;
    return Value::Error(absl::NotFoundError(absl::StrCat("undeclared reference to '", written_, "'")));
  }

 private:
  std::vector<Alternative> alternatives_;
  std::optional<Value> type_value_;
  std::string written_;
};

class SelectNode : public Node {
 public:
  SelectNode(NodePtr operand, std::string field, bool test_only)
      : operand_(std::move(operand)), field_(std::move(field)), test_only_(test_only) {}
  Value Eval(Frame& f) const override { return SelectField(operand_->Eval(f), field_, test_only_); }

 private:
  NodePtr operand_;
  std::string field_;
  bool test_only_;
};

// x.?field
class OptionalSelectNode : public Node {
 public:
  OptionalSelectNode(NodePtr operand, std::string field) : operand_(std::move(operand)), field_(std::move(field)) {}
  Value Eval(Frame& f) const override {
    Value v = operand_->Eval(f);
    if (v.is_error()) return v;
    if (v.kind() == Value::Kind::kOptional) {
      if (!v.optional_has_value()) return v;
      Value inner = v.optional_value();  // copy first: v owns it
      v = std::move(inner);
    }
    const Value has = SelectField(v, field_, /*test_only=*/true);
    if (has.is_error()) return has;
    if (!has.bool_value()) return Value::OptionalNone();
    return Value::Optional(SelectField(v, field_, false));
  }

 private:
  NodePtr operand_;
  std::string field_;
};

Value NotBool(absl::string_view op, const Value& v) {
  return NoSuchOverload(op, {v});
}

// && and ||: commutative, absorbing errors when the other side decides.
template <bool kIsAnd>
class LogicNode : public Node {
 public:
  LogicNode(NodePtr lhs, NodePtr rhs) : lhs_(std::move(lhs)), rhs_(std::move(rhs)) {}
  Value Eval(Frame& f) const override {
    constexpr bool kDecider = !kIsAnd;  // false decides &&, true decides ||
    constexpr absl::string_view kName = kIsAnd ? "_&&_" : "_||_";
    Value l = lhs_->Eval(f);
    if (l.kind() == Value::Kind::kBool && l.bool_value() == kDecider) return l;
    Value r = rhs_->Eval(f);
    if (r.kind() == Value::Kind::kBool && r.bool_value() == kDecider) return r;
    if (l.kind() == Value::Kind::kBool && r.kind() == Value::Kind::kBool) return r;
    if (l.is_error()) return l;
    if (r.is_error()) return r;
    return l.kind() != Value::Kind::kBool ? NotBool(kName, l) : NotBool(kName, r);
  }

 private:
  NodePtr lhs_, rhs_;
};

class TernaryNode : public Node {
 public:
  TernaryNode(NodePtr c, NodePtr t, NodePtr e) : c_(std::move(c)), t_(std::move(t)), e_(std::move(e)) {}
  Value Eval(Frame& f) const override {
    Value c = c_->Eval(f);
    if (c.is_error()) return c;
    if (c.kind() != Value::Kind::kBool) return NotBool("_?_:_", c);
    return c.bool_value() ? t_->Eval(f) : e_->Eval(f);
  }

 private:
  NodePtr c_, t_, e_;
};

// The loop condition of all/exists: anything but false continues.
class NotStrictlyFalseNode : public Node {
 public:
  explicit NotStrictlyFalseNode(NodePtr operand) : operand_(std::move(operand)) {}
  Value Eval(Frame& f) const override {
    Value v = operand_->Eval(f);
    if (v.kind() == Value::Kind::kBool) return v;
    return Value::Bool(true);
  }

 private:
  NodePtr operand_;
};

class ListNode : public Node {
 public:
  ListNode(std::vector<NodePtr> elements, std::vector<bool> optional)
      : elements_(std::move(elements)), optional_(std::move(optional)) {}
  Value Eval(Frame& f) const override {
    std::vector<Value> out;
    out.reserve(elements_.size());
    for (size_t i = 0; i < elements_.size(); ++i) {
      Value v = elements_[i]->Eval(f);
      if (v.is_error()) return v;
      if (optional_[i]) {
        if (v.kind() != Value::Kind::kOptional) return NoSuchOverload("optional list element", {v});
        if (!v.optional_has_value()) continue;
        Value inner = v.optional_value();  // copy first: v owns it
      v = std::move(inner);
      }
      out.push_back(std::move(v));
    }
    return Value::List(std::move(out));
  }

 private:
  std::vector<NodePtr> elements_;
  std::vector<bool> optional_;
};

class MapNode : public Node {
 public:
  struct Entry {
    NodePtr key, value;
    bool optional;
  };
  explicit MapNode(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  Value Eval(Frame& f) const override {
    std::vector<std::pair<Value, Value>> out;
    out.reserve(entries_.size());
    for (const Entry& e : entries_) {
      Value k = e.key->Eval(f);
      if (k.is_error()) return k;
      Value v = e.value->Eval(f);
      if (v.is_error()) return v;
      if (e.optional) {
        if (v.kind() != Value::Kind::kOptional) return NoSuchOverload("optional map entry", {v});
        if (!v.optional_has_value()) continue;
        Value inner = v.optional_value();  // copy first: v owns it
      v = std::move(inner);
      }
      out.emplace_back(std::move(k), std::move(v));
    }
    auto map = MapValue::Create(std::move(out));
    if (!map.ok()) return Value::Error(map.status());
    return Value::Map(*std::move(map));
  }

 private:
  std::vector<Entry> entries_;
};

class ErrorNode : public Node {
 public:
  explicit ErrorNode(absl::Status status) : status_(std::move(status)) {}
  Value Eval(Frame&) const override { return Value::Error(status_); }

 private:
  absl::Status status_;
};

class ComprehensionNode : public Node {
 public:
  ComprehensionNode(int iter_slot, int accu_slot, NodePtr range, NodePtr init, NodePtr cond, NodePtr step,
                    NodePtr result)
      : iter_slot_(iter_slot), accu_slot_(accu_slot), range_(std::move(range)), init_(std::move(init)),
        cond_(std::move(cond)), step_(std::move(step)), result_(std::move(result)) {}

  Value Eval(Frame& f) const override {
    Value range = range_->Eval(f);
    if (range.is_error()) return range;
    std::vector<Value> keys;
    absl::Span<const Value> items;
    if (range.kind() == Value::Kind::kList) {
      items = range.list_value();
    } else if (range.kind() == Value::Kind::kMap) {
      keys.reserve(range.map_value().size());
      for (const auto& [k, v] : range.map_value().entries()) keys.push_back(k);
      items = keys;
    } else {
      return Value::Error(absl::InvalidArgumentError(
          absl::StrCat("cannot iterate over a value of type '", range.TypeName(), "'")));
    }
    f.locals[accu_slot_] = init_->Eval(f);
    for (const Value& item : items) {
      if (--f.iterations_left < 0) {
        return Value::Error(absl::ResourceExhaustedError(absl::StrCat(
            "comprehension iteration limit exceeded: more than ", f.max_iterations,
            " iterations (max_iterations)")));
      }
      f.locals[iter_slot_] = item;
      Value c = cond_->Eval(f);
      if (c.is_error()) return c;
      if (c.kind() != Value::Kind::kBool) return NotBool("loop condition", c);
      if (!c.bool_value()) break;
      f.locals[accu_slot_] = step_->Eval(f);
    }
    Value out = result_->Eval(f);
    f.locals[accu_slot_] = Value();
    f.locals[iter_slot_] = Value();
    return out;
  }

 private:
  int iter_slot_, accu_slot_;
  NodePtr range_, init_, cond_, step_, result_;
};

// The step of map() and filter(): accumulator + [element], appending in
// place (the accumulator is moved out of its slot, so the list is unshared).
class AppendStepNode : public Node {
 public:
  AppendStepNode(int accu_slot, NodePtr element, NodePtr general)
      : accu_slot_(accu_slot), element_(std::move(element)), general_(std::move(general)) {}
  Value Eval(Frame& f) const override {
    if (f.locals[accu_slot_].kind() != Value::Kind::kList) return general_->Eval(f);
    Value element = element_->Eval(f);
    if (element.is_error()) return element;
    return Value::AppendToList(std::move(f.locals[accu_slot_]), std::move(element));
  }

 private:
  int accu_slot_;
  NodePtr element_;
  NodePtr general_;  // the plain `_+_` call, for an accumulator that is not a list
};

// A strict function call: arguments evaluated left to right, the first error
// returned, then the first overload whose parameter kinds match is called.
class CallNode : public Node {
 public:
  // What a receiver call may decide from its receiver alone: x.or(y) and
  // x.orValue(y) do not evaluate y when the optional x has a value.
  enum class ShortCircuit { kNone, kOptionalOr, kOptionalOrValue };

  CallNode(std::string function, std::vector<const Overload*> overloads, std::vector<NodePtr> args,
           ShortCircuit short_circuit = ShortCircuit::kNone)
      : function_(std::move(function)), overloads_(std::move(overloads)), args_(std::move(args)),
        short_circuit_(short_circuit) {}

  Value Eval(Frame& f) const override {
    absl::InlinedVector<Value, 4> args;
    args.reserve(args_.size());
    for (const NodePtr& a : args_) {
      args.push_back(a->Eval(f));
      if (args.back().is_error()) return std::move(args.back());
      if (short_circuit_ != ShortCircuit::kNone && args.size() == 1 &&
          args[0].kind() == Value::Kind::kOptional && args[0].optional_has_value()) {
        if (short_circuit_ == ShortCircuit::kOptionalOr) return std::move(args[0]);
        return args[0].optional_value();
      }
    }
    for (const Overload* o : overloads_) {
      if (o->impl != nullptr && o->Matches(args)) return o->impl(args, f.activation);
    }
    return NoSuchOverload(function_, args);
  }

 private:
  std::string function_;
  std::vector<const Overload*> overloads_;
  std::vector<NodePtr> args_;
  ShortCircuit short_circuit_;
};

// ------------------------------------------------------------------ planner

class Planner {
 public:
  Planner(const Environment& env, const CheckedInfo* checked) : env_(env), checked_(checked) {}

  NodePtr Plan(const Expr& e) {
    NodePtr node = std::visit([&](const auto& k) { return PlanKind(e, k); }, e.kind);
    // Nodes outside comprehensions can be evaluated on their own.
    if (scopes_.empty()) by_id_[e.id] = node.get();
    return node;
  }
  int num_locals() const { return max_slots_; }
  absl::flat_hash_map<int64_t, const Node*> TakeNodesById() { return std::move(by_id_); }

 private:
  NodePtr PlanKind(const Expr&, const Constant& c) {
    struct ToValue {
      Value operator()(NullValue) const { return Value::Null(); }
      Value operator()(bool b) const { return Value::Bool(b); }
      Value operator()(int64_t i) const { return Value::Int(i); }
      Value operator()(uint64_t u) const { return Value::Uint(u); }
      Value operator()(double d) const { return Value::Double(d); }
      Value operator()(const std::string& s) const { return Value::String(s); }
      Value operator()(const BytesValue& b) const { return Value::Bytes(b.data); }
    };
    return std::make_unique<ConstNode>(std::visit(ToValue{}, c));
  }

  const int* FindLocal(absl::string_view name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      if (it->first == name) return &it->second;
    }
    return nullptr;
  }

  // The variable (or type name) a possibly qualified name refers to. With
  // checking this is the checker's resolution; without it, every split of
  // the chain into a variable name and fields, longest name first.
  NodePtr PlanName(const Expr& e, const std::string& written) {
    std::vector<VariableNode::Alternative> alternatives;
    std::optional<Value> type_value;
    if (checked_ != nullptr) {
      auto it = checked_->names.find(e.id);
      if (it != checked_->names.end()) {
        if (env_.variables().contains(it->second)) {
          alternatives.push_back({it->second, {}});
        } else if (std::optional<Type> t = internal::PredeclaredType(it->second)) {
          type_value = TypeValueOf(*t);
        } else {
          type_value = Value::Type(it->second);
        }
        return std::make_unique<VariableNode>(std::move(alternatives), std::move(type_value), written);
      }
    }
    const std::vector<std::string> parts = absl::StrSplit(written, '.');
    const bool absolute = absl::StartsWith(written, ".");
    for (size_t n = parts.size(); n >= (absolute ? 2 : 1); --n) {
      std::string prefix = absl::StrJoin(parts.begin(), parts.begin() + n, ".");
      std::vector<std::string> fields(parts.begin() + n, parts.end());
      for (std::string& candidate : env_.Candidates(prefix)) {
        alternatives.push_back({std::move(candidate), fields});
      }
    }
    for (const std::string& candidate : env_.Candidates(written)) {
      if (std::optional<Type> t = internal::PredeclaredType(candidate)) {
        type_value = TypeValueOf(*t);
        break;
      }
    }
    return std::make_unique<VariableNode>(std::move(alternatives), std::move(type_value), written);
  }

  NodePtr PlanKind(const Expr& e, const IdentExpr& id) {
    if (const int* slot = FindLocal(id.name)) return std::make_unique<LocalNode>(*slot);
    return PlanName(e, id.name);
  }

  NodePtr PlanKind(const Expr& e, const SelectExpr& sel) {
    if (!sel.test_only) {
      const IdentExpr* root = internal::RootIdent(e);
      if (root != nullptr && FindLocal(root->name) == nullptr) {
        if (checked_ != nullptr) {
          if (checked_->names.contains(e.id)) return PlanName(e, *internal::QualifiedName(e));
        } else {
          return PlanName(e, *internal::QualifiedName(e));
        }
      }
    }
    return std::make_unique<SelectNode>(Plan(*sel.operand), sel.field, sel.test_only);
  }

  NodePtr PlanKind(const Expr&, const ListExpr& list) {
    std::vector<NodePtr> elements;
    std::vector<bool> optional(list.elements.size(), false);
    for (int32_t i : list.optional_indices) optional[i] = true;
    for (const ExprPtr& el : list.elements) elements.push_back(Plan(*el));
    return std::make_unique<ListNode>(std::move(elements), std::move(optional));
  }

  NodePtr PlanKind(const Expr&, const MapExpr& map) {
    std::vector<MapNode::Entry> entries;
    for (const MapExpr::Entry& en : map.entries) {
      entries.push_back({Plan(*en.key), Plan(*en.value), en.optional});
    }
    return std::make_unique<MapNode>(std::move(entries));
  }

  NodePtr PlanKind(const Expr&, const StructExpr& s) {
    return std::make_unique<ErrorNode>(absl::UnimplementedError(
        absl::StrCat("creating messages of type '", s.message_name, "' is not supported")));
  }

  NodePtr PlanKind(const Expr&, const ComprehensionExpr& c) {
    NodePtr range = Plan(*c.iter_range);
    NodePtr init = Plan(*c.accu_init);
    const int accu = Push(c.accu_var);
    const int iter = Push(c.iter_var);
    NodePtr cond = Plan(*c.loop_condition);
    NodePtr step = Plan(*c.loop_step);
    scopes_.pop_back();
    NodePtr result = Plan(*c.result);
    scopes_.pop_back();
    return std::make_unique<ComprehensionNode>(iter, accu, std::move(range), std::move(init), std::move(cond),
                                               std::move(step), std::move(result));
  }

  int Push(const std::string& name) {
    const int slot = static_cast<int>(scopes_.size());
    scopes_.emplace_back(name, slot);
    max_slots_ = std::max(max_slots_, slot + 1);
    return slot;
  }

  std::optional<std::string> NamespacedFunction(const Expr& e, const CallExpr& call) {
    if (checked_ != nullptr) {
      auto it = checked_->names.find(e.id);
      if (it != checked_->names.end()) return it->second;
      return std::nullopt;
    }
    if (call.target == nullptr) {
      for (const std::string& candidate : env_.Candidates(call.function)) {
        if (!env_.functions().Find(candidate).empty()) return candidate;
      }
      return std::nullopt;
    }
    const IdentExpr* root = internal::RootIdent(*call.target);
    if (root == nullptr || FindLocal(root->name) != nullptr) return std::nullopt;
    std::optional<std::string> ns = internal::QualifiedName(*call.target);
    if (!ns) return std::nullopt;
    for (const std::string& candidate : env_.Candidates(absl::StrCat(*ns, ".", call.function))) {
      if (!env_.functions().Find(candidate).empty()) return candidate;
    }
    return std::nullopt;
  }

  // `@result + [e]` with @result a comprehension accumulator in scope.
  std::optional<int> AppendStep(const CallExpr& call) const {
    if (call.function != "_+_" || call.target != nullptr || call.args.size() != 2) return std::nullopt;
    const auto* accu = call.args[0]->As<IdentExpr>();
    const auto* list = call.args[1]->As<ListExpr>();
    if (accu == nullptr || accu->name != kAccumulatorVar || list == nullptr || list->elements.size() != 1 ||
        !list->optional_indices.empty()) {
      return std::nullopt;
    }
    const int* slot = FindLocal(accu->name);
    if (slot == nullptr) return std::nullopt;
    return *slot;
  }

  NodePtr PlanKind(const Expr& e, const CallExpr& call) {
    if (std::optional<int> slot = AppendStep(call)) {
      NodePtr element = Plan(*call.args[1]->As<ListExpr>()->elements[0]);
      return std::make_unique<AppendStepNode>(*slot, std::move(element), PlanGeneralCall(e, call));
    }
    return PlanGeneralCall(e, call);
  }

  NodePtr PlanGeneralCall(const Expr& e, const CallExpr& call) {
    const std::string& fn = call.function;
    const size_t n = call.args.size();
    if (call.target == nullptr) {
      if (fn == "_&&_" && n == 2) return std::make_unique<LogicNode<true>>(Plan(*call.args[0]), Plan(*call.args[1]));
      if (fn == "_||_" && n == 2) return std::make_unique<LogicNode<false>>(Plan(*call.args[0]), Plan(*call.args[1]));
      if (fn == "_?_:_" && n == 3) {
        return std::make_unique<TernaryNode>(Plan(*call.args[0]), Plan(*call.args[1]), Plan(*call.args[2]));
      }
      if (fn == "@not_strictly_false" && n == 1) return std::make_unique<NotStrictlyFalseNode>(Plan(*call.args[0]));
      if (fn == "_?._" && n == 2) {
        const Constant* field = call.args[1]->As<Constant>();
        if (field != nullptr && std::holds_alternative<std::string>(*field)) {
          return std::make_unique<OptionalSelectNode>(Plan(*call.args[0]), std::get<std::string>(*field));
        }
      }
    }
    std::string function = fn;
    bool receiver = call.target != nullptr;
    if (std::optional<std::string> ns = NamespacedFunction(e, call)) {
      receiver = false;
      function = *ns;
    }
    std::vector<NodePtr> args;
    if (receiver) args.push_back(Plan(*call.target));
    for (const ExprPtr& a : call.args) args.push_back(Plan(*a));

    const std::vector<std::string>* resolved = nullptr;
    if (checked_ != nullptr) {
      auto it = checked_->overloads.find(e.id);
      if (it != checked_->overloads.end()) resolved = &it->second;
    }
    std::vector<const Overload*> overloads;
    for (const Overload& o : env_.functions().Find(function)) {
      if (o.receiver != receiver || o.params.size() != args.size()) continue;
      if (resolved != nullptr && std::find(resolved->begin(), resolved->end(), o.id) == resolved->end()) continue;
      overloads.push_back(&o);
    }
    CallNode::ShortCircuit sc = CallNode::ShortCircuit::kNone;
    if (receiver && args.size() == 2 && function == "or") sc = CallNode::ShortCircuit::kOptionalOr;
    if (receiver && args.size() == 2 && function == "orValue") sc = CallNode::ShortCircuit::kOptionalOrValue;
    return std::make_unique<CallNode>(function, std::move(overloads), std::move(args), sc);
  }

  const Environment& env_;
  const CheckedInfo* checked_;
  std::vector<std::pair<std::string, int>> scopes_;
  int max_slots_ = 0;
  absl::flat_hash_map<int64_t, const Node*> by_id_;
};

}  // namespace

class Plan {
 public:
  NodePtr root;
  int num_locals = 0;
  int64_t max_iterations = 0;
  absl::flat_hash_map<int64_t, const Node*> by_id;  // nodes outside comprehensions
};

Program::~Program() = default;

Value Program::Evaluate(const Activation& activation) const {
  Frame frame{activation, std::vector<Value>(plan_->num_locals), plan_->max_iterations, plan_->max_iterations};
  return plan_->root->Eval(frame);
}

Value Program::EvaluateSubexpression(int64_t expr_id, const Activation& activation) const {
  auto it = plan_->by_id.find(expr_id);
  if (it == plan_->by_id.end()) {
    return Value::Error(absl::InvalidArgumentError(
        absl::StrCat("expression ", expr_id, " cannot be evaluated on its own")));
  }
  Frame frame{activation, std::vector<Value>(plan_->num_locals), plan_->max_iterations, plan_->max_iterations};
  return it->second->Eval(frame);
}

absl::StatusOr<std::unique_ptr<Program>> Compile(absl::string_view source, const Environment& env,
                                                 const CompileOptions& options) {
  auto program = std::unique_ptr<Program>(new Program());
  program->source_ = std::string(source);
  SALESKIT_ASSIGN_OR_RETURN(program->parsed_, Parse(program->source_, options.parse));
  if (options.check) {
    SALESKIT_ASSIGN_OR_RETURN(program->checked_, Check(program->parsed_, program->source_, env));
    program->result_type_ = program->checked_.types.at(program->parsed_.expr->id);
    if (options.require_bool) {
      const Type::Kind k = program->result_type_.kind;
      if (k != Type::Kind::kBool && k != Type::Kind::kDyn) {
        const auto [line, column] = program->parsed_.source_info.LineColumn(program->source_, 0);
        return absl::InvalidArgumentError(absl::StrCat("ERROR: ", line, ":", column,
                                                       ": a condition must be bool, but this expression is ",
                                                       program->result_type_.DebugString()));
      }
    }
  }
  program->functions_ = env.shared_functions();
  Planner planner(env, options.check ? &program->checked_ : nullptr);
  program->plan_ = std::make_unique<Plan>();
  program->plan_->root = planner.Plan(*program->parsed_.expr);
  program->plan_->num_locals = planner.num_locals();
  program->plan_->max_iterations = options.max_iterations;
  program->plan_->by_id = planner.TakeNodesById();
  return program;
}

}  // namespace saleskit::cel
