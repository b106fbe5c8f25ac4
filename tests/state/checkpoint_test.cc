// Checkpoints of a durable engine (docs/state.md): a reopen from a
// checkpoint plus the entries after it is the state of an uninterrupted run,
// a damaged checkpoint is DataLoss, and an erased customer leaves no byte in
// the state file.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "saleskit/engine.h"
#include "saleskit/state/journal.h"
#include "saleskit/status_macros.h"
#include "state/state_test_util.h"

namespace saleskit {
namespace {

using testing::Apply;
using testing::Contains;
using testing::Fingerprint;
using testing::GenerateStream;
using testing::Input;
using testing::StreamEngineOptions;
using testing::TempStatePath;

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

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Inputs beyond the generated stream's, applied to both engines at the same
// points: host calls whose state a checkpoint must carry (removed segment
// and score slots, trims (of tasks too), outbox acks and nacks, owner availability, score adjustments' rules,
// windows kept for a compiled expression, event kinds).
absl::Status Extra(Engine& engine, size_t step) {
  switch (step % 9) {
    case 0: return engine.DefineSegment(absl::StrCat("vp", step), "customer.title.contains('VP')");
    case 1: {
      const std::vector<v1::OutboxEntry> pending = engine.OutboxEntries(0, 2, v1::OutboxEntry::PENDING);
      if (!pending.empty()) SALESKIT_RETURN_IF_ERROR(engine.AckOutbox(pending[0].id()));
      if (pending.size() > 1) SALESKIT_RETURN_IF_ERROR(engine.NackOutbox(pending[1].id(), "timeout"));
      return engine.SetOwnerAvailable("ann", step % 2 == 0);  // routing reads it
    }
    case 2: return engine.RemoveSegment(absl::StrCat("vp", step - 2));
    case 3: return engine.Compile(absl::StrCat("events.count('form_fill', hours(", 2 + step % 5, ")) >= 1")).status();
    case 4:
      engine.TrimSegmentChanges(engine.LastSegmentChange() / 2);
      engine.TrimAudit(engine.LastAudit() / 3);
      engine.TrimTasks(engine.LastTask() / 2);
      return absl::OkStatus();
    case 5: {
      v1::ScoreDef score;
      score.set_name(absl::StrCat("s", step));
      auto* rule = score.add_rules();
      rule->set_condition("customer.employee_count >= 100");
      rule->set_points(5);
      auto* by_event = score.add_rules();
      by_event->set_event("page_view");
      by_event->set_points(1);
      return engine.DefineScores({score});
    }
    case 6: return engine.RemoveScore(absl::StrCat("s", step - 1));
    case 7: {
      v1::EventKindDef kind;
      kind.set_name(absl::StrCat("k", step));
      kind.set_condition("event.type == 'email_click'");
      return engine.DefineEventKinds({kind});
    }
    default: {
      engine.TrimScoreCrossings(engine.LastScoreCrossing() / 2);
      std::vector<std::string> ids;  // a batch of acks
      for (const v1::OutboxEntry& e : engine.OutboxEntries(0, 3, v1::OutboxEntry::PENDING)) ids.push_back(e.id());
      return engine.AckOutbox(absl::MakeConstSpan(ids));
    }
  }
}

// Feeds `stream` (with Extra inputs every 13 inputs) to a durable engine,
// taking checkpoints and reopening at random points, and to an in-memory
// one; after every reopen and at the end the two must agree.
void CheckpointRun(uint64_t seed, StateOptions state) {
  std::vector<Input> stream = GenerateStream(seed, 260);
  // A rule with a timer per customer too (the runner's timers are state).
  v1::Rule& quiet = *stream[0].playbook.add_rules();
  quiet.set_name("quiet");
  quiet.mutable_trigger()->mutable_inactivity()->set_event_type("email_open");
  quiet.mutable_trigger()->mutable_inactivity()->mutable_after()->set_seconds(2 * 86400);
  quiet.add_actions()->set_add_tag("quiet");
  const std::string path = TempStatePath(absl::StrCat("checkpoint_run_", seed));
  auto memory = *Engine::Create(StreamEngineOptions());
  auto durable = Engine::Open(path, StreamEngineOptions(), state);
  REQUIRE(durable.ok());
  uint64_t rng = seed * 7919 + 1;
  auto next = [&rng] { return (rng = rng * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
  int checkpoints = 0, reopens = 0;
  size_t extra = 0;
  for (size_t i = 0; i < stream.size(); ++i) {
    INFO("input " << i);
    REQUIRE(Apply(*memory, stream[i]).ok());
    REQUIRE(Apply(**durable, stream[i]).ok());
    if (i % 13 == 12) {
      const absl::Status a = Extra(*memory, extra);
      const absl::Status b = Extra(**durable, extra);
      INFO("extra " << extra << ": " << a.ToString());
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      ++extra;
    }
    const uint64_t r = next() % 20;
    if (r == 0) {
      REQUIRE((*durable)->Checkpoint().ok());
      CHECK((*durable)->CheckpointSeq() == (*durable)->Acknowledged());
      ++checkpoints;
    }
    if (r <= 1) {
      durable->reset();  // closes the file
      durable = Engine::Open(path, StreamEngineOptions(), state);
      REQUIRE(durable.ok());
      ++reopens;
      REQUIRE(Fingerprint(**durable) == Fingerprint(*memory));
    }
  }
  durable->reset();
  durable = Engine::Open(path, StreamEngineOptions(), state);
  REQUIRE(durable.ok());
  const std::string fingerprint = Fingerprint(*memory);
  CHECK(fingerprint.size() > 10000);
  CHECK(fingerprint.find("quiet") != std::string::npos);
  CHECK(Fingerprint(**durable) == fingerprint);
  CHECK((*durable)->GetPlaybook().SerializeAsString() == memory->GetPlaybook().SerializeAsString());
  CHECK(checkpoints + (state.checkpoint_every > 0 ? 1 : 0) >= 3);
  CHECK(reopens >= 5);
  // Both go on alike: the restored timers, cursors and logs are live state.
  const absl::Time later = memory->now() + absl::Hours(24 * 20);
  REQUIRE(memory->AdvanceTo(later).ok());
  REQUIRE((*durable)->AdvanceTo(later).ok());
  for (size_t i = 1; i < 40; ++i) {
    if (stream[i].kind == Input::Kind::kAdvance) continue;  // the clock is past them
    REQUIRE(Apply(*memory, stream[i]).ok());
    REQUIRE(Apply(**durable, stream[i]).ok());
  }
  CHECK(Fingerprint(**durable) == Fingerprint(*memory));
}

TEST_CASE("Reopening from checkpoints taken at random points gives the state of an uninterrupted run",
          "[state][checkpoint]") {
  StateOptions manual;
  manual.checkpoint_every = 0;
  SECTION("seed 21") { CheckpointRun(21, manual); }
  SECTION("seed 22") { CheckpointRun(22, manual); }
  SECTION("automatic checkpoints, batched") {
    StateOptions automatic;
    automatic.durability = Durability::kBatched;
    automatic.checkpoint_every = 17;
    CheckpointRun(23, automatic);
  }
}

TEST_CASE("A checkpoint replaces the journal entries it covers", "[state][checkpoint]") {
  const std::string path = TempStatePath("checkpoint_entries");
  const std::vector<Input> stream = GenerateStream(5, 60);
  StateOptions state;
  state.checkpoint_every = 0;
  {
    auto engine = Engine::Open(path, StreamEngineOptions(), state);
    REQUIRE(engine.ok());
    for (size_t i = 0; i < 40; ++i) REQUIRE(Apply(**engine, stream[i]).ok());
    CHECK((*engine)->CheckpointSeq() == 0);
    REQUIRE((*engine)->Checkpoint().ok());
    CHECK((*engine)->CheckpointSeq() == 40);
    for (size_t i = 40; i < 60; ++i) REQUIRE(Apply(**engine, stream[i]).ok());
  }
  CHECK(RawInt(path, "SELECT count(*) FROM journal") == 20);
  CHECK(RawInt(path, "SELECT min(seq) FROM journal") == 41);
  CHECK(RawInt(path, "SELECT count(*) FROM checkpoint") >= 1);
  auto engine = Engine::Open(path, StreamEngineOptions(), state);
  REQUIRE(engine.ok());
  CHECK((*engine)->Acknowledged() == 60);  // the count goes on across the checkpoint
  CHECK((*engine)->CheckpointSeq() == 40);
  CHECK(Fingerprint(**engine) == testing::InMemoryFingerprint(stream, 60));
  // An in-memory engine has nothing to checkpoint.
  auto memory = *Engine::Create();
  CHECK(memory->Checkpoint().ok());
  CHECK(memory->CheckpointSeq() == 0);
}

TEST_CASE("A damaged checkpoint is DataLoss naming it", "[state][checkpoint][bad-input]") {
  const std::string path = TempStatePath("checkpoint_damaged");
  const std::vector<Input> stream = GenerateStream(6, 50);
  {
    StateOptions state;
    state.checkpoint_every = 0;
    auto engine = Engine::Open(path, StreamEngineOptions(), state);
    REQUIRE(engine.ok());
    for (const Input& in : stream) REQUIRE(Apply(**engine, in).ok());
    REQUIRE((*engine)->Checkpoint().ok());
  }
  auto open_fails = [&](absl::string_view expected) {
    auto engine = Engine::Open(path, StreamEngineOptions());
    REQUIRE_FALSE(engine.ok());
    INFO(engine.status().ToString());
    CHECK(engine.status().code() == absl::StatusCode::kDataLoss);
    CHECK(Contains(engine.status(), path));
    CHECK(Contains(engine.status(), expected));
  };
  SECTION("bytes of a part overwritten") {
    RawSql(path, "UPDATE checkpoint SET bytes = CAST(zeroblob(5) AS BLOB) || substr(bytes, 6) WHERE part = 0");
    open_fails("checkpoint part 0 (through entry seq 51) fails its CRC check");
  }
  SECTION("a part missing") {
    RawSql(path, "DELETE FROM checkpoint");
    open_fails("the checkpoint has 0 parts");
  }
  SECTION("a part cut short, with a matching CRC") {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT bytes FROM checkpoint WHERE part = 0", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::string bytes(static_cast<const char*>(sqlite3_column_blob(st, 0)), sqlite3_column_bytes(st, 0) / 2);
    sqlite3_finalize(st);
    REQUIRE(sqlite3_prepare_v2(db, "UPDATE checkpoint SET bytes = ?1, crc = ?2 WHERE part = 0", -1, &st, nullptr) ==
            SQLITE_OK);
    sqlite3_bind_blob(st, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, Crc32(bytes.data(), bytes.size()));
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    // The byte count in meta too: only the content is wrong.
    REQUIRE(sqlite3_exec(db,
                         absl::StrCat("UPDATE meta SET value = '", bytes.size(), "' WHERE key = 'checkpoint_bytes'")
                             .c_str(),
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    open_fails("the checkpoint through entry seq 51 does not load");
  }
}

TEST_CASE("A state file of schema version 2 is migrated to version 3 on open", "[state][checkpoint]") {
  const std::string path = TempStatePath("v2");
  const std::vector<Input> stream = GenerateStream(8, 40);
  {
    auto engine = Engine::Open(path, StreamEngineOptions());
    REQUIRE(engine.ok());
    for (const Input& in : stream) REQUIRE(Apply(**engine, in).ok());
  }
  // As saleskit wrote it before checkpoints: no checkpoint table.
  RawSql(path, "DROP TABLE checkpoint; PRAGMA user_version=2;");
  {
    auto engine = Engine::Open(path, StreamEngineOptions());
    REQUIRE(engine.ok());
    CHECK((*engine)->Acknowledged() == stream.size());
    CHECK(Fingerprint(**engine) == testing::InMemoryFingerprint(stream, stream.size()));
    REQUIRE((*engine)->Checkpoint().ok());
  }
  CHECK(RawInt(path, "PRAGMA user_version") == 3);
  auto engine = Engine::Open(path, StreamEngineOptions());
  REQUIRE(engine.ok());
  CHECK(Fingerprint(**engine) == testing::InMemoryFingerprint(stream, stream.size()));
}

std::vector<std::string> TaskLines(const Engine& engine) {
  std::vector<std::string> out;
  for (const v1::Task& t : engine.Tasks()) {
    out.push_back(absl::StrCat(t.seq(), " ", t.id(), " ", t.customer_id(), " ", t.owner_id(), " ", t.title()));
  }
  return out;
}

TEST_CASE("A checkpoint of format 1 (tasks without seqs) opens, its tasks numbered in order", "[state][checkpoint]") {
  // Written by saleskit at commit fc0a06e (tests/state/data/README.md): a
  // format 1 checkpoint holding two tasks, and no journal entry after it.
  const std::string path = TempStatePath("format1");
  {
    std::ofstream copy(path, std::ios::binary);
    copy << FileBytes(SALESKIT_SOURCE_DIR "/tests/state/data/checkpoint_format1.db");
  }
  // What that saleskit listed (saleskit_tasks), seqs aside.
  const std::vector<std::string> written = {
      "1 0d66c47cae56776f6e7527f8118e05d1 c0000004 ana Book the requested demo",
      "2 9cd27d84640f2731b447a9539e6ea17f c0000038 ben Book the requested demo"};
  Batch<v1::Event> demo;  // the playbook's demo_requested rule makes a task of it
  demo.records.emplace_back().set_customer_id("c0000001");
  demo.records[0].set_type("demo_request");
  {
    auto engine = Engine::Open(path, EngineOptions());
    REQUIRE(engine.ok());
    CHECK(TaskLines(**engine) == written);
    CHECK((*engine)->LastTask() == 2);
    demo.records[0].mutable_occurred_at()->set_seconds(absl::ToUnixSeconds((*engine)->now()));
    REQUIRE((*engine)->IngestEvents(demo).ok());
    REQUIRE((*engine)->Tasks().size() == 3);
    CHECK((*engine)->Tasks()[2].seq() == 3);
    REQUIRE((*engine)->Checkpoint().ok());  // in format 2
  }
  std::vector<std::string> all;
  {
    auto engine = Engine::Open(path, EngineOptions());
    REQUIRE(engine.ok());
    all = TaskLines(**engine);
    CHECK(std::vector<std::string>(all.begin(), all.begin() + 2) == written);
    CHECK((*engine)->LastTask() == 3);
    (*engine)->TrimTasks(3);  // journaled after the checkpoint
  }
  {
    auto engine = Engine::Open(path, EngineOptions());
    REQUIRE(engine.ok());
    CHECK((*engine)->Tasks().empty());
    CHECK((*engine)->LastTask() == 3);
    REQUIRE((*engine)->Checkpoint().ok());
  }
  auto engine = Engine::Open(path, EngineOptions());
  REQUIRE(engine.ok());
  CHECK((*engine)->LastTask() == 3);  // from the checkpoint, with no task left to show it
  demo.records[0].set_customer_id("c0000002");
  REQUIRE((*engine)->IngestEvents(demo).ok());
  REQUIRE((*engine)->Tasks().size() == 1);
  CHECK((*engine)->Tasks()[0].seq() == 4);
}

// Feeds the secret customer's records, events and rule decisions, with
// other customers', to `engine`.
void FeedSecret(Engine& engine, const std::vector<Input>& stream) {
  for (size_t i = 0; i < 60; ++i) REQUIRE(Apply(engine, stream[i]).ok());
  Batch<v1::Customer> customers;
  v1::Customer& c = customers.records.emplace_back();
  c.set_id("c-secret-42");
  c.set_industry("SaaS");
  c.set_employee_count(120);
  c.set_title("VP Sales");
  c.set_email("secret42@example.com");
  REQUIRE(engine.UpsertCustomers(customers).ok());
  Batch<v1::Event> events;
  for (int i = 0; i < 6; ++i) {
    v1::Event& e = events.records.emplace_back();
    e.set_customer_id("c-secret-42");
    e.set_id(absl::StrCat("c-secret-42-event-", i));
    e.set_type(i % 2 == 0 ? "email_click" : "form_fill");
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(engine.now()) - 60 * (i + 1));
  }
  REQUIRE(engine.IngestEvents(events).ok());
  for (size_t i = 60; i < 120; ++i) REQUIRE(Apply(engine, stream[i]).ok());
}

// A second customer to erase with the first, after FeedSecret.
void AddSecond(Engine& engine) {
  Batch<v1::Customer> customers;
  v1::Customer& c = customers.records.emplace_back();
  c.set_id("c-secret-43");
  c.set_email("secret43@example.com");
  REQUIRE(engine.UpsertCustomers(customers).ok());
}

// A durable engine on a new file at `path` that checkpoints only when asked,
// fed FeedSecret's records and, with `second`, c-secret-43 too.
std::unique_ptr<Engine> OpenWithSecrets(const std::string& path, const std::vector<Input>& stream, bool second) {
  StateOptions state;
  state.checkpoint_every = 0;
  auto engine = Engine::Open(path, StreamEngineOptions(), state);
  REQUIRE(engine.ok());
  FeedSecret(**engine, stream);
  if (second) AddSecond(**engine);
  return *std::move(engine);
}

TEST_CASE("Erasing a customer from a durable engine leaves no byte of them in the state file",
          "[state][checkpoint][erase]") {
  const std::string path = TempStatePath("erase_durable");
  const std::vector<Input> stream = GenerateStream(9, 160);
  std::string before_close;
  {
    std::unique_ptr<Engine> engine = OpenWithSecrets(path, stream, false);
    REQUIRE(engine->Checkpoint().ok());  // an older checkpoint holding them too
    for (size_t i = 120; i < 130; ++i) REQUIRE(Apply(*engine, stream[i]).ok());
    REQUIRE_FALSE(engine->Audit(0, SIZE_MAX, "c-secret-42").empty());
    REQUIRE(engine->EraseCustomer("c-secret-42").ok());
    CHECK(engine->GetCustomer("c-secret-42").status().code() == absl::StatusCode::kNotFound);
    CHECK(engine->CheckpointSeq() == engine->Acknowledged());
    // Already while the engine runs: the WAL was truncated, and no page of the file holds them.
    for (const char* suffix : {"", "-wal"}) {
      const std::string bytes = FileBytes(path + suffix);
      INFO("open file " << path << suffix << ", " << bytes.size() << " bytes");
      CHECK(bytes.find("c-secret-42") == std::string::npos);
    }
    for (size_t i = 130; i < 160; ++i) REQUIRE(Apply(*engine, stream[i]).ok());
    before_close = Fingerprint(*engine);
  }
  for (const char* suffix : {"", "-wal"}) {
    const std::string bytes = FileBytes(path + suffix);
    INFO("file " << path << suffix << ", " << bytes.size() << " bytes");
    CHECK(bytes.find("c-secret-42") == std::string::npos);
    CHECK(bytes.find("secret42@example.com") == std::string::npos);
  }
  auto engine = Engine::Open(path, StreamEngineOptions());
  REQUIRE(engine.ok());
  CHECK((*engine)->GetCustomer("c-secret-42").status().code() == absl::StatusCode::kNotFound);
  const std::string reopened = Fingerprint(**engine);
  CHECK(reopened == before_close);
  // An in-memory run that erased the same customer at the same point.
  auto memory = *Engine::Create(StreamEngineOptions());
  FeedSecret(*memory, stream);
  for (size_t i = 120; i < 130; ++i) REQUIRE(Apply(*memory, stream[i]).ok());
  REQUIRE(memory->EraseCustomer("c-secret-42").ok());
  for (size_t i = 130; i < 160; ++i) REQUIRE(Apply(*memory, stream[i]).ok());
  CHECK(reopened == Fingerprint(*memory));
  CHECK(reopened.find("c-secret-42") == std::string::npos);
}

TEST_CASE("A reopen that replays an erasure whose checkpoint did not happen completes it",
          "[state][checkpoint][erase]") {
  const std::string path = TempStatePath("erase_interrupted");
  const std::vector<Input> stream = GenerateStream(10, 130);
  OpenWithSecrets(path, stream, false);  // closed at once
  {
    // What a process that died between journaling the erasure and its checkpoint left.
    auto journal = Journal::Open(path);
    REQUIRE(journal.ok());
    v1::JournalEntry erase;
    erase.set_customer_erased("c-secret-42");
    REQUIRE((*journal)->Append(erase).ok());
  }
  CHECK(FileBytes(path).find("c-secret-42") != std::string::npos);
  auto engine = Engine::Open(path, StreamEngineOptions());
  REQUIRE(engine.ok());
  CHECK((*engine)->GetCustomer("c-secret-42").status().code() == absl::StatusCode::kNotFound);
  CHECK((*engine)->CheckpointSeq() == (*engine)->Acknowledged());
  for (const char* suffix : {"", "-wal"}) {
    INFO("file " << path << suffix);
    CHECK(FileBytes(path + suffix).find("c-secret-42") == std::string::npos);
  }
}

void CheckNoSecrets(const std::string& path) {
  for (const char* suffix : {"", "-wal"}) {
    const std::string bytes = FileBytes(path + suffix);
    INFO("file " << path << suffix << ", " << bytes.size() << " bytes");
    for (const char* secret : {"c-secret-42", "secret42@example.com", "c-secret-43", "secret43@example.com"}) {
      CHECK(bytes.find(secret) == std::string::npos);
    }
  }
}

TEST_CASE("Erasing several customers at once is one journal entry and one checkpoint, all or none",
          "[state][checkpoint][erase]") {
  const std::string path = TempStatePath("erase_many");
  const std::vector<Input> stream = GenerateStream(11, 130);
  std::string before_close;
  {
    std::unique_ptr<Engine> engine = OpenWithSecrets(path, stream, true);
    REQUIRE(engine->Checkpoint().ok());  // an older checkpoint holding them too
    const uint64_t inputs = engine->Acknowledged();
    // Refused: nothing erased, nothing journaled.
    const absl::Status refused = engine->EraseCustomers({"c-secret-42", "nobody", "c-secret-43"});
    CHECK(refused.code() == absl::StatusCode::kNotFound);
    CHECK(engine->Acknowledged() == inputs);
    CHECK(engine->GetCustomer("c-secret-42").ok());
    REQUIRE(engine->EraseCustomers({"c-secret-42", "c-secret-43"}).ok());
    CHECK(engine->Acknowledged() == inputs + 1);  // one entry for both
    CHECK(engine->CheckpointSeq() == inputs + 1);
    CheckNoSecrets(path);  // already while the engine runs
    before_close = Fingerprint(*engine);
  }
  CheckNoSecrets(path);
  auto engine = Engine::Open(path, StreamEngineOptions());
  REQUIRE(engine.ok());
  CHECK(Fingerprint(**engine) == before_close);
  // The same as an in-memory run that erased them one by one.
  auto memory = *Engine::Create(StreamEngineOptions());
  FeedSecret(*memory, stream);
  AddSecond(*memory);
  REQUIRE(memory->EraseCustomer("c-secret-43").ok());
  REQUIRE(memory->EraseCustomer("c-secret-42").ok());
  CHECK(before_close == Fingerprint(*memory));
}

TEST_CASE("A reopen that replays a batch erasure whose checkpoint did not happen completes it",
          "[state][checkpoint][erase]") {
  const std::string path = TempStatePath("erase_many_interrupted");
  const std::vector<Input> stream = GenerateStream(12, 130);
  OpenWithSecrets(path, stream, true);  // closed at once
  {
    auto journal = Journal::Open(path);
    REQUIRE(journal.ok());
    v1::JournalEntry erase;
    erase.mutable_customers_erased()->add_ids("c-secret-43");
    erase.mutable_customers_erased()->add_ids("c-secret-42");
    REQUIRE((*journal)->Append(erase).ok());
  }
  CHECK(FileBytes(path).find("c-secret-43") != std::string::npos);
  auto engine = Engine::Open(path, StreamEngineOptions());
  REQUIRE(engine.ok());
  CHECK((*engine)->GetCustomer("c-secret-42").status().code() == absl::StatusCode::kNotFound);
  CHECK((*engine)->GetCustomer("c-secret-43").status().code() == absl::StatusCode::kNotFound);
  CHECK((*engine)->CheckpointSeq() == (*engine)->Acknowledged());
  CheckNoSecrets(path);
}

}  // namespace
}  // namespace saleskit
