#include "io/internal/yaml_message.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cel/internal/names.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "saleskit/status_macros.h"

namespace saleskit::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

// The bounds google.protobuf.Duration and Timestamp allow.
constexpr int64_t kMaxDurationSeconds = 315576000000;
constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z

// " (did you mean "x"?)" when one of `known` is within a third of `name`'s
// length in edits (at least one), else "".
std::string Suggest(absl::string_view name, const std::vector<std::string>& known) {
  const std::string* best = nullptr;
  size_t best_distance = std::max<size_t>(1, name.size() / 3) + 1;
  for (const std::string& k : known) {
    const size_t d = cel::internal::EditDistance(name, k);
    if (d < best_distance) {
      best_distance = d;
      best = &k;
    }
  }
  return best == nullptr ? "" : absl::StrCat(" (did you mean \"", *best, "\"?)");
}

bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

// What a node is, for "expected X, got Y".
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return absl::StrCat("\"", absl::Utf8SafeCEscape(node.Scalar()), "\"");
    default:
      return "nothing (null)";
  }
}

std::string Join(absl::string_view path, absl::string_view field) {
  return path.empty() ? std::string(field) : absl::StrCat(path, ".", field);
}

// Short names of an enum's values: the names without the prefix (up to an
// '_') that all of them share, "LIFECYCLE_STAGE_" in LifecycleStage.
size_t CommonPrefixLength(const EnumDescriptor& e) {
  if (e.value_count() < 2) return 0;
  absl::string_view prefix = e.value(0)->name();
  for (int i = 1; i < e.value_count(); ++i) {
    absl::string_view n = e.value(i)->name();
    size_t k = 0;
    while (k < prefix.size() && k < n.size() && prefix[k] == n[k]) ++k;
    prefix = prefix.substr(0, k);
  }
  const size_t underscore = prefix.rfind('_');
  return underscore == absl::string_view::npos ? 0 : underscore + 1;
}

// Digits with an optional sign, as sign and magnitude; false when not an
// integer. `overflow` is set when the magnitude does not fit 64 bits.
bool ParseIntegerText(absl::string_view s, bool* negative, uint64_t* magnitude, bool* overflow) {
  *negative = false;
  *overflow = false;
  *magnitude = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    *negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (*magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) *overflow = true;
    *magnitude = *magnitude * 10 + digit;
  }
  return true;
}

// A decimal number: [sign] digits [. digits] [e [sign] digits], digits on at
// least one side of the point. No inf, nan or hex.
bool IsDecimalNumber(absl::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t digits = 0;
  while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exponent = 0;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == s.size();
}

class Reader {
 public:
  Reader(const LineIndex& lines, absl::string_view file, absl::flat_hash_map<std::string, size_t>* offsets)
      : lines_(lines), file_(file), offsets_(offsets) {}

