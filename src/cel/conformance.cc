#include "cel/conformance.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "internal/json.h"
#include "saleskit/cel/functions.h"
#include "saleskit/cel/parser.h"
#include "saleskit/cel/program.h"
#include "saleskit/status_macros.h"

namespace saleskit::cel::conformance {
namespace {

using internal::TextNode;

// The error code that marks "needs a conformance test message": the runner
// turns it into a skip, every other error into a failure.
absl::Status NeedsConformanceMessage(absl::string_view name) {
  return absl::UnimplementedError(absl::StrCat("needs the conformance message ", name));
}

bool IsSkip(const absl::Status& s) { return s.code() == absl::StatusCode::kUnimplemented; }

// Extensions saleskit does not implement, by file name (the file's `name:`
// field) or "file/section": their tests are skipped with this reason.
struct ExtensionScope {
  const char* scope;
  const char* reason;
};
constexpr ExtensionScope kUnsupportedExtensions[] = {
    {"bindings_ext", "needs the bindings extension (cel.bind)"},
    {"block_ext", "needs the block extension (cel.block)"},
    {"encoders_ext", "needs the encoders extension (base64)"},
    {"network_ext", "needs the network extension (ip, cidr)"},
    {"proto2_ext", "needs proto2 extension fields"},
    {"proto2/extensions_has", "needs proto2 extension fields"},
    {"proto2/extensions_get", "needs proto2 extension fields"},
};

const char* UnsupportedExtension(absl::string_view file, absl::string_view section) {
  const std::string scoped = absl::StrCat(file, "/", section);
  for (const ExtensionScope& e : kUnsupportedExtensions) {
    if (file == e.scope || scoped == e.scope) return e.reason;
  }
  return nullptr;
}

// ------------------------------------------------------------ scalars

std::string FieldText(const TextNode& node, absl::string_view field) {
  const TextNode* f = node.Find(field);
  return f == nullptr ? std::string() : f->value;
}

bool FieldBool(const TextNode& node, absl::string_view field) {
  const TextNode* f = node.Find(field);
  if (f == nullptr) return false;
  bool b = false;
  return absl::SimpleAtob(f->value, &b) && b;
}

absl::Status BadScalar(const TextNode& node, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", node.line, ": ", node.name, ": \"", node.value, "\" is not ", what));
}

absl::StatusOr<int64_t> ParseInt(const TextNode& node) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(node.value, &v)) return BadScalar(node, "an int64");
  return v;
}

absl::StatusOr<uint64_t> ParseUint(const TextNode& node) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(node.value, &v)) return BadScalar(node, "a uint64");
  return v;
}

absl::StatusOr<double> ParseDouble(const TextNode& node) {
  // SimpleAtod also reads text format's inf, -inf and nan.
  double v = 0;
  if (!absl::SimpleAtod(node.value, &v)) return BadScalar(node, "a double");
  return v;
}

absl::StatusOr<bool> ParseBool(const TextNode& node) {
  bool v = false;
  if (!absl::SimpleAtob(node.value, &v)) return BadScalar(node, "a bool");
  return v;
}

// An optional int64 field of a message, 0 when absent (proto3 defaults).
absl::StatusOr<int64_t> IntField(const TextNode& msg, absl::string_view field) {
  const TextNode* f = msg.Find(field);
  if (f == nullptr) return 0;
  return ParseInt(*f);
}

// ------------------------------------------------------------ values

// The one field set in a message with a oneof (cel.expr.Value,
// google.protobuf.Value), or nullptr when none is.
const TextNode* OneField(const TextNode& msg) {
  return msg.fields.empty() ? nullptr : &msg.fields.front();
}

// The type name in an Any expansion "[type.googleapis.com/pkg.Name]", or
// empty when `name` is not one.
absl::string_view AnyTypeName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, "[") || !absl::ConsumeSuffix(&name, "]")) return {};
  const size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

absl::StatusOr<Value> MessageToValue(absl::string_view type, const TextNode& msg);

