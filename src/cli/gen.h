// `saleskit gen`: a deterministic synthetic B2B CRM (accounts, customers,
// deals, events) with a planted conversion process, for demos, tests and
// benchmarks. docs/gen.md describes the data and the planted process.
#ifndef SALESKIT_CLI_GEN_H_
#define SALESKIT_CLI_GEN_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace saleskit::cli {

struct GenOptions {
  int64_t customers = 1000;          // number of customers (people), 1..10,000,000
  int days = 90;                     // days of behaviour, 1..3650
  std::string start = "2026-01-01";  // first day (ISO date, UTC)
  uint64_t seed = 42;
};

// Writes DIR/accounts.csv, DIR/customers.csv, DIR/deals.csv and
// DIR/events.csv (DIR is created if missing), in the CSV formats the loader
// reads. The same options give the same bytes on every machine: the
// generator uses its own PRNG and integer-only sampling, and never reads
// the clock. InvalidArgument naming the option for bad options.
absl::Status Generate(const GenOptions& options, const std::string& dir);

// The same files as strings, keyed "accounts.csv", "customers.csv",
// "deals.csv" and "events.csv".
absl::StatusOr<std::map<std::string, std::string>> GenerateInMemory(const GenOptions& options);

}  // namespace saleskit::cli

#endif  // SALESKIT_CLI_GEN_H_