  absl::Status ReadMessage(const YAML::Node& node, const std::string& path, Message* msg) {
    if (!node.IsMap()) {
      return Error(node, path, absl::StrCat("expected a map of ", msg->GetDescriptor()->name(), " fields, got ",
                                            Describe(node)));
    }
    const Descriptor* d = msg->GetDescriptor();
    absl::flat_hash_map<std::string, YAML::Node> seen;                // key -> the key node
    absl::flat_hash_map<const OneofDescriptor*, std::string> oneofs;  // oneof -> member set
    for (auto it = node.begin(); it != node.end(); ++it) {
      // Copies: the iterator's pair is a temporary (Node copies share the tree).
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) return Error(key, "", absl::StrCat("a key must be a name, got ", Describe(key)));
      const std::string& name = key.Scalar();
      const std::string where = path.empty() ? "at the top level" : absl::StrCat("in ", path);
      auto [first, inserted] = seen.emplace(name, key);
      if (!inserted) {
        const SourcePosition p = lines_.At(first->second.Mark().pos);
        return Error(key, "", absl::StrCat("duplicate key \"", absl::Utf8SafeCEscape(name), "\" ", where,
                                           " (first at line ", p.line, ", column ", p.column, ")"));
      }
      const FieldDescriptor* f = d->FindFieldByName(name);
      if (f == nullptr) return Error(key, "", UnknownKey(name, *d, where));
      if (const OneofDescriptor* o = f->real_containing_oneof()) {
        auto [other, fresh] = oneofs.emplace(o, name);
        if (!fresh) {
          return Error(key, "", absl::StrCat("\"", other->second, "\" and \"", name, "\" ", where,
                                             " are both members of oneof \"", o->name(), "\": set only one"));
        }
      }
      SALESKIT_RETURN_IF_ERROR(ReadField(key, value, Join(path, name), msg, f));
    }
    return absl::OkStatus();
  }

  void Record(const std::string& path, const YAML::Node& node) { (*offsets_)[path] = node.Mark().pos; }

 private:
  std::string UnknownKey(const std::string& name, const Descriptor& d, const std::string& where) const {
    std::vector<std::string> known;
    for (int i = 0; i < d.field_count(); ++i) {
      // A JSON (camelCase) name is close to its field name whatever the distance.
      if (d.field(i)->json_name() == name && d.field(i)->name() != name) {
        return absl::StrCat("unknown key \"", absl::Utf8SafeCEscape(name), "\" ", where, " (did you mean \"",
                            d.field(i)->name(), "\"?)");
      }
      known.push_back(d.field(i)->name());
    }
    return absl::StrCat("unknown key \"", absl::Utf8SafeCEscape(name), "\" ", where, Suggest(name, known));
  }

  // "file:line:col: path: message" at `node` (a null value has no position
  // of its own: it is reported at its key).
  absl::Status Error(const YAML::Node& node, absl::string_view path, absl::string_view message) const {
    return ErrorAt(node.Mark().pos, path, message);
  }
  absl::Status ErrorAt(size_t offset, absl::string_view path, absl::string_view message) const {
    const SourcePosition p = lines_.At(offset);
    return absl::InvalidArgumentError(absl::StrCat(file_, ":", p.line, ":", p.column, ": ", path,
                                                   path.empty() ? "" : ": ", message));
  }

  absl::Status ReadField(const YAML::Node& key, const YAML::Node& value, const std::string& path, Message* msg,
                         const FieldDescriptor* f) {
    // An empty value (`key:`) has the position of whatever follows; use the key's.
    const YAML::Node& at = value.IsNull() ? key : value;
    Record(path, at);
    SALESKIT_RETURN_IF_ERROR(CheckTag(value, path));
    if (f->is_map()) return ReadMap(value, at, path, msg, f);
    if (f->is_repeated()) {
      if (!value.IsSequence()) return Error(at, path, absl::StrCat("expected a list, got ", Describe(value)));
      int i = 0;
      for (auto it = value.begin(); it != value.end(); ++it, ++i) {
        const YAML::Node item = *it;
        const std::string element = absl::StrCat(path, "[", i, "]");
        Record(element, item);
        SALESKIT_RETURN_IF_ERROR(CheckTag(item, element));
        SALESKIT_RETURN_IF_ERROR(ReadValue(item, item, element, msg, f));
      }
      return absl::OkStatus();
    }
    return ReadValue(value, at, path, msg, f);
  }

  // Explicit tags (!!int, !custom) would promise a type the schema decides.
  absl::Status CheckTag(const YAML::Node& node, absl::string_view path) const {
    const std::string& tag = node.Tag();
    if (tag.empty() || tag == "?" || tag == "!") return absl::OkStatus();
    return Error(node, path, absl::StrCat("YAML tags are not supported (got \"", tag, "\")"));
  }

  absl::Status ReadMap(const YAML::Node& value, const YAML::Node& at, const std::string& path, Message* msg,
                       const FieldDescriptor* f) {
    if (!value.IsMap()) return Error(at, path, absl::StrCat("expected a map, got ", Describe(value)));
    const Descriptor* entry_type = f->message_type();
    const FieldDescriptor* key_field = entry_type->map_key();
    const FieldDescriptor* value_field = entry_type->map_value();
    absl::flat_hash_set<std::string> keys;
    for (auto it = value.begin(); it != value.end(); ++it) {
      const YAML::Node k = it->first;
      const YAML::Node v = it->second;
      if (!k.IsScalar()) return Error(k, path, absl::StrCat("a map key must be a scalar, got ", Describe(k)));
      if (!keys.insert(k.Scalar()).second) {
        return Error(k, path, absl::StrCat("duplicate key \"", absl::Utf8SafeCEscape(k.Scalar()), "\""));
      }
      const std::string element = absl::StrCat(path, "[\"", absl::Utf8SafeCEscape(k.Scalar()), "\"]");
      Message* entry = msg->GetReflection()->AddMessage(msg, f);
      SALESKIT_RETURN_IF_ERROR(ReadValue(k, k, element, entry, key_field));
      const YAML::Node& v_at = v.IsNull() ? k : v;
      Record(element, v_at);
      SALESKIT_RETURN_IF_ERROR(CheckTag(v, element));
      SALESKIT_RETURN_IF_ERROR(ReadValue(v, v_at, element, entry, value_field));
    }
    return absl::OkStatus();
  }

  // One value of `f` (an element, for a repeated field) from `node`; `at` is
  // where to report errors.
  absl::Status ReadValue(const YAML::Node& node, const YAML::Node& at, const std::string& path, Message* msg,
                         const FieldDescriptor* f) {
    const Reflection* r = msg->GetReflection();
    const bool repeated = f->is_repeated();
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Message* sub = repeated ? r->AddMessage(msg, f) : r->MutableMessage(msg, f);
      if (node.IsNull()) return absl::OkStatus();  // `decay:` sets an empty message
      const std::string& type = f->message_type()->full_name();
      if (node.IsScalar() && type == "google.protobuf.Duration") {
        return ReadDuration(node, path, static_cast<google::protobuf::Duration*>(sub));
      }
      if (node.IsScalar() && type == "google.protobuf.Timestamp") {
        return ReadTimestamp(node, path, static_cast<google::protobuf::Timestamp*>(sub));
      }
      return ReadMessage(node, path, sub);
    }
    const std::string& text = node.Scalar();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        if (!node.IsScalar()) return Error(at, path, absl::StrCat("expected a string, got ", Describe(node)));
        if (repeated) {
          r->AddString(msg, f, text);
        } else {
          r->SetString(msg, f, text);
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        if (!node.IsScalar() || IsQuoted(node) || (text != "true" && text != "false")) {
          return Error(at, path, absl::StrCat("expected true or false, got ", Describe(node)));
        }
        if (repeated) {
          r->AddBool(msg, f, text == "true");
        } else {
          r->SetBool(msg, f, text == "true");
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64:
        return ReadInteger(node, at, path, msg, f);
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double v = 0;
        if (!node.IsScalar() || !IsDecimalNumber(text) || !absl::SimpleAtod(text, &v) || !std::isfinite(v)) {
          return Error(at, path, absl::StrCat("expected a number, got ", Describe(node)));
        }
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
          if (std::fabs(v) > std::numeric_limits<float>::max()) {
            return Error(at, path, absl::StrCat(text, " is out of range for a float"));
          }
          repeated ? r->AddFloat(msg, f, static_cast<float>(v)) : r->SetFloat(msg, f, static_cast<float>(v));
        } else {
          repeated ? r->AddDouble(msg, f, v) : r->SetDouble(msg, f, v);
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_ENUM:
        return ReadEnum(node, at, path, msg, f);
      default:
        return Error(at, path, absl::StrCat("fields of type ", f->type_name(), " are not supported"));
    }
  }

  absl::Status ReadInteger(const YAML::Node& node, const YAML::Node& at, const std::string& path, Message* msg,
                           const FieldDescriptor* f) {
    bool negative = false, overflow = false;
    uint64_t magnitude = 0;
    if (!node.IsScalar() || !ParseIntegerText(node.Scalar(), &negative, &magnitude, &overflow)) {
      return Error(at, path, absl::StrCat("expected an integer, got ", Describe(node)));
    }
    int64_t lo = 0;
    uint64_t hi = 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        lo = std::numeric_limits<int32_t>::min();
        hi = std::numeric_limits<int32_t>::max();
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        lo = std::numeric_limits<int64_t>::min();
        hi = std::numeric_limits<int64_t>::max();
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        hi = std::numeric_limits<uint32_t>::max();
        break;
      default:
        hi = std::numeric_limits<uint64_t>::max();
        break;
    }
    // -lo as unsigned (2^63 for int64, without overflowing); 0 for unsigned types.
    const uint64_t lo_magnitude = lo < 0 ? static_cast<uint64_t>(-(lo + 1)) + 1 : 0;
    const bool in_range = !overflow && (negative ? magnitude <= lo_magnitude : magnitude <= hi);
    if (!in_range) {
      return Error(at, path, absl::StrCat(node.Scalar(), " is out of range for ", f->type_name(), " (", lo, " to ",
                                          hi, ")"));
    }
    const Reflection* r = msg->GetReflection();
    const bool rep = f->is_repeated();
    const int64_t s = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        rep ? r->AddInt32(msg, f, static_cast<int32_t>(s)) : r->SetInt32(msg, f, static_cast<int32_t>(s));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        rep ? r->AddInt64(msg, f, s) : r->SetInt64(msg, f, s);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        rep ? r->AddUInt32(msg, f, static_cast<uint32_t>(magnitude))
            : r->SetUInt32(msg, f, static_cast<uint32_t>(magnitude));
        break;
      default:
        rep ? r->AddUInt64(msg, f, magnitude) : r->SetUInt64(msg, f, magnitude);
        break;
    }
    return absl::OkStatus();
  }

  absl::Status ReadEnum(const YAML::Node& node, const YAML::Node& at, const std::string& path, Message* msg,
                        const FieldDescriptor* f) {
    const EnumDescriptor& e = *f->enum_type();
    const size_t prefix = CommonPrefixLength(e);
    std::vector<std::string> allowed;
    const EnumValueDescriptor* found = nullptr;
    const std::string text = node.IsScalar() ? node.Scalar() : "";
    for (int i = 0; i < e.value_count(); ++i) {
      const EnumValueDescriptor* v = e.value(i);
      const std::string short_name = absl::AsciiStrToLower(absl::string_view(v->name()).substr(prefix));
      if (v->name() == text || short_name == absl::AsciiStrToLower(text)) found = v;
      // The zero value means "not set": leave the field out instead.
      if (v->number() != 0) allowed.push_back(short_name);
    }
    if (found == nullptr || !node.IsScalar()) {
      std::string message = node.IsScalar() ? absl::StrCat("unknown value \"", absl::Utf8SafeCEscape(text), "\"")
                                            : absl::StrCat("expected a name, got ", Describe(node));
      if (node.IsScalar()) absl::StrAppend(&message, Suggest(absl::AsciiStrToLower(text), allowed));
      absl::StrAppend(&message, " for ", e.full_name(), "; allowed: ", absl::StrJoin(allowed, ", "));
      return Error(at, path, message);
    }
    const Reflection* r = msg->GetReflection();
    if (f->is_repeated()) {
      r->AddEnumValue(msg, f, found->number());
    } else {
      r->SetEnumValue(msg, f, found->number());
    }
    return absl::OkStatus();
  }

  absl::Status ReadDuration(const YAML::Node& node, const std::string& path, google::protobuf::Duration* out) {
    absl::StatusOr<absl::Duration> d = ParseDurationText(node.Scalar());
    if (!d.ok()) return Error(node, path, d.status().message());
    const absl::Duration limit = absl::Seconds(kMaxDurationSeconds);
    if (*d > limit || *d < -limit) {
      return Error(node, path, absl::StrCat("duration \"", node.Scalar(), "\" is out of range (at most ",
                                            kMaxDurationSeconds, "s either way)"));
    }
    absl::Duration rem;
    const int64_t seconds = absl::IDivDuration(*d, absl::Seconds(1), &rem);
    out->set_seconds(seconds);
    out->set_nanos(static_cast<int32_t>(absl::IDivDuration(rem, absl::Nanoseconds(1), &rem)));
    return absl::OkStatus();
  }

  absl::Status ReadTimestamp(const YAML::Node& node, const std::string& path, google::protobuf::Timestamp* out) {
    absl::Time t;
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, node.Scalar(), &t, &err)) {
      return Error(node, path, absl::StrCat("expected an RFC 3339 timestamp such as \"2026-03-01T09:00:00Z\", got \"",
                                            absl::Utf8SafeCEscape(node.Scalar()), "\""));
    }
    const int64_t seconds = absl::ToUnixSeconds(t);
    if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) {
      return Error(node, path, absl::StrCat("timestamp \"", node.Scalar(), "\" is outside years 0001 to 9999"));
    }
    out->set_seconds(seconds);
    out->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
    return absl::OkStatus();
  }

  const LineIndex& lines_;
  absl::string_view file_;
  absl::flat_hash_map<std::string, size_t>* offsets_;
};

