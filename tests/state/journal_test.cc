#include "saleskit/state/journal.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "saleskit/engine.h"
#include "state/state_test_util.h"
#include "test_util.h"

namespace saleskit {
namespace {

using testing::Apply;
using testing::Contains;
using testing::Fingerprint;
using testing::GenerateStream;
using testing::InMemoryFingerprint;
using testing::Input;
using testing::StreamEngineOptions;
using testing::TempStatePath;

// Runs SQL on a state file the way another program (or an older saleskit) would.
void RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO((error != nullptr ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

int64_t RawInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// A durable engine fed the first `count` inputs of `stream`, then closed.
void WriteState(const std::string& path, const std::vector<Input>& stream, size_t count) {
  auto engine = Engine::Open(path, StreamEngineOptions());
  REQUIRE(engine.ok());
  for (size_t i = 0; i < count; ++i) REQUIRE(Apply(**engine, stream[i]).ok());
}

long FileSize(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fclose(f);
  return size;
}

TEST_CASE("Crc32 is the IEEE CRC-32 of any bytes at any alignment", "[state]") {
  // The standard check value: files written by any saleskit must verify.
  REQUIRE(Crc32("123456789", 9) == 0xCBF43926u);
  REQUIRE(Crc32("", 0) == 0u);
  auto reference = [](const unsigned char* p, size_t n) {  // bit by bit
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
      c ^= p[i];
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
  };
  std::mt19937_64 rng(5);
  std::vector<unsigned char> bytes(300);
  for (unsigned char& b : bytes) b = static_cast<unsigned char>(rng());
  for (int i = 0; i < testing::PropertyIterations(500); ++i) {
    const size_t offset = rng() % 9, size = rng() % (bytes.size() - offset);
    INFO("offset " << offset << " size " << size);
    REQUIRE(Crc32(bytes.data() + offset, size) == reference(bytes.data() + offset, size));
  }
}

TEST_CASE("A reopened engine has the state it had when it was closed", "[state]") {
  const std::string path = TempStatePath("reopen");
  const std::vector<Input> stream = GenerateStream(7, 120);
  std::string before;
  {
    auto engine = Engine::Open(path, StreamEngineOptions());
    REQUIRE(engine.ok());
    CHECK((*engine)->durable());
    for (size_t i = 0; i < 80; ++i) REQUIRE(Apply(**engine, stream[i]).ok());
    CHECK((*engine)->Acknowledged() == 80);
    // Text loads journal their parsed records, skipped ones included.
    LoadOptions skip;
    skip.on_invalid = OnInvalid::kSkipRecord;
    auto loaded = (*engine)->Load(RecordKind::kCustomers, "id,industry,employee_count\nz1,SaaS,70\nz2,SaaS,abc\n",
                                  Format::kCsv, skip);
    REQUIRE(loaded.ok());
    CHECK(loaded->rejected.size() == 1);
    // A rejected batch changes nothing and is not journaled.
    CHECK_FALSE((*engine)->Load(RecordKind::kCustomers, "id,employee_count\nz3,abc\n", Format::kCsv).ok());
    REQUIRE((*engine)->DefineSegment("vp", "customer.title.contains('VP')").ok());
    REQUIRE((*engine)->Compile("events.count('form_fill', hours(6)) >= 1").ok());
    REQUIRE((*engine)->RemoveSegment("vp").ok());
    (*engine)->TrimScoreCrossings(2);
    CHECK((*engine)->Acknowledged() == 85);
    // Outbox acks and nacks are inputs too: a delivered entry stays delivered.
    const std::vector<v1::OutboxEntry> pending = (*engine)->OutboxEntries(0, 4, v1::OutboxEntry::PENDING);
    REQUIRE(pending.size() == 4);
    REQUIRE((*engine)->AckOutbox(pending[0].id()).ok());
    REQUIRE((*engine)->NackOutbox(pending[1].id(), "timeout").ok());
    CHECK((*engine)->AckOutbox("no-such-entry").code() == absl::StatusCode::kNotFound);  // not journaled
    const std::vector<std::string> batch = {pending[2].id(), pending[3].id()};
    const std::vector<std::string> refused = {pending[2].id(), "no-such-entry"};
    CHECK((*engine)->AckOutbox(absl::MakeConstSpan(refused)).code() == absl::StatusCode::kNotFound);  // not journaled
    REQUIRE((*engine)->AckOutbox(absl::MakeConstSpan(batch)).ok());  // one entry
    CHECK((*engine)->Acknowledged() == 88);
    before = Fingerprint(**engine);
    CHECK(before.find("outbox ") != std::string::npos);
  }
  {
    auto engine = Engine::Open(path, StreamEngineOptions());
    REQUIRE(engine.ok());
    CHECK((*engine)->Acknowledged() == 88);
    CHECK(Fingerprint(**engine) == before);
    CHECK((*engine)->OutboxEntries(0, SIZE_MAX, v1::OutboxEntry::DONE).size() == 3);
    CHECK((*engine)->GetCustomer("z1").ok());
    CHECK((*engine)->GetCustomer("z3").status().code() == absl::StatusCode::kNotFound);
    CHECK((*engine)->Segments().size() == 3);  // vp was removed
    auto window = (*engine)->Compile("events.count('form_fill', hours(6)) >= 1");  // already kept: not journaled
    REQUIRE(window.ok());
    CHECK((*engine)->Acknowledged() == 88);
  }
  // An uninterrupted in-memory run agrees (without the extra inputs).
  {
    const std::string path2 = TempStatePath("reopen_plain");
    WriteState(path2, stream, stream.size());
    auto engine = Engine::Open(path2, StreamEngineOptions());
    REQUIRE(engine.ok());
    CHECK(Fingerprint(**engine) == InMemoryFingerprint(stream, stream.size()));
    // The start recorded in the file wins over the options of a later open.
  }
}

TEST_CASE("A state file records the engine clock start and later opens keep it", "[state]") {
  const std::string path = TempStatePath("start");
  WriteState(path, GenerateStream(1, 5), 3);
  auto engine = Engine::Open(path, EngineOptions{});  // start left at the epoch
  REQUIRE(engine.ok());
  CHECK((*engine)->now() >= absl::FromUnixSeconds(testing::kStreamStart));
}

TEST_CASE("A state file from a newer saleskit is refused naming both versions", "[state][bad-input]") {
  const std::string path = TempStatePath("newer");
  WriteState(path, GenerateStream(2, 10), 5);
  RawSql(path, "PRAGMA user_version=4");
  auto engine = Engine::Open(path, StreamEngineOptions());
  REQUIRE_FALSE(engine.ok());
  CHECK(engine.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Contains(engine.status(), path));
  CHECK(Contains(engine.status(), "schema version 4"));
  CHECK(Contains(engine.status(), "versions 1 to 3"));
  CHECK(RawInt(path, "PRAGMA user_version") == 4);  // left as it was
}

TEST_CASE("A state file of schema version 1 is migrated to version 3 on open", "[state]") {
  const std::string path = TempStatePath("v1");
  const std::vector<Input> stream = GenerateStream(3, 40);
  // Entries as an older saleskit journaled them: no crc column, no meta table.
  std::vector<std::string> entries;
  {
    const std::string scratch = TempStatePath("v1_scratch");
    WriteState(scratch, stream, stream.size());
    auto journal = Journal::Open(scratch);
    REQUIRE(journal.ok());
    REQUIRE((*journal)
                ->ForEach([&](uint64_t, const v1::JournalEntry& e) {
                  entries.push_back(testing::DeterministicBytes(e));
                  return absl::OkStatus();
                })
                .ok());
  }
  REQUIRE(entries.size() == stream.size());
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL; PRAGMA application_id=1397445460; PRAGMA user_version=1;"
                         "CREATE TABLE journal(seq INTEGER PRIMARY KEY, entry BLOB NOT NULL);",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_stmt* insert = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "INSERT INTO journal(seq, entry) VALUES(?1, ?2)", -1, &insert, nullptr) ==
            SQLITE_OK);
    for (size_t i = 0; i < entries.size(); ++i) {
      sqlite3_bind_int64(insert, 1, static_cast<int64_t>(i + 1));
      sqlite3_bind_blob(insert, 2, entries[i].data(), static_cast<int>(entries[i].size()), SQLITE_STATIC);
      REQUIRE(sqlite3_step(insert) == SQLITE_DONE);
      sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    sqlite3_close(db);
  }
  {
    auto engine = Engine::Open(path, StreamEngineOptions());
    REQUIRE(engine.ok());
    CHECK((*engine)->Acknowledged() == stream.size());
    CHECK(Fingerprint(**engine) == InMemoryFingerprint(stream, stream.size()));
  }
  CHECK(RawInt(path, "PRAGMA user_version") == 3);
  CHECK(RawInt(path, "SELECT count(*) FROM journal WHERE crc = 0") == 0);
  CHECK(RawInt(path, "SELECT count(*) FROM checkpoint") == 0);
  // The migrated file's CRCs are checked like any other's.
  RawSql(path, "UPDATE journal SET crc = crc + 1 WHERE seq = 7");
  auto damaged = Engine::Open(path, StreamEngineOptions());
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.status().code() == absl::StatusCode::kDataLoss);
  CHECK(Contains(damaged.status(), "entry seq 7 fails its CRC check"));
}

TEST_CASE("A damaged state file is DataLoss naming the file and the entry", "[state][bad-input]") {
  const std::vector<Input> stream = GenerateStream(4, 300);
  const std::string path = TempStatePath("damaged");
  WriteState(path, stream, stream.size());
  REQUIRE(::access((path + "-wal").c_str(), F_OK) != 0);  // checkpointed at close: every page is in the file
  const long size = FileSize(path);
  REQUIRE(size > 20 * 4096);
  std::ifstream in(path, std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto write = [&](const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  };
  auto open_fails = [&](absl::string_view expected) {
    auto engine = Engine::Open(path, StreamEngineOptions());
    REQUIRE_FALSE(engine.ok());
    INFO(engine.status().ToString());
    CHECK(engine.status().code() == absl::StatusCode::kDataLoss);
    CHECK(Contains(engine.status(), path));
    CHECK(Contains(engine.status(), expected));
  };

  SECTION("a page in the middle overwritten") {
    std::string bytes = original;
    const size_t page = static_cast<size_t>(size / 4096 / 2) * 4096;
    for (size_t i = 0; i < 4096; ++i) bytes[page + i] = static_cast<char>(0xA5 ^ (i * 31));
    write(bytes);
    open_fails("damaged");
  }
  SECTION("a few bytes inside an entry overwritten") {
    RawSql(path, "UPDATE journal SET entry = CAST(zeroblob(3) AS BLOB) || substr(entry, 4) WHERE seq = 150");
    open_fails("entry seq 150 fails its CRC check");
  }
  SECTION("an entry whose bytes do not decode") {
    RawSql(path, "UPDATE journal SET entry = X'FFFFFFFF', crc = 4294967295 WHERE seq = 42");  // crc32(FFFFFFFF)
    open_fails("entry seq 42 cannot be decoded");
  }
  SECTION("an entry missing") {
    RawSql(path, "DELETE FROM journal WHERE seq = 99");
    open_fails("entry seq 99 is missing");
  }
  SECTION("an entry that does not replay") {
    v1::JournalEntry back;
    back.mutable_advance_to()->set_seconds(0);
    const std::string bytes = testing::DeterministicBytes(back);
    std::string hex;
    for (unsigned char c : bytes) hex += absl::StrFormat("%02X", c);
    RawSql(path, absl::StrFormat("UPDATE journal SET entry = X'%s', crc = %d WHERE seq = 200", hex,
                                 Crc32(bytes.data(), bytes.size())));
    open_fails("entry seq 200 (advance_to) does not replay");
  }
  SECTION("truncated to half") {
    write(original.substr(0, original.size() / 2));
    open_fails("damaged");
  }
  SECTION("truncated inside the header") {
    write(original.substr(0, 50));
    open_fails("not a saleskit state file");
  }
  SECTION("a file that is not SQLite") {
    std::string noise(16384, '\0');
    uint64_t s = 99;
    for (char& c : noise) c = static_cast<char>((s = s * 6364136223846793005ULL + 1442695040888963407ULL) >> 56);
    write(noise);
    open_fails("not a saleskit state file");
  }
  SECTION("a SQLite file of another program") {
    write("");
    RawSql(path, "CREATE TABLE contacts(id TEXT)");
    open_fails("not a saleskit state file (SQLite application_id 0x00000000");
  }
}

TEST_CASE("A state file is locked while an engine has it open", "[state][bad-input]") {
  const std::string path = TempStatePath("locked");
  SECTION("another engine in this process") {
    auto first = Engine::Open(path);
    REQUIRE(first.ok());
    auto second = Engine::Open(path);
    REQUIRE_FALSE(second.ok());
    CHECK(second.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Contains(second.status(), "state file " + path + " is locked by another process"));
    first->reset();
    CHECK(Engine::Open(path).ok());  // released at close
  }
  SECTION("another process") {
    int ready[2], done[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(done) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto engine = Engine::Open(path);
      const char ok = engine.ok() ? 'y' : 'n';
      (void)!::write(ready[1], &ok, 1);
      char c;
      (void)!::read(done[0], &c, 1);
      ::_exit(0);
    }
    char ok = 0;
    REQUIRE(::read(ready[0], &ok, 1) == 1);
    REQUIRE(ok == 'y');
    auto second = Engine::Open(path);
    CHECK(second.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Contains(second.status(), "is locked by another process"));
    (void)!::write(done[1], "x", 1);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK(Engine::Open(path).ok());
    for (int fd : {ready[0], ready[1], done[0], done[1]}) ::close(fd);
  }
}

TEST_CASE("Batched durability commits every batch_records entries and after batch_interval", "[state]") {
  const std::string path = TempStatePath("batched_triggers");
  const std::vector<Input> stream = GenerateStream(5, 30);
  auto fake_now = std::make_shared<std::chrono::steady_clock::time_point>();
  StateOptions state;
  state.durability = Durability::kBatched;
  state.batch_records = 4;
  state.batch_interval = absl::Milliseconds(100);
  state.clock = [fake_now] { return *fake_now; };
  auto engine = Engine::Open(path, StreamEngineOptions(), state);
  REQUIRE(engine.ok());
  for (size_t i = 0; i < 6; ++i) REQUIRE(Apply(**engine, stream[i]).ok());
  CHECK((*engine)->Acknowledged() == 4);
  REQUIRE(Apply(**engine, stream[6]).ok());  // the oldest pending entry (5) is 0 ms old
  CHECK((*engine)->Acknowledged() == 4);
  *fake_now += std::chrono::milliseconds(100);
  REQUIRE(Apply(**engine, stream[7]).ok());  // now it is 100 ms old: 5..8 commit
  CHECK((*engine)->Acknowledged() == 8);
  REQUIRE(Apply(**engine, stream[8]).ok());
  CHECK((*engine)->Acknowledged() == 8);
  REQUIRE((*engine)->Flush().ok());
  CHECK((*engine)->Acknowledged() == 9);
}

TEST_CASE("Batched durability loses only the inputs not flushed when the process dies", "[state]") {
  const std::string path = TempStatePath("batched_kill");
  const std::vector<Input> stream = GenerateStream(6, 40);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    StateOptions state;
    state.durability = Durability::kBatched;
    state.batch_interval = absl::Hours(1);
    auto engine = Engine::Open(path, StreamEngineOptions(), state);
    if (!engine.ok()) ::_exit(2);
    for (size_t i = 0; i < 25; ++i) {
      if (!Apply(**engine, stream[i]).ok()) ::_exit(3);
    }
    if (!(*engine)->Flush().ok() || (*engine)->Acknowledged() != 25) ::_exit(4);
    for (size_t i = 25; i < 35; ++i) {
      if (!Apply(**engine, stream[i]).ok()) ::_exit(3);
    }
    ::raise(SIGKILL);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  auto engine = Engine::Open(path, StreamEngineOptions());
  REQUIRE(engine.ok());
  CHECK((*engine)->Acknowledged() == 25);
  CHECK(Fingerprint(**engine) == InMemoryFingerprint(stream, 25));
}

TEST_CASE("A journal write that fails is not acknowledged and the engine refuses later changes", "[state][bad-input]") {
  const std::string path = TempStatePath("write_fails");
  const std::vector<Input> stream = GenerateStream(8, 200);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child may not grow any file past 64 KiB: the state file's WAL soon cannot grow.
    ::signal(SIGXFSZ, SIG_IGN);
    auto engine = Engine::Open(path, StreamEngineOptions());
    if (!engine.ok()) ::_exit(2);
    rlimit limit{64 * 1024, 64 * 1024};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(3);
    uint64_t ok = 0;
    absl::Status failed;
    for (const Input& in : stream) {
      failed = Apply(**engine, in);
      if (!failed.ok()) break;
      ++ok;
    }
    if (failed.ok()) ::_exit(4);  // never failed: the limit did not bite
    // The failing call was applied in memory but not acknowledged; the engine now refuses changes.
    const absl::Status next = (*engine)->AdvanceTo(absl::FromUnixSeconds(testing::kStreamStart + 365 * 86400));
    const bool refused = next.code() == absl::StatusCode::kFailedPrecondition && Contains(next, "refuses changes");
    const bool readable = (*engine)->customer_count() > 0;
    uint64_t report[3] = {ok, (*engine)->Acknowledged(), static_cast<uint64_t>(refused && readable)};
    (void)!::write(fds[1], report, sizeof report);
    ::_exit(0);
  }
  ::close(fds[1]);
  uint64_t report[3] = {0, 0, 0};
  const bool got = ::read(fds[0], report, sizeof report) == static_cast<ssize_t>(sizeof report);
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("child exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status)));
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  REQUIRE(got);
  const uint64_t ok_calls = report[0];
  CHECK(ok_calls > 0);
  CHECK(report[1] == ok_calls);
  CHECK(report[2] == 1);
  // What was acknowledged is what a reopen has: the failed call is not there.
  auto engine = Engine::Open(path, StreamEngineOptions());
  REQUIRE(engine.ok());
  CHECK((*engine)->Acknowledged() == ok_calls);
  CHECK(Fingerprint(**engine) == InMemoryFingerprint(stream, ok_calls));
}

}  // namespace
}  // namespace saleskit
