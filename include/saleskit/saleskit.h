/*
 * saleskit C API: the stable ABI that host applications link (libsaleskit.so).
 *
 * Conventions
 * - Every fallible function returns a saleskit_status: SALESKIT_OK (0) or a
 *   code mirroring absl::StatusCode. The message of the last failed call on
 *   the calling thread is saleskit_last_error(); it stays valid until the next
 *   saleskit_ call on that thread. Successful calls clear it.
 * - No C++ exception ever crosses this boundary.
 * - Ownership is stated on every pointer. Memory the library returns is freed
 *   with saleskit_free(); the library never frees what the host passed in.
 * - Options structs start with a `size` field; fill them with their _init()
 *   function so that newer libraries can tell older hosts' structs apart.
 * - The header is C99. Functions are only ever added (a changed function gets
 *   a new name with a _v2 suffix).
 */
#ifndef SALESKIT_SALESKIT_H_
#define SALESKIT_SALESKIT_H_

#include <stddef.h>
#include <stdint.h>

#include "saleskit/version.h"

#if defined(_WIN32)
#if defined(SALESKIT_BUILDING_LIBRARY)
#define SALESKIT_API __declspec(dllexport)
#else
#define SALESKIT_API __declspec(dllimport)
#endif
#else
#define SALESKIT_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ status */

/* Status codes; the values match absl::StatusCode. */
typedef enum saleskit_status {
  SALESKIT_OK = 0,
  SALESKIT_CANCELLED = 1,
  SALESKIT_UNKNOWN = 2,
  SALESKIT_INVALID_ARGUMENT = 3,
  SALESKIT_DEADLINE_EXCEEDED = 4,
  SALESKIT_NOT_FOUND = 5,
  SALESKIT_ALREADY_EXISTS = 6,
  SALESKIT_PERMISSION_DENIED = 7,
  SALESKIT_RESOURCE_EXHAUSTED = 8,
  SALESKIT_FAILED_PRECONDITION = 9,
  SALESKIT_ABORTED = 10,
  SALESKIT_OUT_OF_RANGE = 11,
  SALESKIT_UNIMPLEMENTED = 12,
  SALESKIT_INTERNAL = 13,
  SALESKIT_UNAVAILABLE = 14,
  SALESKIT_DATA_LOSS = 15,
  SALESKIT_UNAUTHENTICATED = 16,
  /* Not a status: makes every int value valid for this type, so a host
   * passing an unknown value gets an error, not undefined behaviour. */
  SALESKIT_STATUS_MAX_ENUM_ = 0x7FFFFFFF
} saleskit_status;

/* The message of the last failed call on this thread ("" after a success).
 * Owned by the library; valid until the next saleskit_ call on this thread. */
SALESKIT_API const char* saleskit_last_error(void);

/* The name of a status code, e.g. "INVALID_ARGUMENT". Static storage. */
SALESKIT_API const char* saleskit_status_name(saleskit_status status);

/* ------------------------------------------------------------------ version */

/* SALESKIT_VERSION_NUMBER of the linked library; compare with the header's to
 * detect a mismatch (same major version means compatible). */
SALESKIT_API int saleskit_version_number(void);
/* "MAJOR.MINOR.PATCH" of the linked library. Static storage. */
SALESKIT_API const char* saleskit_version_string(void);

/* ------------------------------------------------------------------ memory */

/* Frees memory returned by the library (NULL is ignored). */
SALESKIT_API void saleskit_free(void* ptr);

/* ------------------------------------------------------------------ logging */

typedef enum saleskit_log_level {
  SALESKIT_LOG_DEBUG = 0,
  SALESKIT_LOG_INFO = 1,
  SALESKIT_LOG_WARNING = 2,
  SALESKIT_LOG_ERROR = 3,
  SALESKIT_LOG_LEVEL_MAX_ENUM_ = 0x7FFFFFFF /* not a level; see saleskit_status */
} saleskit_log_level;

/* Receives log lines. `message` is owned by the library and valid only during
 * the call. Called on the thread that made the call being logged. */
typedef void (*saleskit_log_fn)(saleskit_log_level level, const char* message, void* user_data);

/* ------------------------------------------------------------------ engine */

/* An engine: the customer store, its catalog and its clock. Calls on one
 * engine may come from any threads: writes are serialised, reads run
 * concurrently. saleskit_engine_close must not race with other calls. */
typedef struct saleskit_engine saleskit_engine;

typedef struct saleskit_engine_options {
  size_t size; /* sizeof(saleskit_engine_options), set by _init */
  /* Events with an id are de-duplicated over this horizon of occurred_at, in
   * seconds (default 7 days). */
  int64_t dedup_horizon_seconds;
  /* Where the engine clock starts, in microseconds since the Unix epoch (default 0). */
  int64_t start_time_micros;
  /* Optional log callback and its user data; min_log_level filters. */
  saleskit_log_fn log;
  void* log_user_data;
  saleskit_log_level min_log_level;
  /* The outbox (saleskit_outbox_poll): a nacked entry is retried after
   * outbox_retry_base_seconds * 2^(attempts-1), at most
   * outbox_retry_max_seconds; after outbox_max_attempts nacks it is dead
   * (on the dead-letter list). Defaults 5, 60 (1 minute) and 21600 (6 hours).
   * Added after the fields above: a struct from an older header, whose size
   * ends before them, gets the defaults. */
  uint32_t outbox_max_attempts;
  int64_t outbox_retry_base_seconds;
  int64_t outbox_retry_max_seconds;
} saleskit_engine_options;

/* Fills `options` with the defaults. */
SALESKIT_API void saleskit_engine_options_init(saleskit_engine_options* options);

/* Opens an in-memory engine. `options` may be NULL for the defaults. On
 * success *engine is a new handle, to be closed with saleskit_engine_close.
 * SALESKIT_INVALID_ARGUMENT for bad outbox options (outbox_max_attempts 0,
 * a retry base of 0 or less, a retry maximum below the base). */
SALESKIT_API saleskit_status saleskit_engine_open(const saleskit_engine_options* options,
                                                  saleskit_engine** engine);

/* Closes an engine and frees everything it holds. NULL is ignored. A durable
 * engine (saleskit_engine_open_path) commits its pending journal entries and
 * releases its state file first. */
SALESKIT_API void saleskit_engine_close(saleskit_engine* engine);

/* ------------------------------------------------------------------ durable state */

/* When a durable engine's inputs are acknowledged (docs/state.md). */
typedef enum saleskit_durability {
  /* Every mutating call commits (and fsyncs) its journal entry before it
   * returns: an OK return is the acknowledgement. */
  SALESKIT_DURABILITY_SYNC = 0,
  /* Entries are committed every batch_records entries or when the oldest
   * pending one is batch_interval_millis old (checked on each call, no
   * timer thread), and by saleskit_engine_flush and saleskit_engine_close. */
  SALESKIT_DURABILITY_BATCHED = 1,
  SALESKIT_DURABILITY_MAX_ENUM_ = 0x7FFFFFFF /* not a mode; see saleskit_status */
} saleskit_durability;

typedef struct saleskit_state_options {
  size_t size; /* sizeof(saleskit_state_options), set by _init */
  saleskit_durability durability; /* default SALESKIT_DURABILITY_SYNC */
  uint64_t batch_records;         /* batched mode: default 1000, at least 1 */
  int64_t batch_interval_millis;  /* batched mode: default 100 */
  /* A checkpoint is written once this many entries have been journaled
   * since the last one (0: only by saleskit_engine_checkpoint); default
   * 10000. A reopen replays at most about this many entries. */
  uint64_t checkpoint_every;
} saleskit_state_options;

/* Fills `options` with the defaults (sync mode). */
SALESKIT_API void saleskit_state_options_init(saleskit_state_options* options);