// The UTF-8 length of code point `cp`.
size_t Utf8Length(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

bool IsYamlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

LineIndex::LineIndex(absl::string_view text) : text_(text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

SourcePosition LineIndex::At(size_t offset) const {
  offset = std::min(offset, text_.size());
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  const size_t line = static_cast<size_t>(it - starts_.begin());  // 1-based: starts_[line - 1] <= offset
  int column = 1;
  for (size_t i = starts_[line - 1]; i < offset; ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
  }
  return {static_cast<int>(line), column};
}

absl::Status YamlToMessage(const YAML::Node& node, const LineIndex& lines, absl::string_view file,
                           google::protobuf::Message* out, absl::flat_hash_map<std::string, size_t>* offsets) {
  Reader reader(lines, file, offsets);
  reader.Record("", node);
  return reader.ReadMessage(node, "", out);
}

size_t ScalarSourceOffset(absl::string_view text, size_t node_offset, absl::string_view value,
                          size_t value_offset) {
  size_t i = node_offset;
  if (i >= text.size()) return std::min(node_offset, text.size());
  char quote = 0;
  if (text[i] == '|' || text[i] == '>') {
    while (i < text.size() && text[i] != '\n') ++i;  // the header line: indicators, comment
  } else if (text[i] == '"' || text[i] == '\'') {
    quote = text[i++];
  }
  value_offset = std::min(value_offset, value.size());
  size_t v = 0;
  while (i < text.size()) {
    // Escapes first: one source sequence stands for one value character.
    if (quote == '\'' && text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
      if (v == value_offset) return i;
      i += 2;
      ++v;
      continue;
    }
    if (quote == '"' && text[i] == '\\' && i + 1 < text.size()) {
      const char e = text[i + 1];
      if (e == '\n' || e == '\r') {  // an escaped line break: no value character
        i += 2;
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        continue;
      }
      if (v == value_offset) return i;
      size_t hex = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
      size_t produced = 1;
      if (hex > 0) {
        uint32_t cp = 0;
        for (size_t k = 0; k < hex && i + 2 + k < text.size(); ++k) {
          int digit = 0;
          const char h = text[i + 2 + k];
          if (!absl::ascii_isxdigit(h)) break;
          digit = absl::ascii_isdigit(h) ? h - '0' : absl::ascii_tolower(h) - 'a' + 10;
          cp = cp * 16 + static_cast<uint32_t>(digit);
        }
        produced = Utf8Length(cp);
      } else if (e == 'N' || e == '_') {
        produced = 2;  // U+0085, U+00A0
      } else if (e == 'L' || e == 'P') {
        produced = 3;  // U+2028, U+2029
      }
      i += 2 + hex;
      v += produced;
      continue;
    }
    if (v >= value.size()) return i;  // past the last character: where the value ends
    const char c = value[v];
    const bool match = text[i] == c || ((c == ' ' || c == '\n') && (text[i] == '\n' || text[i] == '\r'));
    if (match) {
      if (v == value_offset) return i;
      ++i;
      ++v;
      continue;
    }
    if (IsYamlSpace(text[i])) {  // indentation and folded white space
      ++i;
      continue;
    }
    return i;  // the text does not spell the value: stop at the best guess
  }
  return std::min(i, text.size());
}

absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text) {
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("invalid duration \"", absl::Utf8SafeCEscape(text), "\": ", why));
  };
  static constexpr absl::string_view kForm = "write a number and a unit (d, h, m, s, ms), e.g. \"30d\", \"1d12h\", \"-7d\"";
  absl::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return bad(kForm);
  struct Unit {
    absl::string_view name;
    absl::Duration length;
  };
  static const Unit kUnits[] = {{"d", absl::Hours(24)}, {"h", absl::Hours(1)},  {"ms", absl::Milliseconds(1)},
                                {"m", absl::Minutes(1)}, {"s", absl::Seconds(1)}};
  // Largest unit first; each at most once.
  static const absl::string_view kOrder[] = {"d", "h", "m", "s", "ms"};
  int last_rank = -1;
  absl::Duration total = absl::ZeroDuration();
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && absl::ascii_isdigit(s[n])) ++n;
    const absl::string_view whole = s.substr(0, n);
    absl::string_view fraction;
    if (n < s.size() && s[n] == '.') {
      const size_t start = ++n;
      while (n < s.size() && absl::ascii_isdigit(s[n])) ++n;
      fraction = s.substr(start, n - start);
    }
    if (whole.empty() && fraction.empty()) return bad(kForm);
    s.remove_prefix(n);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (absl::StartsWith(s, u.name)) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return bad(s.empty() ? absl::StrCat("a number needs a unit; ", kForm) : kForm);
    s.remove_prefix(unit->name.size());
    const int rank = static_cast<int>(std::find(std::begin(kOrder), std::end(kOrder), unit->name) - std::begin(kOrder));
    if (rank <= last_rank) return bad("units must go from largest to smallest, each at most once");
    last_rank = rank;
    int64_t count = 0;
    if (!whole.empty() && (whole.size() > 15 || !absl::SimpleAtoi(whole, &count))) return bad("too large");
    total += unit->length * count;
    if (!fraction.empty()) {
      const absl::string_view digits = fraction.substr(0, 9);  // nanosecond precision at most
      int64_t numerator = 0;
      (void)absl::SimpleAtoi(digits, &numerator);
      int64_t denominator = 1;
      for (size_t k = 0; k < digits.size(); ++k) denominator *= 10;
      total += unit->length * numerator / denominator;
    }
  }
  return negative ? -total : total;
}

}  // namespace saleskit::internal