// google.protobuf.Value, as CEL sees it: JSON-like null, double, string,
// bool, map or list.
absl::StatusOr<Value> JsonValue(const TextNode& msg) {
  const TextNode* kind = OneField(msg);
  if (kind == nullptr) return Value::Null();  // an unset Value reads as null
  if (kind->name == "null_value") return Value::Null();
  if (kind->name == "number_value") {
    SALESKIT_ASSIGN_OR_RETURN(double d, ParseDouble(*kind));
    return Value::Double(d);
  }
  if (kind->name == "string_value") return Value::String(kind->value);
  if (kind->name == "bool_value") {
    SALESKIT_ASSIGN_OR_RETURN(bool b, ParseBool(*kind));
    return Value::Bool(b);
  }
  if (kind->name == "struct_value") return MessageToValue("google.protobuf.Struct", *kind);
  if (kind->name == "list_value") return MessageToValue("google.protobuf.ListValue", *kind);
  return absl::InvalidArgumentError(
      absl::StrCat("line ", kind->line, ": unknown google.protobuf.Value field ", kind->name));
}

// A well-known message given in text format, as the CEL value it stands for.
absl::StatusOr<Value> MessageToValue(absl::string_view type, const TextNode& msg) {
  if (IsConformanceName(type)) return NeedsConformanceMessage(type);
  const TextNode* value = msg.Find("value");
  if (type == "google.protobuf.Int64Value" || type == "google.protobuf.Int32Value") {
    if (value == nullptr) return Value::Int(0);
    SALESKIT_ASSIGN_OR_RETURN(int64_t v, ParseInt(*value));
    return Value::Int(v);
  }
  if (type == "google.protobuf.UInt64Value" || type == "google.protobuf.UInt32Value") {
    if (value == nullptr) return Value::Uint(0);
    SALESKIT_ASSIGN_OR_RETURN(uint64_t v, ParseUint(*value));
    return Value::Uint(v);
  }
  if (type == "google.protobuf.DoubleValue" || type == "google.protobuf.FloatValue") {
    if (value == nullptr) return Value::Double(0);
    SALESKIT_ASSIGN_OR_RETURN(double v, ParseDouble(*value));
    // A FloatValue holds single precision; CEL widens what was stored.
    if (type == "google.protobuf.FloatValue") v = static_cast<double>(static_cast<float>(v));
    return Value::Double(v);
  }
  if (type == "google.protobuf.BoolValue") {
    if (value == nullptr) return Value::Bool(false);
    SALESKIT_ASSIGN_OR_RETURN(bool v, ParseBool(*value));
    return Value::Bool(v);
  }
  if (type == "google.protobuf.StringValue") return Value::String(value == nullptr ? "" : value->value);
  if (type == "google.protobuf.BytesValue") return Value::Bytes(value == nullptr ? "" : value->value);
  if (type == "google.protobuf.Timestamp" || type == "google.protobuf.Duration") {
    SALESKIT_ASSIGN_OR_RETURN(int64_t seconds, IntField(msg, "seconds"));
    SALESKIT_ASSIGN_OR_RETURN(int64_t nanos, IntField(msg, "nanos"));
    const absl::Duration d = absl::Seconds(seconds) + absl::Nanoseconds(nanos);
    if (type == "google.protobuf.Duration") return Value::Duration(d);
    return Value::Timestamp(absl::UnixEpoch() + d);
  }
  if (type == "google.protobuf.Value") return JsonValue(msg);
  if (type == "google.protobuf.Struct") {
    std::vector<std::pair<Value, Value>> entries;
    for (const TextNode* field : msg.FindAll("fields")) {
      const TextNode* v = field->Find("value");
      Value converted;
      if (v != nullptr) {
        SALESKIT_ASSIGN_OR_RETURN(converted, JsonValue(*v));
      }
      entries.emplace_back(Value::String(FieldText(*field, "key")), std::move(converted));
    }
    SALESKIT_ASSIGN_OR_RETURN(auto map, MapValue::Create(std::move(entries)));
    return Value::Map(std::move(map));
  }
  if (type == "google.protobuf.ListValue") {
    std::vector<Value> elements;
    for (const TextNode* v : msg.FindAll("values")) {
      SALESKIT_ASSIGN_OR_RETURN(Value e, JsonValue(*v));
      elements.push_back(std::move(e));
    }
    return Value::List(std::move(elements));
  }
  if (type == "google.protobuf.Any") {
    // Either the expanded form "[type.googleapis.com/T] { ... }" or type_url
    // and serialized bytes.
    for (const TextNode& f : msg.fields) {
      absl::string_view inner = AnyTypeName(f.name);
      if (!inner.empty()) return MessageToValue(inner, f);
    }
    const std::string url = FieldText(msg, "type_url");
    const size_t slash = url.rfind('/');
    const std::string inner = slash == std::string::npos ? url : url.substr(slash + 1);
    if (IsConformanceName(inner)) return NeedsConformanceMessage(inner);
    return absl::InvalidArgumentError(
        absl::StrCat("a serialized google.protobuf.Any holding ", inner, " is not supported"));
  }
  return absl::InvalidArgumentError(absl::StrCat("object_value of type ", type, " is not supported"));
}

