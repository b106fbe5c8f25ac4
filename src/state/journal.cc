#include "saleskit/state/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "saleskit/status_macros.h"

namespace saleskit {
namespace {

// Slicing-by-8 tables: t[0] is the bytewise CRC table; t[k][b] is the CRC
// of byte b followed by k zero bytes, so eight bytes fold in one step.
using CrcTables = std::array<std::array<uint32_t, 256>, 8>;
CrcTables MakeCrcTables() {
  CrcTables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (size_t k = 1; k < t.size(); ++k) t[k][i] = t[0][t[k - 1][i] & 0xff] ^ (t[k - 1][i] >> 8);
  }
  return t;
}

// Deterministic bytes (map fields in key order): the same entry is the same row.
std::string Serialize(const v1::JournalEntry& entry) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    entry.SerializeToCodedStream(&coded);
  }
  return bytes;
}

constexpr char kCheckpointSeqKey[] = "checkpoint_seq";
constexpr char kCheckpointPartsKey[] = "checkpoint_parts";
constexpr char kCheckpointBytesKey[] = "checkpoint_bytes";

// Primary result codes that mean the file's bytes are not what SQLite wrote.
bool IsDamage(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

}  // namespace

uint32_t Crc32(const void* data, size_t size) {
  static const CrcTables t = MakeCrcTables();
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = 0xFFFFFFFFu;
  for (; size >= 8; size -= 8, p += 8) {
    // The bytes are combined one by one (not loaded as a word), so the
    // result does not depend on the machine's byte order.
    const uint32_t lo = c ^ (uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
    c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^ t[3][p[4]] ^
        t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
  }
  for (; size > 0; --size, ++p) c = t[0][(c ^ *p) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

struct Journal::Statements {
  sqlite3_stmt* insert = nullptr;
  ~Statements() { sqlite3_finalize(insert); }
};

Journal::Journal(std::string path, JournalOptions options) : path_(std::move(path)), options_(std::move(options)) {}

std::chrono::steady_clock::time_point Journal::Now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

absl::Status Journal::Error(const char* what, int rc) const {
  const std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if (IsDamage(rc)) {
    return absl::DataLossError(absl::StrCat("state file ", path_, " is damaged (", what, "): ", detail));
  }
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return absl::FailedPreconditionError(absl::StrCat("state file ", path_, " is locked by another process"));
  }
  if ((rc & 0xff) == SQLITE_FULL) {
    return absl::ResourceExhaustedError(absl::StrCat("state file ", path_, ": ", what, ": ", detail));
  }
  return absl::InternalError(absl::StrCat("state file ", path_, ": ", what, ": ", detail, " (sqlite code ", rc, ")"));
}

absl::Status Journal::Exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(sql, rc);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(const std::string& path, JournalOptions options) {
  if (options.durability == Durability::kBatched && options.batch_records == 0) {
    return absl::InvalidArgumentError("batch_records must be at least 1");
  }
  std::unique_ptr<Journal> journal(new Journal(path, std::move(options)));
  SALESKIT_RETURN_IF_ERROR(journal->Init());
  return journal;
}

absl::Status Journal::Init() {
  // An advisory lock of our own, taken before SQLite reads anything: one
  // clear answer for another process and for another Journal in this one
  // (flock locks belong to the open file, not the process).
  lock_fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    return absl::UnavailableError(absl::StrCat("cannot open state file ", path_, ": ", std::strerror(errno)));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat("state file ", path_, " is locked by another process (or another engine in this one)"));
    }
    return absl::UnavailableError(absl::StrCat("cannot lock state file ", path_, ": ", std::strerror(err)));
  }
  int rc = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) return Error("open", rc);
  sqlite3_extended_result_codes(db_, 1);
  // Exclusive locking: SQLite's own lock is held too, and WAL needs no shared memory file.
  SALESKIT_RETURN_IF_ERROR(Exec("PRAGMA locking_mode=EXCLUSIVE"));
  // Deleted rows (entries a checkpoint covers, an erased customer's) are
  // overwritten with zeros, not left in free pages.
  SALESKIT_RETURN_IF_ERROR(Exec("PRAGMA secure_delete=ON"));

  int64_t application_id = 0, version = 0, tables = 0;
  {
    sqlite3_stmt* st = nullptr;
    rc = sqlite3_prepare_v2(db_,
                            "SELECT (SELECT application_id FROM pragma_application_id),"
                            " (SELECT user_version FROM pragma_user_version),"
                            " (SELECT count(*) FROM sqlite_master)",
                            -1, &st, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) {
        application_id = sqlite3_column_int64(st, 0);
        version = sqlite3_column_int64(st, 1);
        tables = sqlite3_column_int64(st, 2);
        rc = SQLITE_OK;
      }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
      if (IsDamage(rc)) {
        return absl::DataLossError(absl::StrCat("state file ", path_, " is not a saleskit state file or is damaged: ",
                                                sqlite3_errmsg(db_)));
      }
      return Error("reading the header", rc);
    }
  }
  const bool fresh = application_id == 0 && version == 0 && tables == 0;
  if (!fresh && application_id != kApplicationId) {
    return absl::DataLossError(absl::StrFormat(
        "state file %s is not a saleskit state file (SQLite application_id 0x%08x, expected 0x%08x)", path_,
        static_cast<uint32_t>(application_id), static_cast<uint32_t>(kApplicationId)));
  }
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "state file %s has schema version %d, written by a newer saleskit; this saleskit reads versions 1 to %d",
        path_, version, kSchemaVersion));
  }
  if (!fresh && version < 1) {
    return absl::DataLossError(absl::StrFormat("state file %s has no schema version (user_version %d)", path_, version));
  }
  // Every commit is fsynced: an acknowledged entry survives a power cut, not only a crash.
  SALESKIT_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
  SALESKIT_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
  if (fresh) {
    SALESKIT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    absl::Status st = Exec(
        "CREATE TABLE journal(seq INTEGER PRIMARY KEY, entry BLOB NOT NULL, crc INTEGER NOT NULL);"
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
        "CREATE TABLE checkpoint(part INTEGER PRIMARY KEY, bytes BLOB NOT NULL, crc INTEGER NOT NULL);"
        "PRAGMA application_id=1397445460;"  // kApplicationId
        "PRAGMA user_version=3;");
    if (!st.ok()) {
      (void)Exec("ROLLBACK");
      return st;
    }
    SALESKIT_RETURN_IF_ERROR(Exec("COMMIT"));
  } else if (version < kSchemaVersion) {
    SALESKIT_RETURN_IF_ERROR(Migrate(static_cast<int>(version)));
  }

  stmts_ = std::make_unique<Statements>();
  rc = sqlite3_prepare_v3(db_, "INSERT INTO journal(seq, entry, crc) VALUES(?1, ?2, ?3)", -1,
                          SQLITE_PREPARE_PERSISTENT, &stmts_->insert, nullptr);
  if (rc != SQLITE_OK) return Error("preparing the journal insert", rc);
  {
    sqlite3_stmt* st = nullptr;
    rc = sqlite3_prepare_v2(db_, "SELECT coalesce(max(seq), 0) FROM journal", -1, &st, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) {
        committed_ = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
        rc = SQLITE_OK;
      }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) return Error("reading the journal", rc);
  }
  SALESKIT_ASSIGN_OR_RETURN(std::optional<std::string> checkpoint, Meta(kCheckpointSeqKey));
  if (checkpoint) {
    if (!absl::SimpleAtoi(*checkpoint, &checkpoint_seq_)) {
      return absl::DataLossError(absl::StrCat("state file ", path_, " is damaged: its checkpoint seq \"", *checkpoint,
                                              "\" is not a number"));
    }
    // The entries the checkpoint covers are gone: the count goes on from it.
    committed_ = std::max(committed_, checkpoint_seq_);
  }
  appended_ = committed_;
  return absl::OkStatus();
}

