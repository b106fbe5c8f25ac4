// The cel-spec conformance runner: reads the suite's "simple test" textproto
// files (cel.expr.conformance.test.SimpleTestFile) and runs every test through
// parse, check (unless disabled) and evaluation, comparing with the expected
// value, error or deduced type. Internal: used by `saleskit cel-conformance`
// and its ctest registrations; not installed.
//
// A test is skipped only when it needs what saleskit deliberately lacks: the
// conformance suite's own proto messages (TestAllTypes, NestedTestAllTypes,
// TestRequired..., any name in the cel.expr.conformance.* or
// google.api.expr.test.* packages, or an Any holding one) or an extension
// other than strings, math and optionals. Everything else runs; an
// unsupported feature is a failure with its reason.
#ifndef SALESKIT_SRC_CEL_CONFORMANCE_H_
#define SALESKIT_SRC_CEL_CONFORMANCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cel/internal/textproto.h"
#include "saleskit/cel/types.h"
#include "saleskit/cel/value.h"

namespace saleskit::cel::conformance {

enum class TestStatus { kPass, kFail, kSkip };

struct TestResult {
  std::string file;     // the file name without ".textproto"
  std::string section;
  std::string test;
  TestStatus status = TestStatus::kFail;
  // Why it failed or was skipped; for a pass, empty, or the compile error
  // that stood in for an expected evaluation error.
  std::string reason;
};

// "pass", "fail" or "skip".
absl::string_view StatusName(TestStatus status);

// The name results carry for the file at `path`: its base name without ".textproto".
std::string FileName(absl::string_view path);

// Runs every test of the file at `path`. Errors only for the file as a whole
// (unreadable, or not a textproto); a single test's trouble is its result.
absl::StatusOr<std::vector<TestResult>> RunFile(const std::string& path);

// As RunFile, over the text of a file; `file` names it in the results.
absl::StatusOr<std::vector<TestResult>> RunText(absl::string_view file, absl::string_view text);

// One JSON object (no newline): {"file","section","test","status","reason"}.
std::string ToJson(const TestResult& result);

// Counts of each status.
struct Tally {
  int pass = 0;
  int fail = 0;
  int skip = 0;
  void Add(const TestResult& r);
  // pass / (pass + fail), skips excluded; 1 when nothing ran.
  double PassRate() const;
};

// Converts a text-format cel.expr.Value (the fields inside `value { ... }`)
// to a Value. Unimplemented when it needs a conformance test message (the
// runner skips such tests); InvalidArgument for anything else it cannot
// represent or a malformed value.
absl::StatusOr<Value> ValueFromText(const internal::TextNode& node);

// Converts a text-format cel.expr.Type to a Type, with the same error
// convention as ValueFromText.
absl::StatusOr<Type> TypeFromText(const internal::TextNode& node);

// Whether `name` (a message, enum or type name, optionally with a leading
// '.') belongs to the conformance suite's own packages.
bool IsConformanceName(absl::string_view name);

}  // namespace saleskit::cel::conformance

#endif  // SALESKIT_SRC_CEL_CONFORMANCE_H_
