// Kills a process feeding a durable engine at random points, again and
// again, and checks that nothing acknowledged is lost and that the state at
// the end is the state of an uninterrupted in-memory run.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "saleskit/engine.h"
#include "state/state_test_util.h"

namespace saleskit {
namespace {

using testing::Apply;
using testing::Fingerprint;
using testing::GenerateStream;
using testing::InMemoryFingerprint;
using testing::Input;
using testing::StreamEngineOptions;
using testing::TempStatePath;

// The child: opens the state file, reports Acknowledged() at open, then feeds
// the stream from there, reporting Acknowledged() after every input. Exit
// codes: 0 done, 2 open failed, 3 an input failed, 4 flush failed.
[[noreturn]] void Feed(const std::string& path, const std::vector<Input>& stream, const StateOptions& state, int out) {
  auto engine = Engine::Open(path, StreamEngineOptions(), state);
  if (!engine.ok()) ::_exit(2);
  uint64_t acked = (*engine)->Acknowledged();
  (void)!::write(out, &acked, sizeof acked);
  for (size_t i = acked; i < stream.size(); ++i) {
    if (!Apply(**engine, stream[i]).ok()) ::_exit(3);
    if (i % 20 == 19 && !(*engine)->Flush().ok()) ::_exit(4);
    acked = (*engine)->Acknowledged();
    (void)!::write(out, &acked, sizeof acked);
  }
  if (!(*engine)->Flush().ok()) ::_exit(4);
  acked = (*engine)->Acknowledged();
  (void)!::write(out, &acked, sizeof acked);
  ::_exit(0);
}

struct Child {
  pid_t pid;
  int in;  // reads what the child reports
};

Child Start(const std::string& path, const std::vector<Input>& stream, const StateOptions& state) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    Feed(path, stream, state, fds[1]);
  }
  ::close(fds[1]);
  return Child{pid, fds[0]};
}

// The child's next report (blocking), or nullopt once it is gone.
std::optional<uint64_t> NextReport(const Child& child) {
  uint64_t v;
  if (::read(child.in, &v, sizeof v) == static_cast<ssize_t>(sizeof v)) return v;
  return std::nullopt;
}

// Every report the child made after `first` (it is dead or has exited).
std::vector<uint64_t> Reports(const Child& child, std::optional<uint64_t> first = std::nullopt) {
  std::vector<uint64_t> out;
  if (first) out.push_back(*first);
  while (std::optional<uint64_t> v = NextReport(child)) out.push_back(*v);
  ::close(child.in);
  return out;
}

int64_t MicrosSince(const timespec& t0) {
  timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
}

