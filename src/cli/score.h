// `saleskit score`: train, evaluate and apply predictive scores on CSV files
// (docs/predictive.md).
#ifndef SALESKIT_SRC_CLI_SCORE_H_
#define SALESKIT_SRC_CLI_SCORE_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace saleskit::cli {

// `score train|eval|predict ...` (see docs/cli.md). Exit code 0 on success;
// 1 when a file cannot be read, the data is unusable (each error names the
// line or row and the column) or a model file is bad or too new; 2 for a
// usage error.
int RunScore(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace saleskit::cli

#endif  // SALESKIT_SRC_CLI_SCORE_H_