// ------------------------------------------------------------ types

absl::StatusOr<Type> PrimitiveType(const TextNode& node) {
  const std::string& p = node.value;
  if (p == "BOOL") return Type::Of(Type::Kind::kBool);
  if (p == "INT64") return Type::Of(Type::Kind::kInt);
  if (p == "UINT64") return Type::Of(Type::Kind::kUint);
  if (p == "DOUBLE") return Type::Of(Type::Kind::kDouble);
  if (p == "STRING") return Type::Of(Type::Kind::kString);
  if (p == "BYTES") return Type::Of(Type::Kind::kBytes);
  return BadScalar(node, "a primitive type");
}

// The CEL type a message name stands for: well-known types map to CEL's own.
absl::StatusOr<Type> MessageType(absl::string_view name) {
  if (IsConformanceName(name)) return NeedsConformanceMessage(name);
  using K = Type::Kind;
  if (name == "google.protobuf.Timestamp") return Type::Of(K::kTimestamp);
  if (name == "google.protobuf.Duration") return Type::Of(K::kDuration);
  if (name == "google.protobuf.Any") return Type::Of(K::kAny);
  if (name == "google.protobuf.Value") return Type::Dyn();
  if (name == "google.protobuf.Struct") return Type::Map(Type::Of(K::kString), Type::Dyn());
  if (name == "google.protobuf.ListValue") return Type::List(Type::Dyn());
  if (name == "google.protobuf.Int64Value" || name == "google.protobuf.Int32Value") {
    return Type::Wrapper(Type::Of(K::kInt));
  }
  if (name == "google.protobuf.UInt64Value" || name == "google.protobuf.UInt32Value") {
    return Type::Wrapper(Type::Of(K::kUint));
  }
  if (name == "google.protobuf.DoubleValue" || name == "google.protobuf.FloatValue") {
    return Type::Wrapper(Type::Of(K::kDouble));
  }
  if (name == "google.protobuf.BoolValue") return Type::Wrapper(Type::Of(K::kBool));
  if (name == "google.protobuf.StringValue") return Type::Wrapper(Type::Of(K::kString));
  if (name == "google.protobuf.BytesValue") return Type::Wrapper(Type::Of(K::kBytes));
  return Type::Message(std::string(name));
}

// Every function declared by a test's type_env gets this body: declarations
// are for the checker; a test that calls one at runtime fails visibly.
Value DeclaredOnly(absl::Span<const Value>, const Activation&) {
  return Value::Error(absl::UnimplementedError("function declared by the test has no implementation"));
}

