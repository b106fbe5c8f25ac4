// saleskit._saleskit: the thin native layer under the Python package.
//
// Everything friendly (dict conversion, pandas, paths, datetimes, exception
// classes) lives in the pure-Python package `saleskit`. This module passes
// text and integers to saleskit::Engine and back, and CEL values out as plain
// Python values. Every failing absl::Status leaves as one exception type,
// StatusError(code, message), and every CEL error value that reaches Python as
// EvaluationStatusError(code, message); the package maps both to
// saleskit.Error subclasses in a single place.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>
#include <nanobind/ndarray.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "saleskit/cel/customer.h"
#include "saleskit/cel/program.h"
#include "saleskit/cel/value.h"
#include "saleskit/engine.h"
#include "saleskit/io/readers.h"
#include "saleskit/segment/cohort.h"
#include "saleskit/segment/kmeans.h"
#include "saleskit/segment/rfm.h"
#include "internal/automation_json.h"
#include "internal/history_input.h"
#include "saleskit/score/history.h"
#include "saleskit/score/live_model.h"
#include "saleskit/score/metrics.h"
#include "saleskit/score/predictive.h"
#include "saleskit/score/table.h"
#include "saleskit/version.h"

namespace nb = nanobind;

namespace saleskit {
namespace python {
namespace {

// Carries a failed status across the binding; translated to StatusError.
struct StatusException {
  int code;
  std::string message;
};

void ThrowIfError(const absl::Status& status) {
  if (!status.ok()) {
    throw StatusException{static_cast<int>(status.code()), std::string(status.message())};
  }
}

template <typename T>
T ValueOrThrow(absl::StatusOr<T> s) {
  ThrowIfError(s.status());
  return *std::move(s);
}

absl::StatusOr<OnInvalid> ParseOnInvalid(absl::string_view s) {
  if (s == "reject") return OnInvalid::kRejectBatch;
  if (s == "skip") return OnInvalid::kSkipRecord;
  return absl::InvalidArgumentError(
      absl::StrCat("on_invalid must be \"reject\" or \"skip\", got \"", s, "\""));
}

absl::StatusOr<UnknownCustomer> ParseUnknownCustomer(absl::string_view s) {
  if (s == "error") return UnknownCustomer::kError;
  if (s == "skip") return UnknownCustomer::kSkip;
  if (s == "create") return UnknownCustomer::kCreate;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown_customer must be \"error\", \"skip\" or \"create\", got \"", s, "\""));
}

// ---------------------------------------------------------------- CEL

// An error value that reached Python: translated to saleskit.cel.EvaluationError.
struct EvaluationException {
  int code;
  std::string message;
};

// A CEL type value (`type(x)`, `int`): its name. Exposed as saleskit.cel.Type.
struct TypeValue {
  std::string name;
};

// Converts CEL values to Python: null None, bool, int (int and uint), float,
// str, bytes, timestamps as aware UTC datetimes (microseconds, truncated),
// durations as timedeltas, lists, dicts, messages as dicts of their set
// fields, types as TypeValue, optionals as their value or None.
class ToPython {
 public:
  ToPython() {
    nb::module_ datetime = nb::module_::import_("datetime");
    timedelta_ = datetime.attr("timedelta");
    epoch_ = datetime.attr("datetime")(1970, 1, 1, 0, 0, 0, 0, datetime.attr("timezone").attr("utc"));
  }

  // Errors inside containers cannot happen (they propagate), but a stray one
  // raises rather than being dropped.
  nb::object operator()(const cel::Value& v) const {
    using K = cel::Value::Kind;
    switch (v.kind()) {
      case K::kNull: return nb::none();
      case K::kBool: return nb::bool_(v.bool_value());
      case K::kInt: return nb::int_(v.int_value());
      case K::kUint: return nb::steal(PyLong_FromUnsignedLongLong(v.uint_value()));
      case K::kDouble: return nb::float_(v.double_value());
      case K::kString: return nb::str(v.string_value().data(), v.string_value().size());
      case K::kBytes: return nb::bytes(v.bytes_value().data(), v.bytes_value().size());
      case K::kTimestamp:
        return epoch_ + Micros(absl::ToInt64Microseconds(v.timestamp_value() - absl::UnixEpoch()));
      case K::kDuration: return Micros(absl::ToInt64Microseconds(v.duration_value()));
      case K::kList: {
        nb::list out;
        for (const cel::Value& e : v.list_value()) out.append((*this)(e));
        return std::move(out);
      }
      case K::kMap: {
        nb::dict out;
        for (const auto& [key, value] : v.map_value().entries()) out[(*this)(key)] = (*this)(value);
        return std::move(out);
      }
      case K::kStruct: return Struct(v.struct_value());
      case K::kType: return nb::cast(TypeValue{std::string(v.type_value())});
      case K::kOptional: return v.optional_has_value() ? (*this)(v.optional_value()) : nb::none();
      case K::kError:
        throw EvaluationException{static_cast<int>(v.error_value().code()),
                                  std::string(v.error_value().message())};
    }
    return nb::none();
  }

 private:
  nb::object Micros(int64_t us) const { return timedelta_(nb::arg("microseconds") = us); }

  // A message as {field: value} over the fields that are set, found by its
  // descriptor (StructValue itself does not enumerate fields).
  nb::object Struct(const cel::StructValue& s) const {
    nb::dict out;
    const google::protobuf::Descriptor* d =
        google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(std::string(s.type_name()));
    if (d == nullptr) return std::move(out);
    for (int i = 0; i < d->field_count(); ++i) {
      const std::string& name = d->field(i)->name();
      const cel::Value has = s.HasField(name);
      if (has.kind() != cel::Value::Kind::kBool || !has.bool_value()) continue;
      const cel::Value field = s.GetField(name);
      if (field.is_error()) continue;
      out[nb::str(name.c_str())] = (*this)(field);
    }
    return std::move(out);
  }

  nb::object timedelta_;
  nb::object epoch_;
};

// A compiled CEL expression about customers: standalone (cel::Compile*) or
// bound to the engine that compiled it (Engine::Compile).
class PyExpression {
 public:
  static PyExpression Standalone(const std::string& source, bool condition) {
    cel::CompileOptions options;
    options.require_bool = condition;
    PyExpression e;
    std::unique_ptr<cel::Program> program;
    {
      nb::gil_scoped_release release;
      program = ValueOrThrow(cel::CompileCustomerExpression(source, options));
      e.dependencies_ = ValueOrThrow(cel::ExtractDependencies(*program));
    }
    e.program_ = std::move(program);
    e.condition_ = condition;
    return e;
  }
  static PyExpression Bound(std::shared_ptr<const Expression> expression, const Engine* engine, bool condition) {
    PyExpression e;
    e.program_ = std::shared_ptr<const cel::Program>(expression, &expression->program());
    e.dependencies_ = expression->dependencies();
    e.bound_ = std::move(expression);
    e.engine_ = engine;
    e.condition_ = condition;
    return e;
  }

  const std::string& source() const { return program_->source(); }
  bool condition() const { return condition_; }
  bool bool_typed() const { return program_->result_type().kind == cel::Type::Kind::kBool; }
  std::string result_type() const { return program_->result_type().DebugString(); }
  bool bound() const { return bound_ != nullptr; }

  // {"customer_fields": [...], "account_fields": [...], "windows": [(type, "day"|"hour", n)],
  //  "last_event_types": [...], "reads_now": bool}
  nb::dict Dependencies() const {
    nb::dict d;
    d["customer_fields"] = nb::cast(std::vector<std::string>(dependencies_.customer_fields.begin(),
                                                             dependencies_.customer_fields.end()));
    d["account_fields"] = nb::cast(std::vector<std::string>(dependencies_.account_fields.begin(),
                                                            dependencies_.account_fields.end()));
    nb::list windows;
    for (const auto& w : dependencies_.windows) {
      windows.append(nb::make_tuple(w.event_type, w.window.unit == EventWindow::Unit::kDay ? "day" : "hour",
                                    w.window.length));
    }
    d["windows"] = windows;
    d["last_event_types"] = nb::cast(std::vector<std::string>(dependencies_.last_event_types.begin(),
                                                              dependencies_.last_event_types.end()));
    d["reads_now"] = dependencies_.reads_now;
    return d;
  }