/* Opens a durable engine over the state file at `path` (NUL-terminated,
 * borrowed for the call; created if absent): the file's journal is replayed,
 * so the engine comes back with the customers, definitions, playbook,
 * outbox, tasks and audit log it had, and every successful mutating call is
 * journaled from then on. `options` and `state` may be NULL for the
 * defaults; options->start_time_micros is recorded when the file is created,
 * and an existing file's recorded start wins. On success *engine is a new
 * handle, to be closed with saleskit_engine_close (which releases the file).
 * Errors, with saleskit_last_error() naming the file:
 * - SALESKIT_FAILED_PRECONDITION: the file is locked by another process or
 *   by another engine of this one ("... is locked by another process (or
 *   another engine in this one)"), or was written by a newer saleskit;
 * - SALESKIT_DATA_LOSS: the file is not a saleskit state file, is damaged,
 *   or an entry does not replay (the message gives its seq);
 * - SALESKIT_INVALID_ARGUMENT: bad options (as saleskit_engine_open; a
 *   durability outside the enum; batch_records 0 in batched mode);
 * - SALESKIT_UNKNOWN or SALESKIT_INTERNAL for an I/O error.
 * A file with a checkpoint loads it and replays only the entries after it. */
SALESKIT_API saleskit_status saleskit_engine_open_path(const char* path, const saleskit_engine_options* options,
                                                       const saleskit_state_options* state,
                                                       saleskit_engine** engine);

/* Commits the pending journal entries: in batched mode, the acknowledgement
 * of every input before it. SALESKIT_OK (and nothing done) for an in-memory
 * engine. If the write fails the engine refuses further changes
 * (SALESKIT_FAILED_PRECONDITION) until it is reopened. A write. */
SALESKIT_API saleskit_status saleskit_engine_flush(saleskit_engine* engine);

/* *count receives the number of committed (acknowledged) journal entries:
 * one per successful mutating call since the state file was created. A host
 * numbering its inputs the same way resumes its input stream from there
 * after a reopen. 0 for an in-memory engine. */
SALESKIT_API saleskit_status saleskit_engine_acknowledged(saleskit_engine* engine, uint64_t* count);

/* Writes a checkpoint: the whole engine state as of the last journaled
 * input, in one transaction with deleting the journal entries it covers, so
 * that a reopen loads it and replays only what came after (docs/state.md).
 * Commits pending entries first. SALESKIT_OK (and nothing done) for an
 * in-memory engine; SALESKIT_FAILED_PRECONDITION when the engine refuses
 * changes after a failed write. On an error the file is as it was. A write. */
SALESKIT_API saleskit_status saleskit_engine_checkpoint(saleskit_engine* engine);

/* *seq receives the journal seq the state file's checkpoint covers through
 * (0: none yet, or an in-memory engine). */
SALESKIT_API saleskit_status saleskit_engine_checkpoint_seq(saleskit_engine* engine, uint64_t* seq);

/* ------------------------------------------------------------------ loading */

typedef enum saleskit_format {
  SALESKIT_FORMAT_PROTOBUF = 0, /* length-delimited messages (varint size prefix) */
  SALESKIT_FORMAT_JSON = 1,     /* an array of objects, protobuf JSON mapping */
  SALESKIT_FORMAT_NDJSON = 2,   /* one JSON object per line */
  SALESKIT_FORMAT_CSV = 3,      /* header row of field names; see docs/formats.md */
  SALESKIT_FORMAT_MAX_ENUM_ = 0x7FFFFFFF /* not a format; see saleskit_status */
} saleskit_format;

typedef enum saleskit_on_invalid {
  SALESKIT_REJECT_BATCH = 0, /* any invalid record rejects the batch; nothing applied */
  SALESKIT_SKIP_RECORD = 1,  /* valid records applied; invalid ones counted */
  SALESKIT_ON_INVALID_MAX_ENUM_ = 0x7FFFFFFF /* not a mode; see saleskit_status */
} saleskit_on_invalid;

typedef enum saleskit_unknown_customer {
  SALESKIT_UNKNOWN_CUSTOMER_ERROR = 0, /* an event for an unknown customer is invalid */
  SALESKIT_UNKNOWN_CUSTOMER_SKIP = 1,  /* ... is skipped and counted */
  SALESKIT_UNKNOWN_CUSTOMER_CREATE = 2, /* ... creates the customer */
  SALESKIT_UNKNOWN_CUSTOMER_MAX_ENUM_ = 0x7FFFFFFF /* not a mode; see saleskit_status */
} saleskit_unknown_customer;

typedef struct saleskit_load_options {
  size_t size; /* sizeof(saleskit_load_options), set by _init */
  saleskit_on_invalid on_invalid;
  saleskit_unknown_customer unknown_customer;
  int ignore_unknown_fields; /* nonzero: unknown fields/columns are ignored, not errors */
  /* CSV only, may be NULL: a schema as JSON, {"attrs": {"NAME": "int64", ...}}. */
  const char* csv_schema_json;
} saleskit_load_options;

/* What a load did. Fill with saleskit_load_report_init() before the call. */
typedef struct saleskit_load_report {
  size_t size; /* sizeof(saleskit_load_report), set by _init */
  uint64_t received;
  uint64_t inserted;
  uint64_t updated;
  uint64_t duplicates;
  uint64_t skipped_unknown_customer;
  uint64_t created_customers;
  uint64_t rejected;
  /* With SALESKIT_SKIP_RECORD and rejected > 0: the rejected records as a
   * NUL-terminated JSON array of {"index", "line", "binary", "field",
   * "message"} objects (index 0-based), to free with saleskit_free().
   * NULL when nothing was rejected. */
  char* rejected_json;
} saleskit_load_report;

/* Fills `options` with the defaults (reject the batch on any invalid record). */
SALESKIT_API void saleskit_load_options_init(saleskit_load_options* options);
/* Zeroes `report` and sets its size. */
SALESKIT_API void saleskit_load_report_init(saleskit_load_report* report);

/* Upserts customers from `data` (`size` bytes, not NUL-terminated; borrowed
 * for the call) in `format`. Fields absent from a record keep their stored
 * value. `options` may be NULL for the defaults; `report` may be NULL. On an
 * error nothing is applied and saleskit_last_error() names the records. */
SALESKIT_API saleskit_status saleskit_upsert_customers(saleskit_engine* engine, saleskit_format format,
                                                       const void* data, size_t size,
                                                       const saleskit_load_options* options,
                                                       saleskit_load_report* report);
/* Ingests events (de-duplicated by id, any timestamp order). As above. */
SALESKIT_API saleskit_status saleskit_ingest_events(saleskit_engine* engine, saleskit_format format,
                                                    const void* data, size_t size,
                                                    const saleskit_load_options* options,
                                                    saleskit_load_report* report);
/* Upserts accounts. As above. */
SALESKIT_API saleskit_status saleskit_upsert_accounts(saleskit_engine* engine, saleskit_format format,
                                                      const void* data, size_t size,
                                                      const saleskit_load_options* options,
                                                      saleskit_load_report* report);
/* Upserts deals. As above. */
SALESKIT_API saleskit_status saleskit_upsert_deals(saleskit_engine* engine, saleskit_format format,
                                                   const void* data, size_t size,
                                                   const saleskit_load_options* options,
                                                   saleskit_load_report* report);

/* ------------------------------------------------------------------ reading */

/* Reads customer `id` (NUL-terminated) as JSON (SALESKIT_FORMAT_JSON, snake_case
 * names, absent fields omitted) or as one serialized saleskit.v1.Customer
 * (SALESKIT_FORMAT_PROTOBUF, no size prefix). *out receives a buffer to free
 * with saleskit_free() (NUL-terminated for JSON) and *out_size its length.
 * SALESKIT_NOT_FOUND if there is no such customer. */
