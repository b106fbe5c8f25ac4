// The journal of a durable engine: its inputs, in order, in one SQLite file.
#ifndef SALESKIT_STATE_JOURNAL_H_
#define SALESKIT_STATE_JOURNAL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "saleskit/state/durability.h"
#include "saleskit/v1/state.pb.h"

struct sqlite3;

namespace saleskit {

struct JournalOptions {
  Durability durability = Durability::kSync;
  // kBatched: commit once this many entries are pending.
  size_t batch_records = 1000;
  // kBatched: commit on the Append that finds the oldest pending entry older
  // than this. Checked only when an entry is appended (there is no timer thread).
  absl::Duration batch_interval = absl::Milliseconds(100);
  // The clock batch_interval is measured with; the steady clock if empty.
  // It decides only when to commit, never what is journaled.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

// An append-only sequence of JournalEntry in one SQLite file (WAL mode,
// fsync on commit). Entries are numbered from 1 (seq) in append order; each
// is stored with a CRC-32 of its bytes.
//
// The file is locked for the Journal's lifetime: a second Open of the same
// file, from this process or another, fails. Not thread-safe: the Engine
// calls it under its writer lock.
//
// A checkpoint (the engine's state through some seq, in parts with a CRC
// each) replaces the entries it covers in one transaction; the file keeps
// at most one. Deleted content is overwritten (secure_delete).
//
// File format (docs/state.md): application_id kApplicationId, user_version
// kSchemaVersion. Version 1 lacked the crc column and the meta table,
// version 2 the checkpoint table; Open migrates both.
class Journal {
 public:
  static constexpr int32_t kApplicationId = 0x534b5354;  // "SKST"
  static constexpr int kSchemaVersion = 3;

  // Creates `path` or opens it. FailedPrecondition if another Journal (any
  // process) holds it, or it was written by a newer saleskit (both versions
  // named); DataLoss if it is not a saleskit state file or is damaged where
  // the open reads it. An older schema is migrated in one transaction.
  static absl::StatusOr<std::unique_ptr<Journal>> Open(const std::string& path, JournalOptions options = {});
  // Commits pending entries (errors are lost: call Commit first to see them), closes and unlocks.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends one entry (seq = appended() + 1). In kSync mode it is committed
  // on return; in kBatched mode it may still be pending. An error means the
  // entry is not durable and the journal should not be written again.
  absl::Status Append(const v1::JournalEntry& entry);
  // Commits every pending entry. OK with nothing pending.
  absl::Status Commit();

  // Calls `visit(seq, entry)` for every committed entry with seq > `after`,
  // in seq order, stopping at the first non-OK status it returns (returned).
  // DataLoss naming the file and the seq for an entry that cannot be read
  // (SQLite corruption, CRC mismatch, undecodable bytes, a gap in seq).
  absl::Status ForEach(const std::function<absl::Status(uint64_t seq, const v1::JournalEntry& entry)>& visit,
                       uint64_t after = 0) const;

  // The value stored under `key` in the file's meta table, or nullopt.
  absl::StatusOr<std::optional<std::string>> Meta(const std::string& key) const;
  // Stores `value` under `key`; committed with the next commit (at once in kSync mode).
  absl::Status SetMeta(const std::string& key, const std::string& value);

  // Commits the pending entries, then in one transaction replaces the
  // checkpoint with the parts `produce` hands to `put` (in order; the state
  // through entry `appended()`) and deletes every entry it covers. On an
  // error nothing changed (the previous checkpoint and the entries stay).
  using PartSink = std::function<absl::Status(absl::string_view part)>;
  absl::Status WriteCheckpoint(const std::function<absl::Status(const PartSink& put)>& produce);
  // The seq the checkpoint covers through; 0 when there is none.
  uint64_t checkpoint_seq() const { return checkpoint_seq_; }
  // The checkpoint's bytes (its parts joined). DataLoss naming the file and
  // the part for a part that is missing, fails its CRC or is unreadable.
  absl::StatusOr<std::string> ReadCheckpoint() const;
  // Moves the WAL's content into the main file and truncates the WAL, so
  // that no old page version survives there (erasure).
  absl::Status TruncateWal();

  // Entries committed (durable).
  uint64_t committed() const { return committed_; }
  // Entries appended, committed or pending.
  uint64_t appended() const { return appended_; }
  const std::string& path() const { return path_; }

 private:
  Journal(std::string path, JournalOptions options);
  absl::Status Init();
  absl::Status Migrate(int from_version);
  absl::Status Exec(const char* sql);
  absl::Status Error(const char* what, int rc) const;
  std::chrono::steady_clock::time_point Now() const;

  std::string path_;
  JournalOptions options_;
  sqlite3* db_ = nullptr;
  int lock_fd_ = -1;
  struct Statements;
  std::unique_ptr<Statements> stmts_;
  uint64_t committed_ = 0;
  uint64_t appended_ = 0;
  uint64_t checkpoint_seq_ = 0;
  bool in_transaction_ = false;
  std::chrono::steady_clock::time_point oldest_pending_;
};

// CRC-32 (IEEE 802.3, as zlib's crc32) of `size` bytes.
uint32_t Crc32(const void* data, size_t size);

}  // namespace saleskit

#endif  // SALESKIT_STATE_JOURNAL_H_