  // Parses `data` (customers as JSON or CSV) and evaluates every record with
  // RecordCustomerActivation at `now_us`, the GIL released while parsing and
  // evaluating. mode "match": bytes with 1 where the value is true, 0
  // otherwise (errors included). mode "raise": a list of values, raising
  // EvaluationException ("record N: ...") at the first error. mode "none": a
  // list of values with errors as None. An unparsable record is an
  // InvalidArgument naming it.
  nb::object EvaluateRecords(nb::bytes data, const std::string& format, int64_t now_us,
                             std::optional<std::string> schema_json, const std::string& mode) const {
    if (mode != "match" && mode != "raise" && mode != "none") {
      ThrowIfError(absl::InvalidArgumentError(absl::StrCat("unknown mode \"", mode, "\"")));
    }
    const Format f = ValueOrThrow(ParseFormat(format));
    ReadOptions read;
    if (schema_json) read.attr_types = ValueOrThrow(ParseCsvSchema(*schema_json));
    const absl::string_view text(data.c_str(), data.size());
    const absl::Time now = absl::FromUnixMicros(now_us);
    std::vector<cel::Value> values;
    std::string matched;
    absl::Status status;
    {
      nb::gil_scoped_release release;
      absl::StatusOr<ReadResult<v1::Customer>> read_result = ReadRecords<v1::Customer>(text, f, read);
      if (!read_result.ok()) {
        status = read_result.status();
      } else if (!read_result->errors.empty()) {
        std::string message = "invalid customer record";
        for (const RecordError& e : read_result->errors) absl::StrAppend(&message, "\n  ", e.ToString());
        status = absl::InvalidArgumentError(message);
      } else {
        std::vector<v1::Customer>& records = read_result->batch.records;
        if (mode == "match") {
          matched.resize(records.size());
        } else {
          values.reserve(records.size());
        }
        for (size_t i = 0; i < records.size(); ++i) {
          cel::RecordCustomerActivation activation(std::move(records[i]), now);
          cel::Value v = program_->Evaluate(activation);
          if (mode == "match") {
            matched[i] = v.kind() == cel::Value::Kind::kBool && v.bool_value() ? 1 : 0;
          } else {
            values.push_back(std::move(v));
          }
        }
      }
    }
    ThrowIfError(status);
    if (mode == "match") return nb::bytes(matched.data(), matched.size());
    ToPython to_python;
    nb::list out;
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i].is_error()) {
        if (mode == "none") {
          out.append(nb::none());
          continue;
        }
        const absl::Status& e = values[i].error_value();
        std::string message(e.message());
        if (values.size() > 1) message = absl::StrCat("record ", i + 1, ": ", message);
        throw EvaluationException{static_cast<int>(e.code()), std::move(message)};
      }
      out.append(to_python(values[i]));
    }
    return std::move(out);
  }

  const std::shared_ptr<const Expression>& expression() const { return bound_; }
  const cel::Program& program() const { return *program_; }
  const Engine* engine() const { return engine_; }

 private:
  std::shared_ptr<const cel::Program> program_;
  cel::Dependencies dependencies_;
  std::shared_ptr<const Expression> bound_;  // engine-bound only
  const Engine* engine_ = nullptr;
  bool condition_ = true;
};

// A LoadReport as a plain tuple; the package wraps it in a dataclass.
nb::tuple ReportToTuple(const LoadReport& r) {
  nb::list rejected;
  for (const RecordError& e : r.rejected) {
    rejected.append(nb::make_tuple(e.index, e.line, e.field, e.message, e.binary));
  }
  return nb::make_tuple(r.received, r.inserted, r.updated, r.duplicates, r.skipped_unknown_customer,
                        r.created_customers, rejected);
}

// An Explanation as {"probability", "log_odds", "base_log_odds", "top": [{"feature", "value", "kind", "log_odds"}]}.
nb::dict ExplanationDict(const Explanation& e) {
  nb::list top;
  for (const Contribution& c : e.top) {
    nb::dict d;
    d["feature"] = c.feature;
    d["value"] = c.value;
    d["kind"] = c.kind == ColumnKind::kNumeric ? "numeric" : "categorical";
    d["log_odds"] = c.log_odds;
    top.append(d);
  }
  nb::dict d;
  d["probability"] = e.probability;
  d["log_odds"] = e.log_odds;
  d["base_log_odds"] = e.base_log_odds;
  d["top"] = top;
  return d;
}

// A model bound to one engine (Engine::BindModel); the package keeps one per engine and model.
struct PyLiveModel {
  std::shared_ptr<const LiveModel> live;
};

EngineOptions MakeEngineOptions(int64_t dedup_horizon_us, int64_t start_us, uint32_t outbox_max_attempts,
                                int64_t outbox_retry_base_us, int64_t outbox_retry_max_us) {
  EngineOptions options;
  options.store.dedup_horizon = absl::Microseconds(dedup_horizon_us);
  options.start = absl::FromUnixMicros(start_us);
  options.outbox.max_attempts = outbox_max_attempts;
  options.outbox.retry_base = absl::Microseconds(outbox_retry_base_us);
  options.outbox.retry_max = absl::Microseconds(outbox_retry_max_us);
  return options;
}