// `checkpoint_every` > 0: the children also checkpoint that often, so that
// kills land during checkpoints and reopens load them.
void CrashLoop(Durability durability, uint64_t seed, uint64_t checkpoint_every = 0) {
  const std::vector<Input> stream = GenerateStream(seed, 300);
  const std::string name = absl::StrCat(durability == Durability::kSync ? "sync" : "batched",
                                        checkpoint_every > 0 ? "_checkpoints" : "");
  const std::string path = TempStatePath("crash_" + name);
  StateOptions state;
  state.durability = durability;
  state.checkpoint_every = checkpoint_every;
  state.batch_records = 7;
  state.batch_interval = absl::Milliseconds(3);
  uint64_t rng = seed;
  auto next = [&rng] { return (rng = rng * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };

  // The time a child takes to feed the whole stream once open: kills are spread over it.
  const std::string run_path = TempStatePath("timing_" + name);
  int64_t feed_us = 0;
  {
    Child timing = Start(run_path, stream, state);
    const std::optional<uint64_t> opened = NextReport(timing);
    REQUIRE(opened.has_value());
    timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int status = 0;
    REQUIRE(::waitpid(timing.pid, &status, 0) == timing.pid);
    feed_us = MicrosSince(t0);
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    Reports(timing, opened);
  }
  // About 80 kills over one run, so that more than 50 land before the end;
  // adjusted as the machine's speed changes (it is shared).
  double max_delay_us = std::max<double>(500, feed_us / 40.0);

  int kills = 0;
  uint64_t acknowledged = 0;  // the most any child reported as acknowledged
  std::vector<uint64_t> kill_points;
  while (kills < 60) {
    Child child = Start(path, stream, state);
    std::optional<uint64_t> first;
    if (next() % 5 == 0) {
      // Some kills while the child opens, recovers the WAL and replays.
      ::usleep(static_cast<useconds_t>(next() % 3000));
    } else {
      first = NextReport(child);  // open and replayed
      ::usleep(static_cast<useconds_t>(next() % static_cast<uint64_t>(max_delay_us + 1)));
    }
    ::kill(child.pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child.pid, &status, 0) == child.pid);
    const std::vector<uint64_t> reports = Reports(child, first);
    if (WIFEXITED(status)) {
      INFO("child exit code " << WEXITSTATUS(status));
      REQUIRE(WEXITSTATUS(status) == 0);  // finished before the kill
    } else {
      REQUIRE(WIFSIGNALED(status));
      ++kills;
    }
    // Nothing acknowledged is lost: each open sees at least what was acknowledged before.
    if (!reports.empty()) {
      INFO("a child opened with " << reports.front() << " acknowledged after " << acknowledged << " were");
      REQUIRE(reports.front() >= acknowledged);
      const uint64_t before = acknowledged;
      for (uint64_t r : reports) acknowledged = std::max(acknowledged, r);
      kill_points.push_back(reports.back());
      // Aim at an even share of the inputs left per kill left.
      const double target = std::max<double>(1, double(stream.size() - before) / std::max(1, 70 - kills));
      // In proportion, so that one kill that went far (the machine sped up)
      // does not leave the next ones to finish the stream in a few more.
      const double progress = double(acknowledged - before);
      if (first && progress > target) max_delay_us = std::max(200.0, max_delay_us * std::max(0.25, target / progress));
      if (first && progress < target / 2) max_delay_us *= 1.25;
    }
    if (acknowledged == stream.size()) break;  // nothing left to interrupt
  }
  // A last child runs to completion.
  Child last = Start(path, stream, state);
  int status = 0;
  REQUIRE(::waitpid(last.pid, &status, 0) == last.pid);
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  const std::vector<uint64_t> reports = Reports(last);
  REQUIRE(!reports.empty());
  CHECK(reports.front() >= acknowledged);
  CHECK(reports.back() == stream.size());

  auto engine = Engine::Open(path, StreamEngineOptions(), state);
  REQUIRE(engine.ok());
  CHECK((*engine)->Acknowledged() == stream.size());
  const std::string durable = Fingerprint(**engine);
  const std::string memory = InMemoryFingerprint(stream, stream.size());
  CHECK(durable.size() > 10000);
  CHECK(durable == memory);
  // The kills landed at many different points of the stream.
  std::sort(kill_points.begin(), kill_points.end());
  kill_points.erase(std::unique(kill_points.begin(), kill_points.end()), kill_points.end());
  INFO("kills " << kills << ", distinct acknowledged counts at kills " << kill_points.size() << ", one run "
                << feed_us / 1000 << " ms");
  if (std::getenv("SALESKIT_CRASH_VERBOSE") != nullptr) {
    std::printf("%s: %d kills, %zu distinct acknowledged counts at kills, feeding %zu inputs takes %lld ms\n",
                name.c_str(), kills, kill_points.size(), stream.size(),
                static_cast<long long>(feed_us / 1000));
  }
  CHECK(kills >= 50);
  CHECK(kill_points.size() >= 10);
  if (checkpoint_every > 0) CHECK((*engine)->CheckpointSeq() >= stream.size() - checkpoint_every);
}

TEST_CASE("Killed at random points in sync mode, a durable engine ends as an uninterrupted run", "[state][crash]") {
  CrashLoop(Durability::kSync, 11);
}

TEST_CASE("Killed at random points in batched mode, a durable engine ends as an uninterrupted run", "[state][crash]") {
  CrashLoop(Durability::kBatched, 12);
}

TEST_CASE("Killed at random points while checkpointing every few entries, a durable engine ends as an uninterrupted run",
          "[state][crash][checkpoint]") {
  SECTION("sync") { CrashLoop(Durability::kSync, 13, 4); }
  SECTION("batched") { CrashLoop(Durability::kBatched, 14, 5); }
}

}  // namespace
}  // namespace saleskit
