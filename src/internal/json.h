// Writing JSON strings and numbers, for the hand-written JSON outputs (CEL values, the C
// API's reports, RFM and cluster tables, conformance results).
#ifndef SALESKIT_SRC_INTERNAL_JSON_H_
#define SALESKIT_SRC_INTERNAL_JSON_H_

#include <cmath>
#include <cstdlib>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace saleskit::internal {

// Appends `s` as a quoted JSON string: quotes, backslashes and control
// characters escaped; other bytes (UTF-8) as they are.
inline void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (const char c : s) {
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

// The same, returned.
inline std::string JsonString(absl::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

// Appends a double in the shortest form that reads back the same (1, 0.1,
// 0.30000000000000004); NaN and infinities as the strings "NaN",
// "Infinity", "-Infinity" (JSON has no such numbers).
inline void AppendJsonNumber(double d, std::string* out) {
  if (std::isnan(d) || std::isinf(d)) {
    out->append(std::isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  // Whole numbers below 2^53 as integers (60, not 6e+01); others in the
  // shortest %g form that reads back as the same double.
  if (d == std::trunc(d) && std::abs(d) < 9007199254740992.0) {
    absl::StrAppendFormat(out, "%.0f", d);
    return;
  }
  for (int precision = 1; precision < 17; ++precision) {
    const std::string t = absl::StrFormat("%.*g", precision, d);
    if (std::strtod(t.c_str(), nullptr) == d) {
      out->append(t);
      return;
    }
  }
  absl::StrAppendFormat(out, "%.17g", d);
}

}  // namespace saleskit::internal

#endif  // SALESKIT_SRC_INTERNAL_JSON_H_