absl::Status DeclareFunction(const TextNode& decl, FunctionRegistry* registry) {
  const std::string name = FieldText(decl, "name");
  for (const TextNode* overload : decl.Find("function")->FindAll("overloads")) {
    std::vector<std::string> params;
    for (const TextNode* p : overload->FindAll("params")) {
      SALESKIT_ASSIGN_OR_RETURN(Type t, TypeFromText(*p));
      params.push_back(t.DebugString());
    }
    Type result = Type::Dyn();
    if (const TextNode* r = overload->Find("result_type"); r != nullptr) {
      SALESKIT_ASSIGN_OR_RETURN(result, TypeFromText(*r));
    }
    const std::string signature =
        absl::StrCat("(", absl::StrJoin(params, ", "), ") -> ", result.DebugString());
    absl::Status added = registry->Add(FieldText(*overload, "overload_id"), name,
                                       FieldBool(*overload, "is_instance_function"), signature,
                                       &DeclaredOnly);
    if (!added.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("declaring ", name, signature, ": ", added.message()));
    }
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------ matching

// Whether `actual` is the expected value: CEL equality, but kinds must agree
// too (1 is not 1u), NaN matches NaN, and maps match regardless of order.
bool Matches(const Value& expected, const Value& actual) {
  if (expected.kind() != actual.kind()) return false;
  switch (expected.kind()) {
    case Value::Kind::kDouble:
      if (std::isnan(expected.double_value())) return std::isnan(actual.double_value());
      return expected.double_value() == actual.double_value();
    case Value::Kind::kList: {
      auto e = expected.list_value(), a = actual.list_value();
      if (e.size() != a.size()) return false;
      for (size_t i = 0; i < e.size(); ++i) {
        if (!Matches(e[i], a[i])) return false;
      }
      return true;
    }
    case Value::Kind::kMap: {
      const auto& e = expected.map_value().entries();
      const auto& a = actual.map_value().entries();
      if (e.size() != a.size()) return false;
      for (const auto& [key, value] : e) {
        bool found = false;
        for (const auto& [akey, avalue] : a) {
          if (Matches(key, akey)) {
            found = Matches(value, avalue);
            break;
          }
        }
        if (!found) return false;
      }
      return true;
    }
    case Value::Kind::kType:
      return expected.type_value() == actual.type_value();
    case Value::Kind::kOptional:
      if (expected.optional_has_value() != actual.optional_has_value()) return false;
      return !expected.optional_has_value() || Matches(expected.optional_value(), actual.optional_value());
    case Value::Kind::kError:
      return true;
    default:
      return Equal(expected, actual);
  }
}

std::string Describe(const Value& v) {
  if (v.is_error()) return absl::StrCat("error: ", v.error_value().message());
  return absl::StrCat(v.DebugString(), " (", v.TypeName(), ")");
}

// ------------------------------------------------------------ skip detection

// The dotted name a chain of identifier selections spells ("a.b.c"), or
// empty when `e` is not such a chain.
std::string QualifiedName(const Expr& e) {
  if (const auto* ident = e.As<IdentExpr>()) return ident->name;
  if (const auto* select = e.As<SelectExpr>(); select != nullptr && !select->test_only) {
    std::string operand = QualifiedName(*select->operand);
    if (!operand.empty()) return absl::StrCat(operand, ".", select->field);
  }
  return {};
}

// The first conformance name `e` refers to, or empty. Message literals
// resolve in the container; so do capitalised identifiers (message and enum
// names), which plain variables in the suite never are.
std::string FindConformanceName(const Expr& e, const std::string& container,
                                const absl::flat_hash_set<std::string>& variables) {
  const bool in_conformance_container = IsConformanceName(container);
  const std::string qualified = QualifiedName(e);
  if (!qualified.empty()) {
    absl::string_view name = qualified;
    absl::ConsumePrefix(&name, ".");
    if (IsConformanceName(name)) return std::string(name);
    if (in_conformance_container && absl::ascii_isupper(name.front()) &&
        !variables.contains(std::string(name.substr(0, name.find('.'))))) {
      return absl::StrCat(container, ".", name);
    }
  }
  std::string found;
  auto visit = [&](const ExprPtr& child) {
    if (found.empty() && child != nullptr) found = FindConformanceName(*child, container, variables);
  };
  if (const auto* s = e.As<StructExpr>()) {
    absl::string_view name = s->message_name;
    absl::ConsumePrefix(&name, ".");
    if (IsConformanceName(name)) return std::string(name);
    if (in_conformance_container && !absl::StartsWith(name, "google.protobuf.")) {
      return absl::StrCat(container, ".", name);
    }
    for (const auto& f : s->fields) visit(f.value);
  } else if (const auto* select = e.As<SelectExpr>()) {
    visit(select->operand);
  } else if (const auto* call = e.As<CallExpr>()) {
    visit(call->target);
    for (const auto& a : call->args) visit(a);
  } else if (const auto* list = e.As<ListExpr>()) {
    for (const auto& el : list->elements) visit(el);
  } else if (const auto* map = e.As<MapExpr>()) {
    for (const auto& entry : map->entries) {
      visit(entry.key);
      visit(entry.value);
    }
  } else if (const auto* c = e.As<ComprehensionExpr>()) {
    visit(c->iter_range);
    visit(c->accu_init);
    visit(c->loop_condition);
    visit(c->loop_step);
    visit(c->result);
  }
  return found;
}

// ------------------------------------------------------------ one test

struct Verdict {
  TestStatus status;
  std::string reason;
};
Verdict Pass() { return {TestStatus::kPass, {}}; }
Verdict Fail(std::string reason) { return {TestStatus::kFail, std::move(reason)}; }
Verdict Skip(std::string reason) { return {TestStatus::kSkip, std::move(reason)}; }

// What a test expects, read before anything runs so that a test needing
// conformance messages anywhere is skipped rather than failed.
struct Expectation {
  enum class Kind { kValue, kError, kUnknown } kind = Kind::kValue;
  std::optional<Value> value;  // kValue: absent for a check-only typed_result
  std::optional<Type> type;    // typed_result's deduced_type
};

Verdict RunTest(const TextNode& test) {
  const std::string expr = FieldText(test, "expr");
  const std::string container = FieldText(test, "container");
  const bool check = !FieldBool(test, "disable_check");
  const bool check_only = FieldBool(test, "check_only");

  // Conversions first; a skip anywhere wins over a failure anywhere.
  absl::Status problem;
  auto note = [&problem](const absl::Status& s, absl::string_view what) {
    if (s.ok() || IsSkip(problem)) return;
    if (IsSkip(s) || problem.ok()) {
      problem = IsSkip(s) ? s : absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
    }
  };

  std::vector<std::pair<std::string, Type>> idents;
  std::vector<const TextNode*> functions;
  absl::flat_hash_set<std::string> variables;
  for (const TextNode* decl : test.FindAll("type_env")) {
    const std::string name = FieldText(*decl, "name");
    if (const TextNode* ident = decl->Find("ident"); ident != nullptr) {
      const TextNode* type = ident->Find("type");
      absl::StatusOr<Type> t = type == nullptr ? Type::Dyn() : TypeFromText(*type);
      note(t.status(), absl::StrCat("type of ", name));
      if (t.ok()) idents.emplace_back(name, *std::move(t));
      variables.insert(name.substr(0, name.find('.')));
    } else if (decl->Find("function") != nullptr) {
      functions.push_back(decl);
    }
  }

  MapActivation activation;
  for (const TextNode* binding : test.FindAll("bindings")) {
    const std::string key = FieldText(*binding, "key");
    variables.insert(key.substr(0, key.find('.')));
    const TextNode* expr_value = binding->Find("value");
    const TextNode* value = expr_value == nullptr ? nullptr : expr_value->Find("value");
    if (value == nullptr) {
      note(absl::InvalidArgumentError("only value bindings are supported (not error or unknown)"),
           absl::StrCat("binding ", key));
      continue;
    }
    absl::StatusOr<Value> v = ValueFromText(*value);
    note(v.status(), absl::StrCat("binding ", key));
    if (v.ok()) activation.Bind(key, *std::move(v));
  }

  Expectation expected;
  if (const TextNode* v = test.Find("value"); v != nullptr) {
    absl::StatusOr<Value> value = ValueFromText(*v);
    note(value.status(), "expected value");
    if (value.ok()) expected.value = *std::move(value);
  } else if (const TextNode* typed = test.Find("typed_result"); typed != nullptr) {
    if (const TextNode* r = typed->Find("result"); r != nullptr && !check_only) {
      absl::StatusOr<Value> value = ValueFromText(*r);
      note(value.status(), "expected result");
      if (value.ok()) expected.value = *std::move(value);
    }
    if (const TextNode* t = typed->Find("deduced_type"); t != nullptr) {
      absl::StatusOr<Type> type = TypeFromText(*t);
      note(type.status(), "expected deduced_type");
      if (type.ok()) expected.type = *std::move(type);
    }
  } else if (test.Find("eval_error") != nullptr || test.Find("any_eval_errors") != nullptr) {
    expected.kind = Expectation::Kind::kError;
  } else if (test.Find("unknown") != nullptr || test.Find("any_unknowns") != nullptr) {
    expected.kind = Expectation::Kind::kUnknown;
  } else {
    expected.value = Value::Bool(true);  // simple.proto: no matcher means "true"
  }

  // The expression itself may construct or name conformance messages.
  if (!IsSkip(problem)) {
    if (absl::StatusOr<ParsedExpr> parsed = Parse(expr); parsed.ok()) {
      const std::string name = FindConformanceName(*parsed->expr, container, variables);
      if (!name.empty()) note(NeedsConformanceMessage(name), "expression");
    }
  }
  if (IsSkip(problem)) return Skip(std::string(problem.message()));
  if (!problem.ok()) return Fail(std::string(problem.message()));
  if (FieldBool(test, "disable_macros")) return Fail("disable_macros is not supported: the parser always expands macros");
  if (expected.kind == Expectation::Kind::kUnknown) return Fail("unknown results are not supported");

  // Environment: the standard library plus the test's declarations.
  FunctionRegistry registry = StandardFunctions();
  for (const TextNode* decl : functions) {
    if (absl::Status s = DeclareFunction(*decl, &registry); !s.ok()) return Fail(std::string(s.message()));
  }
  Environment env(std::move(registry));
  for (auto& [name, type] : idents) env.DeclareVariable(name, std::move(type));
  env.set_container(container);

  CompileOptions options;
  options.check = check;
  absl::StatusOr<std::unique_ptr<Program>> program = Compile(expr, env, options);
  if (!program.ok()) {
    // Parse and check errors are how some implementations report what the
    // suite expects as an evaluation error.
    if (expected.kind == Expectation::Kind::kError) {
      return {TestStatus::kPass, absl::StrCat("error at compile time: ", program.status().message())};
    }
    return Fail(absl::StrCat("compile error: ", program.status().message()));
  }
  if (expected.type.has_value()) {
    const std::string want = expected.type->DebugString();
    const std::string got = (*program)->result_type().DebugString();
    if (want != got) return Fail(absl::StrCat("deduced type ", got, ", expected ", want));
  }
  if (check_only) return Pass();

  const Value result = (*program)->Evaluate(activation);
  if (expected.kind == Expectation::Kind::kError) {
    if (result.is_error()) return Pass();
    return Fail(absl::StrCat("expected an error, got ", Describe(result)));
  }
  if (!expected.value.has_value()) return Pass();  // typed_result with a type only
  if (result.is_error()) {
    return Fail(absl::StrCat("evaluation error: ", result.error_value().message(), "; expected ",
                             Describe(*expected.value)));
  }
  if (!Matches(*expected.value, result)) {
    return Fail(absl::StrCat("got ", Describe(result), ", expected ", Describe(*expected.value)));
  }
  return Pass();
}

}  // namespace

