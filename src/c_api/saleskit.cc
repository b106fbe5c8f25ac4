// The C API: a thin shell over saleskit::Engine (and the engine-free cohort and RFM functions) that catches everything.
#include "saleskit/saleskit.h"

#include <atomic>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "internal/automation_json.h"
#include "internal/history_input.h"
#include "internal/json.h"
#include "saleskit/cel/json.h"
#include "saleskit/engine.h"
#include "saleskit/io/readers.h"
#include "saleskit/score/history.h"
#include "saleskit/score/live_model.h"
#include "saleskit/score/predictive.h"
#include "saleskit/score/table.h"
#include "saleskit/segment/cohort.h"
#include "saleskit/segment/kmeans.h"
#include "saleskit/segment/rfm.h"
#include "saleskit/status_macros.h"

struct saleskit_engine {
  std::unique_ptr<saleskit::Engine> engine;
  // Never reused, unlike addresses: tells an expression's engine apart from
  // a later one opened at the same address.
  uint64_t serial;
  // The models bound by saleskit_model_bind, by model serial: each is bound
  // (its features compiled, their windows kept) once per engine.
  absl::Mutex bound_mu;
  absl::flat_hash_map<uint64_t, std::shared_ptr<const saleskit::LiveModel>> bound ABSL_GUARDED_BY(bound_mu);
};

struct saleskit_expression {
  std::shared_ptr<const saleskit::Expression> expression;
  uint64_t engine_serial;  // the engine that compiled it keeps its windows
};

namespace {

thread_local std::string last_error;
std::atomic<uint64_t> next_engine_serial{1};

saleskit_status Fail(saleskit_status code, std::string message) {
  last_error = std::move(message);
  return code;
}

saleskit_status FromStatus(const absl::Status& s) {
  if (s.ok()) {
    last_error.clear();
    return SALESKIT_OK;
  }
  return Fail(static_cast<saleskit_status>(s.code()), std::string(s.message()));
}

// Runs `body` with every exception turned into a status.
template <typename Body>
saleskit_status Guard(Body body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(SALESKIT_RESOURCE_EXHAUSTED, "out of memory");
  } catch (const std::exception& e) {
    return Fail(SALESKIT_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return Fail(SALESKIT_INTERNAL, "internal error: unknown exception");
  }
}

#define SALESKIT_REQUIRE(ptr, what)                                               \
  if ((ptr) == nullptr) {                                                         \
    return Fail(SALESKIT_INVALID_ARGUMENT, std::string(what) + " must not be NULL"); \
  }

// Copies the C array `ids[0..count)`: InvalidArgument naming a NULL array
// (with count > 0) or a NULL id.
absl::Status CopyIds(const char* const* ids, size_t count, std::vector<std::string>* out) {
  if (count > 0 && ids == nullptr) return absl::InvalidArgumentError("ids must not be NULL");
  out->reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] == nullptr) return absl::InvalidArgumentError(absl::StrCat("ids[", i, "] must not be NULL"));
    out->emplace_back(ids[i]);
  }
  return absl::OkStatus();
}

absl::StatusOr<saleskit::Format> ToFormat(saleskit_format f) {
  switch (f) {
    case SALESKIT_FORMAT_PROTOBUF: return saleskit::Format::kProtobuf;
    case SALESKIT_FORMAT_JSON: return saleskit::Format::kJson;
    case SALESKIT_FORMAT_NDJSON: return saleskit::Format::kNdjson;
    case SALESKIT_FORMAT_CSV: return saleskit::Format::kCsv;
    default: break;
  }
  return absl::InvalidArgumentError("unknown saleskit_format value " + std::to_string(static_cast<int>(f)));
}

char* CopyOut(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

// A C API limit: 0 is none.
size_t Limit(uint64_t limit) { return limit == 0 ? SIZE_MAX : static_cast<size_t>(limit); }

// For a log read from a seq on (segment changes, score crossings, tasks):
// clears the out-parameters, then `body(limit, &last)` returns the JSON text
// of at most `limit` records and sets the log's newest seq.
template <typename Body>
saleskit_status ReturnLog(saleskit_engine* engine, uint64_t limit, char** json, size_t* json_size,
                          uint64_t* last_seq, Body body) {
  return Guard([&] {
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    SALESKIT_REQUIRE(engine, "engine");
    uint64_t last = 0;
    const std::string text = body(Limit(limit), &last);
    if (last_seq != nullptr) *last_seq = last;
    *json = CopyOut(text);
    if (json_size != nullptr) *json_size = text.size();
    return FromStatus(absl::OkStatus());
  });
}

// ["c1","c2"]
std::string IdsJson(const std::vector<std::string>& ids) {
  std::string text = "[";
  for (const std::string& id : ids) {
    if (text.size() > 1) text += ",";
    saleskit::internal::AppendJsonString(id, &text);
  }
  return text + "]";
}

std::string RejectedJson(const std::vector<saleskit::RecordError>& errors) {
  std::string out = "[";
  for (const auto& e : errors) {
    if (out.size() > 1) out += ",";
    absl::StrAppend(&out, "{\"index\":", e.index, ",\"line\":", e.line, ",\"binary\":", e.binary ? "true" : "false",
                    ",\"field\":");
    saleskit::internal::AppendJsonString(e.field, &out);
    out += ",\"message\":";
    saleskit::internal::AppendJsonString(e.message, &out);
    out += "}";
  }
  return out + "]";
}

saleskit_status Load(saleskit_engine* engine, saleskit::RecordKind kind, saleskit_format format, const void* data,
                     size_t size, const saleskit_load_options* options, saleskit_load_report* report) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    if (data == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "data must not be NULL");
    if (options != nullptr && options->size < sizeof(saleskit_load_options)) {
      return Fail(SALESKIT_INVALID_ARGUMENT, "options->size is too small: call saleskit_load_options_init");
    }
    // A report from an older header is shorter: fill only the fields it has.
    if (report != nullptr && report->size < offsetof(saleskit_load_report, rejected_json)) {
      return Fail(SALESKIT_INVALID_ARGUMENT, "report->size is too small: call saleskit_load_report_init");
    }
    auto fmt = ToFormat(format);
    if (!fmt.ok()) return FromStatus(fmt.status());
    saleskit::LoadOptions load;
    saleskit::ReadOptions read;
    if (options != nullptr) {
      switch (options->on_invalid) {
        case SALESKIT_REJECT_BATCH: load.on_invalid = saleskit::OnInvalid::kRejectBatch; break;
        case SALESKIT_SKIP_RECORD: load.on_invalid = saleskit::OnInvalid::kSkipRecord; break;
        default: return Fail(SALESKIT_INVALID_ARGUMENT, "options->on_invalid is not a saleskit_on_invalid value");
      }
      switch (options->unknown_customer) {
        case SALESKIT_UNKNOWN_CUSTOMER_ERROR: load.unknown_customer = saleskit::UnknownCustomer::kError; break;
        case SALESKIT_UNKNOWN_CUSTOMER_SKIP: load.unknown_customer = saleskit::UnknownCustomer::kSkip; break;
        case SALESKIT_UNKNOWN_CUSTOMER_CREATE: load.unknown_customer = saleskit::UnknownCustomer::kCreate; break;
        default:
          return Fail(SALESKIT_INVALID_ARGUMENT,
                      "options->unknown_customer is not a saleskit_unknown_customer value");
      }
      read.ignore_unknown_fields = options->ignore_unknown_fields != 0;
      if (options->csv_schema_json != nullptr) {
        auto schema = saleskit::ParseCsvSchema(options->csv_schema_json);
        if (!schema.ok()) return FromStatus(schema.status());
        read.attr_types = *std::move(schema);
      }
    }
    absl::string_view bytes(static_cast<const char*>(data), size);
    auto result = engine->engine->Load(kind, bytes, *fmt, load, read);
    if (!result.ok()) return FromStatus(result.status());
    if (report != nullptr) {
      report->received = result->received;
      report->inserted = result->inserted;
      report->updated = result->updated;
      report->duplicates = result->duplicates;
      report->skipped_unknown_customer = result->skipped_unknown_customer;
      report->created_customers = result->created_customers;
      report->rejected = result->rejected.size();
      if (report->size >= offsetof(saleskit_load_report, rejected_json) + sizeof(char*)) {
        report->rejected_json = result->rejected.empty() ? nullptr : CopyOut(RejectedJson(result->rejected));
      }
    }
    return FromStatus(absl::OkStatus());
  });
}


