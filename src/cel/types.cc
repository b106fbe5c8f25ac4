#include "saleskit/cel/types.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace saleskit::cel {
namespace {

struct Named {
  absl::string_view name;
  Type::Kind kind;
};
constexpr Named kPrimitives[] = {
    {"dyn", Type::Kind::kDyn},           {"null_type", Type::Kind::kNull},
    {"bool", Type::Kind::kBool},         {"int", Type::Kind::kInt},
    {"uint", Type::Kind::kUint},         {"double", Type::Kind::kDouble},
    {"string", Type::Kind::kString},     {"bytes", Type::Kind::kBytes},
    {"timestamp", Type::Kind::kTimestamp}, {"google.protobuf.Timestamp", Type::Kind::kTimestamp},
    {"duration", Type::Kind::kDuration}, {"google.protobuf.Duration", Type::Kind::kDuration},
    {"any", Type::Kind::kAny},           {"google.protobuf.Any", Type::Kind::kAny},
    {"*error*", Type::Kind::kError},
};

class TypeParser {
 public:
  explicit TypeParser(absl::string_view s) : s_(s) {}

  absl::StatusOr<Type> ParseAll() {
    auto t = ParseOne();
    if (!t.ok()) return t;
    SkipSpace();
    if (pos_ != s_.size()) return Fail("unexpected text");
    return t;
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  absl::Status Fail(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("bad type '", s_, "' at ", pos_, ": ", what));
  }
  absl::StatusOr<Type> ParseOne() {
    SkipSpace();
    const size_t start = pos_;
    while (pos_ < s_.size() && (absl::ascii_isalnum(s_[pos_]) || s_[pos_] == '_' ||
                                s_[pos_] == '.' || s_[pos_] == '*')) {
      ++pos_;
    }
    const absl::string_view name = s_.substr(start, pos_ - start);
    if (name.empty()) return Fail("expected a type name");
    std::vector<Type> params;
    SkipSpace();
    bool parenthesised = false;
    if (pos_ < s_.size() && s_[pos_] == '(') {
      ++pos_;
      parenthesised = true;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ')') {
        ++pos_;
        return Type::Opaque(std::string(name), {});  // "tuple()": an abstract type without parameters
      }
      while (true) {
        auto p = ParseOne();
        if (!p.ok()) return p;
        params.push_back(*std::move(p));
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == ')') {
          ++pos_;
          break;
        }
        return Fail("expected ',' or ')'");
      }
    }
    auto want = [&](size_t n) -> absl::Status {
      if (params.size() != n) return Fail(absl::StrCat(name, " takes ", n, " parameter(s)"));
      return absl::OkStatus();
    };
    if (name == "list") {
      if (auto st = want(1); !st.ok()) return st;
      return Type::List(std::move(params[0]));
    }
    if (name == "map") {
      if (auto st = want(2); !st.ok()) return st;
      return Type::Map(std::move(params[0]), std::move(params[1]));
    }
    if (name == "type") {
      if (params.empty()) return Type::TypeOf(Type::Dyn());
      if (auto st = want(1); !st.ok()) return st;
      return Type::TypeOf(std::move(params[0]));
    }
    if (name == "optional_type") {
      if (auto st = want(1); !st.ok()) return st;
      return Type::Optional(std::move(params[0]));
    }
    if (name == "wrapper") {
      if (auto st = want(1); !st.ok()) return st;
      return Type::Wrapper(std::move(params[0]));
    }
    if (parenthesised) return Type::Opaque(std::string(name), std::move(params));
    for (const Named& p : kPrimitives) {
      if (p.name == name) return Type::Of(p.kind);
    }
    if (name.size() == 1 && absl::ascii_isupper(name[0])) return Type::Param(std::string(name));
    return Type::Message(std::string(name));
  }

  absl::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

std::string Type::DebugString() const {
  switch (kind) {
    case Kind::kDyn: return "dyn";
    case Kind::kNull: return "null_type";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kUint: return "uint";
    case Kind::kDouble: return "double";
    case Kind::kString: return "string";
    case Kind::kBytes: return "bytes";
    case Kind::kTimestamp: return "google.protobuf.Timestamp";
    case Kind::kDuration: return "google.protobuf.Duration";
    case Kind::kAny: return "google.protobuf.Any";
    case Kind::kError: return "*error*";
    case Kind::kMessage:
    case Kind::kTypeParam: return name;
    case Kind::kList: return absl::StrCat("list(", params[0].DebugString(), ")");
    case Kind::kMap:
      return absl::StrCat("map(", params[0].DebugString(), ", ", params[1].DebugString(), ")");
    case Kind::kType: return absl::StrCat("type(", params[0].DebugString(), ")");
    case Kind::kOptional: return absl::StrCat("optional_type(", params[0].DebugString(), ")");
    case Kind::kWrapper: return absl::StrCat("wrapper(", params[0].DebugString(), ")");
    case Kind::kOpaque:
      return absl::StrCat(name, "(", absl::StrJoin(params, ", ", [](std::string* out, const Type& t) {
        out->append(t.DebugString());
      }), ")");
  }
  return "?";
}

absl::StatusOr<Type> ParseType(absl::string_view text) { return TypeParser(text).ParseAll(); }

}  // namespace saleskit::cel
