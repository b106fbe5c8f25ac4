#include "saleskit/io/readers.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "internal/proto_time.h"
#include "internal/utf8.h"
#include "saleskit/io/csv.h"
#include "saleskit/status_macros.h"

namespace saleskit {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// ------------------------------------------------------------------ helpers

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// " (did you mean \"x\"?)" for the closest candidate within a small distance.
std::string DidYouMean(absl::string_view name, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_d = std::max<size_t>(2, name.size() / 3) + 1;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(absl::AsciiStrToLower(name), c);
    if (d < best_d) {
      best_d = d;
      best = &c;
    }
  }
  return best ? absl::StrCat(" (did you mean \"", *best, "\"?)") : "";
}

bool IsIntText(absl::string_view s) {
  size_t i = s[0] == '-' ? 1 : 0;
  if (i >= s.size()) return false;
  if (s[i] == '0' && s.size() > i + 1) return false;  // "007" stays a string
  for (; i < s.size(); ++i) {
    if (!absl::ascii_isdigit(s[i])) return false;
  }
  int64_t v;
  return absl::SimpleAtoi(s, &v);
}

bool IsNumberText(absl::string_view s) {
  size_t i = s[0] == '-' ? 1 : 0;
  const size_t digits_start = i;
  while (i < s.size() && absl::ascii_isdigit(s[i])) ++i;
  const size_t int_digits = i - digits_start;
  if (int_digits == 0) return false;
  if (s[digits_start] == '0' && int_digits > 1) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t f = i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i;
    if (i == f) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t e = i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i;
    if (i == e) return false;
  }
  double d;
  return i == s.size() && absl::SimpleAtod(s, &d) && std::isfinite(d);
}

bool IsBoolText(absl::string_view s) {
  return absl::EqualsIgnoreCase(s, "true") || absl::EqualsIgnoreCase(s, "false");
}

// Infers an attribute column's type from its non-empty cells.
struct TypeInference {
  bool any = false, all_bool = true, all_int = true, all_number = true, all_time = true;
  void Add(absl::string_view s) {
    any = true;
    if (all_bool) all_bool = IsBoolText(s);
    if (all_int) all_int = IsIntText(s);
    if (all_number) all_number = all_int || IsNumberText(s);
    if (all_time) all_time = ParseTimestamp(s).ok();
  }
  AttrType Result() const {
    if (!any) return AttrType::kString;
    if (all_bool) return AttrType::kBool;
    if (all_int) return AttrType::kInt;
    if (all_number) return AttrType::kDouble;
    if (all_time) return AttrType::kTimestamp;
    return AttrType::kString;
  }
};

absl::StatusOr<int64_t> ParseInt(absl::string_view s) {
  int64_t v;
  if (!absl::SimpleAtoi(s, &v)) return absl::InvalidArgumentError(absl::StrCat("expected an integer, got \"", s, "\""));
  return v;
}
absl::StatusOr<double> ParseDouble(absl::string_view s) {
  double v;
  if (!absl::SimpleAtod(s, &v) || !std::isfinite(v)) {
    return absl::InvalidArgumentError(absl::StrCat("expected a finite number, got \"", s, "\""));
  }
  return v;
}
absl::StatusOr<bool> ParseBool(absl::string_view s) {
  if (absl::EqualsIgnoreCase(s, "true")) return true;
  if (absl::EqualsIgnoreCase(s, "false")) return false;
  return absl::InvalidArgumentError(absl::StrCat("expected true or false, got \"", s, "\""));
}

// An enum's values by their CSV names: lowercase without the type prefix
// (LIFECYCLE_STAGE_MARKETING_QUALIFIED -> "marketing_qualified", WON -> "won").
class EnumNames {
 public:
  explicit EnumNames(const google::protobuf::EnumDescriptor* e) {
    std::string prefix;
    for (char c : e->name()) {
      if (absl::ascii_isupper(c) && !prefix.empty()) prefix.push_back('_');
      prefix.push_back(absl::ascii_toupper(c));
    }
    prefix.push_back('_');
    for (int i = 0; i < e->value_count(); ++i) {
      if (e->value(i)->number() == 0) continue;  // *_UNSPECIFIED is absence, never written
      std::string n = e->value(i)->name();
      if (absl::StartsWith(n, prefix)) n = n.substr(prefix.size());
      n = absl::AsciiStrToLower(n);
      values_.emplace(n, e->value(i)->number());
      names_.push_back(std::move(n));
    }
  }
  absl::StatusOr<int> Parse(absl::string_view s) const {
    auto it = values_.find(s);
    if (it == values_.end()) it = values_.find(absl::AsciiStrToLower(s));
    if (it != values_.end()) return it->second;
    return absl::InvalidArgumentError(absl::StrCat("unknown value \"", s, "\"; expected one of ",
                                                   absl::StrJoin(names_, ", "), DidYouMean(s, names_)));
  }

