// `saleskit cel-conformance`: runs cel-spec conformance test files.
#ifndef SALESKIT_SRC_CLI_CEL_CONFORMANCE_H_
#define SALESKIT_SRC_CLI_CEL_CONFORMANCE_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace saleskit::cli {

// `cel-conformance [--json] [--min-pass-rate R] FILE...`. Exit code 0 when
// every file ran (and the pass rate, pass / (pass + fail), is at least R when
// given); 1 when a file could not be read or parsed or the rate is below R;
// 2 for a usage error.
int RunCelConformance(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace saleskit::cli

#endif  // SALESKIT_SRC_CLI_CEL_CONFORMANCE_H_