// The engine options of a saleskit_engine_options (NULL: the defaults).
saleskit_status ToEngineOptions(const saleskit_engine_options* options, saleskit::EngineOptions* out) {
  saleskit_engine_options defaults;
  saleskit_engine_options_init(&defaults);
  if (options == nullptr) options = &defaults;
  // A struct from a header before the outbox fields ends at them: it gets their defaults.
  if (options->size < offsetof(saleskit_engine_options, outbox_max_attempts)) {
    return Fail(SALESKIT_INVALID_ARGUMENT, "options->size is too small: call saleskit_engine_options_init");
  }
  saleskit::EngineOptions& opts = *out;
  opts.store.dedup_horizon = absl::Seconds(options->dedup_horizon_seconds);
  opts.start = absl::FromUnixMicros(options->start_time_micros);
  if (options->size >= sizeof(saleskit_engine_options)) {
    opts.outbox.max_attempts = options->outbox_max_attempts;
    opts.outbox.retry_base = absl::Seconds(options->outbox_retry_base_seconds);
    opts.outbox.retry_max = absl::Seconds(options->outbox_retry_max_seconds);
  }
  if (options->log != nullptr) {
    const saleskit_log_fn fn = options->log;
    void* user = options->log_user_data;
    const int min = options->min_log_level;
    opts.log = [fn, user, min](saleskit::LogLevel level, absl::string_view message) {
      if (static_cast<int>(level) < min) return;
      const std::string text(message);
      fn(static_cast<saleskit_log_level>(level), text.c_str(), user);
    };
  }
  return SALESKIT_OK;
}

saleskit_engine* NewHandle(std::unique_ptr<saleskit::Engine> engine) {
  auto handle = std::make_unique<saleskit_engine>();
  handle->engine = std::move(engine);
  handle->serial = next_engine_serial.fetch_add(1);
  return handle.release();
}

}  // namespace

extern "C" {

const char* saleskit_last_error(void) { return last_error.c_str(); }

const char* saleskit_status_name(saleskit_status status) {
  static const char* const kNames[] = {
      "OK",        "CANCELLED",         "UNKNOWN",        "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  const int i = static_cast<int>(status);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN_STATUS";
}

int saleskit_version_number(void) { return SALESKIT_VERSION_NUMBER; }
const char* saleskit_version_string(void) { return SALESKIT_VERSION_STRING; }

void saleskit_free(void* ptr) { std::free(ptr); }

void saleskit_engine_options_init(saleskit_engine_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->size = sizeof(*options);
  options->dedup_horizon_seconds = 7 * 24 * 3600;
  options->min_log_level = SALESKIT_LOG_INFO;
  const saleskit::automation::OutboxOptions outbox;
  options->outbox_max_attempts = outbox.max_attempts;
  options->outbox_retry_base_seconds = absl::ToInt64Seconds(outbox.retry_base);
  options->outbox_retry_max_seconds = absl::ToInt64Seconds(outbox.retry_max);
}

saleskit_status saleskit_engine_open(const saleskit_engine_options* options, saleskit_engine** engine) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    *engine = nullptr;
    saleskit::EngineOptions opts;
    if (const saleskit_status st = ToEngineOptions(options, &opts); st != SALESKIT_OK) return st;
    auto created = saleskit::Engine::Create(std::move(opts));
    if (!created.ok()) return FromStatus(created.status());
    *engine = NewHandle(*std::move(created));
    (*engine)->engine->Log(saleskit::LogLevel::kInfo, "saleskit " SALESKIT_VERSION_STRING " engine opened (in memory)");
    return FromStatus(absl::OkStatus());
  });
}

void saleskit_state_options_init(saleskit_state_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->size = sizeof(*options);
  const saleskit::StateOptions defaults;
  options->durability = SALESKIT_DURABILITY_SYNC;
  options->batch_records = defaults.batch_records;
  options->batch_interval_millis = absl::ToInt64Milliseconds(defaults.batch_interval);
  options->checkpoint_every = defaults.checkpoint_every;
}

saleskit_status saleskit_engine_open_path(const char* path, const saleskit_engine_options* options,
                                          const saleskit_state_options* state, saleskit_engine** engine) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    *engine = nullptr;
    SALESKIT_REQUIRE(path, "path");
    saleskit::EngineOptions opts;
    if (const saleskit_status st = ToEngineOptions(options, &opts); st != SALESKIT_OK) return st;
    saleskit::StateOptions state_opts;
    if (state != nullptr) {
      if (state->size < sizeof(saleskit_state_options)) {
        return Fail(SALESKIT_INVALID_ARGUMENT, "state->size is too small: call saleskit_state_options_init");
      }
      switch (state->durability) {
        case SALESKIT_DURABILITY_SYNC: state_opts.durability = saleskit::Durability::kSync; break;
        case SALESKIT_DURABILITY_BATCHED: state_opts.durability = saleskit::Durability::kBatched; break;
        default:
          return Fail(SALESKIT_INVALID_ARGUMENT, "state->durability is not a saleskit_durability value");
      }
      if (state->batch_interval_millis < 0) {
        return Fail(SALESKIT_INVALID_ARGUMENT, "state->batch_interval_millis must not be negative");
      }
      state_opts.batch_records = static_cast<size_t>(state->batch_records);
      state_opts.batch_interval = absl::Milliseconds(state->batch_interval_millis);
      state_opts.checkpoint_every = state->checkpoint_every;
    }
    auto opened = saleskit::Engine::Open(path, std::move(opts), std::move(state_opts));
    if (!opened.ok()) return FromStatus(opened.status());
    *engine = NewHandle(*std::move(opened));
    (*engine)->engine->Log(saleskit::LogLevel::kInfo,
                           absl::StrCat("saleskit " SALESKIT_VERSION_STRING " engine opened (state file ", path, ")"));
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_engine_flush(saleskit_engine* engine) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    return FromStatus(engine->engine->Flush());
  });
}

saleskit_status saleskit_engine_acknowledged(saleskit_engine* engine, uint64_t* count) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(count, "count");
    *count = engine->engine->Acknowledged();
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_engine_checkpoint(saleskit_engine* engine) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    return FromStatus(engine->engine->Checkpoint());
  });
}

saleskit_status saleskit_engine_checkpoint_seq(saleskit_engine* engine, uint64_t* seq) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(seq, "seq");
    *seq = engine->engine->CheckpointSeq();
    return FromStatus(absl::OkStatus());
  });
}

void saleskit_engine_close(saleskit_engine* engine) {
  try {
    delete engine;
  } catch (...) {
  }
}

void saleskit_load_report_init(saleskit_load_report* report) {
  if (report == nullptr) return;
  std::memset(report, 0, sizeof(*report));
  report->size = sizeof(*report);
}

void saleskit_load_options_init(saleskit_load_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->size = sizeof(*options);
}

saleskit_status saleskit_upsert_customers(saleskit_engine* engine, saleskit_format format, const void* data,
                                          size_t size, const saleskit_load_options* options,
                                          saleskit_load_report* report) {
  return Load(engine, saleskit::RecordKind::kCustomers, format, data, size, options, report);
}
saleskit_status saleskit_ingest_events(saleskit_engine* engine, saleskit_format format, const void* data,
                                       size_t size, const saleskit_load_options* options,
                                       saleskit_load_report* report) {
  return Load(engine, saleskit::RecordKind::kEvents, format, data, size, options, report);
}
saleskit_status saleskit_upsert_accounts(saleskit_engine* engine, saleskit_format format, const void* data,
                                         size_t size, const saleskit_load_options* options,
                                         saleskit_load_report* report) {
  return Load(engine, saleskit::RecordKind::kAccounts, format, data, size, options, report);
}
saleskit_status saleskit_upsert_deals(saleskit_engine* engine, saleskit_format format, const void* data,
                                      size_t size, const saleskit_load_options* options,
                                      saleskit_load_report* report) {
  return Load(engine, saleskit::RecordKind::kDeals, format, data, size, options, report);
}

}  // extern "C"

namespace {

// Returns a record read by `get` as JSON or protobuf bytes, copied for the host.
template <typename Get>
saleskit_status ReadRecord(saleskit_engine* engine, const char* id, saleskit_format format, char** out,
                           size_t* out_size, Get get) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(id, "id");
    SALESKIT_REQUIRE(out, "out");
    SALESKIT_REQUIRE(out_size, "out_size");
    *out = nullptr;
    *out_size = 0;
    if (format != SALESKIT_FORMAT_JSON && format != SALESKIT_FORMAT_PROTOBUF) {
      return Fail(SALESKIT_INVALID_ARGUMENT, "format must be SALESKIT_FORMAT_JSON or SALESKIT_FORMAT_PROTOBUF");
    }
    auto record = get(*engine->engine, id);
    if (!record.ok()) return FromStatus(record.status());
    const std::string bytes =
        format == SALESKIT_FORMAT_JSON ? saleskit::ToJson(*record) : saleskit::SerializeDeterministic(*record);
    *out = CopyOut(bytes);
    *out_size = bytes.size();
    return FromStatus(absl::OkStatus());
  });
}

}  // namespace

