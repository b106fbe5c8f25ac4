// `saleskit cluster`: clusters of similar customers by k-means (docs/clusters.md).
#ifndef SALESKIT_SRC_CLI_CLUSTER_H_
#define SALESKIT_SRC_CLI_CLUSTER_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace saleskit::cli {

// `cluster --customers FILE [--events FILE] --feature CEL ... [--k K] [--seed S]
// [--now TIME] [--format csv|json]`. Exit code 0 on success; 1 when a file
// cannot be loaded, a feature does not compile or cannot be clustered (each
// error names the feature); 2 for a usage error.
int RunCluster(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace saleskit::cli

#endif  // SALESKIT_SRC_CLI_CLUSTER_H_