SALESKIT_API saleskit_status saleskit_get_customer(saleskit_engine* engine, const char* id,
                                                   saleskit_format format, char** out, size_t* out_size);

/* Reads what the engine keeps of customer `id`'s events: a saleskit.v1.CustomerActivity
 * (per event type: count, sum of values, first and last time), as JSON or
 * protobuf bytes, returned like saleskit_get_customer. SALESKIT_NOT_FOUND if
 * there is no such customer. */
SALESKIT_API saleskit_status saleskit_get_activity(saleskit_engine* engine, const char* id,
                                                   saleskit_format format, char** out, size_t* out_size);

/* The number of customers in the engine. */
SALESKIT_API saleskit_status saleskit_customer_count(saleskit_engine* engine, uint64_t* count);

/* Erases customer `id` and every trace of them. SALESKIT_NOT_FOUND if
 * unknown. On a durable engine the erasure is followed at once by a
 * checkpoint that deletes the journal holding the customer's records. */
SALESKIT_API saleskit_status saleskit_erase_customer(saleskit_engine* engine, const char* id);

/* Erases `count` customers (`ids[0..count)`) as saleskit_erase_customer
 * does, with one checkpoint for them all on a durable engine, where erasing
 * one by one takes one checkpoint each. All or none: the first id that is
 * unknown (SALESKIT_NOT_FOUND) or repeats an earlier one
 * (SALESKIT_INVALID_ARGUMENT) is the error, with a message naming it and its
 * position ("erase 3 of 50: no customer with id \"x\"; nothing was
 * erased"), and no customer is erased. SALESKIT_INVALID_ARGUMENT for a NULL
 * `ids` with `count` > 0 or a NULL id. */
SALESKIT_API saleskit_status saleskit_erase_customers(saleskit_engine* engine, const char* const* ids,
                                                      size_t count);

/* ------------------------------------------------------------------ clock */

/* The engine clock, microseconds since the Unix epoch. */
SALESKIT_API saleskit_status saleskit_now(saleskit_engine* engine, int64_t* micros);
/* Moves the engine clock forward; SALESKIT_INVALID_ARGUMENT if `micros` is in its past. */
SALESKIT_API saleskit_status saleskit_advance_to(saleskit_engine* engine, int64_t micros);

/* ------------------------------------------------------------------ expressions */

/* A CEL expression about customers (docs/cel.md), compiled by one engine:
 *   customer.country == "DE" && events.count("email_click", days(30)) >= 2
 * Immutable: any number of threads may evaluate and match the same expression
 * at once. Only the engine that compiled it evaluates it. It may be destroyed
 * before or after its engine is closed, but not while a call uses it. */
typedef struct saleskit_expression saleskit_expression;

/* Compiles `source` (`size` bytes of UTF-8, not NUL-terminated; borrowed for
 * the call). With `condition` nonzero the expression must be bool, so that
 * saleskit_expression_match can run it. On success *expression is a new
 * handle, to be freed with saleskit_expression_destroy. On failure
 * *expression is NULL and saleskit_last_error() holds the problems found, one
 * per line, each with its 1-based line and column ("Syntax error: 2:3: ..."
 * or "ERROR: 1:9: undefined field 'emial' ..."): SALESKIT_INVALID_ARGUMENT for
 * syntax, name and type errors and windows that are not whole days or hours,
 * SALESKIT_RESOURCE_EXHAUSTED over the limits (100 KB of source, nesting
 * depth 250). From this call on the engine keeps the expression's event
 * windows: events ingested before it are in no window. A write: serialised
 * with loads on the engine. */
SALESKIT_API saleskit_status saleskit_expression_compile(saleskit_engine* engine, const char* source, size_t size,
                                                         int condition, saleskit_expression** expression);

/* Frees an expression. NULL is ignored. */
SALESKIT_API void saleskit_expression_destroy(saleskit_expression* expression);

/* Nonzero when the expression is bool-typed (a condition that
 * saleskit_expression_match can run), whatever `condition` it was compiled
 * with; 0 otherwise and for NULL. */
SALESKIT_API int saleskit_expression_is_condition(const saleskit_expression* expression);

/* Evaluates `expression` for customer `customer_id` (NUL-terminated) at the
 * engine clock. *json receives its result as NUL-terminated JSON, to free with
 * saleskit_free(), and *json_size (which may be NULL) its length:
 *   {"type":"bool","value":true}
 *   {"type":"timestamp","value":"2026-01-05T10:00:00Z"}
 *   {"error":"no such overload: _<_(null, int)"}
 * "type" is the CEL type name; the value mapping is in docs/c_api.md. A
 * failed evaluation (e.g. comparing a never-set field) is SALESKIT_OK with
 * an {"error": message} result: as a condition it does not match.
 * SALESKIT_NOT_FOUND if there is no such customer; SALESKIT_INVALID_ARGUMENT
 * if another engine compiled the expression. A read. */
SALESKIT_API saleskit_status saleskit_expression_evaluate(saleskit_engine* engine,
                                                          const saleskit_expression* expression,
                                                          const char* customer_id, char** json, size_t* json_size);

/* The ids of every customer a condition is true for at the engine clock, in
 * id order, as a NUL-terminated JSON array of strings (["c1","c7"]) in *json,
 * to free with saleskit_free(); *json_size and *count (either may be NULL)
 * receive its length and the number of ids.
 * SALESKIT_FAILED_PRECONDITION if the expression is not bool-typed;
 * SALESKIT_INVALID_ARGUMENT if another engine compiled it. A read. */
SALESKIT_API saleskit_status saleskit_expression_match(saleskit_engine* engine, const saleskit_expression* expression,
                                                       char** json, size_t* json_size, uint64_t* count);

/* ------------------------------------------------------------------ segments */

/* Live segments (docs/segments.md): named CEL conditions about customers
 * whose membership the engine keeps current on every load, erasure and clock
 * move, with an enter/exit record for each change. Names are 1-128 bytes of
 * letters, digits, '_', '-' and '.', starting with a letter. All strings are
 * NUL-terminated UTF-8, borrowed for the call. Definitions are writes
 * (serialised with loads); the rest are reads. */

/* Defines one segment (description may be NULL) and evaluates it for every
 * customer at the engine clock; each member gets an enter record.
 * SALESKIT_INVALID_ARGUMENT, with saleskit_last_error() naming the segment,
 * for: a bad or already defined name, a condition that does not compile
 * ("segment \"x\": ERROR: 1:9: ...") or is not bool ("segment \"x\": the
 * condition must be bool, not int"), and in_segment() of an unknown
 * segment. From this call on the engine keeps the condition's event windows. */
SALESKIT_API saleskit_status saleskit_segment_define(saleskit_engine* engine, const char* name, const char* condition,
                                                     const char* description);

