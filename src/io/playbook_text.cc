#include "saleskit/io/playbook_text.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "io/internal/yaml_message.h"
#include "saleskit/cel/customer.h"
#include "saleskit/cel/program.h"
#include "saleskit/status_macros.h"

namespace saleskit {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The CEL fields of the schema and the environment each compiles in. A new
// CEL field in playbook.proto needs a row here, nothing else.
enum class CelEnvironment { kCustomer, kEvent };
struct CelField {
  absl::string_view message;  // full name
  absl::string_view field;
  CelEnvironment environment;
  bool empty_allowed;  // empty means "always" / "any"
};
constexpr CelField kCelFields[] = {
    {"saleskit.v1.EventKindDef", "condition", CelEnvironment::kEvent, false},
    {"saleskit.v1.EventTrigger", "condition", CelEnvironment::kEvent, true},
    {"saleskit.v1.SegmentDef", "condition", CelEnvironment::kCustomer, false},
    {"saleskit.v1.ScoreRule", "condition", CelEnvironment::kCustomer, false},
    {"saleskit.v1.Rule", "condition", CelEnvironment::kCustomer, true},
    {"saleskit.v1.Territory", "condition", CelEnvironment::kCustomer, false},
};

const CelField* FindCelField(const FieldDescriptor& f) {
  for (const CelField& c : kCelFields) {
    if (c.field == f.name() && c.message == f.containing_type()->full_name()) return &c;
  }
  return nullptr;
}

absl::Status Compile(absl::string_view source, CelEnvironment environment) {
  if (environment == CelEnvironment::kCustomer) return cel::CompileCustomerCondition(source).status();
  cel::CompileOptions options;
  options.require_bool = true;
  return cel::Compile(source, cel::EventEnvironment(), options).status();
}

// The byte offset in `source` of CEL's 1-based line and column (code points).
size_t ExpressionOffset(absl::string_view source, int line, int column) {
  size_t i = 0;
  for (int l = 1; l < line && i < source.size(); ++i) {
    if (source[i] == '\n') ++l;
  }
  for (int c = 1; c < column && i < source.size();) {
    ++i;
    while (i < source.size() && (static_cast<unsigned char>(source[i]) & 0xC0) == 0x80) ++i;
    ++c;
  }
  return i;
}

// Compiles every CEL field of a converted playbook and reports each error
// at its place in the file.
class CelCheck {
 public:
  CelCheck(const internal::LineIndex& lines, const ParsedPlaybook& parsed,
           const absl::flat_hash_map<std::string, size_t>& offsets)
      : lines_(lines), parsed_(parsed), offsets_(offsets) {}

  void Visit(const Message& m, const std::string& path) {
    const Descriptor* d = m.GetDescriptor();
    const Reflection* r = m.GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      const std::string field_path = path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_map()) {
        if (f->is_repeated()) {
          for (int k = 0; k < r->FieldSize(m, f); ++k) {
            Visit(r->GetRepeatedMessage(m, f, k), absl::StrCat(field_path, "[", k, "]"));
          }
        } else if (r->HasField(m, f)) {
          Visit(r->GetMessage(m, f), field_path);
        }
        continue;
      }
      const CelField* cel = FindCelField(*f);
      if (cel == nullptr || f->is_repeated()) continue;
      // A oneof member not chosen is not a condition at all.
      if (f->real_containing_oneof() != nullptr && !r->HasField(m, f)) continue;
      CheckExpression(r->GetString(m, f), *cel, field_path);
    }
  }

  absl::Status status() const {
    if (errors_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
  }

 private:
  void CheckExpression(const std::string& source, const CelField& cel, const std::string& path) {
    if (source.empty()) {
      if (!cel.empty_allowed) errors_.push_back(parsed_.Locate(path, absl::StrCat(path, ": a condition is required")));
      return;
    }
    const absl::Status status = Compile(source, cel.environment);
    if (status.ok()) return;
    const auto where = offsets_.find(path);
    for (absl::string_view line : absl::StrSplit(status.message(), '\n')) {
      // "ERROR: 2:5: message" (checker) or "Syntax error: 2:5: message" (parser).
      absl::string_view rest = line;
      if (!absl::ConsumePrefix(&rest, "ERROR: ")) absl::ConsumePrefix(&rest, "Syntax error: ");
      int cel_line = 0, cel_column = 0;
      const std::vector<absl::string_view> parts = absl::StrSplit(rest, absl::MaxSplits(':', 2));
      const bool positioned = parts.size() == 3 && absl::SimpleAtoi(parts[0], &cel_line) &&
                              absl::SimpleAtoi(parts[1], &cel_column) && absl::StartsWith(parts[2], " ");
      if (!positioned || where == offsets_.end()) {
        errors_.push_back(parsed_.Locate(path, absl::StrCat(path, ": ", rest)));
        continue;
      }
      const size_t in_source = ExpressionOffset(source, cel_line, cel_column);
      const SourcePosition p =
          lines_.At(internal::ScalarSourceOffset(lines_.text(), where->second, source, in_source));
      errors_.push_back(absl::StrCat(parsed_.file, ":", p.line, ":", p.column, ": ", path, ": ",
                                     absl::StripLeadingAsciiWhitespace(parts[2])));
    }
  }

  const internal::LineIndex& lines_;
  const ParsedPlaybook& parsed_;
  const absl::flat_hash_map<std::string, size_t>& offsets_;
  std::vector<std::string> errors_;
};