class PyEngine {
 public:
  PyEngine(int64_t dedup_horizon_us, int64_t start_us, uint32_t outbox_max_attempts, int64_t outbox_retry_base_us,
           int64_t outbox_retry_max_us) {
    engine_ = ValueOrThrow(Engine::Create(
        MakeEngineOptions(dedup_horizon_us, start_us, outbox_max_attempts, outbox_retry_base_us, outbox_retry_max_us)));
  }
  explicit PyEngine(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {}

  // Engine::Open: a durable engine over the state file at `path`;
  // durability "sync" or "batched". The replay runs without the GIL.
  static PyEngine Open(const std::string& path, int64_t dedup_horizon_us, int64_t start_us,
                       uint32_t outbox_max_attempts, int64_t outbox_retry_base_us, int64_t outbox_retry_max_us,
                       const std::string& durability, uint64_t batch_records, int64_t batch_interval_us,
                       uint64_t checkpoint_every) {
    StateOptions state;
    if (durability == "sync") {
      state.durability = Durability::kSync;
    } else if (durability == "batched") {
      state.durability = Durability::kBatched;
    } else {
      ThrowIfError(absl::InvalidArgumentError(
          absl::StrCat("durability must be \"sync\" or \"batched\", got \"", durability, "\"")));
    }
    state.batch_records = static_cast<size_t>(batch_records);
    state.batch_interval = absl::Microseconds(batch_interval_us);
    state.checkpoint_every = checkpoint_every;
    EngineOptions options =
        MakeEngineOptions(dedup_horizon_us, start_us, outbox_max_attempts, outbox_retry_base_us, outbox_retry_max_us);
    absl::StatusOr<std::unique_ptr<Engine>> opened;
    {
      nb::gil_scoped_release release;
      opened = Engine::Open(path, std::move(options), std::move(state));
    }
    return PyEngine(ValueOrThrow(std::move(opened)));
  }
  void Flush() {
    absl::Status st;
    {
      nb::gil_scoped_release release;
      st = engine_->Flush();
    }
    ThrowIfError(st);
  }
  uint64_t Acknowledged() const { return engine_->Acknowledged(); }
  void Checkpoint() {
    absl::Status st;
    {
      nb::gil_scoped_release release;
      st = engine_->Checkpoint();
    }
    ThrowIfError(st);
  }
  uint64_t CheckpointSeq() const { return engine_->CheckpointSeq(); }
  bool Durable() const { return engine_->durable(); }

  // Loads `data` (bytes, kept alive and immutable by the caller) as `kind`.
  nb::tuple Load(const std::string& kind, nb::bytes data, const std::string& format, const std::string& on_invalid,
                 const std::string& unknown_customer, bool ignore_unknown_fields,
                 std::optional<std::string> schema_json) {
    const RecordKind k = ValueOrThrow(ParseRecordKind(kind));
    const Format f = ValueOrThrow(ParseFormat(format));
    LoadOptions options;
    options.on_invalid = ValueOrThrow(ParseOnInvalid(on_invalid));
    options.unknown_customer = ValueOrThrow(ParseUnknownCustomer(unknown_customer));
    ReadOptions read;
    read.ignore_unknown_fields = ignore_unknown_fields;
    if (schema_json) read.attr_types = ValueOrThrow(ParseCsvSchema(*schema_json));
    const absl::string_view text(data.c_str(), data.size());
    absl::StatusOr<LoadReport> report;
    {
      nb::gil_scoped_release release;
      report = engine_->Load(k, text, f, options, read);
    }
    return ReportToTuple(ValueOrThrow(std::move(report)));
  }

  // A record read by `get` as protobuf JSON, with the GIL released while reading.
  template <typename Get>
  std::string ReadJson(Get get) const {
    absl::StatusOr<std::string> json;
    {
      nb::gil_scoped_release release;
      auto record = get();
      json = record.ok() ? absl::StatusOr<std::string>(ToJson(*record)) : record.status();
    }
    return ValueOrThrow(std::move(json));
  }
  std::string GetCustomerJson(const std::string& id) const {
    return ReadJson([&] { return engine_->GetCustomer(id); });
  }
  std::string GetActivityJson(const std::string& id) const {
    return ReadJson([&] { return engine_->GetActivity(id); });
  }

  void EraseCustomer(const std::string& id) {
    absl::Status status;
    {
      nb::gil_scoped_release release;
      status = engine_->EraseCustomer(id);
    }
    ThrowIfError(status);
  }
  void EraseCustomers(const std::vector<std::string>& ids) {
    absl::Status status;
    {
      nb::gil_scoped_release release;
      status = engine_->EraseCustomers(absl::MakeConstSpan(ids));
    }
    ThrowIfError(status);
  }

  // Reads wait for a running writer; they do so without holding the GIL.
  size_t customer_count() const {
    nb::gil_scoped_release release;
    return engine_->customer_count();
  }
  int64_t now_us() const {
    nb::gil_scoped_release release;
    return absl::ToUnixMicros(engine_->now());
  }

  void AdvanceTo(int64_t t_us) {
    absl::Status status;
    {
      nb::gil_scoped_release release;
      status = engine_->AdvanceTo(absl::FromUnixMicros(t_us));
    }
    ThrowIfError(status);
  }

  // --- CEL ---
  PyExpression Compile(const std::string& source, bool condition) {
    std::shared_ptr<const Expression> expression;
    {
      nb::gil_scoped_release release;
      expression = ValueOrThrow(engine_->Compile(source, condition));
    }
    return PyExpression::Bound(std::move(expression), engine_.get(), condition);
  }

  void CheckBound(const PyExpression& e) const {
    if (e.engine() != engine_.get()) {
      ThrowIfError(absl::FailedPreconditionError(
          absl::StrCat("the expression was not compiled by this engine: ", e.source())));
    }
  }

  // The value for one customer; an error value raises EvaluationException.
  nb::object Evaluate(const PyExpression& e, const std::string& id) const {
    CheckBound(e);
    absl::StatusOr<cel::Value> value;
    {
      nb::gil_scoped_release release;
      value = engine_->Evaluate(*e.expression(), id);
    }
    return ToPython()(ValueOrThrow(std::move(value)));
  }

  // The ids a condition is true for, in id order. A bool-typed condition runs
  // through Engine::Match (columnar); a dyn-typed one (e.g. a bare
  // customer.attrs.NAME) row by row over a snapshot.
  std::vector<std::string> Match(const PyExpression& e) const {
    CheckBound(e);
    absl::StatusOr<std::vector<std::string>> ids;
    {
      nb::gil_scoped_release release;
      if (e.expression()->is_condition() || !e.condition()) {
        ids = engine_->Match(*e.expression());
      } else {
        std::vector<std::string> out;
        const Engine::Snapshot snapshot = engine_->Read();
        const CustomerStore& store = snapshot.store();
        for (size_t row = 0; row < store.row_capacity(); ++row) {
          if (!store.live().Get(row)) continue;
          cel::StoreCustomerActivation activation(store, static_cast<uint32_t>(row), snapshot.now(),
                                                   &snapshot.segments());
          const cel::Value v = e.program().Evaluate(activation);
          if (v.kind() == cel::Value::Kind::kBool && v.bool_value()) {
            out.emplace_back(store.IdOf(static_cast<uint32_t>(row)));
          }
        }
        std::sort(out.begin(), out.end());
        ids = std::move(out);
      }
    }
    return ValueOrThrow(std::move(ids));
  }

  // --- Segments ---
  void DefinePlaybook(const std::string& json) {
    v1::Playbook playbook;
    const auto parsed = google::protobuf::util::JsonStringToMessage(json, &playbook);
    if (!parsed.ok()) ThrowIfError(absl::InvalidArgumentError(absl::StrCat("playbook: ", parsed.message().ToString())));
    absl::Status status;
    {
      nb::gil_scoped_release release;
      status = engine_->DefinePlaybook(playbook);
    }
    ThrowIfError(status);
  }
  std::string PlaybookJson() const {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(engine_->GetPlaybook(), &out, options);
    return out;
  }
  void RemoveSegment(const std::string& name) { ThrowIfError(engine_->RemoveSegment(name)); }
  std::vector<std::string> SegmentMembers(const std::string& name) const {
    absl::StatusOr<std::vector<std::string>> ids;
    {
      nb::gil_scoped_release release;
      ids = engine_->SegmentMembers(name);
    }
    return ValueOrThrow(std::move(ids));
  }
  size_t SegmentCount(const std::string& name) const { return ValueOrThrow(engine_->SegmentCount(name)); }
  bool IsMember(const std::string& name, const std::string& id) const {
    return ValueOrThrow(engine_->IsMember(name, id));
  }
  // Column lists: seq, at (µs), segment, customer_id, kind.
  nb::tuple SegmentChanges(uint64_t after, uint64_t limit) const {
    std::vector<SegmentChange> changes;
    {
      nb::gil_scoped_release release;
      changes = engine_->SegmentChangesSince(after, limit == 0 ? SIZE_MAX : static_cast<size_t>(limit));
    }
    std::vector<uint64_t> seq;
    std::vector<int64_t> at;
    std::vector<std::string> segment, customer, kind;
    for (SegmentChange& c : changes) {
      seq.push_back(c.seq);
      at.push_back(absl::ToUnixMicros(c.at));
      segment.push_back(std::move(c.segment));
      customer.push_back(std::move(c.customer_id));
      kind.emplace_back(SegmentChangeKindName(c.kind));
    }
    return nb::make_tuple(seq, at, segment, customer, kind);
  }
  uint64_t LastSegmentChange() const { return engine_->LastSegmentChange(); }
  void TrimSegmentChanges(uint64_t through) { engine_->TrimSegmentChanges(through); }
  // (member, [(depth, text, value or None, error message or None)])
  nb::tuple ExplainSegment(const std::string& name, const std::string& id) const {
    SegmentExplanation x = ValueOrThrow(engine_->ExplainSegment(name, id));
    nb::list clauses;
    for (const ClauseValue& c : x.clauses) {
      if (c.value.is_error()) {
        clauses.append(nb::make_tuple(c.depth, c.text, nb::none(), std::string(c.value.error_value().message())));
      } else {
        clauses.append(nb::make_tuple(c.depth, c.text, ToPython()(c.value), nb::none()));
      }
    }
    return nb::make_tuple(x.member, clauses);
  }
  // [(name, sorted member ids)] from a batch evaluation.
  nb::list EvaluateSegments() const {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    {
      nb::gil_scoped_release release;
      const Engine::Snapshot snapshot = engine_->Read();
      for (auto& [name, bits] : snapshot.segments().EvaluateAll(snapshot.store(), snapshot.now())) {
        out.emplace_back(name, snapshot.store().SortedIds(bits));
      }
    }
    nb::list result;
    for (auto& [name, ids] : out) result.append(nb::make_tuple(name, ids));
    return result;
  }

  // --- Points scores ---
  // `json` is a JSON array of saleskit.v1.ScoreDef.
  void DefineScores(const std::string& json) {
    v1::Playbook playbook;
    const auto parsed = google::protobuf::util::JsonStringToMessage(absl::StrCat("{\"scores\":", json, "}"), &playbook);
    if (!parsed.ok()) ThrowIfError(absl::InvalidArgumentError(absl::StrCat("score: ", parsed.message().ToString())));
    const std::vector<v1::ScoreDef> defs(playbook.scores().begin(), playbook.scores().end());
    absl::Status status;
    {
      nb::gil_scoped_release release;
      status = engine_->DefineScores(defs);
    }
    ThrowIfError(status);
  }
  void RemoveScore(const std::string& name) { ThrowIfError(engine_->RemoveScore(name)); }
  // The definitions as saleskit.v1.Playbook JSON with only "scores" (in definition order).
  std::string ScoresJson() const {
    v1::Playbook playbook;
    for (v1::ScoreDef& def : engine_->Scores()) *playbook.add_scores() = std::move(def);
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(playbook, &out, options);
    return out;
  }
  // (value, grade)
  nb::tuple Score(const std::string& name, const std::string& id) const {
    ScoreValue v = ValueOrThrow(engine_->GetScore(name, id));
    return nb::make_tuple(v.value, v.grade);
  }
  // The live values of one score for every customer, sorted by id: (ids,
  // float64 bytes, grades), from one snapshot.
  nb::tuple ScoreValues(const std::string& name) const {
    std::vector<std::string> ids, grades;
    std::vector<double> values;
    absl::Status status;
    {
      nb::gil_scoped_release release;
      const Engine::Snapshot snapshot = engine_->Read();
      const CustomerStore& store = snapshot.store();
      std::vector<std::pair<std::string, uint32_t>> rows = store.RowsById();
      for (auto& [id, row] : rows) {
        absl::StatusOr<ScoreValue> v = snapshot.scores().Get(name, row, snapshot.now());
        if (!v.ok()) {
          status = v.status();
          break;
        }
        ids.push_back(std::move(id));
        values.push_back(v->value);
        grades.push_back(std::move(v->grade));
      }
    }
    ThrowIfError(status);
    return nb::make_tuple(ids, nb::bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double)),
                          grades);
  }
  // Every score's live values for every customer, from one snapshot: (ids
  // sorted, [(name, float64 bytes in id order, grades)]) in definition order.
  nb::tuple ScoresTable() const {
    std::vector<std::string> ids;
    struct Column {
      std::string name;
      std::vector<double> values;
      std::vector<std::string> grades;
    };
    std::vector<Column> columns;
    {
      nb::gil_scoped_release release;
      const Engine::Snapshot snapshot = engine_->Read();
      const CustomerStore& store = snapshot.store();
      std::vector<std::pair<std::string, uint32_t>> rows = store.RowsById();
      for (const v1::ScoreDef& def : snapshot.scores().Definitions()) {
        Column c{def.name(), {}, {}};
        for (const auto& r : rows) {
          absl::StatusOr<ScoreValue> v = snapshot.scores().Get(def.name(), r.second, snapshot.now());
          c.values.push_back(v.ok() ? v->value : 0);
          c.grades.push_back(v.ok() ? std::move(v->grade) : std::string());
        }
        columns.push_back(std::move(c));
      }
      for (auto& r : rows) ids.push_back(std::move(r.first));
    }
    nb::list out;
    for (Column& c : columns) {
      out.append(nb::make_tuple(
          c.name, nb::bytes(reinterpret_cast<const char*>(c.values.data()), c.values.size() * sizeof(double)),
          c.grades));
    }
    return nb::make_tuple(ids, out);
  }
  // Every score recomputed from scratch: (ids sorted, [(name, float64 bytes in id order)]).
  nb::tuple EvaluateScores() const {
    std::vector<std::string> ids;
    std::vector<std::pair<std::string, std::vector<double>>> columns;
    {
      nb::gil_scoped_release release;
      const Engine::Snapshot snapshot = engine_->Read();
      const CustomerStore& store = snapshot.store();
      std::vector<std::pair<std::string, uint32_t>> rows = store.RowsById();
      for (auto& [name, by_row] : snapshot.scores().EvaluateAll(store, snapshot.segments(), snapshot.now())) {
        std::vector<double> values;
        values.reserve(rows.size());
        for (const auto& r : rows) values.push_back(by_row[r.second]);
        columns.emplace_back(name, std::move(values));
      }
      for (auto& r : rows) ids.push_back(std::move(r.first));
    }
    nb::list out;
    for (auto& [name, values] : columns) {
      out.append(nb::make_tuple(
          name, nb::bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double))));
    }
    return nb::make_tuple(ids, out);
  }
  // (value, unclamped, grade, now µs, [(rule, is_event, points, holds,
  // [(at µs, points, full_points, over_maximum, expires µs or None)])])
  nb::tuple ExplainScore(const std::string& name, const std::string& id) const {
    absl::StatusOr<ScoreExplanation> x;
    int64_t now_us = 0;
    {
      nb::gil_scoped_release release;
      x = engine_->ExplainScore(name, id);
      now_us = absl::ToUnixMicros(engine_->now());
    }
    ScoreExplanation e = ValueOrThrow(std::move(x));
    nb::list rules;
    for (const ScoreExplanation::Rule& r : e.rules) {
      nb::list events;
      for (const ScoreExplanation::Event& ev : r.events) {
        nb::object expires =
            ev.expires == absl::InfiniteFuture() ? nb::object(nb::none()) : nb::cast(absl::ToUnixMicros(ev.expires));
        events.append(nb::make_tuple(absl::ToUnixMicros(ev.at), ev.points, ev.full_points, ev.over_maximum, expires));
      }
      rules.append(nb::make_tuple(r.rule, r.is_event, r.points, r.holds, events));
    }
    return nb::make_tuple(e.value, e.unclamped, e.grade, now_us, rules);
  }
  // Column lists: seq, at (µs), score, customer_id, threshold, threshold_value,
  // direction ("up"/"down"), value, promoted_to (stage name, "" for none).
  nb::tuple ScoreCrossings(uint64_t after, uint64_t limit) const {
    std::vector<v1::ScoreCrossing> crossings;
    {
      nb::gil_scoped_release release;
      crossings = engine_->ScoreCrossingsSince(after, limit == 0 ? SIZE_MAX : static_cast<size_t>(limit));
    }
    std::vector<uint64_t> seq;
    std::vector<int64_t> at;
    std::vector<std::string> score, customer, threshold, direction;
    std::vector<double> threshold_value, value;
    std::vector<std::string> promoted;
    for (v1::ScoreCrossing& c : crossings) {
      seq.push_back(c.seq());
      at.push_back(c.at().seconds() * 1000000 + c.at().nanos() / 1000);
      score.push_back(std::move(*c.mutable_score()));
      customer.push_back(std::move(*c.mutable_customer_id()));
      threshold.push_back(std::move(*c.mutable_threshold()));
      threshold_value.push_back(c.threshold_value());
      direction.emplace_back(c.direction() == v1::ScoreCrossing::UP ? "up" : "down");
      value.push_back(c.value());
      promoted.push_back(LifecycleStageName(c.promoted_to()));
    }
    return nb::make_tuple(seq, at, score, customer, threshold, threshold_value, direction, value, promoted);
  }
  uint64_t LastScoreCrossing() const { return engine_->LastScoreCrossing(); }
  void TrimScoreCrossings(uint64_t through) { engine_->TrimScoreCrossings(through); }

  // --- Automation: lists as the JSON text of the C API (internal/automation_json.h) ---
  std::string PollOutboxJson(uint64_t limit) {
    std::string out;
    {
      nb::gil_scoped_release release;
      out = internal::OutboxEntriesJson(engine_->PollOutbox(limit == 0 ? SIZE_MAX : static_cast<size_t>(limit)));
    }
    return out;
  }
  void AckOutbox(const std::string& id) { ThrowIfError(engine_->AckOutbox(id)); }
  void AckOutboxMany(const std::vector<std::string>& ids) {
    absl::Status st;
    {
      nb::gil_scoped_release release;
      st = engine_->AckOutbox(absl::MakeConstSpan(ids));
    }
    ThrowIfError(st);
  }
  void NackOutbox(const std::string& id, const std::string& error) { ThrowIfError(engine_->NackOutbox(id, error)); }
  std::string OutboxJson(uint64_t after, uint64_t limit, const std::string& state) const {
    const v1::OutboxEntry::State s = ValueOrThrow(internal::ParseOutboxState(state));
    std::string out;
    {
      nb::gil_scoped_release release;
      out = internal::OutboxEntriesJson(
          engine_->OutboxEntries(after, limit == 0 ? SIZE_MAX : static_cast<size_t>(limit), s));
    }
    return out;
  }
  std::string AuditJson(uint64_t after, uint64_t limit, const std::string& customer_id,
                        const std::string& rule) const {
    std::string out;
    {
      nb::gil_scoped_release release;
      out = internal::AuditJson(
          engine_->Audit(after, limit == 0 ? SIZE_MAX : static_cast<size_t>(limit), customer_id, rule));
    }
    return out;
  }
  void TrimAudit(uint64_t through) { engine_->TrimAudit(through); }
  void SetOwnerAvailable(const std::string& owner_id, bool available) {
    ThrowIfError(engine_->SetOwnerAvailable(owner_id, available));
  }
  // Tasks with seq > after, at most limit (0: all); "" for every customer's.
  std::string TasksJson(const std::string& customer_id, uint64_t after, uint64_t limit) const {
    const size_t most = limit == 0 ? SIZE_MAX : static_cast<size_t>(limit);
    if (customer_id.empty()) return internal::TasksJson(engine_->TasksSince(after, most));
    std::vector<v1::Task> tasks = engine_->Tasks(customer_id);
    tasks.erase(tasks.begin(), std::find_if(tasks.begin(), tasks.end(), [&](const v1::Task& t) { return t.seq() > after; }));
    if (tasks.size() > most) tasks.resize(most);
    return internal::TasksJson(tasks);
  }
  uint64_t LastTask() const { return engine_->LastTask(); }
  void TrimTasks(uint64_t through) { engine_->TrimTasks(through); }
  std::string RuleStatsJson() const { return internal::RuleStatsJson(engine_->RuleStats()); }

  nb::dict Stats() const {
    StoreStats s;
    {
      nb::gil_scoped_release release;
      s = engine_->Stats();
    }
    nb::dict d;
    d["customers"] = s.customers;
    d["accounts"] = s.accounts;
    d["deals"] = s.deals;
    d["events"] = s.events;
    d["event_types"] = s.event_types;
    d["custom_attributes"] = s.custom_attributes;
    d["column_bytes"] = s.column_bytes;
    d["dictionary_bytes"] = s.dictionary_bytes;
    return d;
  }

 private:
  std::unique_ptr<Engine> engine_;

 public:
  // ---------------------------------------------------------------- predictive models

  PyLiveModel BindModel(const PredictiveModel& model) {
    absl::StatusOr<std::shared_ptr<const LiveModel>> live;
    {
      nb::gil_scoped_release release;
      live = engine_->BindModel(model);
    }
    return PyLiveModel{ValueOrThrow(std::move(live))};
  }

  // (ids in id order, float64 probabilities bytes), read in one snapshot.
  nb::tuple PredictModel(const PyLiveModel& model) const {
    std::vector<std::pair<std::string, double>> scored;
    {
      nb::gil_scoped_release release;
      scored = engine_->PredictById(*model.live);
    }
    std::vector<std::string> ids;
    std::vector<double> probabilities;
    ids.reserve(scored.size());
    probabilities.reserve(scored.size());
    for (auto& [id, p] : scored) {
      ids.push_back(std::move(id));
      probabilities.push_back(p);
    }
    return nb::make_tuple(ids, nb::bytes(reinterpret_cast<const char*>(probabilities.data()),
                                         probabilities.size() * sizeof(double)));
  }

  nb::dict ExplainPrediction(const PyLiveModel& model, const std::string& id, int k) const {
    if (k < 0) ThrowIfError(absl::InvalidArgumentError(absl::StrCat("k must be at least 0, got ", k)));
    absl::StatusOr<Explanation> x;
    {
      nb::gil_scoped_release release;
      x = engine_->ExplainPrediction(*model.live, id, k);
    }
    nb::dict d = ExplanationDict(ValueOrThrow(std::move(x)));
    d["customer_id"] = id;
    return d;
  }
};

