// Writing JSON strings, for the hand-written JSON outputs (CEL values, the C
// API's reports, RFM and cluster tables, conformance results).
#ifndef SALESKIT_SRC_INTERNAL_JSON_H_
#define SALESKIT_SRC_INTERNAL_JSON_H_

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

}  // namespace saleskit::internal

#endif  // SALESKIT_SRC_INTERNAL_JSON_H_