extern "C" {

saleskit_status saleskit_get_customer(saleskit_engine* engine, const char* id, saleskit_format format, char** out,
                                      size_t* out_size) {
  return ReadRecord(engine, id, format, out, out_size,
                    [](const saleskit::Engine& e, const char* id) { return e.GetCustomer(id); });
}

saleskit_status saleskit_get_activity(saleskit_engine* engine, const char* id, saleskit_format format, char** out,
                                      size_t* out_size) {
  return ReadRecord(engine, id, format, out, out_size,
                    [](const saleskit::Engine& e, const char* id) { return e.GetActivity(id); });
}

saleskit_status saleskit_customer_count(saleskit_engine* engine, uint64_t* count) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(count, "count");
    *count = engine->engine->customer_count();
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_erase_customer(saleskit_engine* engine, const char* id) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(id, "id");
    return FromStatus(engine->engine->EraseCustomer(id));
  });
}

saleskit_status saleskit_erase_customers(saleskit_engine* engine, const char* const* ids, size_t count) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    std::vector<std::string> copied;
    if (absl::Status st = CopyIds(ids, count, &copied); !st.ok()) return FromStatus(st);
    return FromStatus(engine->engine->EraseCustomers(absl::MakeConstSpan(copied)));
  });
}

saleskit_status saleskit_now(saleskit_engine* engine, int64_t* micros) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(micros, "micros");
    *micros = absl::ToUnixMicros(engine->engine->now());
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_advance_to(saleskit_engine* engine, int64_t micros) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    return FromStatus(engine->engine->AdvanceTo(absl::FromUnixMicros(micros)));
  });
}

saleskit_status saleskit_expression_compile(saleskit_engine* engine, const char* source, size_t size, int condition,
                                            saleskit_expression** expression) {
  return Guard([&] {
    SALESKIT_REQUIRE(expression, "expression");
    *expression = nullptr;
    SALESKIT_REQUIRE(engine, "engine");
    if (source == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "source must not be NULL");
    auto compiled = engine->engine->Compile(absl::string_view(source, size), condition != 0);
    if (!compiled.ok()) return FromStatus(compiled.status());
    *expression = new saleskit_expression{*std::move(compiled), engine->serial};
    return FromStatus(absl::OkStatus());
  });
}

void saleskit_expression_destroy(saleskit_expression* expression) {
  try {
    delete expression;
  } catch (...) {
  }
}

int saleskit_expression_is_condition(const saleskit_expression* expression) {
  return expression != nullptr && expression->expression->is_condition() ? 1 : 0;
}

}  // extern "C"

namespace {

saleskit_status CheckExpression(const saleskit_engine* engine, const saleskit_expression* expression) {
  SALESKIT_REQUIRE(engine, "engine");
  SALESKIT_REQUIRE(expression, "expression");
  if (expression->engine_serial != engine->serial) {
    return Fail(SALESKIT_INVALID_ARGUMENT, "the expression was compiled by another engine");
  }
  return SALESKIT_OK;
}

}  // namespace

extern "C" {

saleskit_status saleskit_expression_evaluate(saleskit_engine* engine, const saleskit_expression* expression,
                                             const char* customer_id, char** json, size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    if (saleskit_status s = CheckExpression(engine, expression); s != SALESKIT_OK) return s;
    SALESKIT_REQUIRE(customer_id, "customer_id");
    auto value = engine->engine->Evaluate(*expression->expression, customer_id);
    if (!value.ok()) return FromStatus(value.status());
    const std::string text = saleskit::cel::ResultToJson(*value);
    *json = CopyOut(text);
    if (json_size != nullptr) *json_size = text.size();
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_expression_match(saleskit_engine* engine, const saleskit_expression* expression, char** json,
                                          size_t* json_size, uint64_t* count) {
  return Guard([&] {
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    if (count != nullptr) *count = 0;
    if (saleskit_status s = CheckExpression(engine, expression); s != SALESKIT_OK) return s;
    auto ids = engine->engine->Match(*expression->expression);
    if (!ids.ok()) return FromStatus(ids.status());
    const std::string text = IdsJson(*ids);
    *json = CopyOut(text);
    if (json_size != nullptr) *json_size = text.size();
    if (count != nullptr) *count = ids->size();
    return FromStatus(absl::OkStatus());
  });
}

// ---------------------------------------------------------------- segments

saleskit_status saleskit_segment_define(saleskit_engine* engine, const char* name, const char* condition,
                                        const char* description) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(name, "name");
    SALESKIT_REQUIRE(condition, "condition");
    return FromStatus(engine->engine->DefineSegment(name, condition, description == nullptr ? "" : description));
  });
}

saleskit_status saleskit_playbook_define(saleskit_engine* engine, saleskit_format format, const void* data,
                                         size_t size) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    if (data == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "data must not be NULL");
    saleskit::v1::Playbook playbook;
    const char* bytes = static_cast<const char*>(data);
    if (format == SALESKIT_FORMAT_JSON) {
      google::protobuf::util::JsonParseOptions options;
      const auto st = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(bytes == nullptr ? "" : bytes, size), &playbook, options);
      if (!st.ok()) return Fail(SALESKIT_INVALID_ARGUMENT, "playbook JSON: " + std::string(st.message()));
    } else if (format == SALESKIT_FORMAT_PROTOBUF) {
      if (!playbook.ParseFromArray(bytes, static_cast<int>(size))) {
        return Fail(SALESKIT_INVALID_ARGUMENT, "playbook: not a serialized saleskit.v1.Playbook");
      }
    } else {
      return Fail(SALESKIT_INVALID_ARGUMENT, "a playbook is JSON or protobuf");
    }
    return FromStatus(engine->engine->DefinePlaybook(playbook));
  });
}

saleskit_status saleskit_segment_remove(saleskit_engine* engine, const char* name) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(name, "name");
    return FromStatus(engine->engine->RemoveSegment(name));
  });
}

