// saleskit points: points scores (docs/scores.md) over customers and events from files.
#ifndef SALESKIT_SRC_CLI_POINTS_H_
#define SALESKIT_SRC_CLI_POINTS_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace saleskit::cli {

// Defines a playbook's scores (and its kinds and segments), loads the files,
// moves the clock and prints every customer's scores, one customer's
// explanation or the crossing log. Exit codes as the other commands.
int RunPoints(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace saleskit::cli

#endif  // SALESKIT_SRC_CLI_POINTS_H_