 private:
  absl::flat_hash_map<std::string, int> values_;
  std::vector<std::string> names_;
};

template <typename Enum>
const EnumNames& NamesOf(const google::protobuf::EnumDescriptor* (*descriptor)()) {
  static const EnumNames* names = new EnumNames(descriptor());
  return *names;
}

absl::Status SetAttr(v1::AttrValue* v, AttrType type, absl::string_view s) {
  switch (type) {
    case AttrType::kBool: {
      SALESKIT_ASSIGN_OR_RETURN(bool b, ParseBool(s));
      v->set_bool_value(b);
      break;
    }
    case AttrType::kInt: {
      SALESKIT_ASSIGN_OR_RETURN(int64_t i, ParseInt(s));
      v->set_int_value(i);
      break;
    }
    case AttrType::kDouble: {
      SALESKIT_ASSIGN_OR_RETURN(double d, ParseDouble(s));
      v->set_double_value(d);
      break;
    }
    case AttrType::kString: v->set_string_value(std::string(s)); break;
    case AttrType::kTimestamp: {
      SALESKIT_ASSIGN_OR_RETURN(Micros t, ParseTimestamp(s));
      internal::ToProto(t, v->mutable_timestamp_value());
      break;
    }
    case AttrType::kStringList:
      for (absl::string_view part : absl::StrSplit(s, '|', absl::SkipEmpty())) {
        v->mutable_string_list_value()->add_values(std::string(part));
      }
      break;
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------ CSV

enum class ColumnKind { kField, kAttr, kProperty, kConsentStatus, kConsentSource, kConsentAt, kIgnored };

struct Column {
  ColumnKind kind = ColumnKind::kIgnored;
  std::string name;
  size_t setter = 0;  // index in FieldSetters<Record>() for kField
  std::string key;    // attribute or property name
  AttrType attr_type = AttrType::kString;
  int channel = 0;
};

constexpr absl::string_view kChannels[3] = {"email", "sms", "phone"};

// Columns a record type accepts, for "did you mean".
std::vector<std::string> KnownColumns(const Descriptor* d) {
  std::vector<std::string> out;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_map()) {
      out.push_back(f->name() + ".NAME");
    } else if (f->name() == "consent") {
      for (absl::string_view ch : kChannels) {
        out.push_back(absl::StrCat("consent.", ch));
        out.push_back(absl::StrCat("consent.", ch, ".source"));
        out.push_back(absl::StrCat("consent.", ch, ".at"));
      }
    } else {
      out.push_back(f->name());
    }
  }
  return out;
}

// Per record type, a setter for each standard field a CSV column can name,
// written with the generated accessors: no reflection per cell, and string
// fields reuse the buffers of the record the source reuses.
template <typename Record>
using FieldSetter = absl::Status (*)(Record*, absl::string_view);

template <typename Record>
struct NamedSetter {
  absl::string_view name;
  FieldSetter<Record> set;
};

#define SALESKIT_CSV_STRING(R, f)                                 \
  NamedSetter<R> {                                                \
    #f, [](R* r, absl::string_view v) {                           \
      r->mutable_##f()->assign(v.data(), v.size());               \
      return absl::OkStatus();                                    \
    }                                                             \
  }
#define SALESKIT_CSV_PARSED(R, f, Parse)                          \
  NamedSetter<R> {                                                \
    #f, [](R* r, absl::string_view v) {                           \
      auto parsed = Parse(v);                                     \
      if (!parsed.ok()) return parsed.status();                   \
      r->set_##f(*parsed);                                        \
      return absl::OkStatus();                                    \
    }                                                             \
  }
#define SALESKIT_CSV_TIMESTAMP(R, f)                              \
  NamedSetter<R> {                                                \
    #f, [](R* r, absl::string_view v) {                           \
      auto t = ParseTimestamp(v);                                 \
      if (!t.ok()) return t.status();                             \
      internal::ToProto(*t, r->mutable_##f());                    \
      return absl::OkStatus();                                    \
    }                                                             \
  }
#define SALESKIT_CSV_ENUM(R, f, E)                                \
  NamedSetter<R> {                                                \
    #f, [](R* r, absl::string_view v) {                           \
      auto n = NamesOf<E>(&E##_descriptor).Parse(v);              \
      if (!n.ok()) return n.status();                             \
      r->set_##f(static_cast<E>(*n));                             \
      return absl::OkStatus();                                    \
    }                                                             \
  }