/* Defines a saleskit.v1.Playbook (proto/saleskit/v1/playbook.proto) from
 * `data` (`size` bytes, borrowed) as JSON or protobuf bytes, all or nothing:
 * its event kinds, then its segments, which may refer to each other in any
 * order:
 *   {"event_kinds": [{"name": "pricing_view",
 *                     "condition": "event.type == \"page_view\" && event.properties.url.startsWith(\"/pricing\")"}],
 *    "segments": [{"name": "hot", "condition": "in_segment(\"de\") && events.count(\"pricing_view\", days(30)) >= 2"},
 *                 {"name": "de", "condition": "customer.country == \"DE\""}]}
 * It may carry "scores" too (saleskit.v1.ScoreDef, see saleskit_score_define),
 * and the automation: "rules", "owners", "pools", "policies" and "version"
 * (see "automation" below), which replace the running ones atomically:
 *   {"version": "2026-11", "owners": [{"id": "ann"}, {"id": "bob", "unavailable": true}],
 *    "pools": [{"name": "reps", "strategy": "ROUND_ROBIN", "owners": ["ann", "bob"]}],
 *    "policies": {"caps": [{"channel": "email", "max": 1, "window": "86400s"}]},
 *    "rules": [{"name": "route", "trigger": {"segment": {"segment": "hot", "on": "ENTER"}},
 *               "actions": [{"assign_owner": {"pool": "reps"}}]}]}
 * Event kinds, segments and scores already defined exactly so are kept; a
 * different definition under a defined name is SALESKIT_FAILED_PRECONDITION.
 * Errors as saleskit_segment_define, and: a cycle of in_segment() references
 * ("segments refer to each other in a cycle: a -> b -> a"), a name defined
 * twice, an event kind whose name is an ingested event type, a rule, pool,
 * owner or policy the runner refuses (named with its field: "rule \"r\":
 * trigger.segment: there is no segment named \"nope\""), and malformed
 * JSON or bytes. */
SALESKIT_API saleskit_status saleskit_playbook_define(saleskit_engine* engine, saleskit_format format, const void* data,
                                                      size_t size);

/* Removes a segment and its memberships (its change records stay).
 * SALESKIT_NOT_FOUND if unknown; SALESKIT_FAILED_PRECONDITION while another
 * segment reads it. */
SALESKIT_API saleskit_status saleskit_segment_remove(saleskit_engine* engine, const char* name);

/* The segments as a saleskit.v1.Playbook in JSON (segments in dependency
 * order, then the event kinds and the scores, and the running rules, owners,
 * pools, policies and version), NUL-terminated in *json, to free with
 * saleskit_free(); *json_size (may be NULL) its length. */
SALESKIT_API saleskit_status saleskit_playbook_get(saleskit_engine* engine, char** json, size_t* json_size);

/* The members' ids, sorted, as a JSON array of strings in *json (free with
 * saleskit_free()); *json_size and *count may be NULL. SALESKIT_NOT_FOUND
 * for an unknown segment. */
SALESKIT_API saleskit_status saleskit_segment_members(saleskit_engine* engine, const char* name, char** json,
                                                      size_t* json_size, uint64_t* count);
/* The number of members. SALESKIT_NOT_FOUND for an unknown segment. */
SALESKIT_API saleskit_status saleskit_segment_count(saleskit_engine* engine, const char* name, uint64_t* count);
/* *member = 1 if the customer is a member, else 0. SALESKIT_NOT_FOUND for
 * an unknown segment or customer. */
SALESKIT_API saleskit_status saleskit_segment_is_member(saleskit_engine* engine, const char* name,
                                                        const char* customer_id, int* member);

/* The enter/exit records with seq > `after`, oldest first, at most `limit`
 * (0: all), as a JSON array in *json (free with saleskit_free()):
 *   [{"seq":1,"at":"2026-03-15T00:00:00Z","segment":"engaged","customer_id":"c1","kind":"exit"}]
 * seq starts at 1 and increases by 1 (erasing a customer removes their
 * records). *last_seq (may be NULL) receives the newest seq in the log, so
 * that a host can poll with after = the last seq it processed. */
SALESKIT_API saleskit_status saleskit_segment_changes(saleskit_engine* engine, uint64_t after, uint64_t limit,
                                                      char** json, size_t* json_size, uint64_t* last_seq);
/* Forgets the change records with seq <= `through` (consumed by the host). */
SALESKIT_API saleskit_status saleskit_segment_trim_changes(saleskit_engine* engine, uint64_t through);

/* The value of each clause of the segment's condition for one customer at
 * the engine clock: the operands of its &&, || and ! at any depth, in source
 * order, as JSON in *json (free with saleskit_free()):
 *   {"segment":"x","customer_id":"c1","member":false,"at":"2026-03-01T00:00:00Z",
 *    "clauses":[{"depth":0,"text":"customer.country == \"DE\"","result":{"type":"bool","value":true}},
 *               {"depth":0,"text":"customer.employee_count >= 50","result":{"error":"no such overload: ..."}}]}
 * SALESKIT_NOT_FOUND for an unknown segment or customer. */
SALESKIT_API saleskit_status saleskit_segment_explain(saleskit_engine* engine, const char* name,
                                                      const char* customer_id, char** json, size_t* json_size);

/* Every segment evaluated from scratch by the columnar evaluator at the
 * engine clock (what the live memberships equal), as JSON in *json (free
 * with saleskit_free()): [{"segment":"de","count":2,"members":["c1","c2"]},...]
 * in dependency order, members sorted. */
SALESKIT_API saleskit_status saleskit_segments_evaluate(saleskit_engine* engine, char** json, size_t* json_size);

/* ------------------------------------------------------------------ points scores */

/* Points scores (docs/scores.md): named sums of rule points about customers
 * (condition rules while a CEL condition holds, event rules per event,
 * fading by a half-life or time frame), clamped, graded, with a crossing
 * record for each threshold a customer's value crosses, up or down, at its
 * exact instant; a threshold may promote the customer's lifecycle stage.
 * The engine keeps them current on every load, erasure and clock move.
 * Names follow the segment rules. All strings are NUL-terminated UTF-8,
 * borrowed for the call. Definitions are writes (serialised with loads); the
 * rest are reads. A playbook (saleskit_playbook_define) may carry scores too. */

/* Defines scores from `data` (`size` bytes, borrowed), all or none, and
 * computes them for every customer at the engine clock (a customer at or
 * above a threshold gets an up crossing and its promotion). Event rules count
 * the events ingested from this call on. The data is JSON, either one
 * saleskit.v1.ScoreDef (proto/saleskit/v1/playbook.proto) or an array of
 * them, with the protobuf JSON names and durations as "86400s":
 *   {"name": "lead", "rules": [{"condition": "customer.country == 'DE'", "points": 20},
 *                              {"event": "email_click", "points": 5, "max_per_window": 2, "window": "86400s"}],
 *    "decay": {"half_life": "2592000s"}, "min": 0, "max": 100,
 *    "grades": [{"grade": "A", "min": 50}],
 *    "thresholds": [{"value": 30, "name": "mql", "promote_to": "LIFECYCLE_STAGE_MARKETING_QUALIFIED"}]}
 * or one serialized saleskit.v1.ScoreDef (SALESKIT_FORMAT_PROTOBUF).
 * SALESKIT_INVALID_ARGUMENT, with saleskit_last_error() naming the score (and
 * rule), for: a bad or duplicate name, no rules, a rule with neither or both
 * of condition and event, a condition that does not compile or is not bool,
 * a maximum without a window, a bad decay, min > max, a threshold or grade
 * outside [min, max] or two thresholds at one value, and malformed JSON or
 * bytes. */
SALESKIT_API saleskit_status saleskit_score_define(saleskit_engine* engine, saleskit_format format, const void* data,
                                                   size_t size);

/* Removes a score (its crossing records stay). SALESKIT_NOT_FOUND if
 * unknown; SALESKIT_FAILED_PRECONDITION while a segment reads it through
 * score(). */
SALESKIT_API saleskit_status saleskit_score_remove(saleskit_engine* engine, const char* name);

/* A customer's score at the engine clock in *value, and, when `grade` is not
 * NULL, its grade in *grade as a NUL-terminated string to free with
 * saleskit_free() ("" below every band). SALESKIT_NOT_FOUND for an unknown
 * score or customer. */
SALESKIT_API saleskit_status saleskit_score_get(saleskit_engine* engine, const char* name, const char* customer_id,
                                                double* value, char** grade);

