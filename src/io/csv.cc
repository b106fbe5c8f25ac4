#include "saleskit/io/csv.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "saleskit/status_macros.h"

namespace saleskit {
namespace {

char DetectDelimiter(absl::string_view text) {
  int counts[3] = {0, 0, 0};
  static constexpr char kCandidates[3] = {',', ';', '\t'};
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;
    for (int i = 0; i < 3; ++i) counts[i] += c == kCandidates[i];
  }
  int best = 0;
  for (int i = 1; i < 3; ++i) {
    if (counts[i] > counts[best]) best = i;
  }
  return kCandidates[best];
}

}  // namespace

absl::StatusOr<CsvReader> CsvReader::Open(absl::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // BOM
  CsvReader reader(text, DetectDelimiter(text));
  std::vector<absl::string_view> cells;
  int64_t line;
  SALESKIT_ASSIGN_OR_RETURN(bool more, reader.ReadRow(&cells, &line));
  if (!more) return absl::InvalidArgumentError("empty CSV input: expected a header row");
  for (absl::string_view c : cells) reader.header_.emplace_back(c);
  return reader;
}

absl::StatusOr<bool> CsvReader::ReadRow(std::vector<absl::string_view>* cells, int64_t* line) {
  cells->clear();
  const char* p = text_.data();
  const size_t n = text_.size();
  // Skip blank lines.
  while (pos_ < n && (p[pos_] == '\n' || p[pos_] == '\r')) {
    if (p[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= n) return false;
  *line = line_;
  row_line_ = line_;
  size_t quoted_cells = 0;
  while (true) {
    if (pos_ < n && p[pos_] == '"') {
      const int64_t open_line = line_;
      const size_t open_pos = pos_;
      ++pos_;
      size_t start = pos_;
      bool escaped = false;
      while (true) {
        if (pos_ >= n) {
          broken_ = true;
          return absl::InvalidArgumentError(absl::StrFormat(
              "line %d: unclosed quote (the quoted cell opened at byte %d never ends)", open_line,
              open_pos + 1));
        }
        const char c = p[pos_];
        if (c == '"') {
          if (pos_ + 1 < n && p[pos_ + 1] == '"') {
            escaped = true;
            pos_ += 2;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        ++pos_;
      }
      absl::string_view raw(p + start, pos_ - start);
      ++pos_;  // closing quote
      if (escaped) {
        if (unescaped_.size() <= quoted_cells) unescaped_.resize(quoted_cells + 1);
        std::string& buf = unescaped_[quoted_cells++];
        buf.clear();
        for (size_t i = 0; i < raw.size(); ++i) {
          buf.push_back(raw[i]);
          if (raw[i] == '"') ++i;  // "" -> "
        }
        cells->push_back(buf);
      } else {
        cells->push_back(raw);
      }
      if (pos_ < n && p[pos_] != delimiter_ && p[pos_] != '\n' && p[pos_] != '\r') {
        const int64_t bad_line = line_;
        while (pos_ < n && p[pos_] != '\n') ++pos_;  // resynchronise at the next line
        return absl::InvalidArgumentError(absl::StrFormat(
            "line %d: unexpected text after the closing quote of cell %d", bad_line, cells->size()));
      }
    } else {
      const size_t start = pos_;
      while (pos_ < n && p[pos_] != delimiter_ && p[pos_] != '\n' && p[pos_] != '\r') ++pos_;
      cells->push_back(absl::string_view(p + start, pos_ - start));
    }
    if (pos_ < n && p[pos_] == delimiter_) {
      ++pos_;
      continue;
    }
    // End of row.
    if (pos_ < n && p[pos_] == '\r') ++pos_;
    if (pos_ < n && p[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
    return true;
  }
}

absl::StatusOr<bool> CsvReader::Next(std::vector<absl::string_view>* cells, int64_t* line) {
  SALESKIT_ASSIGN_OR_RETURN(bool more, ReadRow(cells, line));
  if (!more) return false;
  if (cells->size() != header_.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "line %d: the row has %d cells, the header has %d", *line, cells->size(), header_.size()));
  }
  return true;
}

void AppendCsvCell(absl::string_view value, std::string* out, char delimiter) {
  bool needs_quotes = false;
  for (char c : value) {
    if (c == '"' || c == '\n' || c == '\r' || c == delimiter) {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) {
    out->append(value.data(), value.size());
    return;
  }
  out->push_back('"');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace saleskit
