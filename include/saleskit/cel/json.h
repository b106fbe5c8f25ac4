// CEL values as JSON text, for surfaces that cannot hand a host a cel::Value
// (the C API, the CLI's --json). docs/c_api.md#expressions shows the mapping.
#ifndef SALESKIT_CEL_JSON_H_
#define SALESKIT_CEL_JSON_H_

#include <string>

#include "saleskit/cel/value.h"

namespace saleskit::cel {

// The value as one line of JSON: null; true/false; int and uint as exact
// integers; doubles in their shortest round-trip form ("NaN", "Infinity" and
// "-Infinity" as strings); strings; bytes as base64 strings; timestamps as
// RFC 3339 strings in UTC; durations as seconds strings ("5400s", "1.5s");
// lists as arrays; maps as objects (int, uint and bool keys as their text);
// an optional as its value (null when none); a type as its name; a message
// (customer, account) as null. An error, even nested, is {"error": message}.
std::string ValueToJson(const Value& value);

// A result with its CEL type, so that hosts can tell an error or a timestamp
// from a map or a string: {"type": TypeName(), "value": ValueToJson(value)},
// or {"error": message} for an error value.
std::string ResultToJson(const Value& value);

}  // namespace saleskit::cel

#endif  // SALESKIT_CEL_JSON_H_