std::string FormatFromPathName(const std::string& path) {
  return std::string(FormatName(ValueOrThrow(FormatFromPath(path))));
}

std::string CanonicalFormatName(const std::string& name) {
  return std::string(FormatName(ValueOrThrow(ParseFormat(name))));
}

// ---------------------------------------------------------------- cohorts and RFM

// A cohort table of an events CSV, as columns: (labels, sizes as int64 bytes,
// values as float64 bytes, row-major rows x periods, NaN past the data).
nb::tuple CohortTableColumns(nb::bytes data, const std::string& period, int periods, const std::string& metric,
                             const std::string& cohort_event, const std::string& activity_event,
                             const std::string& convert_to, bool cumulative) {
  CohortOptions options;
  options.period = ValueOrThrow(ParseCohortPeriod(period));
  options.metric = ValueOrThrow(ParseCohortMetric(metric));
  options.periods = periods;
  options.cohort_event = cohort_event;
  options.activity_event = activity_event;
  options.convert_to = convert_to;
  options.cumulative = cumulative;
  const absl::string_view text(data.c_str(), data.size());
  absl::StatusOr<CohortTable> table;
  {
    nb::gil_scoped_release release;
    auto source = OpenSource<v1::Event>(text, Format::kCsv);
    table = source.ok() ? BuildCohortTable(**source, options) : absl::StatusOr<CohortTable>(source.status());
  }
  ThrowIfError(table.status());
  std::vector<std::string> labels;
  std::vector<int64_t> sizes;
  std::vector<double> values;
  labels.reserve(table->rows.size());
  values.reserve(table->rows.size() * static_cast<size_t>(table->periods));
  for (const CohortRow& row : table->rows) {
    labels.push_back(row.label);
    sizes.push_back(row.size);
    for (const std::optional<double>& v : row.values) values.push_back(v ? *v : std::nan(""));
  }
  return nb::make_tuple(labels, nb::bytes(reinterpret_cast<const char*>(sizes.data()), sizes.size() * sizeof(int64_t)),
                        nb::bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double)));
}

