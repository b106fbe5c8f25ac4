#include "saleskit/segment/kmeans.h"

#include <map>
#include <random>
#include <set>

#include "catch2/catch.hpp"
#include "saleskit/engine.h"

namespace saleskit {
namespace {

// `per` points around each centre, normal with standard deviation `sd`; the
// true blob of each row in `truth`.
Eigen::MatrixXd Blobs(const std::vector<std::vector<double>>& centres, int per, double sd, uint64_t seed,
                      std::vector<int>* truth) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, sd);
  const int d = static_cast<int>(centres[0].size());
  Eigen::MatrixXd x(centres.size() * per, d);
  truth->clear();
  for (size_t c = 0; c < centres.size(); ++c) {
    for (int i = 0; i < per; ++i) {
      const int row = static_cast<int>(c) * per + i;
      for (int j = 0; j < d; ++j) x(row, j) = centres[c][j] + noise(rng);
      truth->push_back(static_cast<int>(c));
    }
  }
  return x;
}

// Whether `labels` equals `truth` up to a renaming of the clusters.
bool SamePartition(const std::vector<int>& labels, const std::vector<int>& truth) {
  std::map<int, int> forward, backward;
  for (size_t i = 0; i < labels.size(); ++i) {
    auto [f, fnew] = forward.emplace(truth[i], labels[i]);
    auto [b, bnew] = backward.emplace(labels[i], truth[i]);
    if (f->second != labels[i] || b->second != truth[i]) return false;
  }
  return true;
}

FeatureValues Numbers(const std::string& name, const std::vector<double>& v) {
  FeatureValues f{name, {}};
  for (double d : v) f.values.push_back(cel::Value::Double(d));
  return f;
}

std::vector<std::string> Ids(size_t n) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < n; ++i) ids.push_back("c" + std::to_string(100 + i));
  return ids;
}

TEST_CASE("KMeans recovers well-separated blobs exactly", "[kmeans]") {
  std::vector<int> truth;
  const Eigen::MatrixXd x = Blobs({{0, 0, 0}, {12, 0, 0}, {0, 12, 0}, {0, 0, 12}}, 60, 1.0, 1, &truth);
  KMeansOptions options;
  options.k = 4;
  auto r = KMeans(x, options);
  REQUIRE(r.ok());
  CHECK(SamePartition(r->labels, truth));
  CHECK(r->centroids.rows() == 4);
  CHECK(r->iterations >= 1);
  // The centroids are the means of their clusters.
  for (int c = 0; c < 4; ++c) {
    Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(3);
    int count = 0;
    for (int i = 0; i < x.rows(); ++i) {
      if (r->labels[i] == c) sum += x.row(i), ++count;
    }
    CHECK((sum / count - r->centroids.row(c)).norm() < 1e-9);
  }
}

TEST_CASE("KMeans is deterministic for a seed", "[kmeans]") {
  std::vector<int> truth;
  const Eigen::MatrixXd x = Blobs({{0, 0}, {3, 0}, {0, 3}, {3, 3}, {1.5, 1.5}}, 40, 1.0, 2, &truth);
  KMeansOptions options;
  options.k = 5;
  options.restarts = 3;
  options.seed = 7;
  auto a = KMeans(x, options);
  auto b = KMeans(x, options);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->labels == b->labels);
  CHECK(a->inertia == b->inertia);
  CHECK(a->centroids == b->centroids);
  // More restarts never do worse than their first run.
  options.restarts = 1;
  auto one = KMeans(x, options);
  options.restarts = 10;
  auto ten = KMeans(x, options);
  REQUIRE(one.ok());
  REQUIRE(ten.ok());
  CHECK(ten->inertia <= one->inertia);
}