bool IsConformanceName(absl::string_view name) {
  absl::ConsumePrefix(&name, ".");
  for (absl::string_view package : {"cel.expr.conformance", "google.api.expr.test"}) {
    if (name == package || (absl::StartsWith(name, package) && name[package.size()] == '.')) return true;
  }
  return false;
}

absl::StatusOr<Value> ValueFromText(const TextNode& node) {
  const TextNode* kind = OneField(node);
  if (kind == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("line ", node.line, ": empty value"));
  }
  const std::string& k = kind->name;
  if (k == "null_value") return Value::Null();
  if (k == "bool_value") {
    SALESKIT_ASSIGN_OR_RETURN(bool b, ParseBool(*kind));
    return Value::Bool(b);
  }
  if (k == "int64_value") {
    SALESKIT_ASSIGN_OR_RETURN(int64_t v, ParseInt(*kind));
    return Value::Int(v);
  }
  if (k == "uint64_value") {
    SALESKIT_ASSIGN_OR_RETURN(uint64_t v, ParseUint(*kind));
    return Value::Uint(v);
  }
  if (k == "double_value") {
    SALESKIT_ASSIGN_OR_RETURN(double v, ParseDouble(*kind));
    return Value::Double(v);
  }
  if (k == "string_value") return Value::String(kind->value);
  if (k == "bytes_value") return Value::Bytes(kind->value);
  if (k == "list_value") {
    std::vector<Value> elements;
    for (const TextNode* v : kind->FindAll("values")) {
      SALESKIT_ASSIGN_OR_RETURN(Value e, ValueFromText(*v));
      elements.push_back(std::move(e));
    }
    return Value::List(std::move(elements));
  }
  if (k == "map_value") {
    std::vector<std::pair<Value, Value>> entries;
    for (const TextNode* entry : kind->FindAll("entries")) {
      const TextNode* key = entry->Find("key");
      const TextNode* value = entry->Find("value");
      if (key == nullptr || value == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("line ", entry->line, ": map entry without key or value"));
      }
      SALESKIT_ASSIGN_OR_RETURN(Value kv, ValueFromText(*key));
      SALESKIT_ASSIGN_OR_RETURN(Value vv, ValueFromText(*value));
      entries.emplace_back(std::move(kv), std::move(vv));
    }
    SALESKIT_ASSIGN_OR_RETURN(auto map, MapValue::Create(std::move(entries)));
    return Value::Map(std::move(map));
  }
  if (k == "type_value") {
    if (IsConformanceName(kind->value)) return NeedsConformanceMessage(kind->value);
    return Value::Type(kind->value);
  }
  if (k == "enum_value") {
    const std::string type = FieldText(*kind, "type");
    if (IsConformanceName(type)) return NeedsConformanceMessage(type);
    SALESKIT_ASSIGN_OR_RETURN(int64_t v, IntField(*kind, "value"));
    return Value::Int(v);  // CEL's legacy enums are ints
  }
  if (k == "object_value") return MessageToValue("google.protobuf.Any", *kind);
  return absl::InvalidArgumentError(absl::StrCat("line ", kind->line, ": unknown value kind ", k));
}

