// `saleskit cohort`: acquisition cohort tables from an events file (docs/cohorts.md).
#ifndef SALESKIT_CLI_COHORT_H_
#define SALESKIT_CLI_COHORT_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace saleskit::cli {

// Exit codes as the other commands: 0 success, 1 rejected input, 2 usage error.
int RunCohort(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace saleskit::cli

#endif  // SALESKIT_CLI_COHORT_H_
