#include "saleskit/cel/json.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "internal/json.h"
#include "cel/internal/library.h"

namespace saleskit::cel {
namespace {

void AppendValue(const Value& v, std::string* out) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kNull: out->append("null"); return;
    case K::kBool: out->append(v.bool_value() ? "true" : "false"); return;
    case K::kInt: absl::StrAppend(out, v.int_value()); return;
    case K::kUint: absl::StrAppend(out, v.uint_value()); return;
    case K::kDouble: saleskit::internal::AppendJsonNumber(v.double_value(), out); return;
    case K::kString: saleskit::internal::AppendJsonString(v.string_value(), out); return;
    case K::kBytes: saleskit::internal::AppendJsonString(absl::Base64Escape(v.bytes_value()), out); return;
    case K::kTimestamp:
      saleskit::internal::AppendJsonString(internal::FormatTimestamp(v.timestamp_value()), out);
      return;
    case K::kDuration: saleskit::internal::AppendJsonString(internal::FormatDuration(v.duration_value()), out); return;
    case K::kList: {
      out->push_back('[');
      bool first = true;
      for (const Value& e : v.list_value()) {
        if (!first) out->push_back(',');
        first = false;
        AppendValue(e, out);
      }
      out->push_back(']');
      return;
    }
    case K::kMap: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, value] : v.map_value().entries()) {
        if (!first) out->push_back(',');
        first = false;
        switch (key.kind()) {
          case K::kString: saleskit::internal::AppendJsonString(key.string_value(), out); break;
          case K::kInt: absl::StrAppend(out, "\"", key.int_value(), "\""); break;
          case K::kUint: absl::StrAppend(out, "\"", key.uint_value(), "\""); break;
          case K::kBool: out->append(key.bool_value() ? "\"true\"" : "\"false\""); break;
          default: saleskit::internal::AppendJsonString(key.DebugString(), out); break;  // MapValue admits no other keys
        }
        out->push_back(':');
        AppendValue(value, out);
      }
      out->push_back('}');
      return;
    }
    case K::kStruct: out->append("null"); return;
    case K::kType: saleskit::internal::AppendJsonString(v.type_value(), out); return;
    case K::kOptional:
      if (v.optional_has_value()) {
        AppendValue(v.optional_value(), out);
      } else {
        out->append("null");
      }
      return;
    case K::kError:
      out->append("{\"error\":");
      saleskit::internal::AppendJsonString(v.error_value().message(), out);
      out->push_back('}');
      return;
  }
  out->append("null");
}

}  // namespace

std::string ValueToJson(const Value& value) {
  std::string out;
  AppendValue(value, &out);
  return out;
}

std::string ResultToJson(const Value& value) {
  if (value.is_error()) return ValueToJson(value);
  std::string out = "{\"type\":";
  saleskit::internal::AppendJsonString(value.TypeName(), &out);
  out.append(",\"value\":");
  AppendValue(value, &out);
  out.push_back('}');
  return out;
}

}  // namespace saleskit::cel
