#include "saleskit/cel/value.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cel/internal/library.h"

namespace saleskit::cel {
namespace {

// Shared empties, so that common values need no allocation.
const std::shared_ptr<const Value>& NoValue() {
  static const auto* const none = new std::shared_ptr<const Value>();
  return *none;
}

// A canonical byte string for a map key; nullopt for a type that cannot be a
// key. Numerically equal int, uint and integral double keys encode alike.
std::optional<std::string> KeyOf(const Value& v) {
  auto numeric = [](bool negative, uint64_t magnitude) {
    std::string k(9, '\0');
    k[0] = negative ? 'n' : 'p';
    std::memcpy(&k[1], &magnitude, sizeof magnitude);
    return k;
  };
  switch (v.kind()) {
    case Value::Kind::kBool:
      return std::string(v.bool_value() ? "bt" : "bf");
    case Value::Kind::kInt: {
      const int64_t i = v.int_value();
      if (i < 0) return numeric(true, 0 - static_cast<uint64_t>(i));
      return numeric(false, static_cast<uint64_t>(i));
    }
    case Value::Kind::kUint:
      return numeric(false, v.uint_value());
    case Value::Kind::kDouble: {
      const double d = v.double_value();
      if (!(std::trunc(d) == d)) return std::nullopt;  // NaN, inf, fractional
      if (d >= 0 && d < 18446744073709551616.0) return numeric(false, static_cast<uint64_t>(d));
      if (d < 0 && d >= -9223372036854775808.0) {
        return numeric(d != 0, 0 - static_cast<uint64_t>(static_cast<int64_t>(d)));
      }
      return std::nullopt;
    }
    case Value::Kind::kString:
      return absl::StrCat("s", v.string_value());
    default:
      return std::nullopt;
  }
}

// Exact comparison of an int with a double (no rounding of large ints).
int CompareIntDouble(int64_t i, double d) {
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  const double t = std::trunc(d);
  const int64_t di = static_cast<int64_t>(t);
  if (i != di) return i < di ? -1 : 1;
  if (d > t) return -1;
  if (d < t) return 1;
  return 0;
}

int CompareUintDouble(uint64_t u, double d) {
  if (d < 0) return 1;
  if (d >= 18446744073709551616.0) return -1;
  const double t = std::trunc(d);
  const uint64_t du = static_cast<uint64_t>(t);
  if (u != du) return u < du ? -1 : 1;
  if (d > t) return -1;
  return 0;
}

int CompareIntUint(int64_t i, uint64_t u) {
  if (i < 0) return -1;
  const uint64_t iu = static_cast<uint64_t>(i);
  return iu < u ? -1 : (iu > u ? 1 : 0);
}

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

bool IsNumeric(Value::Kind k) {
  return k == Value::Kind::kInt || k == Value::Kind::kUint || k == Value::Kind::kDouble;
}

std::optional<int> CompareNumeric(const Value& a, const Value& b) {
  using K = Value::Kind;
  const K ka = a.kind(), kb = b.kind();
  if (ka == K::kDouble && std::isnan(a.double_value())) return std::nullopt;
  if (kb == K::kDouble && std::isnan(b.double_value())) return std::nullopt;
  if (ka == K::kInt) {
    if (kb == K::kInt) return Cmp(a.int_value(), b.int_value());
    if (kb == K::kUint) return CompareIntUint(a.int_value(), b.uint_value());
    return CompareIntDouble(a.int_value(), b.double_value());
  }
  if (ka == K::kUint) {
    if (kb == K::kInt) return -CompareIntUint(b.int_value(), a.uint_value());
    if (kb == K::kUint) return Cmp(a.uint_value(), b.uint_value());
    return CompareUintDouble(a.uint_value(), b.double_value());
  }
  if (kb == K::kInt) return -CompareIntDouble(b.int_value(), a.double_value());
  if (kb == K::kUint) return -CompareUintDouble(b.uint_value(), a.double_value());
  return Cmp(a.double_value(), b.double_value());
}


}  // namespace

Value Value::String(std::string v) {
  return Value(Rep(StringRep{std::make_shared<const std::string>(std::move(v))}));
}
Value Value::Bytes(std::string v) {
  return Value(Rep(BytesRep{std::make_shared<const std::string>(std::move(v))}));
}
Value Value::List(std::vector<Value> elements) {
  return Value(Rep(ListRep{std::make_shared<std::vector<Value>>(std::move(elements))}));
}

Value Value::AppendToList(Value list, Value element) {
  std::shared_ptr<std::vector<Value>>& data = std::get<ListRep>(list.rep_).data;
  if (data.use_count() != 1) data = std::make_shared<std::vector<Value>>(*data);
  data->push_back(std::move(element));
  return list;
}
Value Value::Map(std::shared_ptr<const MapValue> map) { return Value(Rep(MapRep{std::move(map)})); }
Value Value::Struct(std::shared_ptr<const StructValue> message) {
  return Value(Rep(StructRep{std::move(message)}));
}
Value Value::Type(std::string name) {
  return Value(Rep(TypeRep{std::make_shared<const std::string>(std::move(name))}));
}
Value Value::Optional(Value v) { return Value(Rep(OptionalRep{std::make_shared<const Value>(std::move(v))})); }
Value Value::OptionalNone() { return Value(Rep(OptionalRep{NoValue()})); }
Value Value::Error(absl::Status status) {
  if (status.ok()) status = absl::InternalError("error value made from an OK status");
  return Value(Rep(std::move(status)));
}

absl::Span<const Value> Value::list_value() const { return *std::get<ListRep>(rep_).data; }

std::string Value::TypeName() const {
  switch (kind()) {
    case Kind::kNull: return "null_type";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kUint: return "uint";
    case Kind::kDouble: return "double";
    case Kind::kString: return "string";
    case Kind::kBytes: return "bytes";
    case Kind::kTimestamp: return "google.protobuf.Timestamp";
    case Kind::kDuration: return "google.protobuf.Duration";
    case Kind::kList: return "list";
    case Kind::kMap: return "map";
    case Kind::kStruct: return std::string(struct_value().type_name());
    case Kind::kType: return "type";
    case Kind::kOptional: return "optional_type";
    case Kind::kError: return "error";
  }
  return "unknown";
}

std::string Value::DebugString() const {
  switch (kind()) {
    case Kind::kNull: return "null";
    case Kind::kBool: return bool_value() ? "true" : "false";
    case Kind::kInt: return absl::StrCat(int_value());
    case Kind::kUint: return absl::StrCat(uint_value(), "u");
    case Kind::kDouble: {
      const double d = double_value();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
      std::string s = absl::StrFormat("%.17g", d);
      // Shortest form that reads back the same.
      for (int p = 1; p <= 17; ++p) {
        std::string t = absl::StrFormat("%.*g", p, d);
        if (std::strtod(t.c_str(), nullptr) == d) { s = t; break; }
      }
      // Plain digits rather than an exponent for everyday magnitudes (20.0, not 2e+01).
      if (s.find('e') != std::string::npos && std::abs(d) >= 1e-4 && std::abs(d) < 1e15) {
        for (int p = 0; p <= 19; ++p) {
          std::string t = absl::StrFormat("%.*f", p, d);
          if (std::strtod(t.c_str(), nullptr) == d) { s = t; break; }
        }
      }
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      return s;
    }
    case Kind::kString: return absl::StrCat("\"", absl::CHexEscape(string_value()), "\"");
    case Kind::kBytes: return absl::StrCat("b\"", absl::CHexEscape(bytes_value()), "\"");
    case Kind::kTimestamp:
      return absl::StrCat("timestamp(\"", internal::FormatTimestamp(timestamp_value()), "\")");
    case Kind::kDuration: return absl::StrCat("duration(\"", internal::FormatDuration(duration_value()), "\")");
    case Kind::kList:
      return absl::StrCat("[", absl::StrJoin(list_value(), ", ", [](std::string* out, const Value& v) {
        out->append(v.DebugString());
      }), "]");
    case Kind::kMap:
      return absl::StrCat("{", absl::StrJoin(map_value().entries(), ", ", [](std::string* out, const auto& e) {
        absl::StrAppend(out, e.first.DebugString(), ": ", e.second.DebugString());
      }), "}");
    case Kind::kStruct: return absl::StrCat(struct_value().type_name(), "{...}");
    case Kind::kType: return std::string(type_value());
    case Kind::kOptional:
      return optional_has_value() ? absl::StrCat("optional.of(", optional_value().DebugString(), ")")
                                  : "optional.none()";
    case Kind::kError: return absl::StrCat("error(", error_value().message(), ")");
  }
  return "?";
}

absl::StatusOr<std::shared_ptr<const MapValue>> MapValue::Create(
    std::vector<std::pair<Value, Value>> entries) {
  auto map = std::shared_ptr<MapValue>(new MapValue());
  map->index_.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const Value& k = entries[i].first;
    const Value::Kind kind = k.kind();
    if (kind != Value::Kind::kBool && kind != Value::Kind::kInt && kind != Value::Kind::kUint &&
        kind != Value::Kind::kString) {
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported key type: ", k.TypeName(), " (key ", k.DebugString(), ")"));
    }
    map->index_.emplace_back(*KeyOf(k), i);
  }
  std::sort(map->index_.begin(), map->index_.end());
  for (size_t i = 1; i < map->index_.size(); ++i) {
    if (map->index_[i].first == map->index_[i - 1].first) {
      return absl::InvalidArgumentError(
          absl::StrCat("Failed with repeated key: ", entries[map->index_[i].second].first.DebugString()));
    }
  }
  map->entries_ = std::move(entries);
  return std::shared_ptr<const MapValue>(std::move(map));
}