saleskit_status saleskit_playbook_get(saleskit_engine* engine, char** json, size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    SALESKIT_REQUIRE(engine, "engine");
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    std::string text;
    const auto st = google::protobuf::util::MessageToJsonString(engine->engine->GetPlaybook(), &text, options);
    if (!st.ok()) return Fail(SALESKIT_INTERNAL, std::string(st.message()));
    *json = CopyOut(text);
    if (json_size != nullptr) *json_size = text.size();
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_segment_members(saleskit_engine* engine, const char* name, char** json, size_t* json_size,
                                         uint64_t* count) {
  return Guard([&] {
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    if (count != nullptr) *count = 0;
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(name, "name");
    auto ids = engine->engine->SegmentMembers(name);
    if (!ids.ok()) return FromStatus(ids.status());
    const std::string text = IdsJson(*ids);
    *json = CopyOut(text);
    if (json_size != nullptr) *json_size = text.size();
    if (count != nullptr) *count = ids->size();
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_segment_count(saleskit_engine* engine, const char* name, uint64_t* count) {
  return Guard([&] {
    SALESKIT_REQUIRE(count, "count");
    *count = 0;
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(name, "name");
    auto n = engine->engine->SegmentCount(name);
    if (!n.ok()) return FromStatus(n.status());
    *count = *n;
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_segment_is_member(saleskit_engine* engine, const char* name, const char* customer_id,
                                           int* member) {
  return Guard([&] {
    SALESKIT_REQUIRE(member, "member");
    *member = 0;
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(name, "name");
    SALESKIT_REQUIRE(customer_id, "customer_id");
    auto m = engine->engine->IsMember(name, customer_id);
    if (!m.ok()) return FromStatus(m.status());
    *member = *m ? 1 : 0;
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_segment_changes(saleskit_engine* engine, uint64_t after, uint64_t limit, char** json,
                                         size_t* json_size, uint64_t* last_seq) {
  return ReturnLog(engine, limit, json, json_size, last_seq, [&](size_t most, uint64_t* last) {
    const std::vector<saleskit::SegmentChange> changes = engine->engine->SegmentChangesSince(after, most);
    *last = engine->engine->LastSegmentChange();
    std::string text = "[";
    for (const saleskit::SegmentChange& c : changes) {
      if (text.size() > 1) text += ",";
      absl::StrAppend(&text, "{\"seq\":", c.seq, ",\"at\":\"", saleskit::FormatTimestamp(saleskit::ToMicros(c.at)),
                      "\",\"segment\":");
      saleskit::internal::AppendJsonString(c.segment, &text);
      text += ",\"customer_id\":";
      saleskit::internal::AppendJsonString(c.customer_id, &text);
      absl::StrAppend(&text, ",\"kind\":\"", saleskit::SegmentChangeKindName(c.kind), "\"}");
    }
    return text + "]";
  });
}

saleskit_status saleskit_segment_trim_changes(saleskit_engine* engine, uint64_t through) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    engine->engine->TrimSegmentChanges(through);
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_segment_explain(saleskit_engine* engine, const char* name, const char* customer_id,
                                         char** json, size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(name, "name");
    SALESKIT_REQUIRE(customer_id, "customer_id");
    auto x = engine->engine->ExplainSegment(name, customer_id);
    if (!x.ok()) return FromStatus(x.status());
    std::string text = "{\"segment\":";
    saleskit::internal::AppendJsonString(x->segment, &text);
    text += ",\"customer_id\":";
    saleskit::internal::AppendJsonString(x->customer_id, &text);
    absl::StrAppend(&text, ",\"member\":", x->member ? "true" : "false", ",\"at\":\"",
                    saleskit::FormatTimestamp(saleskit::ToMicros(engine->engine->now())), "\",\"clauses\":[");
    for (size_t i = 0; i < x->clauses.size(); ++i) {
      const saleskit::ClauseValue& c = x->clauses[i];
      absl::StrAppend(&text, i == 0 ? "" : ",", "{\"depth\":", c.depth, ",\"text\":");
      saleskit::internal::AppendJsonString(c.text, &text);
      absl::StrAppend(&text, ",\"result\":", saleskit::cel::ResultToJson(c.value), "}");
    }
    text += "]}";
    *json = CopyOut(text);
    if (json_size != nullptr) *json_size = text.size();
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_segments_evaluate(saleskit_engine* engine, char** json, size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    SALESKIT_REQUIRE(engine, "engine");
    std::string text = "[";
    {
      // One snapshot: the evaluation and the ids it names agree.
      saleskit::Engine::Snapshot snap = engine->engine->Read();
      for (const auto& [segment, bits] : snap.segments().EvaluateAll(snap.store(), snap.now())) {
        const std::vector<std::string> ids = snap.store().SortedIds(bits);
        if (text.size() > 1) text += ",";
        text += "{\"segment\":";
        saleskit::internal::AppendJsonString(segment, &text);
        absl::StrAppend(&text, ",\"count\":", ids.size(), ",\"members\":", IdsJson(ids), "}");
      }
    }
    text += "]";
    *json = CopyOut(text);
    if (json_size != nullptr) *json_size = text.size();
    return FromStatus(absl::OkStatus());
  });
}

}  // extern "C"

// ---------------------------------------------------------------- points scores

namespace {

void AppendTime(absl::Time t, std::string* out) {
  if (t == absl::InfiniteFuture()) {
    out->append("null");
    return;
  }
  absl::StrAppend(out, "\"", saleskit::FormatTimestamp(saleskit::ToMicros(t)), "\"");
}

std::string ExplanationJson(const saleskit::ScoreExplanation& x, absl::Time now) {
    using saleskit::internal::AppendJsonString;
  std::string text = "{\"score\":";
  AppendJsonString(x.score, &text);
  text += ",\"customer_id\":";
  AppendJsonString(x.customer_id, &text);
  text += ",\"at\":";
  AppendTime(now, &text);
  text += ",\"value\":";
  saleskit::internal::AppendJsonNumber(x.value, &text);
  text += ",\"unclamped\":";
  saleskit::internal::AppendJsonNumber(x.unclamped, &text);
  text += ",\"grade\":";
  AppendJsonString(x.grade, &text);
  text += ",\"rules\":[";
  for (size_t i = 0; i < x.rules.size(); ++i) {
    const saleskit::ScoreExplanation::Rule& r = x.rules[i];
    text += i == 0 ? "{\"rule\":" : ",{\"rule\":";
    AppendJsonString(r.rule, &text);
    absl::StrAppend(&text, ",\"event\":", r.is_event ? "true" : "false", ",\"points\":");
    saleskit::internal::AppendJsonNumber(r.points, &text);
    absl::StrAppend(&text, ",\"holds\":", r.holds ? "true" : "false", ",\"events\":[");
    for (size_t j = 0; j < r.events.size(); ++j) {
      const saleskit::ScoreExplanation::Event& e = r.events[j];
      text += j == 0 ? "{\"at\":" : ",{\"at\":";
      AppendTime(e.at, &text);
      text += ",\"points\":";
      saleskit::internal::AppendJsonNumber(e.points, &text);
      text += ",\"full_points\":";
      saleskit::internal::AppendJsonNumber(e.full_points, &text);
      absl::StrAppend(&text, ",\"over_maximum\":", e.over_maximum ? "true" : "false", ",\"expires\":");
      AppendTime(e.expires, &text);
      text += "}";
    }
    text += "]}";
  }
  return text + "]}";
}

std::string CrossingsJson(const std::vector<saleskit::v1::ScoreCrossing>& crossings) {
    using saleskit::internal::AppendJsonString;
  std::string text = "[";
  for (const saleskit::v1::ScoreCrossing& c : crossings) {
    if (text.size() > 1) text += ",";
    absl::StrAppend(&text, "{\"seq\":", c.seq(), ",\"at\":\"",
                    saleskit::FormatTimestamp(c.at().seconds() * 1000000 + c.at().nanos() / 1000), "\",\"score\":");
    AppendJsonString(c.score(), &text);
    text += ",\"customer_id\":";
    AppendJsonString(c.customer_id(), &text);
    text += ",\"threshold\":";
    AppendJsonString(c.threshold(), &text);
    text += ",\"threshold_value\":";
    saleskit::internal::AppendJsonNumber(c.threshold_value(), &text);
    absl::StrAppend(&text, ",\"direction\":\"", c.direction() == saleskit::v1::ScoreCrossing::UP ? "up" : "down",
                    "\",\"value\":");
    saleskit::internal::AppendJsonNumber(c.value(), &text);
    text += ",\"promoted_to\":";
    if (c.promoted_to() == saleskit::v1::LIFECYCLE_STAGE_UNSPECIFIED) {
      text += "null";
    } else {
      AppendJsonString(saleskit::LifecycleStageName(c.promoted_to()), &text);
    }
    text += "}";
  }
  return text + "]";
}

// Parses one ScoreDef or a JSON array of them.
absl::StatusOr<std::vector<saleskit::v1::ScoreDef>> ParseScoreDefs(saleskit_format format, const char* bytes,
                                                                    size_t size) {
  std::vector<saleskit::v1::ScoreDef> defs;
  if (format == SALESKIT_FORMAT_PROTOBUF) {
    defs.emplace_back();
    if (size > INT_MAX || !defs.back().ParseFromArray(bytes, static_cast<int>(size))) {
      return absl::InvalidArgumentError("score: not a serialized saleskit.v1.ScoreDef");
    }
    return defs;
  }
  if (format != SALESKIT_FORMAT_JSON) return absl::InvalidArgumentError("a score definition is JSON or protobuf");
  const absl::string_view text(bytes == nullptr ? "" : bytes, size);
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(text);
  google::protobuf::util::JsonParseOptions options;
  if (absl::StartsWith(trimmed, "[")) {
    // An array of ScoreDefs is a Playbook's "scores".
    saleskit::v1::Playbook playbook;
    const std::string wrapped = absl::StrCat("{\"scores\":", text, "}");
    const auto st = google::protobuf::util::JsonStringToMessage(wrapped, &playbook, options);
    if (!st.ok()) return absl::InvalidArgumentError("score JSON: " + std::string(st.message()));
    defs.assign(playbook.scores().begin(), playbook.scores().end());
    return defs;
  }
  defs.emplace_back();
  const auto st = google::protobuf::util::JsonStringToMessage(google::protobuf::StringPiece(text.data(), text.size()),
                                                              &defs.back(), options);
  if (!st.ok()) return absl::InvalidArgumentError("score JSON: " + std::string(st.message()));
  return defs;
}

}  // namespace

extern "C" {

saleskit_status saleskit_score_define(saleskit_engine* engine, saleskit_format format, const void* data, size_t size) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    if (data == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "data must not be NULL");
    auto defs = ParseScoreDefs(format, static_cast<const char*>(data), size);
    if (!defs.ok()) return FromStatus(defs.status());
    return FromStatus(engine->engine->DefineScores(*defs));
  });
}

saleskit_status saleskit_score_remove(saleskit_engine* engine, const char* name) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(name, "name");
    return FromStatus(engine->engine->RemoveScore(name));
  });
}

saleskit_status saleskit_score_get(saleskit_engine* engine, const char* name, const char* customer_id, double* value,
                                   char** grade) {
  return Guard([&] {
    SALESKIT_REQUIRE(value, "value");
    *value = 0;
    if (grade != nullptr) *grade = nullptr;
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(name, "name");
    SALESKIT_REQUIRE(customer_id, "customer_id");
    auto v = engine->engine->GetScore(name, customer_id);
    if (!v.ok()) return FromStatus(v.status());
    *value = v->value;
    if (grade != nullptr) *grade = CopyOut(v->grade);
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_score_explain(saleskit_engine* engine, const char* name, const char* customer_id, char** json,
                                       size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(name, "name");
    SALESKIT_REQUIRE(customer_id, "customer_id");
    std::string text;
    {
      // One snapshot: the explanation and the clock it names agree.
      saleskit::Engine::Snapshot snap = engine->engine->Read();
      if (snap.scores().ScoreReads(name) == nullptr) {
        return Fail(SALESKIT_NOT_FOUND, absl::StrCat("no score named \"", name, "\""));
      }
      const std::optional<uint32_t> row = snap.store().FindRow(customer_id);
      if (!row) return Fail(SALESKIT_NOT_FOUND, absl::StrCat("no customer with id \"", customer_id, "\""));
      auto x = snap.scores().Explain(name, *row, snap.store(), snap.now());
      if (!x.ok()) return FromStatus(x.status());
      text = ExplanationJson(*x, snap.now());
    }
    *json = CopyOut(text);
    if (json_size != nullptr) *json_size = text.size();
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_score_crossings(saleskit_engine* engine, uint64_t after, uint64_t limit, char** json,
                                         size_t* json_size, uint64_t* last_seq) {
  return ReturnLog(engine, limit, json, json_size, last_seq, [&](size_t most, uint64_t* last) {
    const std::vector<saleskit::v1::ScoreCrossing> crossings = engine->engine->ScoreCrossingsSince(after, most);
    *last = engine->engine->LastScoreCrossing();
    return CrossingsJson(crossings);
  });
}

saleskit_status saleskit_score_trim_crossings(saleskit_engine* engine, uint64_t through) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    engine->engine->TrimScoreCrossings(through);
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_scores_evaluate(saleskit_engine* engine, char** json, size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    SALESKIT_REQUIRE(engine, "engine");
    std::string text = "[";
    {
      // One snapshot: the values and the ids they name agree.
      saleskit::Engine::Snapshot snap = engine->engine->Read();
      const saleskit::CustomerStore& store = snap.store();
      const std::vector<std::pair<std::string, uint32_t>> ids = store.RowsById();
      for (const auto& [score, values] : snap.scores().EvaluateAll(store, snap.segments(), snap.now())) {
        if (text.size() > 1) text += ",";
        text += "{\"score\":";
        saleskit::internal::AppendJsonString(score, &text);
        text += ",\"values\":{";
        for (size_t i = 0; i < ids.size(); ++i) {
          if (i > 0) text += ",";
          saleskit::internal::AppendJsonString(ids[i].first, &text);
          text += ":";
          saleskit::internal::AppendJsonNumber(values[ids[i].second], &text);
        }
        text += "}}";
      }
    }
    text += "]";
    *json = CopyOut(text);
    if (json_size != nullptr) *json_size = text.size();
    return FromStatus(absl::OkStatus());
  });
}

}  // extern "C"

// ---------------------------------------------------------------- automation

namespace {

// Clears the list out-parameters, then runs `body` for the JSON text and record count.
template <typename Body>
saleskit_status ReturnList(saleskit_engine* engine, char** json, size_t* json_size, uint64_t* count, Body body) {
  return Guard([&] {
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    if (count != nullptr) *count = 0;
    SALESKIT_REQUIRE(engine, "engine");
    uint64_t n = 0;
    const std::string text = body(&n);
    *json = CopyOut(text);
    if (json_size != nullptr) *json_size = text.size();
    if (count != nullptr) *count = n;
    return FromStatus(absl::OkStatus());
  });
}

}  // namespace

extern "C" {

saleskit_status saleskit_outbox_poll(saleskit_engine* engine, uint64_t limit, char** json, size_t* json_size,
                                     uint64_t* count) {
  return ReturnList(engine, json, json_size, count, [&](uint64_t* n) {
    const std::vector<saleskit::v1::OutboxEntry> entries = engine->engine->PollOutbox(Limit(limit));
    *n = entries.size();
    return saleskit::internal::OutboxEntriesJson(entries);
  });
}

saleskit_status saleskit_outbox_ack(saleskit_engine* engine, const char* id) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(id, "id");
    return FromStatus(engine->engine->AckOutbox(id));
  });
}

saleskit_status saleskit_outbox_ack_many(saleskit_engine* engine, const char* const* ids, size_t count) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    std::vector<std::string> copied;
    if (absl::Status st = CopyIds(ids, count, &copied); !st.ok()) return FromStatus(st);
    return FromStatus(engine->engine->AckOutbox(absl::MakeConstSpan(copied)));
  });
}