absl::Status Journal::Migrate(int from_version) {
  // Every step in one transaction: a crash leaves the file at its old version.
  SALESKIT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](absl::Status st) {
    (void)Exec("ROLLBACK");
    return absl::Status(st.code(), absl::StrCat("migrating state file ", path_, " from schema version ", from_version,
                                                " to ", kSchemaVersion, ": ", st.message()));
  };
  if (from_version < 2) {
    // Version 1 -> 2: a CRC-32 per entry and a meta table.
    absl::Status st = Exec(
        "ALTER TABLE journal ADD COLUMN crc INTEGER NOT NULL DEFAULT 0;"
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);");
    if (!st.ok()) return fail(st);
    sqlite3_stmt* select = nullptr;
    sqlite3_stmt* update = nullptr;
    int rc = sqlite3_prepare_v2(db_, "SELECT seq, entry FROM journal ORDER BY seq", -1, &select, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_prepare_v2(db_, "UPDATE journal SET crc = ?1 WHERE seq = ?2", -1, &update, nullptr);
    }
    while (rc == SQLITE_OK && (rc = sqlite3_step(select)) == SQLITE_ROW) {
      const void* blob = sqlite3_column_blob(select, 1);
      const int size = sqlite3_column_bytes(select, 1);
      sqlite3_bind_int64(update, 1, Crc32(blob, static_cast<size_t>(size)));
      sqlite3_bind_int64(update, 2, sqlite3_column_int64(select, 0));
      rc = sqlite3_step(update);
      sqlite3_reset(update);
      if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
    const absl::Status step = rc == SQLITE_OK ? absl::OkStatus() : Error("computing entry CRCs", rc);
    sqlite3_finalize(select);
    sqlite3_finalize(update);
    if (!step.ok()) return fail(step);
  }
  // Version 2 -> 3: the checkpoint table.
  absl::Status st =
      Exec("CREATE TABLE checkpoint(part INTEGER PRIMARY KEY, bytes BLOB NOT NULL, crc INTEGER NOT NULL);"
           "PRAGMA user_version=3");
  if (!st.ok()) return fail(st);
  return Exec("COMMIT");
}

