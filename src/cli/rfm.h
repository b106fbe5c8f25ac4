// `saleskit rfm`: recency, frequency and monetary scores per customer (docs/rfm.md).
#ifndef SALESKIT_SRC_CLI_RFM_H_
#define SALESKIT_SRC_CLI_RFM_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace saleskit::cli {

// `rfm --events FILE --cutoff DATE [--purchase-event TYPE] [--format csv|json]`.
// Exit code 0 on success; 1 when the events cannot be read, a record is
// invalid (each named by line and field) or there is nothing to score;
// 2 for a usage error.
int RunRfm(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace saleskit::cli

#endif  // SALESKIT_SRC_CLI_RFM_H_