TEST_CASE("k-means++ seeding beats random seeding on average", "[kmeans]") {
  std::vector<std::vector<double>> centres;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) centres.push_back({10.0 * i, 10.0 * j});
  }
  std::vector<int> truth;
  const Eigen::MatrixXd x = Blobs(centres, 25, 1.0, 3, &truth);
  double plus = 0, random = 0;
  int plus_exact = 0, random_exact = 0;
  const int runs = 30;
  for (int seed = 0; seed < runs; ++seed) {
    KMeansOptions options;
    options.k = 16;
    options.restarts = 1;
    options.seed = seed;
    auto a = KMeans(x, options);
    options.init = KMeansInit::kRandom;
    auto b = KMeans(x, options);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    plus += a->inertia;
    random += b->inertia;
    plus_exact += SamePartition(a->labels, truth);
    random_exact += SamePartition(b->labels, truth);
  }
  CHECK(plus < 0.9 * random);
  CHECK(plus_exact > random_exact);
}

TEST_CASE("KMeans rejects bad arguments", "[kmeans]") {
  Eigen::MatrixXd x(3, 1);
  x << 1, 2, 3;
  KMeansOptions options;
  options.k = 4;
  auto r = KMeans(x, options);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.status().message()) == "k-means: k = 4 is more than the number of points (3)");
  options.k = 0;
  CHECK_FALSE(KMeans(x, options).ok());
  options.k = 1;
  CHECK(KMeans(x, options).ok());
  x(1, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_FALSE(KMeans(x, options).ok());
}

TEST_CASE("KMeans on a row-major buffer equals KMeans on the matrix", "[kmeans]") {
  std::vector<int> truth;
  // More rows than one block of the assignment pass, and a partial last block.
  const Eigen::MatrixXd x = Blobs({{0, 0, 0}, {4, 0, 1}, {0, 4, 2}, {3, 3, 3}}, 150, 1.2, 9, &truth);
  const RowMajorMatrixXd rows = x;
  KMeansOptions options;
  options.k = 4;
  options.restarts = 3;
  auto a = KMeans(x, options);
  auto b = KMeans(Eigen::Map<const RowMajorMatrixXd>(rows.data(), rows.rows(), rows.cols()), options);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->labels == b->labels);
  CHECK(a->centroids == b->centroids);
  CHECK(a->inertia == b->inertia);
  // The inertia is the sum of squared distances to the returned centroids.
  double inertia = 0;
  for (int i = 0; i < x.rows(); ++i) inertia += (x.row(i) - a->centroids.row(a->labels[i])).squaredNorm();
  CHECK(a->inertia == Approx(inertia).epsilon(1e-12));
  // Every label is its point's nearest centroid.
  for (int i = 0; i < x.rows(); ++i) {
    Eigen::Index nearest;
    (a->centroids.rowwise() - x.row(i)).rowwise().squaredNorm().minCoeff(&nearest);
    CHECK(a->labels[i] == static_cast<int>(nearest));
  }
  // max_iterations = 0: the seeding's assignment, with centroids as its means.
  options.max_iterations = 0;
  auto seeded = KMeans(x, options);
  REQUIRE(seeded.ok());
  CHECK(seeded->iterations == 0);
  CHECK(seeded->inertia >= a->inertia);
}

TEST_CASE("Pruned Lloyd iterations end where plain Lloyd does: every point at its nearest centroid", "[kmeans]") {
  // Overlapping blobs and more clusters than blobs: many iterations, many
  // points near a boundary, for Hamerly's bounds to get wrong if they could.
  std::vector<int> truth;
  const Eigen::MatrixXd x = Blobs({{0, 0, 0}, {2, 0, 0}, {0, 2, 0}, {1, 1, 2}, {2, 2, 2}}, 300, 1.0, 5, &truth);
  for (int trials : {1, 0}) {
    KMeansOptions options;
    options.k = 7;
    options.restarts = 2;
    options.tolerance = 0;  // run until no label changes
    options.local_trials = trials;
    auto r = KMeans(x, options);
    REQUIRE(r.ok());
    CHECK(r->iterations > 3);
    for (int i = 0; i < x.rows(); ++i) {
      Eigen::Index nearest;
      (r->centroids.rowwise() - x.row(i)).rowwise().squaredNorm().minCoeff(&nearest);
      CHECK(r->labels[i] == static_cast<int>(nearest));
    }
    for (int c = 0; c < 7; ++c) {
      Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(3);
      int count = 0;
      for (int i = 0; i < x.rows(); ++i) {
        if (r->labels[i] == c) sum += x.row(i), ++count;
      }
      REQUIRE(count > 0);
      CHECK((sum / count - r->centroids.row(c)).norm() < 1e-9);
    }
  }
  KMeansOptions bad;
  bad.local_trials = -1;
  CHECK(std::string(KMeans(x, bad).status().message()) == "k-means: local_trials must be >= 0");
}

