// saleskit._saleskit: the thin native layer under the Python package.
//
// Everything friendly (dict conversion, pandas, paths, datetimes, exception
// classes) lives in the pure-Python package `saleskit`. This module passes
// text and integers to saleskit::Engine and back. Every failing absl::Status
// leaves as one exception type, StatusError(code, message), which the package
// maps to saleskit.Error subclasses in a single place.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/optional.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "saleskit/engine.h"
#include "saleskit/io/readers.h"
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

// A LoadReport as a plain tuple; the package wraps it in a dataclass.
nb::tuple ReportToTuple(const LoadReport& r) {
  nb::list rejected;
  for (const RecordError& e : r.rejected) {
    rejected.append(nb::make_tuple(e.index, e.line, e.field, e.message, e.binary));
  }
  return nb::make_tuple(r.received, r.inserted, r.updated, r.duplicates, r.skipped_unknown_customer,
                        r.created_customers, rejected);
}

class PyEngine {
 public:
  PyEngine(int64_t dedup_horizon_us, int64_t start_us) {
    EngineOptions options;
    options.store.dedup_horizon = absl::Microseconds(dedup_horizon_us);
    options.start = absl::FromUnixMicros(start_us);
    engine_ = ValueOrThrow(Engine::Create(std::move(options)));
  }

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
};

std::string FormatFromPathName(const std::string& path) {
  return std::string(FormatName(ValueOrThrow(FormatFromPath(path))));
}

std::string CanonicalFormatName(const std::string& name) {
  return std::string(FormatName(ValueOrThrow(ParseFormat(name))));
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

  nb::class_<PyEngine>(m, "Engine")
      .def(nb::init<int64_t, int64_t>(), nb::arg("dedup_horizon_us"), nb::arg("start_us"))
      .def("load", &PyEngine::Load, nb::arg("kind"), nb::arg("data"), nb::arg("format"), nb::arg("on_invalid"),
           nb::arg("unknown_customer"), nb::arg("ignore_unknown_fields"), nb::arg("schema_json").none())
      .def("get_customer_json", &PyEngine::GetCustomerJson, nb::arg("id"))
      .def("get_activity_json", &PyEngine::GetActivityJson, nb::arg("id"))
      .def("erase_customer", &PyEngine::EraseCustomer, nb::arg("id"))
      .def_prop_ro("customer_count", &PyEngine::customer_count)
      .def_prop_ro("now_us", &PyEngine::now_us)
      .def("advance_to_us", &PyEngine::AdvanceTo, nb::arg("t_us"))
      .def("stats", &PyEngine::Stats);

  m.def("format_from_path", &saleskit::python::FormatFromPathName, nb::arg("path"),
        "The canonical format name (protobuf, json, ndjson, csv) a file name's extension implies.");
  m.def("format_name", &saleskit::python::CanonicalFormatName, nb::arg("name"),
        "The canonical format name for an alias (pb -> protobuf, jsonl -> ndjson).");
}