Journal::~Journal() {
  if (db_ != nullptr) {
    (void)Commit();
    stmts_.reset();
    sqlite3_close_v2(db_);
  }
  // After SQLite has closed the file: closing another descriptor of it
  // earlier would drop SQLite's POSIX locks.
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

absl::Status Journal::Append(const v1::JournalEntry& entry) {
  const std::string bytes = Serialize(entry);
  const bool batched = options_.durability == Durability::kBatched;
  if (batched && !in_transaction_) {
    SALESKIT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    in_transaction_ = true;
    oldest_pending_ = Now();
  }
  sqlite3_stmt* insert = stmts_->insert;
  sqlite3_bind_int64(insert, 1, static_cast<int64_t>(appended_ + 1));
  sqlite3_bind_blob(insert, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  sqlite3_bind_int64(insert, 3, Crc32(bytes.data(), bytes.size()));
  const int rc = sqlite3_step(insert);
  sqlite3_reset(insert);
  sqlite3_clear_bindings(insert);
  if (rc != SQLITE_DONE) {
    absl::Status st = Error("appending an entry", rc);
    if (in_transaction_) {
      (void)Exec("ROLLBACK");  // the pending entries are lost with it: the caller stops writing
      in_transaction_ = false;
      appended_ = committed_;
    }
    return st;
  }
  ++appended_;
  if (!batched) {
    committed_ = appended_;  // autocommit: durable on return
    return absl::OkStatus();
  }
  if (appended_ - committed_ >= options_.batch_records ||
      Now() - oldest_pending_ >= absl::ToChronoNanoseconds(options_.batch_interval)) {
    return Commit();
  }
  return absl::OkStatus();
}

absl::Status Journal::Commit() {
  if (!in_transaction_) return absl::OkStatus();
  const int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status st = Error("committing", rc);
    if (!sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK");
    in_transaction_ = false;
    appended_ = committed_;
    return st;
  }
  in_transaction_ = false;
  committed_ = appended_;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> Journal::Meta(const std::string& key) const {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key = ?1", -1, &st, nullptr);
  std::optional<std::string> value;
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      value.emplace(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                    static_cast<size_t>(sqlite3_column_bytes(st, 0)));
      rc = SQLITE_DONE;
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Error("reading the meta table", rc);
  return value;
}

absl::Status Journal::SetMeta(const std::string& key, const std::string& value) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1, &st, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    rc = sqlite3_step(st);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Error("writing the meta table", rc);
  return absl::OkStatus();
}

absl::Status Journal::ForEach(const std::function<absl::Status(uint64_t, const v1::JournalEntry&)>& visit,
                              uint64_t after) const {
  sqlite3_stmt* select = nullptr;
  int rc = sqlite3_prepare_v2(db_, "SELECT seq, entry, crc FROM journal WHERE seq > ?1 ORDER BY seq", -1, &select,
                              nullptr);
  if (rc != SQLITE_OK) {
    return absl::DataLossError(
        absl::StrCat("state file ", path_, " is damaged: cannot read the journal: ", sqlite3_errmsg(db_)));
  }
  sqlite3_bind_int64(select, 1, static_cast<int64_t>(after));
  uint64_t expected = after + 1;
  v1::JournalEntry entry;
  absl::Status result;
  while ((rc = sqlite3_step(select)) == SQLITE_ROW) {
    const uint64_t seq = static_cast<uint64_t>(sqlite3_column_int64(select, 0));
    if (seq != expected) {
      result = absl::DataLossError(absl::StrCat("state file ", path_, " is damaged: entry seq ", expected,
                                                " is missing (the next entry is seq ", seq, ")"));
      break;
    }
    const void* blob = sqlite3_column_blob(select, 1);
    const int size = sqlite3_column_bytes(select, 1);
    const uint32_t crc = static_cast<uint32_t>(sqlite3_column_int64(select, 2));
    if (Crc32(blob, static_cast<size_t>(size)) != crc) {
      result = absl::DataLossError(
          absl::StrCat("state file ", path_, " is damaged: entry seq ", seq, " fails its CRC check"));
      break;
    }
    entry.Clear();
    if (!entry.ParseFromArray(blob, size)) {
      result = absl::DataLossError(
          absl::StrCat("state file ", path_, " is damaged: entry seq ", seq, " cannot be decoded"));
      break;
    }
    result = visit(seq, entry);
    if (!result.ok()) break;
    ++expected;
  }
  if (result.ok() && rc != SQLITE_DONE) {
    result = absl::DataLossError(absl::StrCat("state file ", path_, " is damaged at entry seq ", expected, ": ",
                                              sqlite3_errmsg(db_)));
  }
  sqlite3_finalize(select);
  if (result.ok() && expected - 1 < appended_) {
    // max(seq) said more: the rows in between are unreadable.
    result = absl::DataLossError(absl::StrCat("state file ", path_, " is damaged: entries ", expected, " to ",
                                              appended_, " cannot be read"));
  }
  return result;
}

absl::Status Journal::WriteCheckpoint(const std::function<absl::Status(const PartSink& put)>& produce) {
  SALESKIT_RETURN_IF_ERROR(Commit());
  SALESKIT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  sqlite3_stmt* insert = nullptr;
  uint64_t parts = 0, bytes = 0;
  absl::Status st = Exec("DELETE FROM checkpoint");
  if (st.ok()) {
    const int rc = sqlite3_prepare_v2(db_, "INSERT INTO checkpoint(part, bytes, crc) VALUES(?1, ?2, ?3)", -1, &insert,
                                      nullptr);
    if (rc != SQLITE_OK) st = Error("preparing the checkpoint insert", rc);
  }
  if (st.ok()) {
    st = produce([&](absl::string_view part) -> absl::Status {
      sqlite3_bind_int64(insert, 1, static_cast<int64_t>(parts));
      sqlite3_bind_blob(insert, 2, part.data(), static_cast<int>(part.size()), SQLITE_STATIC);
      sqlite3_bind_int64(insert, 3, Crc32(part.data(), part.size()));
      const int rc = sqlite3_step(insert);
      sqlite3_reset(insert);
      sqlite3_clear_bindings(insert);
      if (rc != SQLITE_DONE) return Error("writing a checkpoint part", rc);
      ++parts;
      bytes += part.size();
      return absl::OkStatus();
    });
  }
  sqlite3_finalize(insert);
  if (st.ok()) st = SetMeta(kCheckpointSeqKey, absl::StrCat(appended_));
  if (st.ok()) st = SetMeta(kCheckpointPartsKey, absl::StrCat(parts));
  if (st.ok()) st = SetMeta(kCheckpointBytesKey, absl::StrCat(bytes));
  if (st.ok()) {
    sqlite3_stmt* del = nullptr;
    int rc = sqlite3_prepare_v2(db_, "DELETE FROM journal WHERE seq <= ?1", -1, &del, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_bind_int64(del, 1, static_cast<int64_t>(appended_));
      rc = sqlite3_step(del);
    }
    sqlite3_finalize(del);
    if (rc != SQLITE_DONE) st = Error("deleting the entries the checkpoint covers", rc);
  }
  if (st.ok()) st = Exec("COMMIT");
  if (!st.ok()) {
    if (!sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK");
    return st;
  }
  checkpoint_seq_ = appended_;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Journal::ReadCheckpoint() const {
  auto number = [&](const char* key) -> absl::StatusOr<uint64_t> {
    SALESKIT_ASSIGN_OR_RETURN(std::optional<std::string> v, Meta(key));
    uint64_t n = 0;
    if (!v || !absl::SimpleAtoi(*v, &n)) {
      return absl::DataLossError(absl::StrCat("state file ", path_, " is damaged: the checkpoint's ", key,
                                              " is missing or not a number"));
    }
    return n;
  };
  SALESKIT_ASSIGN_OR_RETURN(const uint64_t parts, number(kCheckpointPartsKey));
  SALESKIT_ASSIGN_OR_RETURN(const uint64_t bytes, number(kCheckpointBytesKey));
  std::string out;
  out.reserve(bytes);
  sqlite3_stmt* select = nullptr;
  int rc = sqlite3_prepare_v2(db_, "SELECT part, bytes, crc FROM checkpoint ORDER BY part", -1, &select, nullptr);
  uint64_t expected = 0;
  absl::Status result;
  while (rc == SQLITE_OK && (rc = sqlite3_step(select)) == SQLITE_ROW) {
    const uint64_t part = static_cast<uint64_t>(sqlite3_column_int64(select, 0));
    if (part != expected) {
      result = absl::DataLossError(
          absl::StrCat("state file ", path_, " is damaged: checkpoint part ", expected, " is missing"));
      break;
    }
    const void* blob = sqlite3_column_blob(select, 1);
    const int size = sqlite3_column_bytes(select, 1);
    if (Crc32(blob, static_cast<size_t>(size)) != static_cast<uint32_t>(sqlite3_column_int64(select, 2))) {
      result = absl::DataLossError(absl::StrCat("state file ", path_, " is damaged: checkpoint part ", part,
                                                " (through entry seq ", checkpoint_seq_, ") fails its CRC check"));
      break;
    }
    out.append(static_cast<const char*>(blob), static_cast<size_t>(size));
    ++expected;
    rc = SQLITE_OK;
  }
  if (result.ok() && rc != SQLITE_DONE) {
    result = absl::DataLossError(absl::StrCat("state file ", path_, " is damaged at checkpoint part ", expected, ": ",
                                              sqlite3_errmsg(db_)));
  }
  sqlite3_finalize(select);
  SALESKIT_RETURN_IF_ERROR(result);
  if (expected != parts || out.size() != bytes) {
    return absl::DataLossError(absl::StrCat("state file ", path_, " is damaged: the checkpoint has ", expected,
                                            " parts and ", out.size(), " bytes; ", parts, " parts and ", bytes,
                                            " bytes were written"));
  }
  return out;
}

absl::Status Journal::TruncateWal() {
  SALESKIT_RETURN_IF_ERROR(Commit());
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error("truncating the WAL", rc);
  return absl::OkStatus();
}

}  // namespace saleskit
