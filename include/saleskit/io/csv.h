// CSV as saleskit reads it: RFC 4180 quoting, a header row, and a delimiter
// (',', ';' or tab) detected from the header.
#ifndef SALESKIT_IO_CSV_H_
#define SALESKIT_IO_CSV_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace saleskit {

// Reads rows of CSV text one at a time without copying unquoted cells.
//
// Rows may span lines inside quotes; CRLF and LF both end a row; blank lines
// are skipped. A row whose cell count differs from the header's is an error
// for that row only (reading can go on); an unclosed quote ends reading.
class CsvReader {
 public:
  // Reads the header. Fails on empty input or an unclosed quote in it.
  static absl::StatusOr<CsvReader> Open(absl::string_view text);

  char delimiter() const { return delimiter_; }
  const std::vector<std::string>& header() const { return header_; }

  // Reads the next row into `cells` (views valid until the next call) and
  // its first line into `line`. Returns false at the end of input. A row
  // with the wrong cell count returns InvalidArgument naming its line; the
  // reader is then positioned at the next row.
  absl::StatusOr<bool> Next(std::vector<absl::string_view>* cells, int64_t* line);

  // 1-based line where the next row starts.
  int64_t line() const { return line_; }
  // 1-based line where the last row read (or rejected) started.
  int64_t last_row_line() const { return row_line_; }
  // True after an unclosed quote: nothing more can be read.
  bool broken() const { return broken_; }

 private:
  CsvReader(absl::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {}
  // Reads one row's cells; false at end of input.
  absl::StatusOr<bool> ReadRow(std::vector<absl::string_view>* cells, int64_t* line);

  absl::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  int64_t row_line_ = 0;
  bool broken_ = false;
  char delimiter_;
  std::vector<std::string> header_;
  // Storage for quoted cells with "" inside; a deque so that growing it never
  // moves the strings earlier cells of the row point into.
  std::deque<std::string> unescaped_;
};

// Appends `value` to `out` quoted as RFC 4180 requires (only when needed).
void AppendCsvCell(absl::string_view value, std::string* out, char delimiter = ',');

}  // namespace saleskit

#endif  // SALESKIT_IO_CSV_H_
