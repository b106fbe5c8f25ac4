// Reading record batches from protobuf, JSON, NDJSON and CSV, and writing them back.
#ifndef SALESKIT_IO_READERS_H_
#define SALESKIT_IO_READERS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "saleskit/batch.h"
#include "saleskit/store/customer_store.h"
#include "saleskit/v1/records.pb.h"

namespace saleskit {

enum class Format {
  kProtobuf,  // a stream of messages, each preceded by its size as a varint
  kJson,      // an array of objects (or one object), protobuf JSON mapping
  kNdjson,    // one object per line, protobuf JSON mapping
  kCsv,       // a header row of field names, then one record per row
};

// "protobuf" (or "pb", "binpb"), "json", "ndjson" (or "jsonl"), "csv" (or "tsv").
absl::StatusOr<Format> ParseFormat(absl::string_view name);
absl::string_view FormatName(Format format);
// The format a file name's extension implies (.pb .binpb .json .ndjson .jsonl .csv .tsv).
absl::StatusOr<Format> FormatFromPath(absl::string_view path);

// A lifecycle stage as CSV, CEL and saleskit's outputs name it:
// "marketing_qualified"; "" for LIFECYCLE_STAGE_UNSPECIFIED.
std::string LifecycleStageName(v1::LifecycleStage stage);
// Reads "marketing_qualified" or "LIFECYCLE_STAGE_MARKETING_QUALIFIED" (any
// case). nullopt for anything else, and for the unspecified stage.
std::optional<v1::LifecycleStage> ParseLifecycleStage(absl::string_view name);

struct ReadOptions {
  // Unknown fields (JSON, protobuf) and columns (CSV) are errors unless set.
  bool ignore_unknown_fields = false;
  // CSV only: types of `attrs.NAME` columns; others are inferred from the
  // whole column (true/false, int64, double, ISO 8601 timestamp, else string).
  absl::flat_hash_map<std::string, AttrType> attr_types;
};

// Records that parsed, and errors for those that did not. Errors that stop
// reading altogether (an unclosed quote, truncated protobuf, unbalanced JSON)
// are returned as the status instead.
template <typename Record>
struct ReadResult {
  Batch<Record> batch;
  std::vector<RecordError> errors;
};

// Parses `data` as records of type v1::Customer, v1::Event, v1::Account or v1::Deal.
//
// CSV columns are the record's field names. Customers also take `tags` and
// `clear_fields` ('|'-separated), `consent.CHANNEL` (opted_in/opted_out),
// `consent.CHANNEL.source`, `consent.CHANNEL.at` and `attrs.NAME`; events take
// `properties.NAME`. Enum values are written in lowercase without their
// prefix ("marketing_qualified", "won"). An empty cell is an absent field.
template <typename Record>
absl::StatusOr<ReadResult<Record>> ReadRecords(absl::string_view data, Format format,
                                               const ReadOptions& options = {});

// The same records as a RecordSource, parsed as they are read without
// holding them all in memory. `data` must outlive the source. Errors in the header (CSV) or the
// structure (JSON) are returned here.
template <typename Record>
absl::StatusOr<std::unique_ptr<RecordSource<Record>>> OpenSource(absl::string_view data, Format format,
                                                                  const ReadOptions& options = {});

#define SALESKIT_DECLARE_READERS(Record)                                                                          \
  extern template absl::StatusOr<ReadResult<Record>> ReadRecords(absl::string_view, Format, const ReadOptions&); \
  extern template absl::StatusOr<std::unique_ptr<RecordSource<Record>>> OpenSource(absl::string_view, Format,    \
                                                                                   const ReadOptions&);
SALESKIT_DECLARE_READERS(v1::Customer)
SALESKIT_DECLARE_READERS(v1::Event)
SALESKIT_DECLARE_READERS(v1::Account)
SALESKIT_DECLARE_READERS(v1::Deal)
#undef SALESKIT_DECLARE_READERS

// Parses a CSV schema: a JSON object {"attrs": {"NAME": "TYPE", ...}} with
// TYPE one of bool, int64, double, string, timestamp, string_list.
absl::StatusOr<absl::flat_hash_map<std::string, AttrType>> ParseCsvSchema(absl::string_view json);

// A record as JSON (protobuf JSON mapping, snake_case field names). The same
// record always gives the same bytes (map entries in key order).
std::string ToJson(const google::protobuf::Message& record);

// A record in the protobuf wire format, deterministically (map entries in key order).
std::string SerializeDeterministic(const google::protobuf::Message& record);

// Appends `record` to a length-delimited protobuf stream.
void AppendDelimited(const google::protobuf::Message& record, std::string* out);

}  // namespace saleskit

#endif  // SALESKIT_IO_READERS_H_