#define SALESKIT_CSV_LIST(R, f)                                   \
  NamedSetter<R> {                                                \
    #f, [](R* r, absl::string_view v) {                           \
      for (absl::string_view part : absl::StrSplit(v, '|')) {     \
        if (!part.empty()) r->add_##f(std::string(part));         \
      }                                                           \
      return absl::OkStatus();                                    \
    }                                                             \
  }

template <typename Record>
absl::Span<const NamedSetter<Record>> FieldSetters();

template <>
absl::Span<const NamedSetter<v1::Customer>> FieldSetters() {
  using C = v1::Customer;
  static const NamedSetter<C> kSetters[] = {
      SALESKIT_CSV_STRING(C, id), SALESKIT_CSV_STRING(C, account_id), SALESKIT_CSV_STRING(C, email),
      SALESKIT_CSV_STRING(C, phone), SALESKIT_CSV_STRING(C, first_name), SALESKIT_CSV_STRING(C, last_name),
      SALESKIT_CSV_STRING(C, title), SALESKIT_CSV_STRING(C, company), SALESKIT_CSV_STRING(C, industry),
      SALESKIT_CSV_STRING(C, country), SALESKIT_CSV_STRING(C, region), SALESKIT_CSV_STRING(C, timezone),
      SALESKIT_CSV_PARSED(C, employee_count, ParseInt), SALESKIT_CSV_PARSED(C, annual_revenue, ParseDouble),
      SALESKIT_CSV_ENUM(C, lifecycle_stage, v1::LifecycleStage), SALESKIT_CSV_STRING(C, lead_source),
      SALESKIT_CSV_STRING(C, owner_id), SALESKIT_CSV_TIMESTAMP(C, created_at),
      SALESKIT_CSV_TIMESTAMP(C, updated_at), SALESKIT_CSV_LIST(C, tags),
      SALESKIT_CSV_PARSED(C, do_not_contact, ParseBool), SALESKIT_CSV_LIST(C, clear_fields),
  };
  return kSetters;
}

template <>
absl::Span<const NamedSetter<v1::Account>> FieldSetters() {
  using A = v1::Account;
  static const NamedSetter<A> kSetters[] = {
      SALESKIT_CSV_STRING(A, id), SALESKIT_CSV_STRING(A, name), SALESKIT_CSV_STRING(A, domain),
      SALESKIT_CSV_STRING(A, industry), SALESKIT_CSV_STRING(A, country),
      SALESKIT_CSV_PARSED(A, employee_count, ParseInt), SALESKIT_CSV_PARSED(A, annual_revenue, ParseDouble),
      SALESKIT_CSV_STRING(A, owner_id), SALESKIT_CSV_TIMESTAMP(A, created_at),
  };
  return kSetters;
}

template <>
absl::Span<const NamedSetter<v1::Deal>> FieldSetters() {
  using D = v1::Deal;
  static const NamedSetter<D> kSetters[] = {
      SALESKIT_CSV_STRING(D, id), SALESKIT_CSV_STRING(D, account_id), SALESKIT_CSV_STRING(D, customer_id),
      SALESKIT_CSV_STRING(D, name), SALESKIT_CSV_STRING(D, stage), SALESKIT_CSV_PARSED(D, amount, ParseDouble),
      SALESKIT_CSV_STRING(D, currency), SALESKIT_CSV_TIMESTAMP(D, close_date),
      SALESKIT_CSV_ENUM(D, status, v1::Deal::Status), SALESKIT_CSV_STRING(D, owner_id),
      SALESKIT_CSV_TIMESTAMP(D, created_at),
  };
  return kSetters;
}

template <>
absl::Span<const NamedSetter<v1::Event>> FieldSetters() {
  using E = v1::Event;
  static const NamedSetter<E> kSetters[] = {
      SALESKIT_CSV_STRING(E, id), SALESKIT_CSV_STRING(E, customer_id), SALESKIT_CSV_STRING(E, type),
      SALESKIT_CSV_TIMESTAMP(E, occurred_at), SALESKIT_CSV_PARSED(E, value, ParseDouble),
  };
  return kSetters;
}

#undef SALESKIT_CSV_STRING
#undef SALESKIT_CSV_PARSED
#undef SALESKIT_CSV_TIMESTAMP
#undef SALESKIT_CSV_ENUM
#undef SALESKIT_CSV_LIST