// RFM of an events CSV, as columns: (customer ids, segment names, then bytes
// of int64 recency_days and frequency, float64 monetary, int8 r, f, m, and
// the uint8 index of each row's segment in the names).
nb::tuple RfmColumns(nb::bytes data, const std::string& cutoff, std::optional<int64_t> cutoff_us,
                     const std::string& purchase_event) {
  RfmOptions options;
  if (cutoff_us) {
    options.cutoff = *cutoff_us;
  } else {
    auto parsed = ParseRfmCutoff(cutoff);
    if (!parsed.ok()) ThrowIfError(absl::InvalidArgumentError(absl::StrCat("cutoff: ", parsed.status().message())));
    options.cutoff = *parsed;
  }
  if (purchase_event.empty()) ThrowIfError(absl::InvalidArgumentError("purchase_event: expected an event type or \"*\""));
  options.purchase_event = purchase_event;
  const absl::string_view text(data.c_str(), data.size());
  absl::StatusOr<std::vector<RfmRow>> rows;
  {
    nb::gil_scoped_release release;
    auto read = ReadRecords<v1::Event>(text, Format::kCsv);
    if (!read.ok()) {
      rows = read.status();
    } else if (!read->errors.empty()) {
      rows = BatchRejected(read->errors);
    } else {
      rows = ComputeRfm(read->batch.records, options);
    }
  }
  ThrowIfError(rows.status());
  const size_t n = rows->size();
  std::vector<std::string> ids;
  std::vector<int64_t> recency(n), frequency(n);
  std::vector<double> monetary(n);
  std::vector<int8_t> r(n), f(n), m(n);
  std::vector<uint8_t> segment(n);
  ids.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const RfmRow& row = (*rows)[i];
    ids.push_back(row.customer_id);
    recency[i] = row.recency_days;
    frequency[i] = row.frequency;
    monetary[i] = row.monetary;
    r[i] = static_cast<int8_t>(row.r);
    f[i] = static_cast<int8_t>(row.f);
    m[i] = static_cast<int8_t>(row.m);
    segment[i] = static_cast<uint8_t>(row.segment);
  }
  std::vector<std::string> names;
  for (int i = 0; i <= static_cast<int>(RfmSegment::kLost); ++i) {
    names.emplace_back(RfmSegmentName(static_cast<RfmSegment>(i)));
  }
  auto raw = [](const auto& v) {
    return nb::bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0]));
  };
  return nb::make_tuple(ids, names, raw(recency), raw(frequency), raw(monetary), raw(r), raw(f), raw(m),
                        raw(segment));
}

// ---------------------------------------------------------------- clusters