/* Why a customer has their score at the engine clock, as JSON in *json
 * (free with saleskit_free()); *json_size may be NULL. Rules in definition
 * order; an event rule lists its counted events oldest first, with what each
 * is worth now ("points"), the rule's points ("full_points"), whether it is
 * over the window maximum, and when it stops counting ("expires", null for
 * never):
 *   {"score":"lead","customer_id":"c1","at":"2026-03-02T00:00:00Z","value":30,"unclamped":30,"grade":"B",
 *    "rules":[{"rule":"customer.country == 'DE'","event":false,"points":20,"holds":true,"events":[]},
 *             {"rule":"email_click","event":true,"points":10,"holds":false,
 *              "events":[{"at":"2026-03-01T08:00:00Z","points":5,"full_points":5,"over_maximum":false,
 *                         "expires":null}]}]}
 * SALESKIT_NOT_FOUND for an unknown score or customer. */
SALESKIT_API saleskit_status saleskit_score_explain(saleskit_engine* engine, const char* name,
                                                    const char* customer_id, char** json, size_t* json_size);

/* The threshold crossings with seq > `after`, oldest first, at most `limit`
 * (0: all), as a JSON array in *json (free with saleskit_free()):
 *   [{"seq":1,"at":"2026-03-01T12:00:00Z","score":"lead","customer_id":"c1","threshold":"mql",
 *     "threshold_value":30,"direction":"up","value":35,"promoted_to":"marketing_qualified"}]
 * "value" is the score after the change; "promoted_to" is the lifecycle stage
 * the crossing moved the customer to, or null. seq starts at 1 and increases
 * by 1 (erasing a customer removes their records). *last_seq (may be NULL)
 * receives the newest seq in the log, so that a host can poll with after =
 * the last seq it processed. */
SALESKIT_API saleskit_status saleskit_score_crossings(saleskit_engine* engine, uint64_t after, uint64_t limit,
                                                      char** json, size_t* json_size, uint64_t* last_seq);
/* Forgets the crossing records with seq <= `through` (consumed by the host). */
SALESKIT_API saleskit_status saleskit_score_trim_crossings(saleskit_engine* engine, uint64_t through);

/* Every score recomputed from scratch at the engine clock (what the live
 * values equal), as JSON in *json (free with saleskit_free()), in definition
 * order, each customer's value by id, ids sorted:
 *   [{"score":"lead","values":{"c1":30,"c2":0}},...] */
SALESKIT_API saleskit_status saleskit_scores_evaluate(saleskit_engine* engine, char** json, size_t* json_size);

/* ------------------------------------------------------------------ automation */

/* The automation runner (docs/automation.md): the rules of the playbook
 * (saleskit_playbook_define) fire on events, segment changes, score
 * crossings, field and lifecycle changes, dates, inactivity and schedules.
 * Internal actions change the records at once; external ones (send_email,
 * notify_owner, webhook) wait in the outbox for the host to deliver: the
 * library never sends anything. Every decision is an audit record. Strings
 * are NUL-terminated UTF-8, borrowed for the call. Polling, acking, nacking
 * and trimming are writes (serialised with loads); the rest are reads.
 *
 * The lists come back as JSON arrays, one object per record, in the shape of
 * saleskit_segment_changes: snake_case keys, seq and counts as numbers,
 * times as RFC 3339 strings in UTC, enum values as lower-case names
 * ("pending", "no_consent"), absent values as null. An outbox entry's
 * "action" is the saleskit.v1.Action as saleskit_playbook_get prints it.
 * Each list is NUL-terminated in *json, to free with saleskit_free();
 * *json_size and *count (either may be NULL) receive its length and the
 * number of records. On an error *json is NULL. */

/* The states of an outbox entry (saleskit.v1.OutboxEntry.State). */
typedef enum saleskit_outbox_state {
  SALESKIT_OUTBOX_ANY = 0,     /* as a filter: every state */
  SALESKIT_OUTBOX_PENDING = 1, /* waiting for delivery, or for its retry time */
  SALESKIT_OUTBOX_DONE = 2,    /* acked by the host */
  SALESKIT_OUTBOX_DEAD = 3,    /* nacked outbox_max_attempts times: a dead letter */
  SALESKIT_OUTBOX_STATE_MAX_ENUM_ = 0x7FFFFFFF /* not a state; see saleskit_status */
} saleskit_outbox_state;

/* Up to `limit` (0: all) outbox entries due at the engine clock, oldest
 * first, at most one per customer: a customer's next entry is held back
 * while an earlier one of theirs is in flight or waiting (quiet hours,
 * retry backoff), so each customer's entries are delivered in order.
 *   [{"seq":1,"id":"6f1c...","customer_id":"c1","rule":"welcome",
 *     "trigger":"event signup e1 at 2026-11-02T11:00:00Z",
 *     "action":{"send_email":{"template_id":"welcome-de"}},"owner_id":null,
 *     "created_at":"2026-11-02T12:00:00Z","available_at":"2026-11-02T12:00:00Z",
 *     "attempts":0,"state":"pending","last_error":null}]
 * Polled entries are in flight (not polled again) until acked or nacked.
 * Ids are stable (the same decision always has the same id), so a host that
 * crashes between delivering and acking can recognise a repeat. A write. */
SALESKIT_API saleskit_status saleskit_outbox_poll(saleskit_engine* engine, uint64_t limit, char** json,
                                                  size_t* json_size, uint64_t* count);

/* The host delivered entry `id`: it is done. Acking a done entry again is
 * SALESKIT_OK. SALESKIT_NOT_FOUND for an unknown id (the message names it:
 * "no outbox entry with id \"x\""); SALESKIT_FAILED_PRECONDITION for a dead
 * entry. A write. */
SALESKIT_API saleskit_status saleskit_outbox_ack(saleskit_engine* engine, const char* id);

/* Acks `count` entries (`ids[0..count)`) in one write: one journal entry
 * on a durable engine, where acking one by one writes one each. All or
 * none: the first id saleskit_outbox_ack would refuse is the error, with
 * its status and a message naming the id and its position ("ack 3 of 50:
 * no outbox entry with id \"x\"; nothing was acked"), and no entry is
 * acked. SALESKIT_INVALID_ARGUMENT for a NULL `ids` with `count` > 0 or a
 * NULL id. A write. */
SALESKIT_API saleskit_status saleskit_outbox_ack_many(saleskit_engine* engine, const char* const* ids,
                                                      size_t count);

/* Delivering entry `id` failed with `error` (may be NULL; kept as the
 * entry's last_error): it is polled again after a backoff (see
 * saleskit_engine_options), or is dead after outbox_max_attempts nacks.
 * SALESKIT_NOT_FOUND for an unknown id (named as for saleskit_outbox_ack);
 * SALESKIT_FAILED_PRECONDITION for a done or dead entry. A write. */
SALESKIT_API saleskit_status saleskit_outbox_nack(saleskit_engine* engine, const char* id, const char* error);

/* The outbox entries with seq > `after` in `state` (SALESKIT_OUTBOX_ANY for
 * every state), oldest first, at most `limit` (0: all), as JSON objects as
 * saleskit_outbox_poll returns them. Reading does not put entries in
 * flight. SALESKIT_INVALID_ARGUMENT for a `state` outside the enum. */
SALESKIT_API saleskit_status saleskit_outbox_entries(saleskit_engine* engine, uint64_t after, uint64_t limit,
                                                     saleskit_outbox_state state, char** json, size_t* json_size,
                                                     uint64_t* count);

