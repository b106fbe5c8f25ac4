// Clusters of similar customers: k-means over features given as CEL
// expressions. docs/clusters.md describes the method, the output formats and
// an example.
//
// Three layers, each usable alone:
// 1. KMeans: the numeric core on an n x d Eigen matrix (one row per point):
//    greedy k-means++ seeding, Lloyd iterations (pruned by Hamerly's bounds,
//    with plain Lloyd's result), the best of several restarts by
//    inertia. SampledSilhouette scores a labelling.
// 2. BuildFeatureMatrix: CEL values per feature per customer -> a numeric
//    matrix. Numeric features (int, uint, double, duration in seconds,
//    timestamp in Unix seconds) are standardised to z-scores; null and error
//    values are imputed with the feature's mean (z = 0), so they pull towards
//    no cluster. String and bool features are categorical and one-hot
//    encoded (columns of 0/1, one per category, categories in byte order,
//    bools as "false"/"true", null and error values as the category "null").
//    The encoding remembers how to map centroids back to original units.
// 3. ClusterFeatures / ClusterCustomers: everything above plus the choice of
//    k by sampled silhouette when it is not given, and per cluster its size,
//    centroid in original units and most distinguishing features.
//
// Everything is deterministic for a seed: the same inputs and options give
// the same labels, centroids and bytes from the writers (on one build; the
// last bits of floating point may differ between compilers or CPUs).
#ifndef SALESKIT_SEGMENT_KMEANS_H_
#define SALESKIT_SEGMENT_KMEANS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "saleskit/cel/value.h"
#include "saleskit/engine.h"

