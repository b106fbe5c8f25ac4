// CEL types, as the checker deduces them.
#ifndef SALESKIT_CEL_TYPES_H_
#define SALESKIT_CEL_TYPES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace saleskit::cel {

struct Type {
  enum class Kind {
    kDyn, kNull, kBool, kInt, kUint, kDouble, kString, kBytes, kTimestamp, kDuration,
    kList,      // params[0]: element type
    kMap,       // params[0]: key type, params[1]: value type
    kMessage,   // name: full message name
    kType,      // params[0]: the type this type value denotes (dyn when unknown)
    kOptional,  // params[0]
    kWrapper,   // params[0]: bool/int/uint/double/string/bytes; the value may be null
    kTypeParam, // name: "A", "B", ... in function signatures
    kError,     // the type of an expression that failed to check
    kAny,       // google.protobuf.Any
    kOpaque,    // an abstract type declared by the host: name(params...)
  };
  Kind kind = Kind::kDyn;
  std::string name;
  std::vector<Type> params;

  static Type Dyn() { return Type{}; }
  static Type Of(Kind k) { return Type{k, {}, {}}; }
  static Type List(Type elem) { return Type{Kind::kList, {}, {std::move(elem)}}; }
  static Type Map(Type key, Type value) { return Type{Kind::kMap, {}, {std::move(key), std::move(value)}}; }
  static Type Message(std::string name) { return Type{Kind::kMessage, std::move(name), {}}; }
  static Type TypeOf(Type t) { return Type{Kind::kType, {}, {std::move(t)}}; }
  static Type Optional(Type t) { return Type{Kind::kOptional, {}, {std::move(t)}}; }
  static Type Wrapper(Type t) { return Type{Kind::kWrapper, {}, {std::move(t)}}; }
  static Type Param(std::string name) { return Type{Kind::kTypeParam, std::move(name), {}}; }
  static Type Opaque(std::string name, std::vector<Type> params) {
    return Type{Kind::kOpaque, std::move(name), std::move(params)};
  }

  bool operator==(const Type& o) const {
    return kind == o.kind && name == o.name && params == o.params;
  }
  bool operator!=(const Type& o) const { return !(*this == o); }

  // CEL's spelling: "int", "list(string)", "map(string, dyn)", "optional_type(int)",
  // "wrapper(int)", "saleskit.v1.Customer", "type(int)".
  std::string DebugString() const;
};

// Parses the spelling DebugString produces (and "A".."Z" as type parameters,
// "google.protobuf.Timestamp"/"timestamp", "null_type"), for declaring
// function signatures and variables compactly.
absl::StatusOr<Type> ParseType(absl::string_view text);

}  // namespace saleskit::cel

#endif  // SALESKIT_CEL_TYPES_H_