template <typename Record>
absl::StatusOr<Column> PlanColumn(absl::string_view name, const ReadOptions& options) {
  const Descriptor* d = Record::descriptor();
  Column col;
  col.name = std::string(name);
  const auto setters = FieldSetters<Record>();
  for (size_t i = 0; i < setters.size(); ++i) {
    if (setters[i].name == name) {
      col.kind = ColumnKind::kField;
      col.setter = i;
      return col;
    }
  }
  const auto dot = name.find('.');
  if (dot != absl::string_view::npos) {
    const absl::string_view head = name.substr(0, dot), rest = name.substr(dot + 1);
    const FieldDescriptor* m = d->FindFieldByName(std::string(head));
    if (m != nullptr && m->is_map() && !rest.empty()) {
      col.key = std::string(rest);
      if (head == "attrs") {
        col.kind = ColumnKind::kAttr;
        auto it = options.attr_types.find(col.key);
        if (it != options.attr_types.end()) col.attr_type = it->second;
      } else {
        col.kind = ColumnKind::kProperty;
      }
      return col;
    }
    if (m != nullptr && head == "consent") {
      for (int ch = 0; ch < 3; ++ch) {
        if (rest == kChannels[ch]) col.kind = ColumnKind::kConsentStatus;
        else if (rest == absl::StrCat(kChannels[ch], ".source")) col.kind = ColumnKind::kConsentSource;
        else if (rest == absl::StrCat(kChannels[ch], ".at")) col.kind = ColumnKind::kConsentAt;
        else continue;
        col.channel = ch;
        return col;
      }
    }
  }
  if (options.ignore_unknown_fields) return col;  // kIgnored
  return absl::InvalidArgumentError(absl::StrCat("line 1: unknown column \"", name, "\" for ",
                                                 d->name(), DidYouMean(name, KnownColumns(d))));
}

template <typename Record>
absl::Status SetCell(Record* r, const Column& col, absl::string_view cell);

template <typename Record>
absl::Status SetCommon(Record* r, const Column& col, absl::string_view cell) {
  if (col.kind == ColumnKind::kField) return FieldSetters<Record>()[col.setter].set(r, cell);
  return absl::InternalError("column kind not valid for this record");
}

template <>
absl::Status SetCell(v1::Customer* r, const Column& col, absl::string_view cell) {
  switch (col.kind) {
    case ColumnKind::kAttr: return SetAttr(&(*r->mutable_attrs())[col.key], col.attr_type, cell);
    case ColumnKind::kConsentStatus:
    case ColumnKind::kConsentSource:
    case ColumnKind::kConsentAt: {
      v1::ConsentSet* set = r->mutable_consent();
      v1::Consent* k = col.channel == 0 ? set->mutable_email() : col.channel == 1 ? set->mutable_sms() : set->mutable_phone();
      if (col.kind == ColumnKind::kConsentSource) {
        k->set_source(std::string(cell));
      } else if (col.kind == ColumnKind::kConsentAt) {
        SALESKIT_ASSIGN_OR_RETURN(Micros t, ParseTimestamp(cell));
        internal::ToProto(t, k->mutable_at());
      } else {
        SALESKIT_ASSIGN_OR_RETURN(int v, NamesOf<v1::Consent::Status>(&v1::Consent::Status_descriptor).Parse(cell));
        k->set_status(static_cast<v1::Consent::Status>(v));
      }
      return absl::OkStatus();
    }
    default: return SetCommon(r, col, cell);
  }
}
template <>
absl::Status SetCell(v1::Account* r, const Column& col, absl::string_view cell) {
  if (col.kind == ColumnKind::kAttr) return SetAttr(&(*r->mutable_attrs())[col.key], col.attr_type, cell);
  return SetCommon(r, col, cell);
}
template <>
absl::Status SetCell(v1::Event* r, const Column& col, absl::string_view cell) {
  if (col.kind == ColumnKind::kProperty) {
    (*r->mutable_properties())[col.key] = std::string(cell);
    return absl::OkStatus();
  }
  return SetCommon(r, col, cell);
}
template <>
absl::Status SetCell(v1::Deal* r, const Column& col, absl::string_view cell) {
  return SetCommon(r, col, cell);
}

template <typename Record>
std::vector<absl::string_view> RequiredColumns();
template <> std::vector<absl::string_view> RequiredColumns<v1::Customer>() { return {"id"}; }
template <> std::vector<absl::string_view> RequiredColumns<v1::Account>() { return {"id"}; }
template <> std::vector<absl::string_view> RequiredColumns<v1::Deal>() { return {"id"}; }
template <> std::vector<absl::string_view> RequiredColumns<v1::Event>() {
  return {"customer_id", "type", "occurred_at"};
}

