// Ingest throughput and memory of the customer store, and `saleskit gen` speed.
//
//   build/bench/ingest_bench [--customers=N]
//
// Targets (issue 2): >= 1M customers/s from protobuf, >= 300k/s from CSV, on one
// core; <= 200 bytes per customer with the standard fields beyond the string
// dictionaries; gen of 100k customers x 180 days in < 5 s. Each benchmark
// prints its rate and the ratio to its target; the protobuf benchmark also
// runs the peer "parse the same stream with protobuf alone" and prints ingest
// time / parse time, the share of the cost that is the store's.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "cli/gen.h"
#include "bench_util.h"
#include "saleskit/engine.h"
#include "saleskit/io/csv.h"
#include "saleskit/io/readers.h"

namespace {

using saleskit::bench::Rng;

int64_t g_customers = 1000000;


const char* kIndustries[] = {"SaaS", "Fintech", "Healthcare", "Retail", "Manufacturing", "Education", "Media", "Logistics"};
const char* kCountries[] = {"US", "DE", "GB", "FR", "IN", "AU", "BR", "JP"};
const char* kZones[] = {"America/New_York", "Europe/Berlin", "Europe/London", "Europe/Paris",
                        "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", "Asia/Tokyo"};
const char* kTitles[] = {"CEO", "CTO", "VP Sales", "Head of Marketing", "Engineer", "Analyst", "Manager", "Director"};
const char* kSources[] = {"organic", "paid_search", "webinar", "referral", "event", "outbound", "partner"};

// Customers with every standard field set, realistic cardinalities.
std::vector<saleskit::v1::Customer> MakeCustomers(int64_t n) {
  Rng rng{42};
  std::vector<saleskit::v1::Customer> out(n);
  for (int64_t i = 0; i < n; ++i) {
    saleskit::v1::Customer& c = out[i];
    const int country = rng.Pick(8);
    c.set_id(absl::StrFormat("c%07d", i));
    c.set_account_id(absl::StrFormat("a%06d", i / 5));
    c.set_email(absl::StrFormat("person%d@company%d.example", i, i / 5));
    c.set_phone(absl::StrFormat("+1555%07d", i));
    c.set_first_name(absl::StrCat("First", rng.Pick(2000)));
    c.set_last_name(absl::StrCat("Last", rng.Pick(5000)));
    c.set_title(kTitles[rng.Pick(8)]);
    c.set_company(absl::StrFormat("Company %d", i / 5));
    c.set_industry(kIndustries[rng.Pick(8)]);
    c.set_country(kCountries[country]);
    c.set_region(absl::StrCat("R", rng.Pick(50)));
    c.set_timezone(kZones[country]);
    c.set_employee_count(1 + rng.Pick(5000));
    c.set_annual_revenue(1000.0 * rng.Pick(100000));
    c.set_lifecycle_stage(static_cast<saleskit::v1::LifecycleStage>(1 + rng.Pick(8)));
    c.set_lead_source(kSources[rng.Pick(7)]);
    c.set_owner_id(absl::StrFormat("u%02d", rng.Pick(40)));
    c.mutable_created_at()->set_seconds(1767225600 + rng.Pick(86400 * 365));
    c.mutable_updated_at()->set_seconds(1767225600 + rng.Pick(86400 * 365));
  }
  return out;
}

const std::string& ProtobufStream() {
  static const std::string* stream = [] {
    auto* s = new std::string();
    for (const auto& c : MakeCustomers(g_customers)) saleskit::AppendDelimited(c, s);
    return s;
  }();
  return *stream;
}

const std::string& CsvText() {
  static const std::string* text = [] {
    auto* s = new std::string(
        "id,account_id,email,phone,first_name,last_name,title,company,industry,country,region,timezone,"
        "employee_count,annual_revenue,lifecycle_stage,lead_source,owner_id,created_at,updated_at\n");
    static const char* kStages[] = {"", "subscriber", "lead", "marketing_qualified", "sales_qualified",
                                    "opportunity", "customer", "evangelist", "other"};
    for (const auto& c : MakeCustomers(g_customers)) {
      absl::StrAppend(s, c.id(), ",", c.account_id(), ",", c.email(), ",", c.phone(), ",", c.first_name(), ",",
                      c.last_name(), ",", c.title(), ",", c.company(), ",", c.industry(), ",", c.country(), ",",
                      c.region(), ",", c.timezone(), ",", c.employee_count(), ",", c.annual_revenue(), ",",
                      kStages[c.lifecycle_stage()], ",", c.lead_source(), ",", c.owner_id(), ",",
                      saleskit::FormatTimestamp(c.created_at().seconds() * 1000000), ",",
                      saleskit::FormatTimestamp(c.updated_at().seconds() * 1000000), "\n");
    }
    return s;
  }();
  return *text;
}

// One parse of `data` with no store, in seconds: the floor under any ingest.
double ParseOnlySeconds(const std::string& data, saleskit::Format format) {
  const absl::Time start = absl::Now();
  auto source = *saleskit::OpenSource<saleskit::v1::Customer>(data, format);
  saleskit::RecordPosition pos;
  int64_t n = 0;
  while (source->Next(&pos) != nullptr) ++n;
  benchmark::DoNotOptimize(n);
  return absl::ToDoubleSeconds(absl::Now() - start);
}

void Ingest(benchmark::State& state, const std::string& data, saleskit::Format format, double target) {
  const double parse_seconds = ParseOnlySeconds(data, format);
  double ingest_seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = *saleskit::Engine::Create();
    state.ResumeTiming();
    const absl::Time start = absl::Now();
    auto report = engine->Load(saleskit::RecordKind::kCustomers, data, format);
    ingest_seconds += absl::ToDoubleSeconds(absl::Now() - start);
    if (!report.ok() || report->inserted != static_cast<size_t>(g_customers)) {
      state.SkipWithError("ingest failed");
      return;
    }
    state.PauseTiming();
    engine.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * g_customers);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
  state.counters["customers_per_s"] = benchmark::Counter(static_cast<double>(state.iterations() * g_customers),
                                                         benchmark::Counter::kIsRate);
  state.counters["target_per_s"] = target;
  state.counters["ratio_to_target"] = g_customers * static_cast<double>(state.iterations()) / ingest_seconds / target;
  // The peer on the same data: ingest time over one bare parse (ingest parses twice).
  state.counters["x_parse_only"] = ingest_seconds / static_cast<double>(state.iterations()) / parse_seconds;
}