saleskit_status saleskit_outbox_nack(saleskit_engine* engine, const char* id, const char* error) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(id, "id");
    return FromStatus(engine->engine->NackOutbox(id, error == nullptr ? "" : error));
  });
}

saleskit_status saleskit_outbox_entries(saleskit_engine* engine, uint64_t after, uint64_t limit,
                                        saleskit_outbox_state state, char** json, size_t* json_size,
                                        uint64_t* count) {
  const long long state_value = static_cast<long long>(state);
  if (state_value < SALESKIT_OUTBOX_ANY || state_value > SALESKIT_OUTBOX_DEAD) {
    if (json != nullptr) *json = nullptr;
    return Fail(SALESKIT_INVALID_ARGUMENT,
                "state " + std::to_string(state_value) + " is not a saleskit_outbox_state value");
  }
  return ReturnList(engine, json, json_size, count, [&](uint64_t* n) {
    const std::vector<saleskit::v1::OutboxEntry> entries = engine->engine->OutboxEntries(
        after, Limit(limit), static_cast<saleskit::v1::OutboxEntry::State>(state));
    *n = entries.size();
    return saleskit::internal::OutboxEntriesJson(entries);
  });
}

saleskit_status saleskit_audit_query(saleskit_engine* engine, uint64_t after, uint64_t limit,
                                     const char* customer_id, const char* rule, char** json, size_t* json_size,
                                     uint64_t* count) {
  return ReturnList(engine, json, json_size, count, [&](uint64_t* n) {
    const std::vector<saleskit::v1::AuditRecord> records =
        engine->engine->Audit(after, Limit(limit), customer_id == nullptr ? "" : customer_id,
                              rule == nullptr ? "" : rule);
    *n = records.size();
    return saleskit::internal::AuditJson(records);
  });
}

saleskit_status saleskit_audit_trim(saleskit_engine* engine, uint64_t through) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    engine->engine->TrimAudit(through);
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_tasks(saleskit_engine* engine, const char* customer_id, char** json, size_t* json_size,
                               uint64_t* count) {
  return ReturnList(engine, json, json_size, count, [&](uint64_t* n) {
    const std::vector<saleskit::v1::Task> tasks = engine->engine->Tasks(customer_id == nullptr ? "" : customer_id);
    *n = tasks.size();
    return saleskit::internal::TasksJson(tasks);
  });
}

saleskit_status saleskit_tasks_since(saleskit_engine* engine, uint64_t after, uint64_t limit, char** json,
                                     size_t* json_size, uint64_t* last_seq) {
  return ReturnLog(engine, limit, json, json_size, last_seq, [&](size_t most, uint64_t* last) {
    const std::vector<saleskit::v1::Task> tasks = engine->engine->TasksSince(after, most);
    *last = engine->engine->LastTask();
    return saleskit::internal::TasksJson(tasks);
  });
}

saleskit_status saleskit_tasks_trim(saleskit_engine* engine, uint64_t through) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    engine->engine->TrimTasks(through);
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_owner_set_available(saleskit_engine* engine, const char* owner_id, int available) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(owner_id, "owner_id");
    return FromStatus(engine->engine->SetOwnerAvailable(owner_id, available != 0));
  });
}

saleskit_status saleskit_rule_stats(saleskit_engine* engine, char** json, size_t* json_size, uint64_t* count) {
  return ReturnList(engine, json, json_size, count, [&](uint64_t* n) {
    const std::vector<saleskit::automation::RuleStats> stats = engine->engine->RuleStats();
    *n = stats.size();
    return saleskit::internal::RuleStatsJson(stats);
  });
}

}  // extern "C"