TEST_CASE("SampledSilhouette scores clear clusters near 1 and is deterministic", "[kmeans]") {
  std::vector<int> truth;
  const Eigen::MatrixXd x = Blobs({{0, 0}, {50, 0}}, 600, 1.0, 4, &truth);
  auto full = SampledSilhouette(x, truth, 5000, 1);
  auto sampled = SampledSilhouette(x, truth, 200, 1);
  auto again = SampledSilhouette(x, truth, 200, 1);
  REQUIRE(full.ok());
  REQUIRE(sampled.ok());
  CHECK(*full > 0.9);
  CHECK(std::abs(*sampled - *full) < 0.02);
  CHECK(*sampled == *again);
  // A random labelling scores about 0.
  std::vector<int> alternate(truth.size());
  for (size_t i = 0; i < alternate.size(); ++i) alternate[i] = i % 2;
  CHECK(std::abs(*SampledSilhouette(x, alternate, 5000, 1)) < 0.05);
  CHECK_FALSE(SampledSilhouette(x, std::vector<int>(truth.size(), 0), 100, 1).ok());
}

TEST_CASE("ClusterFeatures chooses the true k by silhouette", "[kmeans]") {
  for (int true_k : {2, 3, 4, 5}) {
    std::vector<std::vector<double>> centres;
    for (int c = 0; c < true_k; ++c) centres.push_back({20.0 * c, (c % 2) * 25.0});
    std::vector<int> truth;
    const Eigen::MatrixXd x = Blobs(centres, 40, 1.5, 10 + true_k, &truth);
    std::vector<double> a(x.rows()), b(x.rows());
    for (int i = 0; i < x.rows(); ++i) a[i] = x(i, 0), b[i] = x(i, 1);
    ClusterOptions options;
    options.seed = 3;
    auto r = ClusterFeatures(Ids(x.rows()), {Numbers("a", a), Numbers("b", b)}, options);
    REQUIRE(r.ok());
    CAPTURE(true_k);
    CHECK(r->k == true_k);
    CHECK(r->k_chosen);
    CHECK(r->silhouettes.size() == 9);
    CHECK(SamePartition(r->assignment, truth));
  }
}