absl::Status ErrorAt(absl::string_view file, const internal::LineIndex& lines, size_t offset,
                     absl::string_view message) {
  const SourcePosition p = lines.At(offset);
  return absl::InvalidArgumentError(absl::StrCat(file, ":", p.line, ":", p.column, ": ", message));
}

}  // namespace

std::string ParsedPlaybook::Locate(absl::string_view path, absl::string_view message) const {
  while (true) {
    const auto it = positions.find(path);
    if (it != positions.end()) return absl::StrCat(file, ":", it->second.line, ":", it->second.column, ": ", message);
    if (path.empty()) return absl::StrCat(file, ": ", message);
    // "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
    const size_t cut = path.find_last_of(".[");
    path = cut == absl::string_view::npos ? absl::string_view() : path.substr(0, cut);
  }
}

absl::StatusOr<ParsedPlaybook> ParsePlaybook(absl::string_view text, absl::string_view file) {
  // yaml-cpp skips a byte order mark without counting it; drop it so offsets agree.
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  ParsedPlaybook out;
  out.file = std::string(file);
  const internal::LineIndex lines(text);
  absl::flat_hash_map<std::string, size_t> offsets;
  try {
    const std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
    if (documents.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":1:1: the playbook is empty (expected a map with keys such as \"segments\" and \"rules\")"));
    }
    if (documents.size() > 1) {
      return ErrorAt(file, lines, documents[1].Mark().pos,
                     "a second YAML document: a playbook file holds exactly one (remove the '---')");
    }
    const YAML::Node& root = documents[0];
    if (!root.IsMap()) {
      const std::string got = root.IsSequence() ? "a list"
                              : root.IsScalar() ? absl::StrCat("\"", absl::Utf8SafeCEscape(root.Scalar()), "\"")
                                                : "nothing (null)";
      return ErrorAt(file, lines, root.IsNull() ? 0 : root.Mark().pos,
                     absl::StrCat("the top level of a playbook must be a map with keys such as \"segments\" and "
                                  "\"rules\", got ",
                                  got));
    }
    SALESKIT_RETURN_IF_ERROR(internal::YamlToMessage(root, lines, file, &out.playbook, &offsets));
  } catch (const YAML::Exception& e) {
    // Marks are 0-based; an unknown position (-1) reads as the start.
    const int line = e.mark.line < 0 ? 1 : e.mark.line + 1;
    const int column = e.mark.column < 0 ? 1 : e.mark.column + 1;
    if (e.mark.pos >= 0) return ErrorAt(file, lines, static_cast<size_t>(e.mark.pos), e.msg);
    return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ":", column, ": ", e.msg));
  }
  for (const auto& [path, offset] : offsets) out.positions[path] = lines.At(offset);
  CelCheck check(lines, out, offsets);
  check.Visit(out.playbook, "");
  SALESKIT_RETURN_IF_ERROR(check.status());
  return out;
}

absl::StatusOr<ParsedPlaybook> ReadPlaybookFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the playbook file"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": error while reading"));
  return ParsePlaybook(text.str(), path);
}

}  // namespace saleskit