namespace {

// A NUL-terminated option string; NULL reads as "".
std::string OptionText(const char* s) { return s == nullptr ? std::string() : std::string(s); }

// Copies `text` out to the host as *json_out / *json_size.
saleskit_status ReturnJson(const std::string& text, char** json_out, size_t* json_size) {
  *json_out = CopyOut(text);
  if (json_size != nullptr) *json_size = text.size();
  return FromStatus(absl::OkStatus());
}

}  // namespace

extern "C" {

void saleskit_cohort_options_init(saleskit_cohort_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->size = sizeof(*options);
  options->period = SALESKIT_COHORT_MONTH;
  options->periods = 12;
  options->metric = SALESKIT_COHORT_RETENTION;
}

saleskit_status saleskit_cohort_table(const char* events_csv, size_t size, const saleskit_cohort_options* options,
                                      char** json_out, size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(json_out, "json_out");
    *json_out = nullptr;
    if (json_size != nullptr) *json_size = 0;
    if (events_csv == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "events_csv must not be NULL");
    saleskit_cohort_options defaults;
    saleskit_cohort_options_init(&defaults);
    if (options == nullptr) options = &defaults;
    if (options->size < sizeof(saleskit_cohort_options)) {
      return Fail(SALESKIT_INVALID_ARGUMENT, "options->size is too small: call saleskit_cohort_options_init");
    }
    saleskit::CohortOptions opts;
    switch (options->period) {
      case SALESKIT_COHORT_DAY: opts.period = saleskit::CohortPeriod::kDay; break;
      case SALESKIT_COHORT_WEEK: opts.period = saleskit::CohortPeriod::kWeek; break;
      case SALESKIT_COHORT_MONTH: opts.period = saleskit::CohortPeriod::kMonth; break;
      case SALESKIT_COHORT_QUARTER: opts.period = saleskit::CohortPeriod::kQuarter; break;
      default: return Fail(SALESKIT_INVALID_ARGUMENT, "options->period is not a saleskit_cohort_period value");
    }
    switch (options->metric) {
      case SALESKIT_COHORT_RETENTION: opts.metric = saleskit::CohortMetric::kRetention; break;
      case SALESKIT_COHORT_CONVERSION: opts.metric = saleskit::CohortMetric::kConversion; break;
      case SALESKIT_COHORT_REVENUE: opts.metric = saleskit::CohortMetric::kRevenue; break;
      default: return Fail(SALESKIT_INVALID_ARGUMENT, "options->metric is not a saleskit_cohort_metric value");
    }
    opts.periods = options->periods;
    opts.cohort_event = OptionText(options->cohort_event);
    opts.activity_event = OptionText(options->activity_event);
    opts.convert_to = OptionText(options->convert_to);
    opts.cumulative = options->cumulative != 0;
    auto source = saleskit::OpenSource<saleskit::v1::Event>(absl::string_view(events_csv, size),
                                                            saleskit::Format::kCsv);
    if (!source.ok()) return FromStatus(source.status());
    auto table = saleskit::BuildCohortTable(**source, opts);
    if (!table.ok()) return FromStatus(table.status());
    return ReturnJson(saleskit::CohortTableToJson(*table), json_out, json_size);
  });
}

void saleskit_rfm_options_init(saleskit_rfm_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->size = sizeof(*options);
  options->cutoff_micros = INT64_MIN;
}

saleskit_status saleskit_rfm(const char* events_csv, size_t size, const saleskit_rfm_options* options,
                             char** json_out, size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(json_out, "json_out");
    *json_out = nullptr;
    if (json_size != nullptr) *json_size = 0;
    SALESKIT_REQUIRE(options, "options (a cutoff is required)");
    if (events_csv == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "events_csv must not be NULL");
    if (options->size < sizeof(saleskit_rfm_options)) {
      return Fail(SALESKIT_INVALID_ARGUMENT, "options->size is too small: call saleskit_rfm_options_init");
    }
    saleskit::RfmOptions opts;
    if (options->cutoff != nullptr) {
      auto cutoff = saleskit::ParseRfmCutoff(options->cutoff);
      if (!cutoff.ok()) return Fail(SALESKIT_INVALID_ARGUMENT, absl::StrCat("cutoff: ", cutoff.status().message()));
      opts.cutoff = *cutoff;
    } else if (options->cutoff_micros == INT64_MIN) {
      return Fail(SALESKIT_INVALID_ARGUMENT, "a cutoff is required: set options->cutoff or options->cutoff_micros");
    } else {
      opts.cutoff = options->cutoff_micros;
    }
    if (options->purchase_event != nullptr) {
      opts.purchase_event = options->purchase_event;
      if (opts.purchase_event.empty()) {
        return Fail(SALESKIT_INVALID_ARGUMENT, "purchase_event: expected an event type or \"*\"");
      }
    }
    auto read = saleskit::ReadRecords<saleskit::v1::Event>(absl::string_view(events_csv, size),
                                                           saleskit::Format::kCsv);
    if (!read.ok()) return FromStatus(read.status());
    if (!read->errors.empty()) return FromStatus(saleskit::BatchRejected(read->errors));
    auto rows = saleskit::ComputeRfm(read->batch.records, opts);
    if (!rows.ok()) return FromStatus(rows.status());
    return ReturnJson(saleskit::RfmToJson(*rows), json_out, json_size);
  });
}

}  // extern "C"

// ------------------------------------------------------------------ clusters

extern "C" {

void saleskit_cluster_options_init(saleskit_cluster_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->size = sizeof(*options);
  options->k = 0;
  options->max_k = 10;
  options->seed = 42;
  options->restarts = 10;
  options->now_micros = INT64_MIN;
}

saleskit_status saleskit_cluster(const char* customers_csv, size_t customers_size, const char* events_csv,
                                 size_t events_size, const char* const* features, size_t feature_count,
                                 const saleskit_cluster_options* options, char** json_out, size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(json_out, "json_out");
    *json_out = nullptr;
    if (json_size != nullptr) *json_size = 0;
    if (customers_csv == nullptr && customers_size > 0) {
      return Fail(SALESKIT_INVALID_ARGUMENT, "customers_csv must not be NULL");
    }
    if (events_csv == nullptr && events_size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "events_csv must not be NULL");
    if (features == nullptr && feature_count > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "features must not be NULL");
    if (feature_count == 0) return Fail(SALESKIT_INVALID_ARGUMENT, "at least one feature is required");
    saleskit_cluster_options defaults;
    saleskit_cluster_options_init(&defaults);
    if (options == nullptr) options = &defaults;
    if (options->size < sizeof(saleskit_cluster_options)) {
      return Fail(SALESKIT_INVALID_ARGUMENT, "options->size is too small: call saleskit_cluster_options_init");
    }
    if (options->k < 0) return Fail(SALESKIT_INVALID_ARGUMENT, absl::StrCat("k must be at least 0, got ", options->k));
    if (options->k == 0 && options->max_k < 2) {
      return Fail(SALESKIT_INVALID_ARGUMENT, absl::StrCat("max_k must be at least 2, got ", options->max_k));
    }
    if (options->restarts < 1) {
      return Fail(SALESKIT_INVALID_ARGUMENT, absl::StrCat("restarts must be at least 1, got ", options->restarts));
    }
    std::vector<std::string> sources;
    sources.reserve(feature_count);
    for (size_t i = 0; i < feature_count; ++i) {
      if (features[i] == nullptr) return Fail(SALESKIT_INVALID_ARGUMENT, absl::StrCat("features[", i, "] is NULL"));
      sources.emplace_back(features[i]);
    }
    saleskit::ClusterRecordsInput input;
    input.customers = absl::string_view(customers_csv, customers_size);
    input.events = absl::string_view(events_csv, events_size);
    if (options->csv_schema_json != nullptr) {
      auto schema = saleskit::ParseCsvSchema(options->csv_schema_json);
      if (!schema.ok()) return FromStatus(schema.status());
      input.customers_read.attr_types = *std::move(schema);
    }
    if (options->now_micros != INT64_MIN) input.now = absl::FromUnixMicros(options->now_micros);
    saleskit::ClusterOptions opts;
    opts.k = options->k;
    opts.max_k = options->max_k;
    opts.seed = options->seed;
    opts.restarts = options->restarts;
    auto result = saleskit::ClusterRecords(sources, input, opts);
    if (!result.ok()) return FromStatus(result.status());
    return ReturnJson(saleskit::ClusterToJson(*result), json_out, json_size);
  });
}

}  // extern "C"