// Reads records from CSV rows. The header is planned once (and attribute
// column types inferred over the whole input) when the source is opened.
template <typename Record>
class CsvSource final : public RecordSource<Record> {
 public:
  static absl::StatusOr<std::unique_ptr<CsvSource>> Open(absl::string_view data, const ReadOptions& options) {
    SALESKIT_ASSIGN_OR_RETURN(CsvReader reader, CsvReader::Open(data));
    std::vector<Column> columns;
    for (const std::string& name : reader.header()) {
      for (const Column& c : columns) {
        if (c.name == name) {
          return absl::InvalidArgumentError(absl::StrCat("line 1: column \"", name, "\" appears twice"));
        }
      }
      SALESKIT_ASSIGN_OR_RETURN(Column col, PlanColumn<Record>(name, options));
      columns.push_back(std::move(col));
    }
    for (absl::string_view required : RequiredColumns<Record>()) {
      if (std::none_of(columns.begin(), columns.end(), [&](const Column& c) { return c.name == required; })) {
        return absl::InvalidArgumentError(absl::StrCat("line 1: missing column \"", required, "\""));
      }
    }
    std::vector<size_t> to_infer;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].kind == ColumnKind::kAttr && !options.attr_types.contains(columns[i].key)) to_infer.push_back(i);
    }
    if (!to_infer.empty()) {
      std::vector<TypeInference> inference(to_infer.size());
      CsvReader pass = reader;
      std::vector<absl::string_view> cells;
      int64_t line;
      while (true) {
        absl::StatusOr<bool> more = pass.Next(&cells, &line);
        if (!more.ok()) {
          if (pass.broken()) break;  // an unclosed quote: reported by the first real pass
          continue;                // a bad row: reported there too
        }
        if (!*more) break;
        for (size_t k = 0; k < to_infer.size(); ++k) {
          if (!cells[to_infer[k]].empty()) inference[k].Add(cells[to_infer[k]]);
        }
      }
      for (size_t k = 0; k < to_infer.size(); ++k) columns[to_infer[k]].attr_type = inference[k].Result();
    }
    auto source = std::unique_ptr<CsvSource>(new CsvSource(std::move(reader), std::move(columns)));
    source->rows_hint_ = static_cast<size_t>(std::count(data.begin(), data.end(), '\n'));
    return source;
  }

  const Record* Next(RecordPosition* position) override {
    while (status_.ok()) {
      absl::StatusOr<bool> more = reader_.Next(&cells_, &position->line);
      if (!more.ok()) {
        if (reader_.broken()) {
          status_ = more.status();  // an unclosed quote ends the input
          return nullptr;
        }
        errors_.push_back(RecordError{index_, reader_.last_row_line(), false, "", std::string(more.status().message())});
        ++index_;
        continue;
      }
      if (!*more) return nullptr;
      position->index = index_++;
      record_.Clear();
      std::string field;
      absl::Status s;
      for (size_t i = 0; i < columns_.size() && s.ok(); ++i) {
        const absl::string_view cell = cells_[i];
        if (cell.empty() || columns_[i].kind == ColumnKind::kIgnored) continue;
        const int64_t bad = internal::FindInvalidUtf8(cell);
        s = bad >= 0 ? absl::InvalidArgumentError(absl::StrCat("invalid UTF-8 at byte ", bad + 1, " of the cell"))
                     : SetCell(&record_, columns_[i], cell);
        if (!s.ok()) field = columns_[i].name;
      }
      if (s.ok()) return &record_;
      errors_.push_back(RecordError{position->index, position->line, false, std::move(field), std::string(s.message())});
    }
    return nullptr;
  }
  const std::vector<RecordError>& parse_errors() const override { return errors_; }
  absl::Status status() const override { return status_; }
  size_t size_hint() const override { return rows_hint_; }

 private:
  CsvSource(CsvReader reader, std::vector<Column> columns)
      : reader_(std::move(reader)), columns_(std::move(columns)) {}

  CsvReader reader_;
  std::vector<Column> columns_;
  std::vector<absl::string_view> cells_;
  Record record_;
  size_t index_ = 0;
  std::vector<RecordError> errors_;
  absl::Status status_;
  size_t rows_hint_ = 0;  // lines in the input: at least the rows
};

// ------------------------------------------------------------------ JSON

struct JsonSpan {
  absl::string_view text;
  int64_t line;
};