TEST_CASE("ClusterFeatures maps centroids back to original units", "[kmeans]") {
  // Two groups: small spenders on plan "basic", big spenders on "pro"; one
  // big spender without a plan and one without a spend (imputed with the mean).
  FeatureValues spend = Numbers("customer.attrs.spend", {10, 12, 14, 1000, 1010, 1020, 1030});
  spend.values.push_back(cel::Value::Null());
  FeatureValues plan{"customer.attrs.plan", {}};
  for (const char* p : {"basic", "basic", "basic", "pro", "pro", "pro", "", "basic"}) {
    plan.values.push_back(*p ? cel::Value::String(p) : cel::Value::Null());
  }
  FeatureValues vip{"customer.attrs.vip", {}};
  for (bool b : {false, false, false, true, true, true, true, false}) vip.values.push_back(cel::Value::Bool(b));
  ClusterOptions options;
  options.k = 2;
  auto r = ClusterFeatures(Ids(8), {spend, plan, vip}, options);
  REQUIRE(r.ok());
  REQUIRE(r->clusters.size() == 2);
  CHECK(r->assignment == std::vector<int>{0, 0, 0, 1, 1, 1, 1, 0});  // the bigger cluster first

  // Encodings: spend z-scored over its 7 values; plan and vip one-hot.
  REQUIRE(r->features.size() == 3);
  const double mean = (10 + 12 + 14 + 1000 + 1010 + 1020 + 1030) / 7.0;
  CHECK(r->features[0].mean == Approx(mean));
  CHECK(r->features[0].missing == 1);
  CHECK(r->features[1].categories == std::vector<std::string>{"basic", "null", "pro"});
  CHECK(r->features[2].categories == std::vector<std::string>{"false", "true"});

  const Cluster& small = r->clusters[0];
  CHECK(small.size == 4);
  CHECK(small.centroid[0].value == Approx((10 + 12 + 14 + mean) / 4));
  REQUIRE(small.centroid[1].shares.size() == 3);
  CHECK(small.centroid[1].shares[0].first == "basic");
  CHECK(small.centroid[1].shares[0].second == Approx(1.0));
  CHECK(small.centroid[2].shares[0].second == Approx(1.0));  // vip false

  const Cluster& big = r->clusters[1];
  CHECK(big.size == 4);
  CHECK(big.centroid[0].value == Approx((1000 + 1010 + 1020 + 1030) / 4.0));
  CHECK(big.centroid[1].shares[1].second == Approx(0.25));  // null
  CHECK(big.centroid[1].shares[2].second == Approx(0.75));  // pro
  // Most distinguishing: no "basic" plan (share 0, overall 1/2: z = -1), no
  // non-vip (z = -1), all vips (z = 1); ties in column order.
  REQUIRE(big.distinguishing.size() == 3);
  CHECK(big.distinguishing[0].feature == "customer.attrs.plan");
  CHECK(big.distinguishing[0].category == "basic");
  CHECK(big.distinguishing[0].z == Approx(-1));
  CHECK(big.distinguishing[0].value == 0);
  CHECK(big.distinguishing[1].feature == "customer.attrs.vip");
  CHECK(big.distinguishing[1].category == "false");
  CHECK(big.distinguishing[2].category == "true");
  CHECK(big.distinguishing[2].z == Approx(1));
  CHECK(big.distinguishing[2].value == Approx(1));
  // Then spend, z = (1015 - mean) / stddev, and pro, (3/4 - 3/8) / sqrt(3/8 x 5/8).
  options.top_features = 5;
  auto more = ClusterFeatures(Ids(8), {spend, plan, vip}, options);
  REQUIRE(more.ok());
  const auto& d = more->clusters[1].distinguishing;
  REQUIRE(d.size() == 5);
  CHECK(d[3].feature == "customer.attrs.spend");
  CHECK(d[3].category.empty());
  CHECK(d[3].z == Approx((1015 - mean) / r->features[0].stddev));
  CHECK(d[3].value == Approx(1015));
  CHECK(d[4].category == "pro");
  CHECK(d[4].z == Approx((0.75 - 0.375) / std::sqrt(0.375 * 0.625)));

  // The writers.
  const std::string csv = ClusterAssignmentsToCsv(*r);
  CHECK(csv.rfind("customer_id,cluster\nc100,0\nc101,0\n", 0) == 0);
  const std::string json = ClusterToJson(*r);
  CHECK(json.rfind("{\"k\":2,\"k_chosen\":false,\"silhouettes\":[],\"clusters\":[{\"cluster\":0,\"size\":4,", 0) == 0);
  CHECK(json.find("\"customer.attrs.plan\":{\"basic\":0,\"null\":0.25,\"pro\":0.75}") != std::string::npos);
  CHECK(json.find("\"assignments\":{\"c100\":0,") != std::string::npos);
  CHECK(json.back() == '\n');
}