// ------------------------------------------------------------------ predictive models

struct saleskit_model {
  saleskit::PredictiveModel model;
  // Never reused, unlike addresses: the key of the model's bindings in each engine.
  uint64_t serial;
};

namespace {

std::atomic<uint64_t> next_model_serial{1};

saleskit_model* NewModel(saleskit::PredictiveModel model) {
  return new saleskit_model{std::move(model), next_model_serial.fetch_add(1)};
}

absl::Status OptionError(absl::string_view key, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("options_json: \"", key, "\" must be ", expected));
}

absl::StatusOr<std::string> OptionString(const google::protobuf::Value& v, absl::string_view key) {
  if (v.kind_case() == google::protobuf::Value::kStringValue) return v.string_value();
  if (v.kind_case() == google::protobuf::Value::kNumberValue) {
    std::string text;
    saleskit::internal::AppendJsonNumber(v.number_value(), &text);
    return text;
  }
  if (v.kind_case() == google::protobuf::Value::kBoolValue) return std::string(v.bool_value() ? "true" : "false");
  return OptionError(key, "a string");
}

absl::StatusOr<std::vector<std::string>> OptionStrings(const google::protobuf::Value& v, absl::string_view key) {
  if (v.kind_case() != google::protobuf::Value::kListValue) return OptionError(key, "an array of strings");
  std::vector<std::string> out;
  for (const google::protobuf::Value& item : v.list_value().values()) {
    if (item.kind_case() != google::protobuf::Value::kStringValue) return OptionError(key, "an array of strings");
    out.push_back(item.string_value());
  }
  return out;
}

absl::StatusOr<double> OptionNumber(const google::protobuf::Value& v, absl::string_view key) {
  if (v.kind_case() != google::protobuf::Value::kNumberValue) return OptionError(key, "a number");
  return v.number_value();
}

// Parses saleskit_model_train's options; `categorical` receives the columns to read as categories.
absl::StatusOr<saleskit::TrainOptions> ParseTrainOptions(absl::string_view json, std::vector<std::string>* categorical) {
  google::protobuf::Struct root;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &root);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("options_json is not a JSON object: ", std::string(parsed.message())));
  }
  saleskit::TrainOptions o;
  for (const auto& [key, value] : root.fields()) {
    if (value.kind_case() == google::protobuf::Value::kNullValue) continue;
    if (key == "target") {
      SALESKIT_ASSIGN_OR_RETURN(o.target, OptionString(value, key));
    } else if (key == "positive") {
      SALESKIT_ASSIGN_OR_RETURN(o.positive, OptionString(value, key));
    } else if (key == "exclude") {
      SALESKIT_ASSIGN_OR_RETURN(o.exclude, OptionStrings(value, key));
    } else if (key == "categorical") {
      SALESKIT_ASSIGN_OR_RETURN(*categorical, OptionStrings(value, key));
    } else if (key == "time_column") {
      SALESKIT_ASSIGN_OR_RETURN(o.time_column, OptionString(value, key));
    } else if (key == "test_fraction") {
      SALESKIT_ASSIGN_OR_RETURN(o.test_fraction, OptionNumber(value, key));
    } else if (key == "l2") {
      SALESKIT_ASSIGN_OR_RETURN(o.l2, OptionNumber(value, key));
    } else if (key == "seed" || key == "min_level_count") {
      SALESKIT_ASSIGN_OR_RETURN(double d, OptionNumber(value, key));
      if (!(d >= 0 && d <= 9007199254740992.0) || d != std::floor(d)) {
        return OptionError(key, "a whole number >= 0");
      }
      if (key == "seed") {
        o.seed = static_cast<uint64_t>(d);
      } else {
        o.min_level_count = static_cast<int64_t>(d);
      }
    } else if (key == "class_weight") {
      if (value.kind_case() != google::protobuf::Value::kStringValue || value.string_value() != "balanced") {
        return OptionError(key, "\"balanced\" or null");
      }
      o.balanced_class_weight = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("options_json: unknown key \"", key, "\""));
    }
  }
  if (o.target.empty()) return absl::InvalidArgumentError("options_json: \"target\" is required");
  if (o.positive.empty()) return absl::InvalidArgumentError("options_json: \"positive\" is required");
  return o;
}

// Reads a CSV to score with `model`: only its features (and the target when
// `with_target`), with its categorical features read as categories.
absl::StatusOr<saleskit::Table> ReadModelCsv(const saleskit::PredictiveModel& model, const char* csv, size_t size,
                                             bool with_target) {
  saleskit::TableReadOptions read;
  read.only = model.FeatureNames();
  read.categorical = model.CategoricalFeatureNames();
  if (with_target) {
    read.only.push_back(model.proto().target());
    read.categorical.push_back(model.proto().target());
  }
  return saleskit::ReadTableCsv(absl::string_view(csv, size), read);
}

std::string FallbacksJson(const std::vector<saleskit::FeatureFallbacks>& fallbacks) {
  std::string out = "[";
  for (size_t i = 0; i < fallbacks.size(); ++i) {
    if (i > 0) out += ",";
    out += "{\"feature\":";
    saleskit::internal::AppendJsonString(fallbacks[i].feature, &out);
    absl::StrAppend(&out, ",\"unseen_levels\":", fallbacks[i].unseen_levels,
                    ",\"unexpected_missing\":", fallbacks[i].unexpected_missing, "}");
  }
  return out + "]";
}

// `head` names what is explained: "\"row\":3" or "\"customer_id\":\"c1\"".
std::string ExplanationJson(const std::string& head, const saleskit::Explanation& e) {
  std::string out = absl::StrCat("{", head, ",\"probability\":");
  saleskit::internal::AppendJsonNumber(e.probability, &out);
  out += ",\"log_odds\":";
  saleskit::internal::AppendJsonNumber(e.log_odds, &out);
  out += ",\"base_log_odds\":";
  saleskit::internal::AppendJsonNumber(e.base_log_odds, &out);
  out += ",\"top\":[";
  for (size_t i = 0; i < e.top.size(); ++i) {
    const saleskit::Contribution& c = e.top[i];
    if (i > 0) out += ",";
    out += "{\"feature\":";
    saleskit::internal::AppendJsonString(c.feature, &out);
    out += ",\"value\":";
    saleskit::internal::AppendJsonString(c.value, &out);
    out += c.kind == saleskit::ColumnKind::kNumeric ? ",\"kind\":\"numeric\"" : ",\"kind\":\"categorical\"";
    out += ",\"log_odds\":";
    saleskit::internal::AppendJsonNumber(c.log_odds, &out);
    out += "}";
  }
  return out + "]}";
}

}  // namespace