template <typename T>
nb::bytes RawBytes(const std::vector<T>& v) {
  return nb::bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// Clusters of the customers in `customers` (CSV) on CEL features, as
// ClusterRecords computes them, as columns: (k, k_chosen, [(k, silhouette)],
// inertia, ids, int32 labels bytes, [(feature, categorical, [categories])],
// int64 sizes bytes, float64 centroid bytes (k rows, one column per numeric
// feature and per category, in feature order), [(cluster, feature, category
// or None, z, value)] distinguishing columns).
nb::tuple ClusterColumns(nb::bytes customers, std::optional<std::string> schema_json, std::optional<nb::bytes> events,
                         const std::vector<std::string>& features, int k, int max_k, uint64_t seed, int restarts,
                         std::optional<int64_t> now_us) {
  ClusterRecordsInput input;
  input.customers = absl::string_view(customers.c_str(), customers.size());
  if (events) input.events = absl::string_view(events->c_str(), events->size());
  if (schema_json) input.customers_read.attr_types = ValueOrThrow(ParseCsvSchema(*schema_json));
  if (now_us) input.now = absl::FromUnixMicros(*now_us);
  ClusterOptions options;
  options.k = k;
  options.max_k = max_k;
  options.seed = seed;
  options.restarts = restarts;
  if (restarts < 1) ThrowIfError(absl::InvalidArgumentError(absl::StrCat("restarts must be at least 1, got ", restarts)));
  absl::StatusOr<ClusterResult> result;
  {
    nb::gil_scoped_release release;
    result = ClusterRecords(features, input, options);
  }
  ThrowIfError(result.status());
  const ClusterResult& r = *result;
  nb::list silhouettes;
  for (const auto& [kk, score] : r.silhouettes) silhouettes.append(nb::make_tuple(kk, score));
  nb::list encodings;
  for (const FeatureEncoding& e : r.features) {
    encodings.append(nb::make_tuple(e.name, e.categorical, e.categorical ? e.categories : std::vector<std::string>()));
  }
  std::vector<int32_t> labels(r.assignment.begin(), r.assignment.end());
  std::vector<int64_t> sizes;
  std::vector<double> centroids;
  nb::list distinguishing;
  for (const Cluster& c : r.clusters) {
    sizes.push_back(c.size);
    for (const CentroidValue& v : c.centroid) {
      if (v.categorical) {
        for (const auto& [category, share] : v.shares) centroids.push_back(share);
      } else {
        centroids.push_back(v.value);
      }
    }
    for (const Distinction& d : c.distinguishing) {
      nb::object category = d.category.empty() ? nb::none() : nb::object(nb::str(d.category.c_str()));
      distinguishing.append(nb::make_tuple(c.cluster, d.feature, category, d.z, d.value));
    }
  }
  return nb::make_tuple(r.k, r.k_chosen, silhouettes, r.inertia, r.customer_ids, RawBytes(labels), encodings,
                        RawBytes(sizes), RawBytes(centroids), distinguishing);
}

// k-means on the rows of a C-contiguous float64 matrix, read in place with
// the GIL released: (int32 labels bytes, float64 centroids bytes k x d
// row-major, inertia, iterations).
nb::tuple KMeansMatrix(nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu> x, int k, uint64_t seed,
                       int restarts, int max_iterations, double tolerance, const std::string& init,
                       int local_trials) {
  KMeansOptions options;
  options.local_trials = local_trials;
  options.k = k;
  options.seed = seed;
  options.restarts = restarts;
  options.max_iterations = max_iterations;
  options.tolerance = tolerance;
  if (init == "k-means++") {
    options.init = KMeansInit::kKMeansPlusPlus;
  } else if (init == "random") {
    options.init = KMeansInit::kRandom;
  } else {
    ThrowIfError(absl::InvalidArgumentError(absl::StrCat("init must be \"k-means++\" or \"random\", got \"", init, "\"")));
  }
  const Eigen::Map<const RowMajorMatrixXd> points(x.data(), static_cast<Eigen::Index>(x.shape(0)),
                                                  static_cast<Eigen::Index>(x.shape(1)));
  absl::StatusOr<KMeansResult> result;
  {
    nb::gil_scoped_release release;
    result = KMeans(points, options);
  }
  ThrowIfError(result.status());
  std::vector<int32_t> labels(result->labels.begin(), result->labels.end());
  const RowMajorMatrixXd centroids = result->centroids;
  return nb::make_tuple(RawBytes(labels),
                        nb::bytes(reinterpret_cast<const char*>(centroids.data()), centroids.size() * sizeof(double)),
                        result->inertia, result->iterations);
}

// ---------------------------------------------------------------- predictive models

// A table from columns given as (name, categorical, values): float64 values
// (NaN = missing; an infinity is an error naming row and column), strings
// ("" = missing), or categories as (int64 codes, levels) with -1 = missing,
// so that a column crosses the binding as one buffer and its distinct levels.
Table TableFromColumns(const nb::list& columns) {
  Table table;
  for (nb::handle item : columns) {
    nb::tuple column = nb::cast<nb::tuple>(item);
    std::string name = nb::cast<std::string>(column[0]);
    const bool categorical = nb::cast<bool>(column[1]);
    if (categorical && nb::isinstance<nb::tuple>(column[2])) {
      // (int64 codes, levels): code -1 = missing, else an index into levels.
      nb::tuple coded = nb::cast<nb::tuple>(column[2]);
      auto codes = nb::cast<nb::ndarray<const int64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>>(coded[0]);
      const std::vector<std::string> levels = nb::cast<std::vector<std::string>>(coded[1]);
      std::vector<std::string> values(codes.shape(0));
      for (size_t i = 0; i < values.size(); ++i) {
        const int64_t code = codes.data()[i];
        if (code < -1 || code >= static_cast<int64_t>(levels.size())) {
          ThrowIfError(absl::InvalidArgumentError(
              absl::StrCat("column \"", name, "\": code ", code, " at row ", i, " is not a level")));
        }
        if (code >= 0) values[i] = levels[static_cast<size_t>(code)];
      }
      ThrowIfError(table.AddCategoricalColumn(std::move(name), std::move(values)));
      continue;
    }
    if (categorical) {
      ThrowIfError(table.AddCategoricalColumn(std::move(name), nb::cast<std::vector<std::string>>(column[2])));
      continue;
    }
    auto values = nb::cast<nb::ndarray<const double, nb::ndim<1>, nb::c_contig, nb::device::cpu>>(column[2]);
    std::vector<std::optional<double>> numbers(values.shape(0));
    for (size_t i = 0; i < numbers.size(); ++i) {
      const double v = values.data()[i];
      if (!std::isnan(v)) numbers[i] = v;
    }
    ThrowIfError(table.AddNumericColumn(std::move(name), numbers));
  }
  return table;
}

Table TableFromCsv(const std::string& text, const std::vector<std::string>& categorical,
                   const std::vector<std::string>& only) {
  TableReadOptions read;
  read.categorical = categorical;
  read.only = only;
  return ValueOrThrow(ReadTableCsv(text, read));
}

nb::bytes Int64Bytes(const std::vector<int64_t>& v) {
  return nb::bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t));
}

nb::list FallbacksList(const std::vector<FeatureFallbacks>& fallbacks) {
  nb::list out;
  for (const FeatureFallbacks& f : fallbacks) {
    nb::dict d;
    d["feature"] = f.feature;
    d["unseen_levels"] = f.unseen_levels;
    d["unexpected_missing"] = f.unexpected_missing;
    out.append(d);
  }
  return out;
}

TrainOptions MakeTrainOptions(const std::string& target, const std::string& positive,
                              const std::vector<std::string>& exclude, double test_fraction, uint64_t seed, double l2,
                              bool balanced, int64_t min_level_count, const std::string& time_column) {
  TrainOptions o;
  o.target = target;
  o.positive = positive;
  o.exclude = exclude;
  o.test_fraction = test_fraction;
  o.seed = seed;
  o.l2 = l2;
  o.balanced_class_weight = balanced;
  o.min_level_count = min_level_count;
  o.time_column = time_column;
  return o;
}

// TrainPredictive: (model, held-out metrics JSON, warnings, int64 train rows bytes, int64 test rows bytes).
nb::tuple TrainModel(const Table& table, const std::string& target, const std::string& positive,
                     const std::vector<std::string>& exclude, double test_fraction, uint64_t seed, double l2,
                     bool balanced, int64_t min_level_count, const std::string& time_column) {
  const TrainOptions o =
      MakeTrainOptions(target, positive, exclude, test_fraction, seed, l2, balanced, min_level_count, time_column);
  absl::StatusOr<TrainResult> result;
  {
    nb::gil_scoped_release release;
    result = TrainPredictive(table, o);
  }
  ThrowIfError(result.status());
  return nb::make_tuple(std::move(result->model), BinaryMetricsToJson(result->held_out), result->warnings,
                        Int64Bytes(result->split.train), Int64Bytes(result->split.test));
}

// FitPredictive on every row: (model, warnings).
nb::tuple FitModel(const Table& table, const std::string& target, const std::string& positive,
                   const std::vector<std::string>& exclude, double l2, bool balanced, int64_t min_level_count) {
  const TrainOptions o = MakeTrainOptions(target, positive, exclude, 0.2, 42, l2, balanced, min_level_count, "");
  absl::StatusOr<FitResult> result;
  {
    nb::gil_scoped_release release;
    result = FitPredictive(table, o);
  }
  ThrowIfError(result.status());
  return nb::make_tuple(std::move(result->model), result->warnings);
}

// (float64 probabilities bytes, fallbacks).
nb::tuple ModelPredict(const PredictiveModel& model, const Table& table) {
  Predictions p = ValueOrThrow(Predict(model, table));
  return nb::make_tuple(RawBytes(p.probabilities), FallbacksList(p.fallbacks));
}

// The encoded matrix: (float64 bytes row-major, rows, columns).
nb::tuple ModelTransform(const PredictiveModel& model, const Table& table) {
  const RowMajorMatrixXd x = ValueOrThrow(model.encoder().EncodeAll(table));
  return nb::make_tuple(nb::bytes(reinterpret_cast<const char*>(x.data()), x.size() * sizeof(double)), x.rows(),
                        x.cols());
}

nb::list ModelExplain(const PredictiveModel& model, const Table& table, int k) {
  if (k < 0) ThrowIfError(absl::InvalidArgumentError(absl::StrCat("k must be at least 0, got ", k)));
  const std::vector<Explanation> all = ValueOrThrow(ExplainAll(model, table, k));
  nb::list out;
  for (const Explanation& e : all) out.append(ExplanationDict(e));
  return out;
}

