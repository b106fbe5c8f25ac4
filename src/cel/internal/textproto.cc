#include "cel/internal/textproto.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace saleskit::cel::internal {
namespace {

class Reader {
 public:
  explicit Reader(absl::string_view text) : text_(text) {}

  absl::StatusOr<TextNode> File() {
    TextNode root;
    root.line = 1;
    if (auto s = Fields(&root, '\0'); !s.ok()) return s;
    return root;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("textproto line ", line_, ": ", what));
  }

  void Skip() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (absl::ascii_isspace(c)) {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }
  char Peek() {
    Skip();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  // Fields until `close` ('}' or '>'), or the end of input when close is '\0'.
  absl::Status Fields(TextNode* msg, char close) {
    while (true) {
      const char c = Peek();
      if (c == '\0') {
        if (close == '\0') return absl::OkStatus();
        return Error(absl::StrCat("expected '", std::string(1, close), "' before the end of input"));
      }
      if (c == close) {
        ++pos_;
        return absl::OkStatus();
      }
      TextNode field;
      field.line = line_;
      if (c == '[') {
        const size_t end = text_.find(']', pos_);
        if (end == absl::string_view::npos) return Error("unclosed '[' in a field name");
        field.name = std::string(text_.substr(pos_, end - pos_ + 1));
        pos_ = end + 1;
      } else if (absl::ascii_isalpha(c) || c == '_') {
        const size_t start = pos_;
        while (pos_ < text_.size() && (absl::ascii_isalnum(text_[pos_]) || text_[pos_] == '_')) ++pos_;
        field.name = std::string(text_.substr(start, pos_ - start));
      } else {
        return Error(absl::StrCat("unexpected '", std::string(1, c), "' where a field name belongs"));
      }
      bool colon = false;
      if (Peek() == ':') {
        ++pos_;
        colon = true;
      }
      const char v = Peek();
      if (v == '{' || v == '<') {
        ++pos_;
        if (auto s = Fields(&field, v == '{' ? '}' : '>'); !s.ok()) return s;
        msg->fields.push_back(std::move(field));
      } else if (v == '[' && colon) {
        ++pos_;
        while (Peek() != ']') {
          TextNode item;
          item.name = field.name;
          item.line = line_;
          if (auto s = Value(&item); !s.ok()) return s;
          msg->fields.push_back(std::move(item));
          if (Peek() == ',') ++pos_;
          else if (Peek() != ']') return Error("expected ',' or ']' in a list");
        }
        ++pos_;
      } else if (colon) {
        if (auto s = Value(&field); !s.ok()) return s;
        msg->fields.push_back(std::move(field));
      } else {
        return Error(absl::StrCat("expected ':' or '{' after field \"", field.name, "\""));
      }
      if (Peek() == ',' || Peek() == ';') ++pos_;
    }
  }

  // A scalar, string(s) or a nested message.
  absl::Status Value(TextNode* node) {
    const char c = Peek();
    if (c == '{' || c == '<') {
      ++pos_;
      node->kind = TextNode::Kind::kMessage;
      return Fields(node, c == '{' ? '}' : '>');
    }
    if (c == '"' || c == '\'') {
      node->kind = TextNode::Kind::kString;
      while (Peek() == '"' || Peek() == '\'') {
        const char q = text_[pos_++];
        const size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != q) {
          if (text_[pos_] == '\\') ++pos_;
          if (pos_ < text_.size() && text_[pos_] == '\n') return Error("newline in a string");
          ++pos_;
        }
        if (pos_ >= text_.size()) return Error("unterminated string");
        std::string decoded, error;
        if (!absl::CUnescape(text_.substr(start, pos_ - start), &decoded, &error)) {
          return Error(absl::StrCat("bad escape in a string: ", error));
        }
        node->value += decoded;
        ++pos_;
      }
      return absl::OkStatus();
    }
    const size_t start = pos_;
    if (c == '-' || c == '+') ++pos_;
    while (pos_ < text_.size() && (absl::ascii_isalnum(text_[pos_]) || text_[pos_] == '_' || text_[pos_] == '.' ||
                                   ((text_[pos_] == '-' || text_[pos_] == '+') &&
                                    (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')))) {
      ++pos_;
    }
    if (pos_ == start) return Error(absl::StrCat("unexpected '", std::string(1, c), "' where a value belongs"));
    node->kind = TextNode::Kind::kScalar;
    node->value = std::string(text_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

const TextNode* TextNode::Find(absl::string_view field) const {
  for (const TextNode& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

std::vector<const TextNode*> TextNode::FindAll(absl::string_view field) const {
  std::vector<const TextNode*> out;
  for (const TextNode& f : fields) {
    if (f.name == field) out.push_back(&f);
  }
  return out;
}

absl::StatusOr<TextNode> ParseTextProto(absl::string_view text) { return Reader(text).File(); }

}  // namespace saleskit::cel::internal