/* The audit records with seq > `after`, oldest first, at most `limit` (0:
 * all); only customer `customer_id`'s and only rule `rule`'s when these are
 * not NULL (NULL or "" for any). One record per decision about one rule for
 * one customer:
 *   [{"seq":1,"at":"2026-11-02T12:00:00Z","rule":"welcome","playbook_version":"v1",
 *     "customer_id":"c2","trigger":"event signup e2 at 2026-11-02T11:00:00Z","depth":0,
 *     "outcome":"skipped","reason":"condition_false",
 *     "reads":[{"name":"customer.country == \"DE\"","value":"false"}],"actions":[]},
 *    {"seq":2,...,"outcome":"fired","reason":null,"actions":[
 *       {"index":0,"id":null,"result":"skipped","reason":"no_consent","detail":null}]}]
 * "outcome" is "fired" or "skipped" (then "reason" says why); each action
 * of a fired rule has a "result" ("applied", "outbox", "deferred",
 * "skipped") and a "reason" when skipped. Reasons are the lower-case names
 * of saleskit.v1.SkipReason ("condition_false", "do_not_contact",
 * "no_consent", "frequency_cap", "contact_budget", "priority", "loop_limit",
 * ...). "depth" is 0 for a change by the host or the clock, n for one made
 * by a rule at depth n-1. */
SALESKIT_API saleskit_status saleskit_audit_query(saleskit_engine* engine, uint64_t after, uint64_t limit,
                                                  const char* customer_id, const char* rule, char** json,
                                                  size_t* json_size, uint64_t* count);

/* Forgets the audit records with seq <= `through` (consumed by the host). A write. */
SALESKIT_API saleskit_status saleskit_audit_trim(saleskit_engine* engine, uint64_t through);

/* The tasks the rules created (create_task) and the host has not trimmed,
 * oldest first; only customer `customer_id`'s when it is not NULL (NULL or
 * "" for every customer's):
 *   [{"seq":1,"id":"9a0e...","customer_id":"c1","owner_id":"ann","title":"Call","rule":"route",
 *     "created_at":"2026-11-06T15:00:00Z","due_at":"2026-11-09T11:00:00Z"}]
 * due_at counts the task's business hours in the owner's working hours. seq
 * starts at 1 and increases by 1 (erasing a customer removes their tasks). */
SALESKIT_API saleskit_status saleskit_tasks(saleskit_engine* engine, const char* customer_id, char** json,
                                            size_t* json_size, uint64_t* count);

/* The tasks with seq > `after`, oldest first, at most `limit` (0: all), as
 * saleskit_tasks writes them. *last_seq (may be NULL) receives the newest
 * task's seq (0 before the first; trimming keeps it), so that a host can
 * poll with after = the last seq it handed to its CRM, then trim. */
SALESKIT_API saleskit_status saleskit_tasks_since(saleskit_engine* engine, uint64_t after, uint64_t limit,
                                                  char** json, size_t* json_size, uint64_t* last_seq);
/* Forgets the tasks with seq <= `through` (handed over by the host). A write
 * (journaled by a durable engine). */
SALESKIT_API saleskit_status saleskit_tasks_trim(saleskit_engine* engine, uint64_t through);

/* Marks owner `owner_id` of the running playbook available (`available`
 * nonzero) or unavailable (on leave) from the next decision on, without a
 * new playbook version: routing pools skip an unavailable owner (round robin
 * resumes where it was when they are back). It overrides the owner's
 * "unavailable" flag in the playbook, and stays in force across new
 * playbook versions that still list the owner (docs/automation.md). A
 * pool left with no available owner nor fallback skips its assignments
 * with reason "no_owner" in the audit log. SALESKIT_NOT_FOUND for an owner
 * not in the running playbook. A write (journaled by a durable engine). */
SALESKIT_API saleskit_status saleskit_owner_set_available(saleskit_engine* engine, const char* owner_id,
                                                          int available);

/* Decision counts per running rule, in playbook order:
 *   [{"rule":"welcome","fired":1,"skipped":1,"applied":1,"outbox":1,"blocked":0}]
 * "fired"/"skipped" count audit records, "applied" internal actions done,
 * "outbox" external actions sent to the outbox (deferred ones included),
 * "blocked" actions skipped by a policy or by routing. *count (may be
 * NULL) receives the number of rules. */
SALESKIT_API saleskit_status saleskit_rule_stats(saleskit_engine* engine, char** json, size_t* json_size,
                                                 uint64_t* count);

/* ------------------------------------------------------------------ cohorts and RFM */

/* Pure functions over an events file: no engine is needed and nothing is
 * kept between calls, so any number of threads may call them at once. The
 * input is a CSV as `saleskit cohort` and `saleskit rfm` take it (header
 * customer_id,occurred_at,type,value, optional id and properties.NAME
 * columns; docs/formats.md), `size` bytes, not NUL-terminated, borrowed for
 * the call. Errors are returned as a status with saleskit_last_error()
 * giving the reason: bad options, or each malformed record by record number,
 * line and field. */

/* Calendar periods in UTC; weeks are ISO weeks (Monday start). */
typedef enum saleskit_cohort_period {
  SALESKIT_COHORT_DAY = 0,
  SALESKIT_COHORT_WEEK = 1,
  SALESKIT_COHORT_MONTH = 2,
  SALESKIT_COHORT_QUARTER = 3,
  SALESKIT_COHORT_PERIOD_MAX_ENUM_ = 0x7FFFFFFF /* not a period; see saleskit_status */
} saleskit_cohort_period;

typedef enum saleskit_cohort_metric {
  SALESKIT_COHORT_RETENTION = 0,  /* share of the cohort active in period cohort+k */
  SALESKIT_COHORT_CONVERSION = 1, /* share that did convert_to by the end of period cohort+k */
  SALESKIT_COHORT_REVENUE = 2,    /* sum of value in period cohort+k per cohort member */
  SALESKIT_COHORT_METRIC_MAX_ENUM_ = 0x7FFFFFFF /* not a metric; see saleskit_status */
} saleskit_cohort_metric;

typedef struct saleskit_cohort_options {
  size_t size;                   /* sizeof(saleskit_cohort_options), set by _init */
  saleskit_cohort_period period; /* default SALESKIT_COHORT_MONTH */
  int periods;                   /* columns p0..p(periods-1), 1 to 100000; default 12 */
  saleskit_cohort_metric metric; /* default SALESKIT_COHORT_RETENTION */
  /* NUL-terminated event types, borrowed for the call; NULL or "" for none.
   * cohort_event: a customer's cohort is the period of their first event of
   * this type (of any type when none). activity_event: retention and revenue
   * count only this type. convert_to: required for conversion, and only then. */
  const char* cohort_event;
  const char* activity_event;
  const char* convert_to;
  int cumulative; /* nonzero: revenue cells accumulate over periods 0..k (revenue only) */
} saleskit_cohort_options;

/* Fills `options` with the defaults above. */
SALESKIT_API void saleskit_cohort_options_init(saleskit_cohort_options* options);

/* Builds the acquisition cohort table of `events_csv` (docs/cohorts.md).
 * `options` may be NULL for the defaults. *json_out receives the table as
 * NUL-terminated JSON on one line, to free with saleskit_free(), and
 * *json_size (which may be NULL) its length:
 *   [{"cohort":"1997-01","size":7846,"values":[1,0.104,null]}, ...]
 * one object per non-empty cohort in period order, null for a cell past the
 * end of the data (the same text as `saleskit cohort --format json`).
 * SALESKIT_INVALID_ARGUMENT for bad options (periods out of range, an unknown
 * period or metric value, conversion without convert_to, an option that does
 * not apply to the metric), malformed records (each named by record, line and
 * field) and an input without events. */
SALESKIT_API saleskit_status saleskit_cohort_table(const char* events_csv, size_t size,
                                                   const saleskit_cohort_options* options, char** json_out,
                                                   size_t* json_size);