namespace saleskit {

// ------------------------------------------------------------------ core

enum class KMeansInit {
  // D^2 sampling (Arthur & Vassilvitskii 2007), greedy by default (see local_trials).
  kKMeansPlusPlus,
  kRandom,  // k distinct points chosen uniformly (for comparison)
};

struct KMeansOptions {
  int k = 2;
  // Independent runs from different seedings; the one with the least inertia wins.
  int restarts = 10;
  int max_iterations = 300;
  // A run stops when the summed squared movement of the centroids in one
  // iteration is at most tolerance x (mean per-column variance of X), or when
  // no point changes cluster.
  double tolerance = 1e-4;
  uint64_t seed = 42;
  KMeansInit init = KMeansInit::kKMeansPlusPlus;
  // k-means++ candidates drawn per centre; the one leaving the least sum of
  // squared distances wins (greedy k-means++, scikit-learn's default). 0:
  // 2 + floor(ln k), as scikit-learn; 1: plain k-means++.
  int local_trials = 0;
};

struct KMeansResult {
  std::vector<int> labels;    // per row of X, 0..k-1
  Eigen::MatrixXd centroids;  // k x d: the mean of each cluster's rows
  double inertia = 0;         // sum of squared distances of rows to their centroid
  int iterations = 0;         // Lloyd iterations of the winning run
};

// Clusters the rows of `x` (n points x d dimensions). InvalidArgument when x
// is empty, k < 1 or k > n, restarts < 1, max_iterations < 0, local_trials < 0, or x holds a
// value that is not finite. Each run seeds a std::mt19937_64 from `seed` and
// the run's index. A cluster left empty during an iteration takes the point
// farthest from its centroid. O(restarts x (iterations + local_trials) x n x k x d) time.
absl::StatusOr<KMeansResult> KMeans(const Eigen::MatrixXd& x, const KMeansOptions& options);

// Points as rows of a row-major buffer (numpy's default layout).
using RowMajorMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The same clustering on a row-major n x d buffer, read in place (the
// Python binding passes numpy arrays without a copy). The same labels,
// centroids and inertia as KMeans on a column-major copy of the data.
absl::StatusOr<KMeansResult> KMeans(const Eigen::Map<const RowMajorMatrixXd>& x, const KMeansOptions& options);

// The mean silhouette (b - a) / max(a, b) of up to `sample_size` rows drawn
// without replacement (all rows when n <= sample_size), computed within the
// sample as scikit-learn's silhouette_score(sample_size=...) does; a point
// alone in its cluster in the sample scores 0. -1..1, higher is better.
// InvalidArgument when labels and rows differ in number or the sample holds
// fewer than two clusters. O(m^2 d) for a sample of m.
absl::StatusOr<double> SampledSilhouette(const Eigen::MatrixXd& x, absl::Span<const int> labels, int sample_size,
                                         uint64_t seed);

// ------------------------------------------------------------------ features

// One feature's values, one per customer (the same customer order in every feature).
struct FeatureValues {
  std::string name;
  std::vector<cel::Value> values;
};

// How one feature became columns of the matrix.
struct FeatureEncoding {
  std::string name;
  bool categorical = false;
  int first_column = 0;
  int column_count = 1;
  // Numeric: mean and population standard deviation of the present values.
  double mean = 0;
  double stddev = 1;
  // Categorical: the categories (one column each, in this order) and each
  // one's share of all customers.
  std::vector<std::string> categories;
  std::vector<double> shares;
  // Customers whose value was null or an error (imputed or "null").
  int64_t missing = 0;
};

struct FeatureMatrix {
  Eigen::MatrixXd x;  // customers x columns
  std::vector<FeatureEncoding> features;
};

// Encodes the features (see the top of this file). InvalidArgument, naming the
// feature, when: there are no features or no customers; features differ in
// length; a feature has only null/error values, or values of both numeric and
// categorical kinds, or a list/map/message/bytes value; a numeric feature has
// zero variance (one value for every customer); a categorical feature has one
// category for every customer.
absl::StatusOr<FeatureMatrix> BuildFeatureMatrix(absl::Span<const FeatureValues> features);

// ------------------------------------------------------------------ clusters

struct ClusterOptions {
  // 0: choose k in 2..min(max_k, n - 1) by the highest sampled silhouette
  // (ties to the smaller k).
  int k = 0;
  int max_k = 10;
  int restarts = 10;
  int max_iterations = 300;
  double tolerance = 1e-4;
  uint64_t seed = 42;
  // Rows the silhouette is computed on when choosing k.
  int silhouette_sample = 1000;
  // Distinguishing features listed per cluster.
  int top_features = 3;
};

// A feature's value at a cluster's centroid, in the feature's own units.
struct CentroidValue {
  std::string feature;
  bool categorical = false;
  double value = 0;  // numeric: the cluster mean (missing values as the overall mean)
  // categorical: each category's share of the cluster, in the encoding's order.
  std::vector<std::pair<std::string, double>> shares;
};

// How far a cluster sits from all customers on one column, in standard
// deviations: (cluster mean - overall mean) / overall stddev for a numeric
// feature; (cluster share - overall share) / sqrt(p (1 - p)) for a category.
struct Distinction {
  std::string feature;
  std::string category;  // empty for a numeric feature
  double z = 0;
  double value = 0;  // the cluster's mean or share
};

struct Cluster {
  int cluster = 0;
  int64_t size = 0;
  std::vector<CentroidValue> centroid;  // one per feature, in feature order
  // The `top_features` columns with the largest |z|, largest first (ties by column).
  std::vector<Distinction> distinguishing;
};

struct ClusterResult {
  int k = 0;
  bool k_chosen = false;  // chosen by silhouette rather than given
  // Each k tried with its sampled silhouette (empty when k was given).
  std::vector<std::pair<int, double>> silhouettes;
  double inertia = 0;  // in standardised units
  std::vector<FeatureEncoding> features;
  std::vector<std::string> customer_ids;
  std::vector<int> assignment;  // per customer id
  // Clusters are numbered by size, largest first; equal sizes by their first
  // customer in input order.
  std::vector<Cluster> clusters;
};

// Clusters customers given their ids and feature values (values[i] belongs to
// ids[i]). InvalidArgument for the inputs BuildFeatureMatrix rejects, for k
// greater than the number of customers, and when k is not given and there are
// fewer than 3 customers.
absl::StatusOr<ClusterResult> ClusterFeatures(absl::Span<const std::string> customer_ids,
                                              absl::Span<const FeatureValues> features, const ClusterOptions& options);

// Evaluates each expression (compiled with Engine::Compile, ideally before the
// events were loaded, so that windowed counts see them) for every customer of
// `engine`, in id order, and clusters them; each feature is named by its source.
absl::StatusOr<ClusterResult> ClusterCustomers(const Engine& engine,
                                               absl::Span<const std::shared_ptr<const Expression>> features,
                                               const ClusterOptions& options);

// Customers and, optionally, their events as records, the way `saleskit
// cluster` reads its files; the C API and the Python package pass them here.
struct ClusterRecordsInput {
  absl::string_view customers;
  Format customers_format = Format::kCsv;
  ReadOptions customers_read;  // e.g. CSV attribute types
  absl::string_view events;    // empty: no events
  Format events_format = Format::kCsv;
  // The clock that windowed features (`events.count(type, days(30))`) see;
  // unset: the latest event's time (the epoch without events).
  std::optional<absl::Time> now;
};

// Compiles the feature expressions, loads the records into a fresh engine
// (after compiling, so windows see the events; any invalid record rejects
// the input) and runs ClusterCustomers. InvalidArgument for a feature that
// does not compile (`feature "SOURCE": ...`), for records that do not load
// (`customers: ...`, `events: ...`), and for everything ClusterCustomers
// rejects.
absl::StatusOr<ClusterResult> ClusterRecords(absl::Span<const std::string> features,
                                             const ClusterRecordsInput& input, const ClusterOptions& options);

// `customer_id,cluster`, one row per customer in the result's order.
std::string ClusterAssignmentsToCsv(const ClusterResult& result);
// One line of JSON then a newline: {"k","k_chosen","silhouettes":[{"k","silhouette"}],
// "clusters":[{"cluster","size","centroid":{feature: number | {category: share}},
// "distinguishing":[{"feature","category"?,"z","value"}]}],"assignments":{id: cluster}}.
std::string ClusterToJson(const ClusterResult& result);
// A human-readable summary: k, then per cluster its size, centroid and distinctions.
std::string ClusterSummaryText(const ClusterResult& result);

}  // namespace saleskit

#endif  // SALESKIT_SEGMENT_KMEANS_H_