extern "C" {

saleskit_status saleskit_model_train(const char* csv, size_t size, const char* options_json, saleskit_model** out,
                                     char** report_json, size_t* report_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(out, "out");
    *out = nullptr;
    if (report_json != nullptr) *report_json = nullptr;
    if (report_size != nullptr) *report_size = 0;
    if (csv == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "csv must not be NULL");
    SALESKIT_REQUIRE(options_json, "options_json");
    std::vector<std::string> categorical;
    auto options = ParseTrainOptions(options_json, &categorical);
    if (!options.ok()) return FromStatus(options.status());
    saleskit::TableReadOptions read;
    read.categorical = std::move(categorical);
    read.categorical.push_back(options->target);
    read.categorical.insert(read.categorical.end(), options->exclude.begin(), options->exclude.end());
    auto table = saleskit::ReadTableCsv(absl::string_view(csv, size), read);
    if (!table.ok()) return FromStatus(table.status());
    auto result = saleskit::TrainPredictive(*table, *options);
    if (!result.ok()) return FromStatus(result.status());
    const std::string report = saleskit::internal::TrainReportJson(*result);
    std::unique_ptr<saleskit_model> model(NewModel(std::move(result->model)));
    if (report_json != nullptr) {
      *report_json = CopyOut(report);
      if (report_size != nullptr) *report_size = report.size();
    }
    *out = model.release();
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_model_load(const void* bytes, size_t size, saleskit_model** out) {
  return Guard([&] {
    SALESKIT_REQUIRE(out, "out");
    *out = nullptr;
    if (bytes == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "bytes must not be NULL");
    auto model = saleskit::PredictiveModel::Load(absl::string_view(static_cast<const char*>(bytes), size));
    if (!model.ok()) return FromStatus(model.status());
    *out = NewModel(*std::move(model));
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_model_save(const saleskit_model* model, int json, char** bytes, size_t* size) {
  return Guard([&] {
    SALESKIT_REQUIRE(model, "model");
    SALESKIT_REQUIRE(bytes, "bytes");
    *bytes = nullptr;
    if (size != nullptr) *size = 0;
    const std::string data = json != 0 ? model->model.ToJson() : model->model.ToBinary();
    *bytes = CopyOut(data);
    if (size != nullptr) *size = data.size();
    return FromStatus(absl::OkStatus());
  });
}

void saleskit_model_free(saleskit_model* model) { delete model; }

saleskit_status saleskit_model_predict(const saleskit_model* model, const char* csv, size_t size,
                                       double** probabilities, size_t* rows) {
  return Guard([&] {
    SALESKIT_REQUIRE(model, "model");
    SALESKIT_REQUIRE(probabilities, "probabilities");
    SALESKIT_REQUIRE(rows, "rows");
    *probabilities = nullptr;
    *rows = 0;
    if (csv == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "csv must not be NULL");
    auto table = ReadModelCsv(model->model, csv, size, false);
    if (!table.ok()) return FromStatus(table.status());
    auto predictions = saleskit::Predict(model->model, *table);
    if (!predictions.ok()) return FromStatus(predictions.status());
    const std::vector<double>& p = predictions->probabilities;
    if (!p.empty()) {
      double* array = static_cast<double*>(std::malloc(p.size() * sizeof(double)));
      if (array == nullptr) throw std::bad_alloc();
      std::memcpy(array, p.data(), p.size() * sizeof(double));
      *probabilities = array;
    }
    *rows = p.size();
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_model_explain(const saleskit_model* model, const char* csv, size_t size, int64_t row, int k,
                                       char** json, size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(model, "model");
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    if (csv == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "csv must not be NULL");
    if (k < 0) return Fail(SALESKIT_INVALID_ARGUMENT, absl::StrCat("k must be at least 0, got ", k));
    auto table = ReadModelCsv(model->model, csv, size, false);
    if (!table.ok()) return FromStatus(table.status());
    if (row < 0 || row >= table->rows()) {
      return Fail(SALESKIT_OUT_OF_RANGE,
                  absl::StrCat("row ", row, " is out of range: the data has ", table->rows(), " rows"));
    }
    auto explanation = saleskit::Explain(model->model, *table, row, k);
    if (!explanation.ok()) return FromStatus(explanation.status());
    return ReturnJson(ExplanationJson(absl::StrCat("\"row\":", row), *explanation), json, json_size);
  });
}

saleskit_status saleskit_model_evaluate(const saleskit_model* model, const char* csv, size_t size, char** json,
                                        size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(model, "model");
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    if (csv == nullptr && size > 0) return Fail(SALESKIT_INVALID_ARGUMENT, "csv must not be NULL");
    auto table = ReadModelCsv(model->model, csv, size, true);
    if (!table.ok()) return FromStatus(table.status());
    std::vector<saleskit::FeatureFallbacks> fallbacks;
    auto metrics = saleskit::Evaluate(model->model, *table, &fallbacks);
    if (!metrics.ok()) return FromStatus(metrics.status());
    std::string text = saleskit::BinaryMetricsToJson(*metrics);
    text.pop_back();  // the closing brace: the fallbacks join the metrics' object
    text += ",\"fallbacks\":" + FallbacksJson(fallbacks) + "}";
    return ReturnJson(text, json, json_size);
  });
}

}  // extern "C"

// ------------------------------------------------------------------ training from history, live predictions

namespace {

// Reads one record buffer of saleskit_model_train_history (NULL with size 0: none).
template <typename Record>
absl::Status ReadInput(const char* what, saleskit::Format format, const void* data, size_t size,
                       std::vector<Record>* out) {
  if (data == nullptr && size > 0) return absl::InvalidArgumentError(absl::StrCat(what, " must not be NULL"));
  if (size == 0) return absl::OkStatus();
  return saleskit::internal::ReadHistoryRecords<Record>(
      what, absl::string_view(static_cast<const char*>(data), size), format, saleskit::ReadOptions{}, out);
}

// The model bound to `engine` by saleskit_model_bind, or FAILED_PRECONDITION.
absl::StatusOr<std::shared_ptr<const saleskit::LiveModel>> BoundModel(saleskit_engine* engine,
                                                                       const saleskit_model* model) {
  absl::MutexLock lock(&engine->bound_mu);
  auto it = engine->bound.find(model->serial);
  if (it == engine->bound.end()) {
    return absl::FailedPreconditionError(
        "the model is not bound to this engine: call saleskit_model_bind before loading the events its features "
        "count");
  }
  return it->second;
}

}  // namespace

extern "C" {

saleskit_status saleskit_model_train_history(saleskit_format format, const void* customers, size_t customers_size,
                                             const void* accounts, size_t accounts_size, const void* events,
                                             size_t events_size, const void* deals, size_t deals_size,
                                             const char* options_json, saleskit_model** out, char** report_json,
                                             size_t* report_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(out, "out");
    *out = nullptr;
    if (report_json != nullptr) *report_json = nullptr;
    if (report_size != nullptr) *report_size = 0;
    SALESKIT_REQUIRE(options_json, "options_json");
    auto fmt = ToFormat(format);
    if (!fmt.ok()) return FromStatus(fmt.status());
    auto options = saleskit::internal::ParseHistoryOptionsJson(options_json);
    if (!options.ok()) return FromStatus(options.status());
    saleskit::HistoryRecords records;
    absl::Status read = ReadInput("customers", *fmt, customers, customers_size, &records.customers);
    if (read.ok()) read = ReadInput("accounts", *fmt, accounts, accounts_size, &records.accounts);
    if (read.ok()) read = ReadInput("events", *fmt, events, events_size, &records.events);
    if (read.ok()) read = ReadInput("deals", *fmt, deals, deals_size, &records.deals);
    if (!read.ok()) return FromStatus(read);
    auto result = saleskit::TrainFromHistory(records, options->history, options->train);
    if (!result.ok()) return FromStatus(result.status());
    const std::string report = saleskit::internal::TrainReportJson(*result);
    std::unique_ptr<saleskit_model> model(NewModel(std::move(result->model)));
    if (report_json != nullptr) {
      *report_json = CopyOut(report);
      if (report_size != nullptr) *report_size = report.size();
    }
    *out = model.release();
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_model_bind(saleskit_engine* engine, const saleskit_model* model) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(model, "model");
    absl::MutexLock lock(&engine->bound_mu);
    if (engine->bound.contains(model->serial)) return FromStatus(absl::OkStatus());
    auto live = engine->engine->BindModel(model->model);
    if (!live.ok()) return FromStatus(live.status());
    engine->bound.emplace(model->serial, *std::move(live));
    return FromStatus(absl::OkStatus());
  });
}

saleskit_status saleskit_engine_predict(saleskit_engine* engine, const saleskit_model* model, char** json,
                                        size_t* json_size, uint64_t* count) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(model, "model");
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    if (count != nullptr) *count = 0;
    auto live = BoundModel(engine, model);
    if (!live.ok()) return FromStatus(live.status());
    const std::vector<std::pair<std::string, double>> scored = engine->engine->PredictById(**live);
    std::string text = "{";
    for (size_t i = 0; i < scored.size(); ++i) {
      if (i > 0) text += ",";
      saleskit::internal::AppendJsonString(scored[i].first, &text);
      text += ":";
      saleskit::internal::AppendJsonNumber(scored[i].second, &text);
    }
    text += "}";
    if (count != nullptr) *count = scored.size();
    return ReturnJson(text, json, json_size);
  });
}

saleskit_status saleskit_engine_explain_prediction(saleskit_engine* engine, const saleskit_model* model,
                                                   const char* customer_id, int k, char** json, size_t* json_size) {
  return Guard([&] {
    SALESKIT_REQUIRE(engine, "engine");
    SALESKIT_REQUIRE(model, "model");
    SALESKIT_REQUIRE(customer_id, "customer_id");
    SALESKIT_REQUIRE(json, "json");
    *json = nullptr;
    if (json_size != nullptr) *json_size = 0;
    if (k < 0) return Fail(SALESKIT_INVALID_ARGUMENT, absl::StrCat("k must be at least 0, got ", k));
    auto live = BoundModel(engine, model);
    if (!live.ok()) return FromStatus(live.status());
    auto explanation = engine->engine->ExplainPrediction(**live, customer_id, k);
    if (!explanation.ok()) return FromStatus(explanation.status());
    std::string head = "\"customer_id\":";
    saleskit::internal::AppendJsonString(customer_id, &head);
    return ReturnJson(ExplanationJson(head, *explanation), json, json_size);
  });
}

}  // extern "C"