typedef struct saleskit_rfm_options {
  size_t size; /* sizeof(saleskit_rfm_options), set by _init */
  /* The cutoff as text, NUL-terminated, borrowed for the call: `YYYY-MM-DD`
   * is the end of that UTC day, any other ISO 8601 time that instant. When
   * NULL (the default), cutoff_micros is used. */
  const char* cutoff;
  /* The cutoff in microseconds since the Unix epoch, used when cutoff is NULL;
   * the default, INT64_MIN, means "not set" (an error: a cutoff is required). */
  int64_t cutoff_micros;
  /* The event type that is a purchase, NUL-terminated, borrowed; "*" for
   * every event; NULL (the default) for "purchase". */
  const char* purchase_event;
} saleskit_rfm_options;

/* Fills `options` with the defaults above. */
SALESKIT_API void saleskit_rfm_options_init(saleskit_rfm_options* options);

/* Recency, frequency, monetary value, 1-5 scores and the named segment of
 * each customer with a purchase at or before the cutoff (docs/rfm.md), in
 * customer id order. *json_out receives a NUL-terminated JSON array on one
 * line, to free with saleskit_free(), and *json_size (which may be NULL) its
 * length (the same text as `saleskit rfm --format json`):
 *   [{"customer_id":"c1","recency_days":3,"frequency":2,"monetary":59.06,
 *     "r":5,"f":4,"m":4,"segment":"champions"}, ...]
 * SALESKIT_INVALID_ARGUMENT for a missing or malformed cutoff, malformed
 * records (each named by record, line and field), no events, no purchases,
 * or a cutoff before every purchase (the message gives the first). */
SALESKIT_API saleskit_status saleskit_rfm(const char* events_csv, size_t size, const saleskit_rfm_options* options,
                                          char** json_out, size_t* json_size);

/* ------------------------------------------------------------------ clusters */

/* k-means clusters of customers over features given as CEL expressions
 * (docs/clusters.md), as `saleskit cluster --format json` computes them. A
 * pure function like the cohort and RFM functions: no engine is needed and
 * any number of threads may call it at once. */

typedef struct saleskit_cluster_options {
  size_t size;      /* sizeof(saleskit_cluster_options), set by _init */
  int k;            /* clusters; 0 (the default) chooses k in 2..max_k by sampled silhouette */
  int max_k;        /* the largest k tried when k is 0, at least 2; default 10 */
  uint64_t seed;    /* default 42; the same inputs and seed give the same bytes */
  int restarts;     /* k-means runs per k, the least inertia wins; at least 1, default 10 */
  /* The clock windowed features (events.count(type, days(30))) see, in
   * microseconds since the Unix epoch; the default, INT64_MIN, means the
   * latest event's time. */
  int64_t now_micros;
  /* Customers CSV only, may be NULL: a schema as JSON, {"attrs": {"NAME": "int64", ...}}. */
  const char* csv_schema_json;
} saleskit_cluster_options;

/* Fills `options` with the defaults above. */
SALESKIT_API void saleskit_cluster_options_init(saleskit_cluster_options* options);

/* Clusters the customers of `customers_csv` (`customers_size` bytes, not
 * NUL-terminated, borrowed for the call; the CSV `saleskit cluster
 * --customers` reads, docs/formats.md) on `feature_count` features, each a
 * NUL-terminated CEL expression about a customer (docs/cel.md), borrowed.
 * `events_csv` (may be NULL with events_size 0) holds their events, for
 * features such as events.count("email_click", days(30)). `options` may be
 * NULL for the defaults. *json_out receives one line of JSON and a newline,
 * NUL-terminated, to free with saleskit_free(), and *json_size (which may be
 * NULL) its length; the same text as `saleskit cluster --format json`:
 *   {"k":2,"k_chosen":true,"silhouettes":[{"k":2,"silhouette":0.98},...],
 *    "clusters":[{"cluster":0,"size":3,
 *                 "centroid":{"customer.attrs.spend":11,"customer.country":{"DE":1,"FR":0}},
 *                 "distinguishing":[{"feature":"customer.country","category":"DE","z":1,"value":1},...]},...],
 *    "assignments":{"c1":0,"c2":1,...}}
 * Centroids are in the features' own units (a category's share for strings
 * and bools); clusters are numbered by size, largest first.
 * SALESKIT_INVALID_ARGUMENT, with saleskit_last_error() naming the feature by
 * its source where one is at fault, for: a feature that does not compile
 * ("feature \"SRC\": Syntax error: 1:5: ..."), malformed records ("customers:
 * ..." / "events: ..." naming record, line and field), k above the number of
 * customers ("k = 9 is more than the number of customers (6)"), a feature
 * with zero variance ("feature \"SRC\" has zero variance: every customer has
 * 5, ...") or null for every customer ("feature \"SRC\" is null for every
 * customer"), no features, and bad options. */
SALESKIT_API saleskit_status saleskit_cluster(const char* customers_csv, size_t customers_size,
                                              const char* events_csv, size_t events_size,
                                              const char* const* features, size_t feature_count,
                                              const saleskit_cluster_options* options, char** json_out,
                                              size_t* json_size);

/* ------------------------------------------------------------------ predictive models */

/* Predictive scores (docs/predictive.md): an L2 logistic regression trained
 * on a CSV of past outcomes, then used to score, explain and evaluate new
 * rows, as `saleskit score train|predict|eval` does. A model is immutable:
 * any number of threads may use one saleskit_model at once (only
 * saleskit_model_free must not race with the others). The functions taking
 * CSV read it as the CLI does (a header row; ',' ';' or tab separated; RFC
 * 4180 quoting); the text is `size` bytes, not NUL-terminated, borrowed for
 * the call. Errors are a status with saleskit_last_error() naming the
 * column, and the row and line where one is at fault. */

typedef struct saleskit_model saleskit_model;

/* Trains a model on `csv`: a stratified split (or a time split) into
 * training and held-out rows, the encoding learnt from the training rows,
 * the regression fitted on them and measured on the held-out rows.
 * `options_json` (NUL-terminated, borrowed) is a JSON object:
 *   {"target":"y","positive":"yes","exclude":["duration"],"categorical":["zip"],
 *    "test_fraction":0.2,"seed":42,"l2":1.0,"class_weight":"balanced",
 *    "time_column":"created_at","min_level_count":10}
 * "target" and "positive" are required, the others optional with the
 * defaults shown (class_weight: none unless "balanced"; no time column).
 * "categorical" names columns read as categories even when they hold
 * numbers; the target and excluded columns always are.
 * On success *out receives the model, to free with saleskit_model_free(),
 * and *report_json (may be NULL, as may report_size) a NUL-terminated JSON
 * object to free with saleskit_free():
 *   {"train_rows":36169,"test_rows":9042,"encoded_columns":51,
 *    "held_out":{"rows":9042,"positives":1058,"auc":0.79,"pr_auc":...,"log_loss":...,
 *                "brier":...,"lift":[...],"cumulative_gains":[...],"calibration":[...]},
 *    "warnings":["..."]}
 * SALESKIT_INVALID_ARGUMENT for malformed options (naming the key), a
 * malformed CSV (naming line and column), and everything TrainPredictive
 * refuses: a missing target or excluded column, a target that is not binary
 * or lacks the positive value, a constant feature (named), too little data. */
SALESKIT_API saleskit_status saleskit_model_train(const char* csv, size_t size, const char* options_json,
                                                  saleskit_model** out, char** report_json, size_t* report_size);

/* Reads a model saved by saleskit_model_save or `saleskit score train`
 * (`size` bytes, borrowed): JSON when the first non-blank byte is '{', else
 * binary protobuf. *out receives the model, to free with
 * saleskit_model_free(). SALESKIT_INVALID_ARGUMENT for truncated or corrupt
 * bytes and for a model of a newer schema version than this library reads. */
SALESKIT_API saleskit_status saleskit_model_load(const void* bytes, size_t size, saleskit_model** out);