const Value* MapValue::Find(const Value& key) const {
  const std::optional<std::string> k = KeyOf(key);
  if (!k) return nullptr;
  auto it = std::lower_bound(index_.begin(), index_.end(), *k,
                             [](const auto& e, const std::string& s) { return e.first < s; });
  if (it == index_.end() || it->first != *k) return nullptr;
  return &entries_[it->second].second;
}

bool Equal(const Value& a, const Value& b) {
  using K = Value::Kind;
  const K ka = a.kind(), kb = b.kind();
  if (IsNumeric(ka) && IsNumeric(kb)) {
    const std::optional<int> c = CompareNumeric(a, b);
    return c.has_value() && *c == 0;
  }
  if (ka != kb) return false;
  switch (ka) {
    case K::kNull: return true;
    case K::kBool: return a.bool_value() == b.bool_value();
    case K::kString: return a.string_value() == b.string_value();
    case K::kBytes: return a.bytes_value() == b.bytes_value();
    case K::kTimestamp: return a.timestamp_value() == b.timestamp_value();
    case K::kDuration: return a.duration_value() == b.duration_value();
    case K::kType: return a.type_value() == b.type_value();
    case K::kList: {
      const auto la = a.list_value(), lb = b.list_value();
      if (la.size() != lb.size()) return false;
      for (size_t i = 0; i < la.size(); ++i) {
        if (!Equal(la[i], lb[i])) return false;
      }
      return true;
    }
    case K::kMap: {
      const MapValue& ma = a.map_value();
      const MapValue& mb = b.map_value();
      if (ma.size() != mb.size()) return false;
      for (const auto& [k, v] : ma.entries()) {
        const Value* other = mb.Find(k);
        if (other == nullptr || !Equal(v, *other)) return false;
      }
      return true;
    }
    case K::kOptional:
      if (a.optional_has_value() != b.optional_has_value()) return false;
      return !a.optional_has_value() || Equal(a.optional_value(), b.optional_value());
    case K::kStruct:
      return &a.struct_value() == &b.struct_value();
    default:
      return false;
  }
}

