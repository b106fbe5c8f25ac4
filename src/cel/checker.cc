// The CEL type checker: resolves names against the environment, deduces a
// type for every node (with type parameters unified as cel-go does), and
// picks the overloads a call may use.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cel/internal/names.h"
#include "saleskit/cel/program.h"

namespace saleskit::cel {
namespace {

using K = Type::Kind;

// Operators the evaluator implements itself, declared here for checking.
struct Builtin {
  const char* function;
  const char* signature;
};
constexpr Builtin kBuiltins[] = {
    {"_&&_", "(bool, bool) -> bool"},
    {"_||_", "(bool, bool) -> bool"},
    {"_?_:_", "(bool, A, A) -> A"},
    {"@not_strictly_false", "(bool) -> bool"},
};

const FunctionRegistry& BuiltinDeclarations() {
  static const FunctionRegistry* const r = [] {
    auto* reg = new FunctionRegistry();
    for (const Builtin& b : kBuiltins) {
      (void)reg->Add(b.function, b.function, false, b.signature, nullptr);
    }
    return reg;
  }();
  return *r;
}

class Checker {
 public:
  Checker(const Environment& env, const SourceInfo& info, absl::string_view source)
      : env_(env), source_info_(info), source_(source) {}

  absl::StatusOr<CheckedInfo> Run(const Expr& root) {
    Visit(root);
    if (!errors_.empty()) {
      return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
    }
    for (auto& [id, t] : out_.types) t = Finalize(t);
    return std::move(out_);
  }

 private:
  // ---------------------------------------------------------------- errors

  void Error(const Expr& e, absl::string_view message) {
    if (errors_.size() >= 8) return;  // the first few are what a user acts on
    auto it = source_info_.positions.find(e.id);
    const int32_t offset = it == source_info_.positions.end() ? 0 : it->second;
    const auto [line, column] = source_info_.LineColumn(source_, offset);
    errors_.push_back(absl::StrCat("ERROR: ", line, ":", column, ": ", message));
  }

  // " (did you mean 'x'?)" when a known name is close to `name`.
  std::string Suggest(absl::string_view name, const std::vector<std::string>& known) const {
    const std::string* best = nullptr;
    size_t best_distance = std::max<size_t>(1, name.size() / 3) + 1;  // at most n/3 edits
    for (const std::string& k : known) {
      // A name that starts like a known one ("employees", "employee_count") is close too.
      const bool shared_stem = name.size() >= 4 && absl::StartsWith(k, name.substr(0, name.size() - 1));
      const size_t d = shared_stem ? 1 : internal::EditDistance(name, k);
      if (d < best_distance) {
        best_distance = d;
        best = &k;
      }
    }
    return best == nullptr ? "" : absl::StrCat(" (did you mean '", *best, "'?)");
  }