/* The model's stored form: binary protobuf when `json` is 0, else JSON
 * (proto3 JSON mapping, field names as in proto/saleskit/v1/model.proto).
 * *bytes receives it, NUL-terminated, to free with saleskit_free(), and
 * *size (may be NULL) its length without the NUL. */
SALESKIT_API saleskit_status saleskit_model_save(const saleskit_model* model, int json, char** bytes, size_t* size);

/* Frees a model (NULL is ignored). */
SALESKIT_API void saleskit_model_free(saleskit_model* model);

/* Scores every data row of `csv` (which needs the model's feature columns;
 * others are ignored). *probabilities receives one P(positive) per row, in
 * row order, as an array of *rows doubles to free with saleskit_free()
 * (NULL when there are no rows). Levels not seen in training are scored as
 * "(other)", never an error. SALESKIT_INVALID_ARGUMENT naming the column
 * for a missing feature column, and naming row and column for a numeric
 * feature holding text. */
SALESKIT_API saleskit_status saleskit_model_predict(const saleskit_model* model, const char* csv, size_t size,
                                                    double** probabilities, size_t* rows);

/* Explains data row `row` (0-based) of `csv` by its `k` (>= 0) largest
 * contributions in log-odds, relative to the average training row. *json
 * receives a NUL-terminated object to free with saleskit_free(), and
 * *json_size (may be NULL) its length:
 *   {"row":0,"probability":0.12,"log_odds":-1.99,"base_log_odds":-2.3,
 *    "top":[{"feature":"poutcome=success","value":"success","kind":"categorical","log_odds":1.2},
 *           {"feature":"age","value":"61","kind":"numeric","log_odds":0.3}]}
 * base_log_odds plus every feature's contribution is log_odds.
 * SALESKIT_OUT_OF_RANGE for a row outside the data, and
 * SALESKIT_INVALID_ARGUMENT as saleskit_model_predict and for k < 0. */
SALESKIT_API saleskit_status saleskit_model_explain(const saleskit_model* model, const char* csv, size_t size,
                                                    int64_t row, int k, char** json, size_t* json_size);

/* The model's metrics on every row of `csv`, which needs the model's target
 * column holding only its two values. *json receives a NUL-terminated
 * object to free with saleskit_free() (the held-out object of the train
 * report plus "fallbacks": per feature, the rows with unseen levels and
 * unexpected missing values), *json_size (may be NULL) its length.
 * SALESKIT_INVALID_ARGUMENT as saleskit_model_predict, for a missing target
 * column or another target value (naming the row), fewer than 10 rows or
 * only one outcome. */
SALESKIT_API saleskit_status saleskit_model_evaluate(const saleskit_model* model, const char* csv, size_t size,
                                                     char** json, size_t* json_size);

/* ------------------------------------------------------------------ training from history, live predictions */

/* A CRM's own history as training data (docs/predictive.md, "Training from
 * history"), and the resulting model scoring an engine's live customers
 * ("Scoring live customers"). */

/* Trains a model on what each customer looked like at a reference time and
 * whether they converted within a horizon after it. The records are
 * `format` buffers as saleskit_upsert_customers and friends read them
 * (`*_size` bytes each, not NUL-terminated, borrowed for the call; a buffer
 * may be NULL with size 0 for none; all four in the one format). Customers
 * and accounts are taken as they were at the reference time; events and
 * deals may run past it (only the outcome reads what is dated later).
 * `options_json` (NUL-terminated, borrowed) is a JSON object:
 *   {"reference":"2026-01-31T00:00:00Z","horizon_days":30,
 *    "stage":"marketing_qualified","stage_event_type":"lifecycle_stage_changed","won_deal":false,
 *    "features":[["visits_30d","events.count(\"visit\", days(30))"],["country","customer.country"]],
 *    "playbook":{...},"test_fraction":0.2,"seed":42,"l2":1.0,"class_weight":"balanced","min_level_count":10}
 * "reference" (ISO 8601) and "features" (CEL expressions about a customer
 * giving a number, bool, string or enum) are required; the outcome is
 * reaching "stage" or a later one (an event of type "stage_event_type",
 * default "lifecycle_stage_changed", whose property "stage" names it),
 * a won deal closed in the horizon ("won_deal": true), or either. "features"
 * may also be an object {name: expression} (then in name order) or an
 * array of {"name","expression"} objects. "playbook" (a saleskit.v1.Playbook
 * in JSON) defines the event kinds, segments and scores features may read.
 * The rest are as saleskit_model_train's (default horizon 30 days).
 * On success *out receives the model, to free with saleskit_model_free(),
 * and *report_json (may be NULL, as may report_size) the report of
 * saleskit_model_train, to free with saleskit_free(). The model remembers
 * each feature's expression, so saleskit_model_bind can bind it.
 * SALESKIT_INVALID_ARGUMENT for malformed options (naming the key), a
 * malformed record ("events: batch rejected, ...", naming record, line and
 * field), and everything training from history refuses: a reference time
 * after all data ("the reference time ... is not before any event or deal
 * ..."), no outcome chosen, a feature name taken or reserved, a feature that
 * does not compile (naming it), no eligible customer, too little data. */
SALESKIT_API saleskit_status saleskit_model_train_history(saleskit_format format, const void* customers,
                                                          size_t customers_size, const void* accounts,
                                                          size_t accounts_size, const void* events,
                                                          size_t events_size, const void* deals, size_t deals_size,
                                                          const char* options_json, saleskit_model** out,
                                                          char** report_json, size_t* report_size);

/* Binds a model trained from history to `engine`: compiles its features'
 * CEL expressions against the engine's customers. From this call on the
 * engine keeps the event windows they read: events ingested earlier are in
 * no window, so bind before loading the events (as for segments). Binding a
 * model again to the same engine does nothing (it stays bound until the
 * engine is closed, even after saleskit_model_free). A write: serialised
 * with loads. SALESKIT_INVALID_ARGUMENT naming the feature for a model
 * whose features have no expressions (trained on a CSV with
 * saleskit_model_train, or loaded from one): "feature \"age\" has no CEL
 * expression: only a model trained from history can score live customers". */
SALESKIT_API saleskit_status saleskit_model_bind(saleskit_engine* engine, const saleskit_model* model);

/* P(positive) of every customer of `engine` at the engine clock, by the
 * bound `model`, as a NUL-terminated JSON object in id order, to free with
 * saleskit_free(): {"c1":0.12,"c2":0.87}. *json_size and *count (either
 * may be NULL) receive its length and the number of customers. Equal to
 * scoring a table of the customers' feature values with
 * saleskit_model_predict (up to the order of floating-point additions).
 * SALESKIT_FAILED_PRECONDITION if the model is not bound to this engine
 * (saleskit_model_bind). A read. */
SALESKIT_API saleskit_status saleskit_engine_predict(saleskit_engine* engine, const saleskit_model* model, char** json,
                                                     size_t* json_size, uint64_t* count);

/* Explains customer `customer_id`'s P(positive) at the engine clock by its
 * `k` (>= 0) largest contributions, as saleskit_model_explain does with
 * "customer_id" in place of "row":
 *   {"customer_id":"c1","probability":0.12,"log_odds":-1.99,"base_log_odds":-2.3,
 *    "top":[{"feature":"visits_30d","value":"4","kind":"numeric","log_odds":1.2}]}
 * in *json, to free with saleskit_free(); *json_size may be NULL.
 * SALESKIT_NOT_FOUND for an unknown customer, SALESKIT_FAILED_PRECONDITION
 * for a model not bound to this engine, SALESKIT_INVALID_ARGUMENT for k < 0.
 * A read. */
SALESKIT_API saleskit_status saleskit_engine_explain_prediction(saleskit_engine* engine, const saleskit_model* model,
                                                                const char* customer_id, int k, char** json,
                                                                size_t* json_size);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SALESKIT_SALESKIT_H_ */
