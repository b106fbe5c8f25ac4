// A YAML node tree into any protobuf message, by descriptors, so messages
// added to the schema read with no code change. Private to src/io: keeps
// yaml-cpp out of the public headers.
#ifndef SALESKIT_SRC_IO_INTERNAL_YAML_MESSAGE_H_
#define SALESKIT_SRC_IO_INTERNAL_YAML_MESSAGE_H_

#include <cstddef>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "saleskit/io/playbook_text.h"

namespace saleskit::internal {

// Byte offsets in a text to 1-based lines and columns (code points).
class LineIndex {
 public:
  explicit LineIndex(absl::string_view text);
  SourcePosition At(size_t offset) const;
  absl::string_view text() const { return text_; }

 private:
  absl::string_view text_;
  std::vector<size_t> starts_;  // offset of each line's first byte
};

// Fills `out` from `node` (a map of proto field names). `offsets` receives
// the byte offset of every value written, by field path (see
// ParsedPlaybook::positions). Errors are InvalidArgument "file:line:col: ...".
absl::Status YamlToMessage(const YAML::Node& node, const LineIndex& lines, absl::string_view file,
                           google::protobuf::Message* out, absl::flat_hash_map<std::string, size_t>* offsets);

// The byte offset in `text` of the byte at `value_offset` of a scalar's
// value, given the offset of the scalar's node (its first character, quote
// or block indicator). Follows quotes, escapes, block headers and line
// folding; when the text does not match the value, the best offset so far.
size_t ScalarSourceOffset(absl::string_view text, size_t node_offset, absl::string_view value,
                          size_t value_offset);

// "30d", "12h", "90m", "45s", "500ms", "1d12h", "-7d", "1.5s".
absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text);

}  // namespace saleskit::internal

#endif  // SALESKIT_SRC_IO_INTERNAL_YAML_MESSAGE_H_