// Splits a JSON array of objects (or a single object) into its elements.
absl::StatusOr<std::vector<JsonSpan>> SplitJson(absl::string_view text) {
  std::vector<JsonSpan> out;
  size_t i = 0;
  int64_t line = 1;
  auto skip_ws = [&] {
    while (i < text.size() && absl::ascii_isspace(text[i])) {
      if (text[i] == '\n') ++line;
      ++i;
    }
  };
  // Scans one value starting at text[i]; leaves i after it.
  auto scan_value = [&]() -> absl::Status {
    const int64_t start_line = line;
    int depth = 0;
    bool in_string = false;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '\n') ++line;
      if (in_string) {
        if (c == '\\') ++i;
        else if (c == '"') in_string = false;
        continue;
      }
      if (c == '"') in_string = true;
      else if (c == '{' || c == '[') ++depth;
      else if (c == '}' || c == ']') {
        if (--depth == 0) {
          ++i;
          return absl::OkStatus();
        }
      } else if (depth == 0 && (c == ',' )) {
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(
        absl::StrFormat("line %d: malformed JSON: the value that starts here never ends", start_line));
  };
  skip_ws();
  if (i >= text.size()) return out;
  if (text[i] == '{') {
    const size_t start = i;
    const int64_t start_line = line;
    SALESKIT_RETURN_IF_ERROR(scan_value());
    out.push_back({text.substr(start, i - start), start_line});
  } else if (text[i] == '[') {
    ++i;
    skip_ws();
    if (i < text.size() && text[i] == ']') {
      ++i;
    } else {
      while (true) {
        skip_ws();
        const size_t start = i;
        const int64_t start_line = line;
        if (i >= text.size()) return absl::InvalidArgumentError(absl::StrFormat("line %d: malformed JSON: unterminated array", line));
        SALESKIT_RETURN_IF_ERROR(scan_value());
        out.push_back({text.substr(start, i - start), start_line});
        skip_ws();
        if (i < text.size() && text[i] == ',') {
          ++i;
          continue;
        }
        if (i < text.size() && text[i] == ']') {
          ++i;
          break;
        }
        return absl::InvalidArgumentError(
            absl::StrFormat("line %d: malformed JSON: expected ',' or ']' after array element %d", line, out.size()));
      }
    }
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "line %d: malformed JSON: expected an array of records or one record object, found '%c'", line, text[i]));
  }
  skip_ws();
  if (i < text.size()) {
    return absl::InvalidArgumentError(absl::StrFormat("line %d: malformed JSON: unexpected text after the end", line));
  }
  return out;
}

// Protobuf's JSON parser reports "field: what is wrong" or "(field): ...";
// returns the field path ("" when the message names none).
std::string FieldFromJsonError(absl::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0) return "";
  absl::string_view head = message.substr(0, colon);
  if (head.size() >= 2 && head.front() == '(' && head.back() == ')') head = head.substr(1, head.size() - 2);
  if (head.empty() || head.find_first_of(" \t\n\"()") != absl::string_view::npos) return "";
  return std::string(head);
}

// Reads records from JSON texts (the elements of an array, or NDJSON lines).
template <typename Record>
class JsonSource final : public RecordSource<Record> {
 public:
  JsonSource(std::vector<JsonSpan> spans, const ReadOptions& options) : spans_(std::move(spans)) {
    parse_.ignore_unknown_fields = options.ignore_unknown_fields;
  }
  const Record* Next(RecordPosition* position) override {
    while (next_ < spans_.size()) {
      const size_t k = next_++;
      const JsonSpan& span = spans_[k];
      record_.Clear();
      const auto status = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(span.text.data(), span.text.size()), &record_, parse_);
      if (status.ok()) {
        *position = RecordPosition{k, span.line};
        return &record_;
      }
      const std::string message(status.message().data(), status.message().size());
      errors_.push_back(RecordError{k, span.line, false, FieldFromJsonError(message),
                                    absl::StrCat("malformed JSON record: ", message)});
    }
    return nullptr;
  }
  const std::vector<RecordError>& parse_errors() const override { return errors_; }
  absl::Status status() const override { return absl::OkStatus(); }
  size_t size_hint() const override { return spans_.size(); }

 private:
  std::vector<JsonSpan> spans_;
  google::protobuf::util::JsonParseOptions parse_;
  Record record_;
  size_t next_ = 0;
  std::vector<RecordError> errors_;
};

std::vector<JsonSpan> SplitLines(absl::string_view data) {
  std::vector<JsonSpan> out;
  int64_t line = 0;
  for (absl::string_view text : absl::StrSplit(data, '\n')) {
    ++line;
    if (!absl::StripAsciiWhitespace(text).empty()) out.push_back({text, line});
  }
  return out;
}

// ------------------------------------------------------------------ protobuf

// Reads length-delimited messages, reusing one message object.
template <typename Record>
class ProtobufSource final : public RecordSource<Record> {
 public:
  ProtobufSource(absl::string_view data, const ReadOptions& options)
      : data_(data), ignore_unknown_(options.ignore_unknown_fields) {}

