// CEL runtime values: null, bool, int, uint, double, string, bytes,
// timestamp, duration, list, map, message (struct), type, optional and error.
//
// A Value is small (a tag and a pointer-sized payload or shared immutable
// data) and cheap to copy; containers and strings are immutable and shared, so
// a Value may outlive the program that produced it and be used from any thread.
// Errors are values: an expression that fails evaluates to an error Value
// holding an absl::Status, as the CEL specification has it.
#ifndef SALESKIT_CEL_VALUE_H_
#define SALESKIT_CEL_VALUE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace saleskit::cel {

class Value;
class MapValue;

// A message (a record type such as the customer): fields by name.
class StructValue {
 public:
  virtual ~StructValue() = default;
  // The message's full type name, e.g. "saleskit.v1.Customer".
  virtual absl::string_view type_name() const = 0;
  // The value of a field: null for an unset optional field; an error value
  // when the message has no such field.
  virtual Value GetField(absl::string_view name) const = 0;
  // has(): whether the field is set; an error value when there is no such field.
  virtual Value HasField(absl::string_view name) const = 0;
};

class Value {
 public:
  enum class Kind : uint8_t {
    kNull, kBool, kInt, kUint, kDouble, kString, kBytes, kTimestamp, kDuration,
    kList, kMap, kStruct, kType, kOptional, kError,
  };

  Value() : rep_(std::monostate{}) {}  // null

  static Value Null() { return Value(); }
  static Value Bool(bool v) { return Value(Rep(v)); }
  static Value Int(int64_t v) { return Value(Rep(v)); }
  static Value Uint(uint64_t v) { return Value(Rep(v)); }
  static Value Double(double v) { return Value(Rep(v)); }
  static Value String(std::string v);
  static Value Bytes(std::string v);
  static Value Timestamp(absl::Time v) { return Value(Rep(v)); }
  static Value Duration(absl::Duration v) { return Value(Rep(v)); }
  static Value List(std::vector<Value> elements);
  static Value Map(std::shared_ptr<const MapValue> map);
  static Value Struct(std::shared_ptr<const StructValue> message);
  // A type value, named as CEL names types: "int", "list", "google.protobuf.Timestamp", ...
  static Value Type(std::string name);
  static Value Optional(Value v);
  static Value OptionalNone();
  // An error value; `status` must not be OK.
  static Value Error(absl::Status status);
  // `list` with `element` appended: in place when no other value shares the
  // list (amortised O(1), so macros like map() stay linear), else a copy.
  static Value AppendToList(Value list, Value element);

  Kind kind() const { return static_cast<Kind>(rep_.index()); }
  bool is_error() const { return kind() == Kind::kError; }

  // Accessors: call only for the matching kind.
  bool bool_value() const { return std::get<bool>(rep_); }
  int64_t int_value() const { return std::get<int64_t>(rep_); }
  uint64_t uint_value() const { return std::get<uint64_t>(rep_); }
  double double_value() const { return std::get<double>(rep_); }
  absl::string_view string_value() const { return *std::get<StringRep>(rep_).data; }
  absl::string_view bytes_value() const { return *std::get<BytesRep>(rep_).data; }
  absl::Time timestamp_value() const { return std::get<absl::Time>(rep_); }
  absl::Duration duration_value() const { return std::get<absl::Duration>(rep_); }
  absl::Span<const Value> list_value() const;
  const MapValue& map_value() const { return *std::get<MapRep>(rep_).data; }
  const StructValue& struct_value() const { return *std::get<StructRep>(rep_).data; }
  absl::string_view type_value() const { return *std::get<TypeRep>(rep_).name; }
  bool optional_has_value() const { return std::get<OptionalRep>(rep_).value != nullptr; }
  const Value& optional_value() const { return *std::get<OptionalRep>(rep_).value; }
  const absl::Status& error_value() const { return std::get<absl::Status>(rep_); }

  // The CEL type name of this value ("int", "string", "map", "saleskit.v1.Customer", ...).
  std::string TypeName() const;

  // A readable rendering for messages and debugging: strings quoted, bytes
  // as b"..", timestamps RFC 3339, durations as "1.5s", maps in insertion order.
  std::string DebugString() const;

 private:
  struct StringRep { std::shared_ptr<const std::string> data; };
  struct BytesRep { std::shared_ptr<const std::string> data; };
  // Not const: AppendToList extends a list no other value shares.
  struct ListRep { std::shared_ptr<std::vector<Value>> data; };
  struct MapRep { std::shared_ptr<const MapValue> data; };
  struct StructRep { std::shared_ptr<const StructValue> data; };
  struct TypeRep { std::shared_ptr<const std::string> name; };
  struct OptionalRep { std::shared_ptr<const Value> value; };  // null: none
  // The order matches Kind.
  using Rep = std::variant<std::monostate, bool, int64_t, uint64_t, double, StringRep, BytesRep,
                           absl::Time, absl::Duration, ListRep, MapRep, StructRep, TypeRep,
                           OptionalRep, absl::Status>;
  explicit Value(Rep rep) : rep_(std::move(rep)) {}
  Rep rep_;
};

// An immutable map. Keys are bool, int, uint or string; int, uint and
// integral double keys that are numerically equal are the same key, as CEL's
// heterogeneous equality has it. Iteration follows insertion order.
class MapValue {
 public:
  // Builds a map; an error (InvalidArgument) for a repeated key or a key of
  // an unsupported type, naming the key.
  static absl::StatusOr<std::shared_ptr<const MapValue>> Create(
      std::vector<std::pair<Value, Value>> entries);

  size_t size() const { return entries_.size(); }
  // The value for `key`, or nullptr. Keys that are not bool, int, uint,
  // string or integral double find nothing.
  const Value* Find(const Value& key) const;
  const std::vector<std::pair<Value, Value>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<Value, Value>> entries_;
  std::vector<std::pair<std::string, size_t>> index_;  // sorted by normalised key
};

// CEL equality (==): heterogeneous across int, uint and double by numeric
// value; lists and maps element-wise; NaN equals nothing; values of other
// different kinds are unequal. Errors are not compared (callers propagate them).
bool Equal(const Value& a, const Value& b);

// CEL ordering for <, <=, >, >=: -1, 0 or 1, or nullopt when the values are
// not ordered (different non-numeric kinds, or NaN).
std::optional<int> Compare(const Value& a, const Value& b);

// Error values with CEL's usual messages.
Value NoSuchOverload(absl::string_view function, absl::Span<const Value> args);
Value NoSuchField(absl::string_view field);
Value NoSuchKey(const Value& key);
Value DivisionByZero();
Value Overflow(absl::string_view operation);

}  // namespace saleskit::cel

#endif  // SALESKIT_CEL_VALUE_H_