absl::StatusOr<Type> TypeFromText(const TextNode& node) {
  using K = Type::Kind;
  const TextNode* kind = OneField(node);
  if (kind == nullptr) return Type::Dyn();  // an empty Type message
  const std::string& k = kind->name;
  if (k == "dyn") return Type::Dyn();
  if (k == "null") return Type::Of(K::kNull);
  if (k == "primitive") return PrimitiveType(*kind);
  if (k == "wrapper") {
    SALESKIT_ASSIGN_OR_RETURN(Type t, PrimitiveType(*kind));
    return Type::Wrapper(std::move(t));
  }
  if (k == "well_known") {
    if (kind->value == "TIMESTAMP") return Type::Of(K::kTimestamp);
    if (kind->value == "DURATION") return Type::Of(K::kDuration);
    if (kind->value == "ANY") return Type::Of(K::kAny);
    return BadScalar(*kind, "a well-known type");
  }
  if (k == "list_type") {
    const TextNode* elem = kind->Find("elem_type");
    if (elem == nullptr) return Type::List(Type::Dyn());
    SALESKIT_ASSIGN_OR_RETURN(Type e, TypeFromText(*elem));
    return Type::List(std::move(e));
  }
  if (k == "map_type") {
    Type key = Type::Dyn(), value = Type::Dyn();
    if (const TextNode* n = kind->Find("key_type"); n != nullptr) {
      SALESKIT_ASSIGN_OR_RETURN(key, TypeFromText(*n));
    }
    if (const TextNode* n = kind->Find("value_type"); n != nullptr) {
      SALESKIT_ASSIGN_OR_RETURN(value, TypeFromText(*n));
    }
    return Type::Map(std::move(key), std::move(value));
  }
  if (k == "message_type") return MessageType(kind->value);
  if (k == "type_param") return Type::Param(kind->value);
  if (k == "type") {
    SALESKIT_ASSIGN_OR_RETURN(Type t, TypeFromText(*kind));
    return Type::TypeOf(std::move(t));
  }
  if (k == "error") return Type::Of(K::kError);
  if (k == "abstract_type") {
    const std::string name = FieldText(*kind, "name");
    std::vector<Type> params;
    for (const TextNode* p : kind->FindAll("parameter_types")) {
      SALESKIT_ASSIGN_OR_RETURN(Type t, TypeFromText(*p));
      params.push_back(std::move(t));
    }
    if (name == "optional_type" && params.size() == 1) return Type::Optional(std::move(params[0]));
    return Type::Opaque(std::move(name), std::move(params));
  }
  return absl::InvalidArgumentError(absl::StrCat("line ", kind->line, ": unknown type kind ", k));
}