  const Record* Next(RecordPosition* position) override {
    const auto* p = reinterpret_cast<const uint8_t*>(data_.data());
    while (status_.ok() && pos_ < data_.size()) {
      const size_t start = pos_;
      const size_t index = index_++;
      uint64_t size = 0;
      int shift = 0;
      while (true) {
        if (pos_ >= data_.size()) {
          status_ = absl::InvalidArgumentError(absl::StrFormat(
              "record %d (byte %d): truncated protobuf: the size prefix is cut off", index + 1, start));
          return nullptr;
        }
        const uint8_t b = p[pos_++];
        size |= static_cast<uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) break;
        shift += 7;
        if (shift > 63) {
          status_ = absl::InvalidArgumentError(absl::StrFormat(
              "record %d (byte %d): malformed protobuf: the size prefix is not a valid varint", index + 1, start));
          return nullptr;
        }
      }
      if (size > data_.size() - pos_) {
        status_ = absl::InvalidArgumentError(absl::StrFormat(
            "record %d (byte %d): truncated protobuf: the record declares %d bytes, only %d remain", index + 1,
            start, size, data_.size() - pos_));
        return nullptr;
      }
      const uint8_t* body = p + pos_;
      pos_ += size;
      std::string error;
      if (!record_.ParseFromArray(body, static_cast<int>(size))) {
        error = absl::StrCat("not a valid ", Record::descriptor()->full_name(),
                             " message (malformed bytes, or a string that is not valid UTF-8)");
      } else if (!record_.GetReflection()->GetUnknownFields(record_).empty()) {
        if (ignore_unknown_) {
          record_.DiscardUnknownFields();
        } else {
          error = absl::StrCat("unknown field number ", record_.GetReflection()->GetUnknownFields(record_).field(0).number(),
                               " for ", Record::descriptor()->full_name());
        }
      }
      if (error.empty()) {
        *position = RecordPosition{index, static_cast<int64_t>(start)};
        return &record_;
      }
      errors_.push_back(RecordError{index, static_cast<int64_t>(start), true, "", std::move(error)});
    }
    return nullptr;
  }
  const std::vector<RecordError>& parse_errors() const override { return errors_; }
  absl::Status status() const override { return status_; }
  bool binary() const override { return true; }
  size_t size_hint() const override {
    // Hop over the size prefixes: one read per record, no parsing.
    size_t n = 0, i = 0;
    while (i < data_.size()) {
      uint64_t size = 0;
      int shift = 0;
      while (i < data_.size() && shift < 64) {
        const uint8_t b = static_cast<uint8_t>(data_[i++]);
        size |= static_cast<uint64_t>(b & 0x7F) << shift;
        shift += 7;
        if ((b & 0x80) == 0) break;
      }
      ++n;
      if (size > data_.size() - i) break;
      i += size;
    }
    return n;
  }

 private:
  absl::string_view data_;
  bool ignore_unknown_;
  Record record_;
  size_t pos_ = 0;
  size_t index_ = 0;
  std::vector<RecordError> errors_;
  absl::Status status_;
};

}  // namespace

template <typename Record>
absl::StatusOr<std::unique_ptr<RecordSource<Record>>> OpenSource(absl::string_view data, Format format,
                                                                  const ReadOptions& options) {
  switch (format) {
    case Format::kCsv: {
      SALESKIT_ASSIGN_OR_RETURN(auto source, CsvSource<Record>::Open(data, options));
      return std::unique_ptr<RecordSource<Record>>(std::move(source));
    }
    case Format::kJson: {
      SALESKIT_ASSIGN_OR_RETURN(std::vector<JsonSpan> spans, SplitJson(data));
      return std::unique_ptr<RecordSource<Record>>(new JsonSource<Record>(std::move(spans), options));
    }
    case Format::kNdjson:
      return std::unique_ptr<RecordSource<Record>>(new JsonSource<Record>(SplitLines(data), options));
    case Format::kProtobuf:
      return std::unique_ptr<RecordSource<Record>>(new ProtobufSource<Record>(data, options));
  }
  return absl::InvalidArgumentError("unknown format");
}

template <typename Record>
absl::StatusOr<ReadResult<Record>> ReadRecords(absl::string_view data, Format format, const ReadOptions& options) {
  SALESKIT_ASSIGN_OR_RETURN(auto source, OpenSource<Record>(data, format, options));
  ReadResult<Record> result;
  result.batch.binary = source->binary();
  RecordPosition pos;
  while (const Record* r = source->Next(&pos)) result.batch.Add(*r, pos.index, pos.line);
  SALESKIT_RETURN_IF_ERROR(source->status());
  result.errors = source->parse_errors();
  return result;
}

#define SALESKIT_INSTANTIATE_READERS(Record)                                                                \
  template absl::StatusOr<std::unique_ptr<RecordSource<Record>>> OpenSource(absl::string_view, Format,       \
                                                                            const ReadOptions&);            \
  template absl::StatusOr<ReadResult<Record>> ReadRecords(absl::string_view, Format, const ReadOptions&);
SALESKIT_INSTANTIATE_READERS(v1::Customer)
SALESKIT_INSTANTIATE_READERS(v1::Event)
SALESKIT_INSTANTIATE_READERS(v1::Account)
SALESKIT_INSTANTIATE_READERS(v1::Deal)
#undef SALESKIT_INSTANTIATE_READERS