TEST_CASE("BuildFeatureMatrix standardises numbers and one-hot encodes categories", "[kmeans]") {
  FeatureValues n = Numbers("n", {1, 2, 3});
  n.values[1] = cel::Value::Error(absl::InvalidArgumentError("no such key"));
  FeatureValues c{"c", {cel::Value::String("x"), cel::Value::String("y"), cel::Value::String("x")}};
  auto m = BuildFeatureMatrix({n, c});
  REQUIRE(m.ok());
  REQUIRE(m->x.rows() == 3);
  REQUIRE(m->x.cols() == 3);
  CHECK(m->features[0].mean == Approx(2));
  CHECK(m->features[0].stddev == Approx(1));
  CHECK(m->x(0, 0) == Approx(-1));
  CHECK(m->x(1, 0) == Approx(0));  // the error imputed with the mean
  CHECK(m->x(2, 0) == Approx(1));
  CHECK(m->x.block(0, 1, 3, 2) == (Eigen::MatrixXd(3, 2) << 1, 0, 0, 1, 1, 0).finished());
  CHECK(m->features[1].shares == std::vector<double>{2.0 / 3, 1.0 / 3});
}

TEST_CASE("Clustering rejects bad inputs with errors naming the feature", "[kmeans]") {
  auto message = [](const absl::Status& s) { return std::string(s.message()); };
  ClusterOptions options;
  options.k = 4;
  auto r = ClusterFeatures(Ids(3), {Numbers("x", {1, 2, 3})}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()) == "k = 4 is more than the number of customers (3)");

  options.k = 2;
  r = ClusterFeatures(Ids(3), {Numbers("x", {1, 2, 3}), Numbers("customer.attrs.score", {5, 5, 5})}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()) ==
        "feature \"customer.attrs.score\" has zero variance: every customer has 5, so it cannot separate clusters");

  FeatureValues nulls{"customer.attrs.nothing", {cel::Value::Null(), cel::Value::Null(), cel::Value::Null()}};
  r = ClusterFeatures(Ids(3), {Numbers("x", {1, 2, 3}), nulls}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()) == "feature \"customer.attrs.nothing\" is null for every customer");

  FeatureValues errors{"customer.attrs.bad", {cel::Value::Error(absl::InvalidArgumentError("no such key: bad")),
                                              cel::Value::Null(), cel::Value::Null()}};
  r = ClusterFeatures(Ids(3), {errors}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()) ==
        "feature \"customer.attrs.bad\" is null for every customer (or an error, e.g. \"no such key: bad\")");

  FeatureValues one_category{"plan", {cel::Value::String("pro"), cel::Value::String("pro"), cel::Value::String("pro")}};
  r = ClusterFeatures(Ids(3), {one_category}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()) == "feature \"plan\" has zero variance: every customer is \"pro\", so it cannot separate clusters");

  FeatureValues mixed{"m", {cel::Value::Int(1), cel::Value::String("a"), cel::Value::Int(2)}};
  r = ClusterFeatures(Ids(3), {mixed}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()).find("feature \"m\" mixes numbers (int, value 1) with categories (string, value 2)") == 0);

  FeatureValues list{"l", {cel::Value::List({}), cel::Value::Int(1), cel::Value::Int(2)}};
  r = ClusterFeatures(Ids(3), {list}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()).find("feature \"l\": value 1 is a list") == 0);

  options.k = 0;
  r = ClusterFeatures(Ids(2), {Numbers("x", {1, 2})}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()) == "choosing k needs at least 3 customers, there are 2; give k");
}