absl::string_view StatusName(TestStatus status) {
  switch (status) {
    case TestStatus::kPass: return "pass";
    case TestStatus::kFail: return "fail";
    case TestStatus::kSkip: return "skip";
  }
  return "fail";
}

void Tally::Add(const TestResult& r) {
  switch (r.status) {
    case TestStatus::kPass: ++pass; break;
    case TestStatus::kFail: ++fail; break;
    case TestStatus::kSkip: ++skip; break;
  }
}

double Tally::PassRate() const {
  return pass + fail == 0 ? 1.0 : static_cast<double>(pass) / (pass + fail);
}

std::string ToJson(const TestResult& r) {
  std::string out = "{\"file\":";
  saleskit::internal::AppendJsonString(r.file, &out);
  out.append(",\"section\":");
  saleskit::internal::AppendJsonString(r.section, &out);
  out.append(",\"test\":");
  saleskit::internal::AppendJsonString(r.test, &out);
  out.append(",\"status\":");
  saleskit::internal::AppendJsonString(StatusName(r.status), &out);
  out.append(",\"reason\":");
  saleskit::internal::AppendJsonString(r.reason, &out);
  out.push_back('}');
  return out;
}

absl::StatusOr<std::vector<TestResult>> RunText(absl::string_view file, absl::string_view text) {
  absl::StatusOr<TextNode> root = internal::ParseTextProto(text);
  if (!root.ok()) return absl::InvalidArgumentError(absl::StrCat(file, ": ", root.status().message()));
  // Extensions are recognised by the file's own name, which survives renames.
  std::string suite = FieldText(*root, "name");
  if (suite.empty()) suite = std::string(file);
  std::vector<TestResult> results;
  for (const TextNode* section : root->FindAll("section")) {
    const std::string section_name = FieldText(*section, "name");
    const char* extension = UnsupportedExtension(suite, section_name);
    for (const TextNode* test : section->FindAll("test")) {
      TestResult r;
      r.file = std::string(file);
      r.section = section_name;
      r.test = FieldText(*test, "name");
      Verdict v = extension != nullptr ? Skip(extension) : RunTest(*test);
      r.status = v.status;
      r.reason = std::move(v.reason);
      results.push_back(std::move(r));
    }
  }
  return results;
}

absl::StatusOr<std::vector<TestResult>> RunFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open \"", path, "\""));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read \"", path, "\""));
  return RunText(FileName(path), text.str());
}

std::string FileName(absl::string_view path) {
  if (const size_t slash = path.rfind('/'); slash != absl::string_view::npos) path.remove_prefix(slash + 1);
  absl::ConsumeSuffix(&path, ".textproto");
  return std::string(path);
}

}  // namespace saleskit::cel::conformance