void BM_IngestProtobuf(benchmark::State& state) { Ingest(state, ProtobufStream(), saleskit::Format::kProtobuf, 1e6); }
void BM_IngestCsv(benchmark::State& state) { Ingest(state, CsvText(), saleskit::Format::kCsv, 3e5); }

// The peer: one pass of protobuf parsing over the same stream (into a reused
// message, as the ingest path does), no store. Ingest parses twice: once to
// validate the batch, once to apply it.
void BM_PeerProtobufParseOnly(benchmark::State& state) {
  const std::string& data = ProtobufStream();
  for (auto _ : state) {
    auto source = *saleskit::OpenSource<saleskit::v1::Customer>(data, saleskit::Format::kProtobuf);
    saleskit::RecordPosition pos;
    int64_t n = 0;
    while (source->Next(&pos) != nullptr) ++n;
    benchmark::DoNotOptimize(n);
  }
  state.counters["customers_per_s"] = benchmark::Counter(static_cast<double>(state.iterations() * g_customers),
                                                         benchmark::Counter::kIsRate);
}

void BM_Gen100kCustomers180Days(benchmark::State& state) {
  saleskit::cli::GenOptions options;
  options.customers = 100000;
  options.days = 180;
  size_t bytes = 0;
  for (auto _ : state) {
    auto files = saleskit::cli::GenerateInMemory(options);
    if (!files.ok()) {
      state.SkipWithError("gen failed");
      return;
    }
    bytes = 0;
    for (const auto& [name, text] : *files) bytes += text.size();
  }
  state.counters["output_MB"] = bytes / 1e6;
  state.counters["target_s"] = 5;
}

BENCHMARK(BM_IngestProtobuf)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_PeerProtobufParseOnly)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_IngestCsv)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Gen100kCustomers180Days)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// Resident memory of a store with g_customers customers, beyond its string dictionaries.
void ReportMemory() {
  auto customers = saleskit::ReadRecords<saleskit::v1::Customer>(ProtobufStream(), saleskit::Format::kProtobuf);
  const int64_t before = ResidentBytes();
  auto engine = *saleskit::Engine::Create();
  if (!engine->UpsertCustomers(customers->batch).ok()) return;
  const int64_t after = ResidentBytes();
  const saleskit::StoreStats stats = engine->Stats();
  const double per_customer = static_cast<double>(after - before - static_cast<int64_t>(stats.dictionary_bytes)) /
                              static_cast<double>(g_customers);
  std::printf(
      "memory: %lld customers, resident +%.1f MiB, dictionaries %.1f MiB, columns (accounted) %.1f MiB\n"
      "memory: %.1f bytes per customer beyond the string dictionaries (target <= 200, ratio %.2f)\n",
      static_cast<long long>(g_customers), (after - before) / 1048576.0, stats.dictionary_bytes / 1048576.0,
      stats.column_bytes / 1048576.0, per_customer, per_customer / 200.0);
}

}  // namespace

int main(int argc, char** argv) {
  bool memory = true;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--customers=", 0) == 0) g_customers = std::stoll(argv[i] + 12);
    if (std::string(argv[i]) == "--skip-memory") memory = false;
  }
  if (memory) ReportMemory();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