// (metrics JSON, fallbacks).
nb::tuple ModelEvaluate(const PredictiveModel& model, const Table& table) {
  std::vector<FeatureFallbacks> fallbacks;
  const BinaryMetrics m = ValueOrThrow(Evaluate(model, table, &fallbacks));
  return nb::make_tuple(BinaryMetricsToJson(m), FallbacksList(fallbacks));
}

// TrainFromHistory on record buffers: `inputs` is [(kind, bytes, format, schema JSON or None)]
// with kind "customers", "accounts", "events" or "deals"; the options are the
// JSON of saleskit_model_train_history. Returns as TrainModel.
nb::tuple TrainFromHistoryInputs(const nb::list& inputs, const std::string& options_json) {
  internal::HistoryTraining options = ValueOrThrow(internal::ParseHistoryOptionsJson(options_json));
  struct Input {
    std::string kind, data;
    Format format;
    ReadOptions read;
  };
  std::vector<Input> parsed;
  for (nb::handle item : inputs) {
    nb::tuple t = nb::cast<nb::tuple>(item);
    Input in;
    in.kind = nb::cast<std::string>(t[0]);
    nb::bytes data = nb::cast<nb::bytes>(t[1]);
    in.data.assign(data.c_str(), data.size());
    in.format = ValueOrThrow(ParseFormat(nb::cast<std::string>(t[2])));
    if (!t[3].is_none()) in.read.attr_types = ValueOrThrow(ParseCsvSchema(nb::cast<std::string>(t[3])));
    parsed.push_back(std::move(in));
  }
  absl::StatusOr<TrainResult> result = absl::InternalError("not trained");
  {
    nb::gil_scoped_release release;
    HistoryRecords records;
    absl::Status read;
    for (const Input& in : parsed) {
      if (!read.ok()) break;
      if (in.kind == "customers") {
        read = internal::ReadHistoryRecords(in.kind, in.data, in.format, in.read, &records.customers);
      } else if (in.kind == "accounts") {
        read = internal::ReadHistoryRecords(in.kind, in.data, in.format, in.read, &records.accounts);
      } else if (in.kind == "events") {
        read = internal::ReadHistoryRecords(in.kind, in.data, in.format, in.read, &records.events);
      } else if (in.kind == "deals") {
        read = internal::ReadHistoryRecords(in.kind, in.data, in.format, in.read, &records.deals);
      } else {
        read = absl::InvalidArgumentError(absl::StrCat("unknown record kind \"", in.kind, "\""));
      }
    }
    if (read.ok()) {
      result = TrainFromHistory(records, options.history, options.train);
    } else {
      result = read;
    }
  }
  ThrowIfError(result.status());
  return nb::make_tuple(std::move(result->model), BinaryMetricsToJson(result->held_out), result->warnings,
                        Int64Bytes(result->split.train), Int64Bytes(result->split.test));
}

}  // namespace
}  // namespace python
}  // namespace saleskit

