// A schema-less reader for protobuf text format, enough for the cel-spec
// conformance files (whose .proto schemas are not available here): fields,
// nested messages ({} or <>), lists, strings with C escapes (adjacent strings
// concatenate), numbers, identifiers and [extension/Any] names.
#ifndef SALESKIT_SRC_CEL_INTERNAL_TEXTPROTO_H_
#define SALESKIT_SRC_CEL_INTERNAL_TEXTPROTO_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace saleskit::cel::internal {

struct TextNode {
  enum class Kind { kMessage, kString, kScalar };
  std::string name;   // field name; "[type.googleapis.com/x.Y]" for Any expansions
  Kind kind = Kind::kMessage;
  std::string value;  // decoded string, or the scalar's text (123, -1.5e3, INT64, true, inf)
  std::vector<TextNode> fields;  // for messages, in file order (repeated fields repeat)
  int line = 0;

  // The first field with this name, or nullptr.
  const TextNode* Find(absl::string_view field) const;
  // Every field with this name, in order.
  std::vector<const TextNode*> FindAll(absl::string_view field) const;
};

// Parses a whole text-format file as the fields of one top-level message.
// Errors name the line.
absl::StatusOr<TextNode> ParseTextProto(absl::string_view text);

}  // namespace saleskit::cel::internal

#endif  // SALESKIT_SRC_CEL_INTERNAL_TEXTPROTO_H_