std::optional<int> Compare(const Value& a, const Value& b) {
  using K = Value::Kind;
  const K ka = a.kind(), kb = b.kind();
  if (IsNumeric(ka) && IsNumeric(kb)) return CompareNumeric(a, b);
  if (ka != kb) return std::nullopt;
  switch (ka) {
    case K::kBool: return Cmp(a.bool_value(), b.bool_value());
    case K::kString: return Cmp(a.string_value(), b.string_value());
    case K::kBytes: return Cmp(a.bytes_value(), b.bytes_value());
    case K::kTimestamp: return Cmp(a.timestamp_value(), b.timestamp_value());
    case K::kDuration: return Cmp(a.duration_value(), b.duration_value());
    default: return std::nullopt;
  }
}

Value NoSuchOverload(absl::string_view function, absl::Span<const Value> args) {
  const bool has_null =
      std::any_of(args.begin(), args.end(), [](const Value& v) { return v.kind() == Value::Kind::kNull; });
  return Value::Error(absl::InvalidArgumentError(absl::StrCat(
      "no such overload: ", function, "(",
      absl::StrJoin(args, ", ", [](std::string* out, const Value& v) { out->append(v.TypeName()); }), ")",
      has_null ? " (a field never set is null; test it with has())" : "")));
}
Value NoSuchField(absl::string_view field) {
  return Value::Error(absl::NotFoundError(absl::StrCat("no such field: '", field, "'")));
}
Value NoSuchKey(const Value& key) {
  return Value::Error(absl::NotFoundError(absl::StrCat("no such key: ", key.DebugString())));
}
Value DivisionByZero() { return Value::Error(absl::InvalidArgumentError("division by zero")); }
Value Overflow(absl::string_view operation) {
  return Value::Error(absl::OutOfRangeError(absl::StrCat(operation, ": integer overflow")));
}

}  // namespace saleskit::cel
