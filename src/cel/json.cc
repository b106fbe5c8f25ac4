#include "saleskit/cel/json.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "cel/internal/library.h"

namespace saleskit::cel {
namespace {

void AppendString(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendDouble(double d, std::string* out) {
  if (std::isnan(d) || std::isinf(d)) {
    out->append(std::isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  // Shortest form that reads back the same.
  std::string s = absl::StrFormat("%.17g", d);
  for (int p = 1; p < 17; ++p) {
    std::string t = absl::StrFormat("%.*g", p, d);
    if (std::strtod(t.c_str(), nullptr) == d) {
      s = std::move(t);
      break;
    }
  }
  out->append(s);
}


void AppendValue(const Value& v, std::string* out) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kNull: out->append("null"); return;
    case K::kBool: out->append(v.bool_value() ? "true" : "false"); return;
    case K::kInt: absl::StrAppend(out, v.int_value()); return;
    case K::kUint: absl::StrAppend(out, v.uint_value()); return;
    case K::kDouble: AppendDouble(v.double_value(), out); return;
    case K::kString: AppendString(v.string_value(), out); return;
    case K::kBytes: AppendString(absl::Base64Escape(v.bytes_value()), out); return;
    case K::kTimestamp:
      AppendString(internal::FormatTimestamp(v.timestamp_value()), out);
      return;
    case K::kDuration: AppendString(internal::FormatDuration(v.duration_value()), out); return;
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
          case K::kString: AppendString(key.string_value(), out); break;
          case K::kInt: absl::StrAppend(out, "\"", key.int_value(), "\""); break;
          case K::kUint: absl::StrAppend(out, "\"", key.uint_value(), "\""); break;
          case K::kBool: out->append(key.bool_value() ? "\"true\"" : "\"false\""); break;
          default: AppendString(key.DebugString(), out); break;  // MapValue admits no other keys
        }
        out->push_back(':');
        AppendValue(value, out);
      }
      out->push_back('}');
      return;
    }
    case K::kStruct: out->append("null"); return;
    case K::kType: AppendString(v.type_value(), out); return;
    case K::kOptional:
      if (v.optional_has_value()) {
        AppendValue(v.optional_value(), out);
      } else {
        out->append("null");
      }
      return;
    case K::kError:
      out->append("{\"error\":");
      AppendString(v.error_value().message(), out);
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
  AppendString(value.TypeName(), &out);
  out.append(",\"value\":");
  AppendValue(value, &out);
  out.push_back('}');
  return out;
}

}  // namespace saleskit::cel