  std::vector<std::string> KnownIdents() const {
    std::vector<std::string> names;
    for (const auto& [name, type] : env_.variables()) names.push_back(name);
    for (const auto& scope : scopes_) {
      for (const auto& [name, type] : scope) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // ---------------------------------------------------------------- types

  Type Fresh() { return Type::Param(absl::StrCat("_var", fresh_++)); }

  // Follows bound type parameters at the top level.
  Type Resolve(const Type& t) const {
    const Type* cur = &t;
    while (cur->kind == K::kTypeParam) {
      auto it = subst_.find(cur->name);
      if (it == subst_.end()) break;
      cur = &it->second;
    }
    return *cur;
  }

  Type Substitute(const Type& t) const {
    Type r = Resolve(t);
    for (Type& p : r.params) p = Substitute(p);
    return r;
  }

  // Substitutes and turns unbound type parameters into dyn.
  Type Finalize(const Type& t) const {
    Type r = Substitute(t);
    if (r.kind == K::kTypeParam) return Type::Dyn();
    for (Type& p : r.params) p = Finalize(p);
    return r;
  }

  bool Occurs(const std::string& var, const Type& t) const {
    const Type r = Resolve(t);
    if (r.kind == K::kTypeParam) return r.name == var;
    for (const Type& p : r.params) {
      if (Occurs(var, p)) return true;
    }
    return false;
  }

  // Whether a value of type `actual` may be used where `expected` is wanted,
  // binding type parameters on the way.
  bool Assignable(const Type& expected, const Type& actual) {
    const Type x = Resolve(expected);
    const Type y = Resolve(actual);
    if (x.kind == K::kTypeParam) {
      if (y.kind == K::kTypeParam && y.name == x.name) return true;
      if (Occurs(x.name, y)) return false;
      subst_[x.name] = y;
      return true;
    }
    if (y.kind == K::kTypeParam) {
      if (Occurs(y.name, x)) return false;
      subst_[y.name] = x;
      return true;
    }
    if (x.kind == K::kDyn || y.kind == K::kDyn || x.kind == K::kError || y.kind == K::kError ||
        x.kind == K::kAny || y.kind == K::kAny) {
      return true;
    }
    if (y.kind == K::kNull) {
      return x.kind == K::kNull || x.kind == K::kWrapper || x.kind == K::kMessage ||
             x.kind == K::kTimestamp || x.kind == K::kDuration || x.kind == K::kOptional;
    }
    if (x.kind == K::kNull) return y.kind == K::kWrapper;
    if (x.kind == K::kWrapper && y.kind != K::kWrapper) return Assignable(x.params[0], y);
    if (y.kind == K::kWrapper && x.kind != K::kWrapper) return Assignable(x, y.params[0]);
    if (x.kind != y.kind) return false;
    if (x.kind == K::kMessage) return x.name == y.name;
    // Type values compare whatever they denote: type(int) == type(uint) is false, not a type error.
    if (x.kind == K::kType) return true;
    if (x.kind == K::kOpaque && (x.name != y.name || x.params.size() != y.params.size())) return false;
    for (size_t i = 0; i < x.params.size(); ++i) {
      if (!Assignable(x.params[i], y.params[i])) return false;
    }
    return true;
  }

  // Whether a is dyn (or a free parameter) wherever b is not: a is the more general.
  bool LessSpecific(const Type& a, const Type& b) const {
    const Type x = Resolve(a), y = Resolve(b);
    if (x.kind == K::kDyn || x.kind == K::kTypeParam) return true;
    if (x.kind != y.kind || x.params.size() != y.params.size()) return false;
    for (size_t i = 0; i < x.params.size(); ++i) {
      if (!LessSpecific(x.params[i], y.params[i])) return false;
    }
    return true;
  }

  // The type both a and b fit, as cel-go joins list elements and ternary
  // branches: the more general of the two when they are assignable, else dyn.
  Type Join(const Type& a, const Type& b) {
    auto saved = subst_;
    // null joins a nullable type as that type: [optional.of(1), null] is list(optional_type(int)).
    if (Resolve(b).kind == K::kNull && Assignable(a, b)) return a;
    if (Resolve(a).kind == K::kNull && Assignable(b, a)) return b;
    if (Assignable(a, b)) return LessSpecific(a, b) ? a : b;
    subst_ = std::move(saved);
    return Type::Dyn();
  }

  // Renames the type parameters of a declaration apart from every other use.
  Type Instantiate(const Type& t, absl::flat_hash_map<std::string, Type>* fresh) {
    if (t.kind == K::kTypeParam) {
      auto [it, inserted] = fresh->try_emplace(t.name);
      if (inserted) it->second = Fresh();
      return it->second;
    }
    Type r = t;
    for (Type& p : r.params) p = Instantiate(p, fresh);
    return r;
  }

  std::string Render(const Type& t) const { return Finalize(t).DebugString(); }

  // ---------------------------------------------------------------- visit

  Type Record(const Expr& e, Type t) {
    out_.types[e.id] = t;
    return t;
  }

  Type Visit(const Expr& e) {
    return std::visit([&](const auto& k) { return VisitKind(e, k); }, e.kind);
  }

  Type VisitKind(const Expr& e, const Constant& c) {
    static constexpr K kinds[] = {K::kNull, K::kBool, K::kInt, K::kUint, K::kDouble, K::kString, K::kBytes};
    return Record(e, Type::Of(kinds[c.index()]));
  }

  const Type* FindLocal(absl::string_view name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto f = it->find(name);
      if (f != it->end()) return &f->second;
    }
    return nullptr;
  }

  // Resolves a (possibly qualified) name to a variable or a type name.
  std::optional<Type> ResolveName(const Expr& e, absl::string_view name) {
    for (const std::string& candidate : env_.Candidates(name)) {
      auto v = env_.variables().find(candidate);
      if (v != env_.variables().end()) {
        out_.names[e.id] = candidate;
        return v->second;
      }
      if (std::optional<Type> t = internal::PredeclaredType(candidate)) {
        out_.names[e.id] = candidate;
        return Type::TypeOf(*t);
      }
      if (env_.FindMessage(candidate) != nullptr) {
        out_.names[e.id] = candidate;
        return Type::TypeOf(Type::Message(candidate));
      }
    }
    return std::nullopt;
  }

  Type VisitKind(const Expr& e, const IdentExpr& id) {
    if (const Type* local = FindLocal(id.name)) return Record(e, *local);
    if (std::optional<Type> t = ResolveName(e, id.name)) return Record(e, *t);
    Error(e, absl::StrCat("undeclared reference to '", id.name, "'",
                          env_.container().empty() ? "" : absl::StrCat(" (in container '", env_.container(), "')"),
                          Suggest(id.name, KnownIdents())));
    return Record(e, Type::Of(K::kError));
  }

  // A select chain naming a qualified variable (x.y declared as "x.y").
  std::optional<Type> QualifiedVariable(const Expr& e) {
    const IdentExpr* root = internal::RootIdent(e);
    if (root == nullptr || FindLocal(root->name) != nullptr) return std::nullopt;
    std::optional<std::string> name = internal::QualifiedName(e);
    if (!name) return std::nullopt;
    return ResolveName(e, *name);
  }

  Type FieldType(const Expr& e, const Type& operand, const std::string& field) {
    const Type t = Resolve(operand);
    switch (t.kind) {
      case K::kDyn:
      case K::kAny:
      case K::kError:
      case K::kTypeParam:
        return Type::Dyn();
      case K::kMap:
        if (!Assignable(t.params[0], Type::Of(K::kString))) break;
        return t.params[1];
      case K::kMessage: {
        const auto* fields = env_.FindMessage(t.name);
        if (fields == nullptr) return Type::Dyn();
        auto it = fields->find(field);
        if (it != fields->end()) return it->second;
        std::vector<std::string> known;
        for (const auto& [name, type] : *fields) known.push_back(name);
        std::sort(known.begin(), known.end());
        Error(e, absl::StrCat("undefined field '", field, "' in ", t.name, Suggest(field, known)));
        return Type::Of(K::kError);
      }
      case K::kOptional:
        // x.?a.b: selecting on an optional selects inside it.
        return Type::Optional(FieldType(e, t.params[0], field));
      default:
        break;
    }
    Error(e, absl::StrCat("type '", Render(t), "' does not support field selection"));
    return Type::Of(K::kError);
  }

  Type VisitKind(const Expr& e, const SelectExpr& sel) {
    if (!sel.test_only) {
      if (std::optional<Type> t = QualifiedVariable(e)) return Record(e, *t);
    }
    const Type operand = Visit(*sel.operand);
    const Type field = FieldType(e, operand, sel.field);
    if (sel.test_only) return Record(e, Type::Of(K::kBool));
    // Selecting on an optional yields an optional (already wrapped above).
    return Record(e, field);
  }

  Type VisitKind(const Expr& e, const ListExpr& list) {
    Type elem = Fresh();
    bool first = true;
    for (size_t i = 0; i < list.elements.size(); ++i) {
      Type t = Visit(*list.elements[i]);
      const bool optional =
          std::find(list.optional_indices.begin(), list.optional_indices.end(), static_cast<int32_t>(i)) !=
          list.optional_indices.end();
      if (optional) {
        const Type inner = Fresh();
        if (!Assignable(Type::Optional(inner), t)) {
          Error(*list.elements[i], absl::StrCat("expected type 'optional_type' but found '", Render(t), "'"));
        }
        t = inner;
      }
      if (first) {
        if (!Assignable(elem, t)) elem = Type::Dyn();
        first = false;
      } else {
        elem = Join(elem, t);
      }
    }
    return Record(e, Type::List(elem));
  }

  Type VisitKind(const Expr& e, const MapExpr& map) {
    Type key = Fresh(), value = Fresh();
    bool first = true;
    for (const MapExpr::Entry& entry : map.entries) {
      const Type k = Visit(*entry.key);
      Type v = Visit(*entry.value);
      const Type rk = Resolve(k);
      if (rk.kind != K::kBool && rk.kind != K::kInt && rk.kind != K::kUint && rk.kind != K::kString &&
          rk.kind != K::kDyn && rk.kind != K::kTypeParam && rk.kind != K::kError) {
        Error(*entry.key, absl::StrCat("unsupported map key type: ", Render(rk)));
      }
      if (entry.optional) {
        const Type inner = Fresh();
        if (!Assignable(Type::Optional(inner), v)) {
          Error(*entry.value, absl::StrCat("expected type 'optional_type' but found '", Render(v), "'"));
        }
        v = inner;
      }
      if (first) {
        Assignable(key, k);
        Assignable(value, v);
        first = false;
      } else {
        key = Join(key, k);
        value = Join(value, v);
      }
    }
    return Record(e, Type::Map(key, value));
  }

  Type VisitKind(const Expr& e, const StructExpr& s) {
    std::string resolved;
    for (const std::string& candidate : env_.Candidates(s.message_name)) {
      if (env_.FindMessage(candidate) != nullptr) {
        resolved = candidate;
        break;
      }
    }
    for (const StructExpr::Field& f : s.fields) Visit(*f.value);
    if (resolved.empty()) {
      Error(e, absl::StrCat("undeclared reference to message '", s.message_name, "'"));
      return Record(e, Type::Of(K::kError));
    }
    out_.names[e.id] = resolved;
    const auto* fields = env_.FindMessage(resolved);
    for (const StructExpr::Field& f : s.fields) {
      auto it = fields->find(f.name);
      if (it == fields->end()) {
        Error(*f.value, absl::StrCat("undefined field '", f.name, "' in ", resolved));
        continue;
      }
      const Type want = f.optional ? Type::Optional(it->second) : it->second;
      if (!Assignable(want, out_.types[f.value->id])) {
        Error(*f.value, absl::StrCat("expected type of field '", f.name, "' is '", Render(want),
                                     "' but provided type is '", Render(out_.types[f.value->id]), "'"));
      }
    }
    return Record(e, Type::Message(resolved));
  }

  Type VisitKind(const Expr& e, const ComprehensionExpr& c) {
    const Type range = Resolve(Visit(*c.iter_range));
    Type iter;
    switch (range.kind) {
      case K::kList: iter = range.params[0]; break;
      case K::kMap: iter = range.params[0]; break;
      case K::kDyn:
      case K::kError:
      case K::kTypeParam:
      case K::kAny: iter = Type::Dyn(); break;
      default:
        Error(*c.iter_range, absl::StrCat("expression of type '", Render(range),
                                          "' cannot be range of a comprehension (must be list, map, or dynamic)"));
        iter = Type::Of(K::kError);
    }
    const Type accu = Visit(*c.accu_init);
    scopes_.push_back({{c.accu_var, accu}});
    scopes_.push_back({{c.iter_var, iter}});
    const Type cond = Visit(*c.loop_condition);
    if (!Assignable(Type::Of(K::kBool), cond)) {
      Error(*c.loop_condition, absl::StrCat("expected type 'bool' but found '", Render(cond), "'"));
    }
    const Type step = Visit(*c.loop_step);
    if (!Assignable(accu, step)) {
      Error(*c.loop_step, absl::StrCat("expected type '", Render(accu), "' but found '", Render(step), "'"));
    }
    scopes_.pop_back();  // the iteration variable is not in scope in the result
    const Type result = Visit(*c.result);
    scopes_.pop_back();
    return Record(e, result);
  }

  // A call target that spells a namespace rather than a value: math.greatest(..).
  std::optional<std::string> NamespacedFunction(const CallExpr& call) {
    if (call.target == nullptr) return std::nullopt;
    const IdentExpr* root = internal::RootIdent(*call.target);
    if (root == nullptr || FindLocal(root->name) != nullptr) return std::nullopt;
    std::optional<std::string> ns = internal::QualifiedName(*call.target);
    if (!ns) return std::nullopt;
    for (const std::string& candidate : env_.Candidates(*ns)) {
      if (env_.variables().contains(candidate)) return std::nullopt;
    }
    const std::string full = absl::StrCat(*ns, ".", call.function);
    for (const std::string& candidate : env_.Candidates(full)) {
      if (!env_.functions().Find(candidate).empty()) return candidate;
    }
    return std::nullopt;
  }

  Type VisitKind(const Expr& e, const CallExpr& call) {
    std::string function = call.function;
    bool receiver = call.target != nullptr;
    if (std::optional<std::string> ns = NamespacedFunction(call)) {
      function = *ns;
      receiver = false;
      out_.names[e.id] = function;
    } else if (!receiver) {
      // A global function may be declared in the container's namespace.
      for (const std::string& candidate : env_.Candidates(call.function)) {
        if (!env_.functions().Find(candidate).empty()) {
          function = candidate;
          if (candidate != call.function) out_.names[e.id] = candidate;
          break;
        }
      }
    }
    std::vector<Type> args;
    if (receiver) args.push_back(Visit(*call.target));
    for (const ExprPtr& a : call.args) args.push_back(Visit(*a));

    if (function == "_?._") return Record(e, OptionalSelect(e, call, args));

    absl::Span<const Overload> overloads = BuiltinDeclarations().Find(function);
    if (overloads.empty()) overloads = env_.functions().Find(function);
    if (overloads.empty()) {
      Error(e, absl::StrCat("undeclared reference to '", function, "'",
                            Suggest(function, env_.functions().FunctionNames())));
      return Record(e, Type::Of(K::kError));
    }
    for (const Type& a : args) {
      if (Resolve(a).kind == K::kError) return Record(e, Type::Of(K::kError));  // reported already
    }
    std::vector<std::string> matched;
    std::optional<Type> result;
    auto before = subst_;
    auto after = subst_;
    for (const Overload& o : overloads) {
      if (o.receiver != receiver || o.params.size() != args.size()) continue;
      absl::flat_hash_map<std::string, Type> fresh;
      auto saved = subst_;
      bool ok = true;
      for (size_t i = 0; i < args.size() && ok; ++i) {
        ok = Assignable(Instantiate(o.params[i], &fresh), args[i]);
      }
      if (!ok) {
        subst_ = std::move(saved);
        continue;
      }
      const Type r = Substitute(Instantiate(o.result, &fresh));
      matched.push_back(o.id);
      if (!result) {
        result = r;
        after = subst_;
      } else if (Finalize(*result) != Finalize(r)) {
        result = Type::Dyn();
      }
      subst_ = std::move(saved);
    }
    if (matched.empty()) {
      std::vector<std::string> rendered;
      for (const Type& a : args) rendered.push_back(Render(a));
      Error(e, absl::StrCat("found no matching overload for '", function, "' applied to '",
                            receiver ? absl::StrCat(rendered[0], ".(") : "(",
                            absl::StrJoin(receiver ? std::vector<std::string>(rendered.begin() + 1, rendered.end())
                                                   : rendered,
                                          ", "),
                            ")'"));
      return Record(e, Type::Of(K::kError));
    }
    // With one candidate its bindings stand; with several (dyn arguments)
    // nothing is learned about the arguments.
    subst_ = matched.size() == 1 ? std::move(after) : std::move(before);
    out_.overloads[e.id] = std::move(matched);
    return Record(e, *result);
  }

  // x.?field: optional_type of the field's type.
  Type OptionalSelect(const Expr& e, const CallExpr& call, const std::vector<Type>& args) {
    if (call.args.size() != 2 || !call.args[1]->As<Constant>() ||
        !std::holds_alternative<std::string>(*call.args[1]->As<Constant>())) {
      Error(e, "unsupported optional field selection");
      return Type::Of(K::kError);
    }
    const std::string& field = std::get<std::string>(*call.args[1]->As<Constant>());
    Type operand = Resolve(args[0]);
    if (operand.kind == K::kOptional) operand = Resolve(operand.params[0]);
    const Type t = FieldType(e, operand, field);
    if (Resolve(t).kind == K::kOptional) return t;
    return Type::Optional(t);
  }

  const Environment& env_;
  const SourceInfo& source_info_;
  absl::string_view source_;
  CheckedInfo out_;
  std::vector<std::string> errors_;
  absl::flat_hash_map<std::string, Type> subst_;
  std::vector<absl::flat_hash_map<std::string, Type>> scopes_;
  int fresh_ = 0;
};

}  // namespace

absl::StatusOr<CheckedInfo> Check(const ParsedExpr& parsed, absl::string_view source,
                                  const Environment& env) {
  return Checker(env, parsed.source_info, source).Run(*parsed.expr);
}

}  // namespace saleskit::cel