NB_MODULE(_saleskit, m) {
  using saleskit::python::PyEngine;
  using saleskit::python::StatusException;
  m.doc() = "Native core of saleskit. Private: use the `saleskit` package.";
  m.attr("__version__") = SALESKIT_VERSION_STRING;

  // StatusError(code: int, message: str); code is the absl::StatusCode value.
  PyObject* status_error = PyErr_NewExceptionWithDoc(
      "saleskit._saleskit.StatusError", "A failed absl::Status: args are (code, message).", PyExc_Exception,
      nullptr);
  m.attr("StatusError") = nb::steal(status_error);
  nb::register_exception_translator(
      [](const std::exception_ptr& p, void* payload) {
        try {
          std::rethrow_exception(p);
        } catch (const StatusException& e) {
          nb::object args = nb::make_tuple(e.code, e.message);
          PyErr_SetObject(static_cast<PyObject*>(payload), args.ptr());
        }
      },
      status_error);

  // EvaluationStatusError(code: int, message: str): an expression evaluated to an error value.
  PyObject* evaluation_error = PyErr_NewExceptionWithDoc(
      "saleskit._saleskit.EvaluationStatusError", "A CEL error value: args are (code, message).", PyExc_Exception,
      nullptr);
  m.attr("EvaluationStatusError") = nb::steal(evaluation_error);
  nb::register_exception_translator(
      [](const std::exception_ptr& p, void* payload) {
        try {
          std::rethrow_exception(p);
        } catch (const saleskit::python::EvaluationException& e) {
          nb::object args = nb::make_tuple(e.code, e.message);
          PyErr_SetObject(static_cast<PyObject*>(payload), args.ptr());
        }
      },
      evaluation_error);

  using saleskit::python::PyExpression;
  using saleskit::python::TypeValue;
  nb::class_<TypeValue>(m, "TypeValue")
      .def_ro("name", &TypeValue::name)
      .def("__eq__", [](const TypeValue& a, const TypeValue& b) { return a.name == b.name; })
      .def("__hash__", [](const TypeValue& a) { return nb::hash(nb::str(a.name.c_str())); })
      .def("__repr__", [](const TypeValue& a) { return "saleskit.cel.Type(" + a.name + ")"; });

  nb::class_<PyExpression>(m, "Expression")
      .def_static("compile", &PyExpression::Standalone, nb::arg("source"), nb::arg("condition"))
      .def_prop_ro("source", &PyExpression::source)
      .def_prop_ro("condition", &PyExpression::condition)
      .def_prop_ro("bool_typed", &PyExpression::bool_typed)
      .def_prop_ro("result_type", &PyExpression::result_type)
      .def_prop_ro("bound", &PyExpression::bound)
      .def("dependencies", &PyExpression::Dependencies)
      .def("evaluate_records", &PyExpression::EvaluateRecords, nb::arg("data"), nb::arg("format"), nb::arg("now_us"),
           nb::arg("schema_json").none(), nb::arg("mode"));

  nb::class_<PyEngine>(m, "Engine")
      .def(nb::init<int64_t, int64_t, uint32_t, int64_t, int64_t>(), nb::arg("dedup_horizon_us"), nb::arg("start_us"),
           nb::arg("outbox_max_attempts"), nb::arg("outbox_retry_base_us"), nb::arg("outbox_retry_max_us"))
      .def_static("open", &PyEngine::Open, nb::arg("path"), nb::arg("dedup_horizon_us"), nb::arg("start_us"),
                  nb::arg("outbox_max_attempts"), nb::arg("outbox_retry_base_us"), nb::arg("outbox_retry_max_us"),
                  nb::arg("durability"), nb::arg("batch_records"), nb::arg("batch_interval_us"),
                  nb::arg("checkpoint_every"))
      .def("flush", &PyEngine::Flush)
      .def_prop_ro("acknowledged", &PyEngine::Acknowledged)
      .def("checkpoint", &PyEngine::Checkpoint)
      .def_prop_ro("checkpoint_seq", &PyEngine::CheckpointSeq)
      .def_prop_ro("durable", &PyEngine::Durable)
      .def("load", &PyEngine::Load, nb::arg("kind"), nb::arg("data"), nb::arg("format"), nb::arg("on_invalid"),
           nb::arg("unknown_customer"), nb::arg("ignore_unknown_fields"), nb::arg("schema_json").none())
      .def("get_customer_json", &PyEngine::GetCustomerJson, nb::arg("id"))
      .def("get_activity_json", &PyEngine::GetActivityJson, nb::arg("id"))
      .def("erase_customer", &PyEngine::EraseCustomer, nb::arg("id"))
      .def("erase_customers", &PyEngine::EraseCustomers, nb::arg("ids"))
      .def_prop_ro("customer_count", &PyEngine::customer_count)
      .def_prop_ro("now_us", &PyEngine::now_us)
      .def("advance_to_us", &PyEngine::AdvanceTo, nb::arg("t_us"))
      .def("stats", &PyEngine::Stats)
      .def("compile", &PyEngine::Compile, nb::arg("source"), nb::arg("condition"))
      .def("evaluate", &PyEngine::Evaluate, nb::arg("expression"), nb::arg("id"))
      .def("match", &PyEngine::Match, nb::arg("expression"))
      .def("define_playbook", &PyEngine::DefinePlaybook, nb::arg("json"))
      .def("playbook_json", &PyEngine::PlaybookJson)
      .def("remove_segment", &PyEngine::RemoveSegment, nb::arg("name"))
      .def("segment_members", &PyEngine::SegmentMembers, nb::arg("name"))
      .def("segment_count", &PyEngine::SegmentCount, nb::arg("name"))
      .def("is_member", &PyEngine::IsMember, nb::arg("name"), nb::arg("id"))
      .def("segment_changes", &PyEngine::SegmentChanges, nb::arg("after"), nb::arg("limit"))
      .def("last_segment_change", &PyEngine::LastSegmentChange)
      .def("trim_segment_changes", &PyEngine::TrimSegmentChanges, nb::arg("through"))
      .def("explain_segment", &PyEngine::ExplainSegment, nb::arg("name"), nb::arg("id"))
      .def("evaluate_segments", &PyEngine::EvaluateSegments)
      .def("define_scores", &PyEngine::DefineScores, nb::arg("json"))
      .def("remove_score", &PyEngine::RemoveScore, nb::arg("name"))
      .def("scores_json", &PyEngine::ScoresJson)
      .def("score", &PyEngine::Score, nb::arg("name"), nb::arg("id"))
      .def("score_values", &PyEngine::ScoreValues, nb::arg("name"))
      .def("scores_table", &PyEngine::ScoresTable)
      .def("evaluate_scores", &PyEngine::EvaluateScores)
      .def("explain_score", &PyEngine::ExplainScore, nb::arg("name"), nb::arg("id"))
      .def("score_crossings", &PyEngine::ScoreCrossings, nb::arg("after"), nb::arg("limit"))
      .def("last_score_crossing", &PyEngine::LastScoreCrossing)
      .def("trim_score_crossings", &PyEngine::TrimScoreCrossings, nb::arg("through"))
      .def("poll_outbox_json", &PyEngine::PollOutboxJson, nb::arg("limit"))
      .def("ack_outbox", &PyEngine::AckOutbox, nb::arg("id"))
      .def("ack_outbox_many", &PyEngine::AckOutboxMany, nb::arg("ids"))
      .def("nack_outbox", &PyEngine::NackOutbox, nb::arg("id"), nb::arg("error"))
      .def("outbox_json", &PyEngine::OutboxJson, nb::arg("after"), nb::arg("limit"), nb::arg("state"))
      .def("audit_json", &PyEngine::AuditJson, nb::arg("after"), nb::arg("limit"), nb::arg("customer_id"),
           nb::arg("rule"))
      .def("trim_audit", &PyEngine::TrimAudit, nb::arg("through"))
      .def("set_owner_available", &PyEngine::SetOwnerAvailable, nb::arg("owner_id"), nb::arg("available"))
      .def("tasks_json", &PyEngine::TasksJson, nb::arg("customer_id"), nb::arg("after"), nb::arg("limit"))
      .def("last_task", &PyEngine::LastTask)
      .def("trim_tasks", &PyEngine::TrimTasks, nb::arg("through"))
      .def("rule_stats_json", &PyEngine::RuleStatsJson)
      .def("bind_model", &PyEngine::BindModel, nb::arg("model"))
      .def("predict_model", &PyEngine::PredictModel, nb::arg("live"))
      .def("explain_prediction", &PyEngine::ExplainPrediction, nb::arg("live"), nb::arg("id"), nb::arg("k"));

  m.def("format_from_path", &saleskit::python::FormatFromPathName, nb::arg("path"),
        "The canonical format name (protobuf, json, ndjson, csv) a file name's extension implies.");
  m.def("format_name", &saleskit::python::CanonicalFormatName, nb::arg("name"),
        "The canonical format name for an alias (pb -> protobuf, jsonl -> ndjson).");
  m.def("cohort_table_columns", &saleskit::python::CohortTableColumns, nb::arg("data"), nb::arg("period"),
        nb::arg("periods"), nb::arg("metric"), nb::arg("cohort_event"), nb::arg("activity_event"),
        nb::arg("convert_to"), nb::arg("cumulative"),
        "A cohort table of an events CSV: (labels, int64 sizes, float64 values row-major) as bytes.");
  m.def("rfm_columns", &saleskit::python::RfmColumns, nb::arg("data"), nb::arg("cutoff"),
        nb::arg("cutoff_us").none(), nb::arg("purchase_event"),
        "RFM of an events CSV: (ids, segment names, recency, frequency, monetary, r, f, m, segment) as bytes.");
  m.def("cluster_columns", &saleskit::python::ClusterColumns, nb::arg("customers"), nb::arg("schema_json").none(),
        nb::arg("events").none(), nb::arg("features"), nb::arg("k"), nb::arg("max_k"), nb::arg("seed"),
        nb::arg("restarts"), nb::arg("now_us").none(),
        "k-means clusters of a customers CSV on CEL features (ClusterRecords), as columns and bytes.");
  m.def("kmeans_matrix", &saleskit::python::KMeansMatrix, nb::arg("x"), nb::arg("k"), nb::arg("seed"),
        nb::arg("restarts"), nb::arg("max_iterations"), nb::arg("tolerance"), nb::arg("init"),
        nb::arg("local_trials"),
        "k-means on the rows of a C-contiguous float64 matrix: (labels, centroids, inertia, iterations).");

  // Predictive models (saleskit/score/predictive.h); the package's _predictive.py wraps them.
  using saleskit::PredictiveModel;
  nb::class_<saleskit::Table>(m, "Table")
      .def_prop_ro("rows", &saleskit::Table::rows)
      .def_prop_ro("column_names", [](const saleskit::Table& t) {
        std::vector<std::string> names;
        for (const auto& c : t.columns()) names.push_back(c.name);
        return names;
      });
  m.def("table_from_columns", &saleskit::python::TableFromColumns, nb::arg("columns"),
        "A Table from [(name, categorical, float64 array or list of str)].");
  m.def("table_from_csv", &saleskit::python::TableFromCsv, nb::arg("text"), nb::arg("categorical"), nb::arg("only"),
        "A Table from CSV text (ReadTableCsv).");
  nb::class_<PredictiveModel>(m, "PredictiveModel")
      .def_static("load", [](nb::bytes data) {
        return saleskit::python::ValueOrThrow(PredictiveModel::Load(absl::string_view(data.c_str(), data.size())));
      }, nb::arg("data"))
      .def("to_binary", [](const PredictiveModel& model) {
        const std::string b = model.ToBinary();
        return nb::bytes(b.data(), b.size());
      })
      .def("to_json", &PredictiveModel::ToJson)
      .def_prop_ro("feature_names", &PredictiveModel::FeatureNames)
      .def_prop_ro("categorical_feature_names", &PredictiveModel::CategoricalFeatureNames)
      .def_prop_ro("column_names", [](const PredictiveModel& model) { return model.encoder().column_names(); })
      .def_prop_ro("weights", [](const PredictiveModel& model) { return model.weights(); })
      .def_prop_ro("intercept", &PredictiveModel::intercept)
      .def_prop_ro("target", [](const PredictiveModel& model) { return model.proto().target(); })
      .def_prop_ro("positive", [](const PredictiveModel& model) { return model.proto().positive_value(); })
      .def_prop_ro("negative", [](const PredictiveModel& model) { return model.proto().negative_value(); })
      .def_prop_ro("l2", [](const PredictiveModel& model) { return model.proto().training().l2(); })
      .def_prop_ro("balanced_class_weight",
                   [](const PredictiveModel& model) { return model.proto().training().balanced_class_weight(); })
      .def_prop_ro("min_level_count",
                   [](const PredictiveModel& model) { return model.proto().training().min_level_count(); })
      .def("predict", &saleskit::python::ModelPredict, nb::arg("table"))
      .def("transform", &saleskit::python::ModelTransform, nb::arg("table"))
      .def("explain", &saleskit::python::ModelExplain, nb::arg("table"), nb::arg("k"))
      .def("evaluate", &saleskit::python::ModelEvaluate, nb::arg("table"));
  m.def("train_model", &saleskit::python::TrainModel, nb::arg("table"), nb::arg("target"), nb::arg("positive"),
        nb::arg("exclude"), nb::arg("test_fraction"), nb::arg("seed"), nb::arg("l2"), nb::arg("balanced"),
        nb::arg("min_level_count"), nb::arg("time_column"),
        "TrainPredictive: (model, held-out metrics JSON, warnings, train rows bytes, test rows bytes).");
  nb::class_<saleskit::python::PyLiveModel>(m, "LiveModel");
  m.def("train_from_history", &saleskit::python::TrainFromHistoryInputs, nb::arg("inputs"), nb::arg("options_json"),
        "TrainFromHistory on [(kind, bytes, format, schema JSON or None)]: as train_model.");
  m.def("fit_model", &saleskit::python::FitModel, nb::arg("table"), nb::arg("target"), nb::arg("positive"),
        nb::arg("exclude"), nb::arg("l2"), nb::arg("balanced"), nb::arg("min_level_count"),
        "FitPredictive on every row: (model, warnings).");
}