TEST_CASE("ClusterCustomers evaluates CEL features over an engine's customers", "[kmeans]") {
  auto engine = *Engine::Create();
  auto spend = engine->Compile("customer.attrs.spend", /*condition=*/false);
  auto country = engine->Compile("customer.country", /*condition=*/false);
  auto clicks = engine->Compile("events.count(\"click\", days(30))", /*condition=*/false);
  REQUIRE(spend.ok());
  REQUIRE(country.ok());
  REQUIRE(clicks.ok());
  REQUIRE(engine
              ->Load(RecordKind::kCustomers,
                     "id,country,attrs.spend\n\"d,1\",DE,10\nd2,DE,12\nd3,DE,11\nf1,FR,500\nf2,FR,520\nf3,FR,510\n",
                     Format::kCsv)
              .ok());
  REQUIRE(engine->Load(RecordKind::kEvents, "customer_id,type,occurred_at\nf1,click,2026-01-01\nf2,click,2026-01-01\nf3,click,2026-01-01\nf3,click,2026-01-01\n",
                       Format::kCsv)
              .ok());
  REQUIRE(engine->AdvanceTo(absl::FromCivil(absl::CivilDay(2026, 1, 2), absl::UTCTimeZone())).ok());
  ClusterOptions options;
  auto r = ClusterCustomers(*engine, {*spend, *country, *clicks}, options);
  REQUIRE(r.ok());
  CHECK(r->k == 2);
  CHECK(r->customer_ids == std::vector<std::string>{"d,1", "d2", "d3", "f1", "f2", "f3"});
  CHECK(r->assignment == std::vector<int>{0, 0, 0, 1, 1, 1});
  CHECK(r->clusters[1].centroid[0].value == Approx(510));
  CHECK(r->clusters[1].centroid[2].value == Approx(4.0 / 3));
  CHECK(ClusterAssignmentsToCsv(*r).rfind("customer_id,cluster\n\"d,1\",0\n", 0) == 0);
  CHECK(ClusterToJson(*r).find("\"assignments\":{\"d,1\":0,") != std::string::npos);

  auto bad = engine->Compile("customer.attrs.spend +", /*condition=*/false);
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()).find("1:") != std::string::npos);
}

TEST_CASE("ClusterRecords clusters CSV records and names what is at fault", "[kmeans]") {
  auto message = [](const absl::Status& s) { return std::string(s.message()); };
  ClusterRecordsInput input;
  input.customers = "id,country,attrs.spend,attrs.flat,attrs.maybe\nf2,FR,520,5,\nd1,DE,10,5,\nd2,DE,12,5,\n"
                    "d3,DE,11,5,\nf1,FR,500,5,\nf3,FR,510,5,\n";
  input.events = "customer_id,type,occurred_at\nf1,click,2026-01-01\nf2,click,2026-01-02\nf3,click,2026-01-02\n";
  ClusterOptions options;
  auto r = ClusterRecords({"customer.attrs.spend", "customer.country"}, input, options);
  REQUIRE(r.ok());
  CHECK(r->k == 2);
  CHECK(r->assignment == std::vector<int>{0, 0, 0, 1, 1, 1});
  CHECK(r->clusters[0].centroid[0].value == Approx(11));

  // The clock defaults to the latest event; a later one empties the window.
  r = ClusterRecords({"events.count(\"click\", days(30))"}, input, options);
  REQUIRE(r.ok());
  CHECK(r->clusters[1].centroid[0].value == Approx(1));
  input.now = absl::FromCivil(absl::CivilDay(2027, 1, 1), absl::UTCTimeZone());
  r = ClusterRecords({"events.count(\"click\", days(30))"}, input, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()) == "feature \"events.count(\"click\", days(30))\" has zero variance: every customer has "
                               "0, so it cannot separate clusters");
  input.now.reset();

  r = ClusterRecords({"customer.attrs.spend", "customer.attrs.flat"}, input, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()) ==
        "feature \"customer.attrs.flat\" has zero variance: every customer has 5, so it cannot separate clusters");
  r = ClusterRecords({"customer.attrs.maybe"}, input, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()).rfind("feature \"customer.attrs.maybe\" is null for every customer", 0) == 0);
  options.k = 7;
  r = ClusterRecords({"customer.attrs.spend"}, input, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()) == "k = 7 is more than the number of customers (6)");
  options.k = 2;
  r = ClusterRecords({"customer.attrs.spend +"}, input, options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(message(r.status()).rfind("feature \"customer.attrs.spend +\": Syntax error: 1:23:", 0) == 0);
  r = ClusterRecords({}, input, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()) == "no features");
  input.events = "customer_id,type,occurred_at\nghost,click,2026-01-01\n";
  r = ClusterRecords({"customer.attrs.spend"}, input, options);
  REQUIRE_FALSE(r.ok());
  CHECK(message(r.status()).rfind("events: ", 0) == 0);
  CHECK(message(r.status()).find("ghost") != std::string::npos);
}

}  // namespace
}  // namespace saleskit
