// What the benchmarks share: deterministic random numbers, wall and CPU
// stopwatches, and one core's memory read bandwidth (the ceiling of any scan).
#ifndef SALESKIT_BENCH_BENCH_UTIL_H_
#define SALESKIT_BENCH_BENCH_UTIL_H_

#include <time.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace saleskit::bench {

// splitmix64: deterministic data without <random>'s implementation-defined distributions.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  int Pick(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  // An index drawn with the given relative weights.
  template <size_t N>
  int Weighted(const double (&weights)[N]) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Uniform() * total;
    for (size_t i = 0; i < N; ++i) {
      if (x < weights[i]) return static_cast<int>(i);
      x -= weights[i];
    }
    return static_cast<int>(N) - 1;
  }
};

inline double Seconds(timespec a, timespec b) { return (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9; }

// Wall and CPU time: on a shared machine the CPU time says whether the wall
// time was lost to other processes (and whether one core was used).
struct Stopwatch {
  timespec wall0, cpu0;
  Stopwatch() {
    clock_gettime(CLOCK_MONOTONIC, &wall0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
  }
  double Wall() const {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return Seconds(wall0, t);
  }
  double Cpu() const {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return Seconds(cpu0, t);
  }
};

// One core's sequential read bandwidth in bytes/s: the best of a few sums
// over an array (1 GiB) far larger than any cache.
inline double ReadBandwidth() {
  constexpr size_t kWords = size_t{1} << 27;
  std::vector<uint64_t> data(kWords);
  for (size_t i = 0; i < kWords; ++i) data[i] = i;
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    const Stopwatch sw;
    uint64_t a = 0, b = 0, c = 0, d = 0;  // independent sums: not bound by add latency
    for (size_t i = 0; i < kWords; i += 4) {
      a += data[i];
      b += data[i + 1];
      c += data[i + 2];
      d += data[i + 3];
    }
    const double s = sw.Wall();
    if (a + b + c + d != (kWords * (kWords - 1)) / 2) {
      std::fprintf(stderr, "bandwidth sum is wrong\n");
      std::abort();
    }
    best = std::max(best, kWords * sizeof(uint64_t) / s);
  }
  return best;
}

// VALUE when `arg` is "FLAG=VALUE" (FLAG with its dashes), else nullopt.
inline std::optional<std::string> FlagValue(const std::string& arg, const char* flag) {
  const std::string prefix = std::string(flag) + "=";
  if (arg.rfind(prefix, 0) != 0) return std::nullopt;
  return arg.substr(prefix.size());
}

// Whether `arg` is "FLAG=N"; then N (a whole number >= 1, else the program
// exits with a message) goes to *out.
inline bool IntFlag(const std::string& arg, const char* flag, int64_t* out) {
  const std::optional<std::string> v = FlagValue(arg, flag);
  if (!v) return false;
  char* end = nullptr;
  const long long n = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n < 1) {
    std::fprintf(stderr, "bad value: %s (a whole number >= 1)\n", arg.c_str());
    std::exit(2);
  }
  *out = n;
  return true;
}

// The p-quantile (0 < p <= 1) of sorted, non-empty latencies: the smallest
// value with at least a share p at or below it.
inline double Percentile(const std::vector<double>& sorted, double p) {
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(std::ceil(p * sorted.size())) - 1);
  return sorted[i];
}

}  // namespace saleskit::bench

#endif  // SALESKIT_BENCH_BENCH_UTIL_H_