absl::StatusOr<Format> ParseFormat(absl::string_view name) {
  const std::string n = absl::AsciiStrToLower(name);
  if (n == "protobuf" || n == "pb" || n == "binpb") return Format::kProtobuf;
  if (n == "json") return Format::kJson;
  if (n == "ndjson" || n == "jsonl") return Format::kNdjson;
  if (n == "csv" || n == "tsv") return Format::kCsv;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown format \"", name, "\"; expected protobuf, json, ndjson or csv"));
}

absl::string_view FormatName(Format format) {
  switch (format) {
    case Format::kProtobuf: return "protobuf";
    case Format::kJson: return "json";
    case Format::kNdjson: return "ndjson";
    case Format::kCsv: return "csv";
  }
  return "?";
}

std::string LifecycleStageName(v1::LifecycleStage stage) {
  if (stage == v1::LIFECYCLE_STAGE_UNSPECIFIED || !v1::LifecycleStage_IsValid(stage)) return "";
  return absl::AsciiStrToLower(absl::StripPrefix(v1::LifecycleStage_Name(stage), "LIFECYCLE_STAGE_"));
}

std::optional<v1::LifecycleStage> ParseLifecycleStage(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  if (!absl::StartsWith(upper, "LIFECYCLE_STAGE_")) upper = absl::StrCat("LIFECYCLE_STAGE_", upper);
  v1::LifecycleStage stage;
  if (!v1::LifecycleStage_Parse(upper, &stage) || stage == v1::LIFECYCLE_STAGE_UNSPECIFIED) return std::nullopt;
  return stage;
}

absl::StatusOr<Format> FormatFromPath(absl::string_view path) {
  const size_t dot = path.rfind('.');
  if (dot == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("cannot tell the format of \"", path, "\" from its name"));
  }
  auto f = ParseFormat(path.substr(dot + 1));
  if (!f.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot tell the format of \"", path,
                                                   "\": use .pb, .binpb, .json, .ndjson, .jsonl, .csv or .tsv"));
  }
  return f;
}

absl::StatusOr<absl::flat_hash_map<std::string, AttrType>> ParseCsvSchema(absl::string_view json) {
  google::protobuf::Struct root;
  google::protobuf::util::JsonParseOptions opts;
  auto st = google::protobuf::util::JsonStringToMessage(google::protobuf::StringPiece(json.data(), json.size()), &root, opts);
  if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat("schema: malformed JSON: ", std::string(st.message().data(), st.message().size())));
  absl::flat_hash_map<std::string, AttrType> out;
  for (const auto& [key, value] : root.fields()) {
    if (key != "attrs") return absl::InvalidArgumentError(absl::StrCat("schema: unknown key \"", key, "\"; expected \"attrs\""));
    if (!value.has_struct_value()) return absl::InvalidArgumentError("schema: \"attrs\" must be an object");
    for (const auto& [name, type] : value.struct_value().fields()) {
      static const std::pair<absl::string_view, AttrType> kTypes[] = {
          {"bool", AttrType::kBool}, {"int64", AttrType::kInt}, {"double", AttrType::kDouble},
          {"string", AttrType::kString}, {"timestamp", AttrType::kTimestamp}, {"string_list", AttrType::kStringList}};
      bool found = false;
      for (const auto& [tname, t] : kTypes) {
        if (type.string_value() == tname) {
          out[name] = t;
          found = true;
        }
      }
      if (!found) {
        return absl::InvalidArgumentError(absl::StrCat("schema: attrs.", name, ": unknown type \"", type.string_value(),
                                                       "\"; expected bool, int64, double, string, timestamp or string_list"));
      }
    }
  }
  return out;
}

std::string SerializeDeterministic(const google::protobuf::Message& record) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);  // map entries in key order
    record.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& record) {
  // The JSON printer follows the wire order, so print from a deterministic
  // serialization: the same record always gives the same bytes.
  static auto* resolver = google::protobuf::util::NewTypeResolverForDescriptorPool(
      "type.googleapis.com", google::protobuf::DescriptorPool::generated_pool());
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::BinaryToJsonString(
      resolver, "type.googleapis.com/" + record.GetDescriptor()->full_name(), SerializeDeterministic(record), &out,
      opts);
  return out;
}

void AppendDelimited(const google::protobuf::Message& record, std::string* out) {
  const std::string bytes = SerializeDeterministic(record);
  size_t size = bytes.size();
  while (size >= 0x80) {
    out->push_back(static_cast<char>((size & 0x7F) | 0x80));
    size >>= 7;
  }
  out->push_back(static_cast<char>(size));
  out->append(bytes);
}

}  // namespace saleskit
