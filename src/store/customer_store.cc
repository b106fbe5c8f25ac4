#include "saleskit/store/customer_store.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "internal/proto_time.h"
#include "internal/utf8.h"
#include "saleskit/status_macros.h"
#include "state/internal/archive.h"

namespace saleskit {
namespace {

using internal::FromProto;
using internal::IsValidTimestamp;
using internal::ToProto;

struct StringFieldAccess {
  absl::string_view name;
  bool (v1::Customer::*has)() const;
  const std::string& (v1::Customer::*get)() const;
  std::string* (v1::Customer::*mut)();
};

#define SALESKIT_STRING_FIELD(f) \
  {#f, &v1::Customer::has_##f, &v1::Customer::f, &v1::Customer::mutable_##f}
constexpr StringFieldAccess kStringFields[kStringFieldCount] = {
    SALESKIT_STRING_FIELD(account_id), SALESKIT_STRING_FIELD(email),
    SALESKIT_STRING_FIELD(phone),      SALESKIT_STRING_FIELD(first_name),
    SALESKIT_STRING_FIELD(last_name),  SALESKIT_STRING_FIELD(title),
    SALESKIT_STRING_FIELD(company),    SALESKIT_STRING_FIELD(industry),
    SALESKIT_STRING_FIELD(country),    SALESKIT_STRING_FIELD(region),
    SALESKIT_STRING_FIELD(timezone),   SALESKIT_STRING_FIELD(lead_source),
    SALESKIT_STRING_FIELD(owner_id),
};
#undef SALESKIT_STRING_FIELD

constexpr absl::string_view kChannels[3] = {"email", "sms", "phone"};

const v1::Consent& ChannelOf(const v1::ConsentSet& set, int channel) {
  return channel == 0 ? set.email() : channel == 1 ? set.sms() : set.phone();
}
bool HasChannel(const v1::ConsentSet& set, int channel) {
  return channel == 0 ? set.has_email() : channel == 1 ? set.has_sms() : set.has_phone();
}
v1::Consent* MutableChannel(v1::ConsentSet* set, int channel) {
  return channel == 0 ? set->mutable_email() : channel == 1 ? set->mutable_sms() : set->mutable_phone();
}

absl::StatusOr<AttrType> TypeOf(const v1::AttrValue& v) {
  switch (v.kind_case()) {
    case v1::AttrValue::kBoolValue: return AttrType::kBool;
    case v1::AttrValue::kIntValue: return AttrType::kInt;
    case v1::AttrValue::kDoubleValue: return AttrType::kDouble;
    case v1::AttrValue::kStringValue: return AttrType::kString;
    case v1::AttrValue::kTimestampValue: return AttrType::kTimestamp;
    case v1::AttrValue::kStringListValue: return AttrType::kStringList;
    case v1::AttrValue::KIND_NOT_SET: break;
  }
  return absl::InvalidArgumentError("the attribute has no value");
}

// Names accepted in Customer.clear_fields besides string fields and attrs.NAME.
constexpr absl::string_view kClearableFields[] = {
    "employee_count", "annual_revenue", "lifecycle_stage", "created_at",   "updated_at",
    "tags",           "consent",        "consent.email",   "consent.sms",  "consent.phone",
    "do_not_contact", "attrs",
};

absl::Status Invalid(std::string* field, absl::string_view name, std::string message) {
  *field = std::string(name);
  return absl::InvalidArgumentError(std::move(message));
}

absl::Status CheckUtf8(std::string* field, absl::string_view name, absl::string_view s) {
  const int64_t at = internal::FindInvalidUtf8(s);
  if (at < 0) return absl::OkStatus();
  return Invalid(field, name, absl::StrCat("invalid UTF-8 at byte ", at + 1));
}

// Checks a record's custom attributes: names and values are valid, and each
// attribute keeps the type it first had: `stored(name)` in the store, else in
// an earlier record of the batch (`pending`). On success the record's new
// attribute types are added to `pending`.
template <typename Stored>
absl::Status CheckAttrs(const google::protobuf::Map<std::string, v1::AttrValue>& attrs, Stored stored,
                        absl::flat_hash_map<std::string, AttrType>* pending, std::string* field) {
  std::vector<std::pair<std::string, AttrType>> fresh;
  for (const auto& [name, value] : attrs) {
    const std::string fname = absl::StrCat("attrs.", name);
    if (name.empty()) return Invalid(field, "attrs", "empty attribute name");
    SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, "attrs", name));
    auto type = TypeOf(value);
    if (!type.ok()) return Invalid(field, fname, std::string(type.status().message()));
    std::optional<AttrType> known = stored(name);
    if (auto it = pending->find(name); !known && it != pending->end()) known = it->second;
    if (known && *known != *type) {
      return Invalid(field, fname,
                     absl::StrCat("type conflict: the attribute is ", AttrTypeName(*known), ", this value is ",
                                  AttrTypeName(*type)));
    }
    if (!known) fresh.emplace_back(name, *type);
    switch (*type) {
      case AttrType::kDouble:
        if (!std::isfinite(value.double_value())) return Invalid(field, fname, "not a finite number");
        break;
      case AttrType::kString:
        SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, fname, value.string_value()));
        break;
      case AttrType::kTimestamp:
        if (!IsValidTimestamp(value.timestamp_value())) {
          return Invalid(field, fname, "timestamp out of range (years 0001-9999)");
        }
        break;
      case AttrType::kStringList:
        for (const auto& v : value.string_list_value().values()) SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, fname, v));
        break;
      default:
        break;
    }
  }
  for (auto& [n, t] : fresh) pending->emplace(std::move(n), t);
  return absl::OkStatus();
}

// Checks every string in a message (recursively) for valid UTF-8; names the field.
absl::Status CheckMessageUtf8(const google::protobuf::Message& m, absl::string_view prefix,
                              std::string* field) {
  const auto* refl = m.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  refl->ListFields(m, &fields);
  for (const auto* fd : fields) {
    const std::string name = prefix.empty() ? fd->name() : absl::StrCat(prefix, ".", fd->name());
    if (fd->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      if (fd->is_repeated()) {
        for (int i = 0; i < refl->FieldSize(m, fd); ++i) {
          SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, name, refl->GetRepeatedString(m, fd, i)));
        }
      } else {
        SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, name, refl->GetString(m, fd)));
      }
    } else if (fd->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      if (fd->is_repeated()) {
        for (int i = 0; i < refl->FieldSize(m, fd); ++i) {
          SALESKIT_RETURN_IF_ERROR(CheckMessageUtf8(refl->GetRepeatedMessage(m, fd, i), name, field));
        }
      } else {
        SALESKIT_RETURN_IF_ERROR(CheckMessageUtf8(refl->GetMessage(m, fd), name, field));
      }
    }
  }
  return absl::OkStatus();
}

// CheckMessageUtf8 for an Event, without reflection: events are the hot path.
absl::Status CheckEventUtf8(const v1::Event& e, std::string* field) {
  if (e.has_id()) SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, "id", e.id()));
  SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, "customer_id", e.customer_id()));
  SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, "type", e.type()));
  for (const auto& [key, value] : e.properties()) {
    SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, "properties.key", key));
    SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, "properties.value", value));
  }
  return absl::OkStatus();
}

// Checks every Timestamp in a message is in the representable range.
absl::Status CheckMessageTimestamps(const google::protobuf::Message& m, std::string* field) {
  const auto* refl = m.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  refl->ListFields(m, &fields);
  for (const auto* fd : fields) {
    if (fd->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE || fd->is_repeated()) continue;
    const auto& sub = refl->GetMessage(m, fd);
    if (fd->message_type()->full_name() == "google.protobuf.Timestamp") {
      if (!IsValidTimestamp(static_cast<const google::protobuf::Timestamp&>(sub))) {
        return Invalid(field, fd->name(), "timestamp out of range (years 0001-9999)");
      }
    }
  }
  return absl::OkStatus();
}

// Overwrites `dst`'s fields with the fields present in `src`: singular
// messages are replaced whole, maps merged by key, repeated fields replaced
// when non-empty.
void MergePresent(const google::protobuf::Message& src, google::protobuf::Message* dst) {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  src.GetReflection()->ListFields(src, &fields);
  for (const auto* fd : fields) {
    // MergeFrom appends repeated fields and merges messages field by field: clear those first.
    if (!fd->is_map() && (fd->is_repeated() || fd->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE)) {
      dst->GetReflection()->ClearField(dst, fd);
    }
  }
  dst->MergeFrom(src);
}

// Reads `source` once, validating each record and applying the valid ones
// as it goes. `validate(record, &field, &skip)` returns an error for an
// invalid record or sets `skip` for one to leave out; `apply(record, &report)`
// changes the store. If the batch must be rejected (an invalid record in
// kRejectBatch mode, or input that stops reading), nothing more is applied and
// `rollback()` undoes what was, so a failed batch changes nothing.
template <typename Record, typename Validate, typename Apply, typename Rollback>
absl::StatusOr<LoadReport> ValidateAndApply(RecordSource<Record>& source, const LoadOptions& options,
                                            Validate validate, Apply apply, Rollback rollback) {
  LoadReport report;
  std::vector<RecordError> invalid;
  const bool reject = options.on_invalid == OnInvalid::kRejectBatch;
  bool applying = true;
  RecordPosition pos;
  while (const Record* r = source.Next(&pos)) {
    ++report.received;
    std::string field;
    bool skip = false;
    absl::Status s = validate(*r, &field, &skip);
    if (!s.ok()) {
      invalid.push_back(RecordError{pos.index, pos.line, source.binary(), std::move(field), std::string(s.message())});
    }
    if (reject && (!invalid.empty() || !source.parse_errors().empty())) applying = false;
    if (applying && s.ok() && !skip) apply(*r, &report);
  }
  if (!source.status().ok()) {
    rollback();
    return source.status();
  }
  const auto& parse_errors = source.parse_errors();
  report.received += parse_errors.size();
  report.rejected.reserve(parse_errors.size() + invalid.size());
  std::merge(parse_errors.begin(), parse_errors.end(), invalid.begin(), invalid.end(),
             std::back_inserter(report.rejected),
             [](const RecordError& a, const RecordError& b) { return a.index < b.index; });
  if (!report.rejected.empty() && reject) {
    rollback();
    return BatchRejected(report.rejected);
  }
  return report;
}

}  // namespace

absl::string_view StringFieldName(StringField f) { return kStringFields[static_cast<int>(f)].name; }

absl::string_view AttrTypeName(AttrType t) {
  switch (t) {
    case AttrType::kBool: return "bool";
    case AttrType::kInt: return "int64";
    case AttrType::kDouble: return "double";
    case AttrType::kString: return "string";
    case AttrType::kTimestamp: return "timestamp";
    case AttrType::kStringList: return "string_list";
  }
  return "?";
}

CustomerStore::CustomerStore(StoreOptions options) : options_(options) {
  for (auto& col : strings_) col.dict = std::make_unique<StringDictionary>();
}

CustomerStore::~CustomerStore() = default;

std::optional<uint32_t> CustomerStore::FindRow(absl::string_view id) const {
  const int32_t code = ids_.Find(id);
  if (code == StringDictionary::kNone) return std::nullopt;
  return row_of_id_[code];
}

std::optional<AttrType> CustomerStore::attr_type(absl::string_view name) const {
  auto it = attr_index_.find(name);
  if (it == attr_index_.end()) return std::nullopt;
  return attrs_[it->second]->type;
}

// ---------------------------------------------------------------- customers

absl::Status CustomerStore::ValidateCustomer(const v1::Customer& c,
                                             absl::flat_hash_map<std::string, AttrType>* pending,
                                             std::string* field) const {
  if (c.id().empty()) return Invalid(field, "id", "the customer id is empty");
  SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, "id", c.id()));
  for (const auto& f : kStringFields) {
    if ((c.*f.has)()) SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, f.name, (c.*f.get)()));
  }
  // A zone some customer already has was validated then: skip the tz database.
  if (c.has_timezone() &&
      strings_[static_cast<int>(StringField::kTimezone)].dict->Find(c.timezone()) == StringDictionary::kNone &&
      !IsKnownTimeZone(c.timezone())) {
    return Invalid(field, "timezone",
                   absl::StrCat("unknown time zone \"", c.timezone(),
                                "\" (expected an IANA name such as Europe/Berlin)"));
  }
  if (c.has_annual_revenue() && !std::isfinite(c.annual_revenue())) {
    return Invalid(field, "annual_revenue", "not a finite number");
  }
  if (!v1::LifecycleStage_IsValid(c.lifecycle_stage())) {
    return Invalid(field, "lifecycle_stage", absl::StrCat("unknown stage ", c.lifecycle_stage()));
  }
  if (c.has_created_at() && !IsValidTimestamp(c.created_at())) {
    return Invalid(field, "created_at", "timestamp out of range (years 0001-9999)");
  }
  if (c.has_updated_at() && !IsValidTimestamp(c.updated_at())) {
    return Invalid(field, "updated_at", "timestamp out of range (years 0001-9999)");
  }
  for (const std::string& tag : c.tags()) {
    if (tag.empty()) return Invalid(field, "tags", "empty tag");
    SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, "tags", tag));
  }
  if (c.has_consent()) {
    for (int ch = 0; ch < 3; ++ch) {
      if (!HasChannel(c.consent(), ch)) continue;
      const v1::Consent& k = ChannelOf(c.consent(), ch);
      const std::string name = absl::StrCat("consent.", kChannels[ch]);
      if (k.status() == v1::Consent::STATUS_UNSPECIFIED || !v1::Consent::Status_IsValid(k.status())) {
        return Invalid(field, name + ".status", "expected opted_in or opted_out");
      }
      if (k.has_source()) SALESKIT_RETURN_IF_ERROR(CheckUtf8(field, name + ".source", k.source()));
      if (k.has_at() && !IsValidTimestamp(k.at())) {
        return Invalid(field, name + ".at", "timestamp out of range (years 0001-9999)");
      }
    }
  }
  for (const std::string& name : c.clear_fields()) {
    bool known = absl::StartsWith(name, "attrs.") && name.size() > 6;
    for (const auto& f : kStringFields) known = known || f.name == name;
    for (absl::string_view f : kClearableFields) known = known || f == name;
    if (!known) {
      return Invalid(field, "clear_fields",
                     absl::StrCat("\"", name, "\" is not a field that can be cleared"));
    }
  }
  return CheckAttrs(c.attrs(), [this](const std::string& name) { return attr_type(name); }, pending, field);
}

namespace {

// Resizes `v` to exactly `n` entries without std::vector's doubling slack.
template <typename T>
void ResizeExact(std::vector<T>& v, size_t n, const T& fill = T{}) {
  v.reserve(n);
  v.resize(n, fill);
}

}  // namespace

void CustomerStore::ResizeColumns(size_t n) {
  column_size_ = n;
  live_.Resize(n);
  for (auto& col : strings_) ResizeExact(col.codes, n, StringDictionary::kNone);
  employee_count_.Resize(n);
  annual_revenue_.Resize(n);
  ResizeExact(lifecycle_, n);
  created_at_.Resize(n);
  updated_at_.Resize(n);
  do_not_contact_valid_.Resize(n);
  do_not_contact_.Resize(n);
  ResizeExact(tags_, n);
  for (auto& ch : consent_) {
    ResizeExact(ch.status, n);
    ResizeExact(ch.source, n, StringDictionary::kNone);
    ch.at.Resize(n);
  }
  for (auto& a : attrs_) ResizeAttr(*a, n);
  for (auto& e : events_) ResizeEvents(*e, n);
  windows_.Resize(n);
}

void CustomerStore::ResizeAttr(AttrColumn& a, size_t n) {
  a.valid.Resize(n);
  switch (a.type) {
    case AttrType::kDouble: ResizeExact(a.doubles, n); break;
    case AttrType::kString: ResizeExact(a.codes, n, StringDictionary::kNone); break;
    case AttrType::kStringList: ResizeExact(a.lists, n); break;
    default: ResizeExact(a.ints, n); break;
  }
}

void CustomerStore::ResizeEvents(EventColumns& e, size_t n) {
  ResizeExact(e.count, n);
  ResizeExact(e.sum, n);
  ResizeExact(e.first, n);
  ResizeExact(e.last, n);
}

uint32_t CustomerStore::FindOrAppendRow(absl::string_view id, bool* added) {
  const int32_t code = ids_.Acquire(id, added);
  if (!*added) {
    ids_.Release(code);  // ids hold exactly one reference
    return row_of_id_[code];
  }
  if (static_cast<size_t>(code) >= row_of_id_.size()) row_of_id_.resize(code + 1);
  uint32_t row;
  const bool from_free_list = !free_rows_.empty();
  if (from_free_list) {
    row = free_rows_.back();
    free_rows_.pop_back();
  } else {
    row = static_cast<uint32_t>(row_ids_.size());
    row_ids_.push_back(StringDictionary::kNone);
    // Columns grow by a quarter at a time: amortised O(1) appends with at most 25% slack.
    if (row >= column_size_) ResizeColumns(std::max<size_t>(1024, column_size_ + column_size_ / 4));
  }
  row_ids_[row] = code;
  row_of_id_[code] = row;
  live_.Set(row);
  ++customer_count_;
  if (journal_) journal_->new_rows.push_back({row, from_free_list});
  return row;
}

void CustomerStore::ReserveRows(size_t extra) {
  const size_t free = free_rows_.size();
  if (extra <= free) return;
  const size_t needed = row_ids_.size() + (extra - free);
  if (needed > column_size_) ResizeColumns(needed);
  row_ids_.reserve(needed);
  ids_.Reserve(extra);
  // Columns whose values are nearly unique per customer (emails, phones)
  // will add about one string per new row: grow their dictionaries once.
  for (auto& col : strings_) {
    if (col.dict->size() * 2 > customer_count_) col.dict->Reserve(extra);
  }
}

CustomerStore::AttrColumn& CustomerStore::AttrColumnFor(absl::string_view name, AttrType type) {
  auto it = attr_index_.find(name);
  if (it != attr_index_.end()) return *attrs_[it->second];
  auto col = std::make_unique<AttrColumn>();
  col->name = std::string(name);
  col->type = type;
  if (type == AttrType::kString || type == AttrType::kStringList) col->dict = std::make_unique<StringDictionary>();
  ResizeAttr(*col, column_size_);
  attr_index_.emplace(std::string(name), attrs_.size());
  attrs_.push_back(std::move(col));
  return *attrs_.back();
}

void CustomerStore::ClearAttr(uint32_t row, AttrColumn& col) {
  if (!col.valid.Get(row)) return;
  col.valid.Clear(row);
  switch (col.type) {
    case AttrType::kDouble: col.doubles[row] = 0; break;
    case AttrType::kString:
      col.dict->Release(col.codes[row]);
      col.codes[row] = StringDictionary::kNone;
      break;
    case AttrType::kStringList:
      for (int32_t code : col.lists[row]) col.dict->Release(code);
      std::vector<int32_t>().swap(col.lists[row]);
      break;
    default: col.ints[row] = 0; break;
  }
}

void CustomerStore::SetAttr(uint32_t row, AttrColumn& col, const v1::AttrValue& v) {
  ClearAttr(row, col);
  col.valid.Set(row);
  switch (col.type) {
    case AttrType::kBool: col.ints[row] = v.bool_value(); break;
    case AttrType::kInt: col.ints[row] = v.int_value(); break;
    case AttrType::kTimestamp: col.ints[row] = FromProto(v.timestamp_value()); break;
    case AttrType::kDouble: col.doubles[row] = v.double_value(); break;
    case AttrType::kString: col.codes[row] = col.dict->Acquire(v.string_value()); break;
    case AttrType::kStringList:
      for (const auto& s : v.string_list_value().values()) col.lists[row].push_back(col.dict->Acquire(s));
      break;
  }
}

void CustomerStore::ReleaseTags(uint32_t row) {
  for (int32_t code : tags_[row]) tag_dict_.Release(code);
  std::vector<int32_t>().swap(tags_[row]);
}

void CustomerStore::ClearField(uint32_t row, absl::string_view name) {
  for (int i = 0; i < kStringFieldCount; ++i) {
    if (kStringFields[i].name == name) {
      strings_[i].dict->Release(strings_[i].codes[row]);
      strings_[i].codes[row] = StringDictionary::kNone;
      return;
    }
  }
  if (name == "employee_count") {
    employee_count_.Clear(row);
  } else if (name == "annual_revenue") {
    annual_revenue_.Clear(row);
  } else if (name == "lifecycle_stage") {
    lifecycle_[row] = 0;
  } else if (name == "created_at") {
    created_at_.Clear(row);
  } else if (name == "updated_at") {
    updated_at_.Clear(row);
  } else if (name == "tags") {
    ReleaseTags(row);
  } else if (name == "do_not_contact") {
    do_not_contact_valid_.Clear(row);
    do_not_contact_.Clear(row);
  } else if (name == "attrs") {
    for (auto& a : attrs_) ClearAttr(row, *a);
  } else if (absl::StartsWith(name, "attrs.")) {
    auto it = attr_index_.find(name.substr(6));
    if (it != attr_index_.end()) ClearAttr(row, *attrs_[it->second]);
  } else if (absl::StartsWith(name, "consent")) {
    for (int ch = 0; ch < 3; ++ch) {
      if (name != "consent" && name.substr(8) != kChannels[ch]) continue;
      consent_[ch].status[row] = 0;
      consent_sources_.Release(consent_[ch].source[row]);
      consent_[ch].source[row] = StringDictionary::kNone;
      consent_[ch].at.Clear(row);
    }
  }
}

void CustomerStore::ApplyCustomer(uint32_t row, const v1::Customer& c) {
  for (const std::string& name : c.clear_fields()) ClearField(row, name);
  // High-cardinality dictionaries (emails, phones, names) miss the cache on
  // every lookup: hash each value once and start all of this record's
  // lookups before doing any.
  StringDictionary::Key keys[kStringFieldCount];
  bool present[kStringFieldCount];
  for (int i = 0; i < kStringFieldCount; ++i) {
    const auto& f = kStringFields[i];
    present[i] = (c.*f.has)();
    if (!present[i]) continue;
    keys[i] = StringDictionary::MakeKey((c.*f.get)());
    strings_[i].dict->Prefetch(keys[i]);
  }
  for (int i = 0; i < kStringFieldCount; ++i) {
    if (!present[i]) continue;
    int32_t& code = strings_[i].codes[row];
    const int32_t fresh = strings_[i].dict->Acquire(keys[i]);
    strings_[i].dict->Release(code);  // after Acquire, so an unchanged value keeps its code
    code = fresh;
  }
  if (c.has_employee_count()) employee_count_.Set(row, c.employee_count());
  if (c.has_annual_revenue()) annual_revenue_.Set(row, c.annual_revenue());
  if (c.lifecycle_stage() != v1::LIFECYCLE_STAGE_UNSPECIFIED) {
    lifecycle_[row] = static_cast<uint8_t>(c.lifecycle_stage());
  }
  if (c.has_created_at()) created_at_.Set(row, FromProto(c.created_at()));
  if (c.has_updated_at()) updated_at_.Set(row, FromProto(c.updated_at()));
  if (c.has_do_not_contact()) {
    do_not_contact_valid_.Set(row);
    do_not_contact_.Assign(row, c.do_not_contact());
  }
  if (c.tags_size() > 0) {
    std::vector<int32_t> fresh;
    fresh.reserve(c.tags_size());
    for (const std::string& tag : c.tags()) {
      const int32_t code = tag_dict_.Acquire(tag);
      if (std::find(fresh.begin(), fresh.end(), code) != fresh.end()) {
        tag_dict_.Release(code);  // a tag listed twice is kept once
      } else {
        fresh.push_back(code);
      }
    }
    ReleaseTags(row);
    tags_[row] = std::move(fresh);
  }
  if (c.has_consent()) {
    for (int ch = 0; ch < 3; ++ch) {
      if (!HasChannel(c.consent(), ch)) continue;
      const v1::Consent& k = ChannelOf(c.consent(), ch);
      ConsentColumns& col = consent_[ch];
      col.status[row] = static_cast<uint8_t>(k.status());
      const int32_t source = k.has_source() ? consent_sources_.Acquire(k.source()) : StringDictionary::kNone;
      consent_sources_.Release(col.source[row]);
      col.source[row] = source;
      if (k.has_at()) {
        col.at.Set(row, FromProto(k.at()));
      } else {
        col.at.Clear(row);
      }
    }
  }
  for (const auto& [name, value] : c.attrs()) {
    AttrColumn& col = AttrColumnFor(name, *TypeOf(value));
    SetAttr(row, col, value);
  }
}

absl::StatusOr<LoadReport> CustomerStore::UpsertCustomers(RecordSource<v1::Customer>& source,
                                                          const LoadOptions& options) {
  absl::flat_hash_map<std::string, AttrType> pending;  // attribute types first seen in this batch
  // A batch larger than the store is mostly new customers (a bulk load): size
  // the columns once. Smaller batches grow them as needed.
  const size_t hint = source.size_hint();
  if (hint > customer_count_) ReserveRows(hint);
  BeginBatch();
  auto report = ValidateAndApply(
      source, options,
      [&](const v1::Customer& c, std::string* field, bool*) { return ValidateCustomer(c, &pending, field); },
      [&](const v1::Customer& c, LoadReport* report) {
        bool added;
        const uint32_t row = FindOrAppendRow(c.id(), &added);
        if (added) {
          ++report->inserted;
        } else {
          Touch(row);
          ++report->updated;
        }
        ApplyCustomer(row, c);
        if (track_changes_) RecordWrite(row, added, c);
      },
      [&] { RollbackBatch(); });
  if (report.ok()) CommitBatch();
  return report;
}

v1::Consent::Status CustomerStore::consent_status(uint32_t row, absl::string_view channel) const {
  const int ch = channel == "email" ? 0 : channel == "sms" ? 1 : channel == "phone" ? 2 : -1;
  return ch < 0 ? v1::Consent::STATUS_UNSPECIFIED : static_cast<v1::Consent::Status>(consent_[ch].status[row]);
}

v1::Customer CustomerStore::CustomerAt(uint32_t row) const {
  v1::Customer c;
  c.set_id(std::string(IdOf(row)));
  for (int i = 0; i < kStringFieldCount; ++i) {
    const int32_t code = strings_[i].codes[row];
    if (code != StringDictionary::kNone) {
      (c.*kStringFields[i].mut)()->assign(strings_[i].dict->Get(code).data(),
                                         strings_[i].dict->Get(code).size());
    }
  }
  if (employee_count_.Has(row)) c.set_employee_count(employee_count_.values[row]);
  if (annual_revenue_.Has(row)) c.set_annual_revenue(annual_revenue_.values[row]);
  c.set_lifecycle_stage(static_cast<v1::LifecycleStage>(lifecycle_[row]));
  if (created_at_.Has(row)) ToProto(created_at_.values[row], c.mutable_created_at());
  if (updated_at_.Has(row)) ToProto(updated_at_.values[row], c.mutable_updated_at());
  for (int32_t code : tags_[row]) c.add_tags(std::string(tag_dict_.Get(code)));
  for (int ch = 0; ch < 3; ++ch) {
    const ConsentColumns& col = consent_[ch];
    if (col.status[row] == 0) continue;
    v1::Consent* k = MutableChannel(c.mutable_consent(), ch);
    k->set_status(static_cast<v1::Consent::Status>(col.status[row]));
    if (col.source[row] != StringDictionary::kNone) {
      k->set_source(std::string(consent_sources_.Get(col.source[row])));
    }
    if (col.at.Has(row)) ToProto(col.at.values[row], k->mutable_at());
  }
  if (do_not_contact_valid_.Get(row)) c.set_do_not_contact(do_not_contact_.Get(row));
  for (const auto& a : attrs_) {
    if (!a->valid.Get(row)) continue;
    v1::AttrValue& v = (*c.mutable_attrs())[a->name];
    switch (a->type) {
      case AttrType::kBool: v.set_bool_value(a->ints[row] != 0); break;
      case AttrType::kInt: v.set_int_value(a->ints[row]); break;
      case AttrType::kTimestamp: ToProto(a->ints[row], v.mutable_timestamp_value()); break;
      case AttrType::kDouble: v.set_double_value(a->doubles[row]); break;
      case AttrType::kString: v.set_string_value(std::string(a->dict->Get(a->codes[row]))); break;
      case AttrType::kStringList: {
        auto* list = v.mutable_string_list_value();
        for (int32_t code : a->lists[row]) list->add_values(std::string(a->dict->Get(code)));
        break;
      }
    }
  }
  return c;
}

absl::StatusOr<v1::Customer> CustomerStore::GetCustomer(absl::string_view id) const {
  std::optional<uint32_t> row = FindRow(id);
  if (!row) return absl::NotFoundError(absl::StrCat("no customer with id \"", id, "\""));
  return CustomerAt(*row);
}

// ---------------------------------------------------------------- events

Micros CustomerStore::DedupCutoff() const {
  // watermark - horizon, saturating: a huge horizon (or an early watermark) must not overflow.
  const int64_t horizon = absl::ToInt64Microseconds(options_.dedup_horizon);
  return event_watermark_ < INT64_MIN + horizon ? INT64_MIN : event_watermark_ - horizon;
}

bool CustomerStore::IsDuplicate(absl::string_view event_id) const {
  auto it = seen_events_.find(event_id);
  return it != seen_events_.end() && it->second.occurred_at >= DedupCutoff();
}

void CustomerStore::PruneSeenEvents() {
  const Micros cutoff = DedupCutoff();
  absl::erase_if(seen_events_, [cutoff](const auto& kv) { return kv.second.occurred_at < cutoff; });
  seen_prune_at_ = std::max<size_t>(1024, seen_events_.size() * 2);
}

absl::StatusOr<LoadReport> CustomerStore::IngestEvents(RecordSource<v1::Event>& source,
                                                       const LoadOptions& options) {
  absl::flat_hash_set<std::string> created;  // unknown customers this batch will create
  size_t skipped = 0;
  // The row validation found, for the apply that follows it (one lookup per event).
  std::optional<uint32_t> validated_row;
  auto validate = [&](const v1::Event& e, std::string* field, bool* skip) -> absl::Status {
    validated_row.reset();
    SALESKIT_RETURN_IF_ERROR(CheckEventUtf8(e, field));
    if (e.customer_id().empty()) return Invalid(field, "customer_id", "the customer id is empty");
    if (e.type().empty()) return Invalid(field, "type", "the event type is empty");
    if (e.has_id() && e.id().empty()) return Invalid(field, "id", "the event id is empty");
    if (!e.has_occurred_at()) return Invalid(field, "occurred_at", "required");
    if (!IsValidTimestamp(e.occurred_at())) {
      return Invalid(field, "occurred_at", "timestamp out of range (years 0001-9999)");
    }
    if (e.has_value() && !std::isfinite(e.value())) return Invalid(field, "value", "not a finite number");
    validated_row = FindRow(e.customer_id());
    if (validated_row || created.contains(e.customer_id())) return absl::OkStatus();
    switch (options.unknown_customer) {
      case UnknownCustomer::kError:
        return Invalid(field, "customer_id", absl::StrCat("unknown customer \"", e.customer_id(), "\""));
      case UnknownCustomer::kSkip:
        *skip = true;
        ++skipped;
        break;
      case UnknownCustomer::kCreate:
        created.insert(e.customer_id());
        break;
    }
    return absl::OkStatus();
  };
  auto apply = [&](const v1::Event& e, LoadReport* report) {
    const Micros at = FromProto(e.occurred_at());
    // A duplicate changes nothing: not even creating its (unknown) customer.
    if (e.has_id()) {
      event_watermark_ = std::max(event_watermark_, at);
      if (IsDuplicate(e.id())) {
        ++report->duplicates;
        return;
      }
    }
    bool added = false;
    const uint32_t row = validated_row ? *validated_row : FindOrAppendRow(e.customer_id(), &added);
    if (added) ++report->created_customers;
    if (e.has_id()) {
      auto [it, inserted] = seen_events_.try_emplace(e.id(), SeenEvent{at, row});
      journal_->seen.push_back({e.id(), inserted ? std::nullopt : std::optional<SeenEvent>(it->second)});
      it->second = SeenEvent{at, row};
    }
    const int32_t type = EventTypeCode(e.type());
    const double value = e.has_value() ? e.value() : 0.0;
    CountEvent(type, row, at, value, added);
    if (classifier_) {
      classifier_(e, [&](absl::string_view kind) {
        if (kind != e.type()) CountEvent(EventTypeCode(kind), row, at, value, added);
      });
    }
    ++event_total_;
    latest_event_ = std::max(latest_event_, at);
    ++report->inserted;
  };
  BeginBatch();
  auto report = ValidateAndApply(source, options, validate, apply, [&] { RollbackBatch(); });
  if (report.ok()) {
    CommitBatch();
    report->skipped_unknown_customer = skipped;
  }
  return report;
}

void CustomerStore::CountEvent(int32_t type, uint32_t row, Micros at, double value, bool created) {
  EventColumns& cols = *events_[type];
  journal_->events.push_back({static_cast<uint32_t>(type), row, cols.count[row], cols.sum[row], cols.first[row],
                              cols.last[row]});
  if (cols.count[row] == 0) {
    cols.first[row] = at;
    cols.last[row] = at;
  } else {
    cols.first[row] = std::min(cols.first[row], at);
    cols.last[row] = std::max(cols.last[row], at);
  }
  ++cols.count[row];
  cols.sum[row] += value;
  windows_.Add(type, row, at, value, &journal_->windows);
  if (track_changes_) changes_.events.push_back({row, type, created, at});
}

void CustomerStore::RecordWrite(uint32_t row, bool created, const v1::Customer& c) {
  StoreChanges::CustomerWrite w{row, created, 0, static_cast<uint32_t>(changes_.attrs.size()), 0};
  const google::protobuf::Descriptor* d = v1::Customer::descriptor();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  c.GetReflection()->ListFields(c, &fields);
  for (const google::protobuf::FieldDescriptor* fd : fields) {
    if (fd->number() == v1::Customer::kIdFieldNumber || fd->number() == v1::Customer::kClearFieldsFieldNumber) {
      continue;
    }
    w.fields |= uint64_t{1} << fd->index();
  }
  for (const auto& [name, value] : c.attrs()) changes_.attrs.push_back(name);
  for (const std::string& name : c.clear_fields()) {
    const absl::string_view head = absl::string_view(name).substr(0, name.find('.'));
    if (const google::protobuf::FieldDescriptor* fd = d->FindFieldByName(std::string(head))) {
      w.fields |= uint64_t{1} << fd->index();
    }
    if (head == "attrs" && name.size() > head.size()) changes_.attrs.push_back(name.substr(head.size() + 1));
  }
  w.attrs_end = static_cast<uint32_t>(changes_.attrs.size());
  changes_.customers.push_back(w);
}

bool CustomerStore::HasEventsOf(absl::string_view type) const {
  const int32_t code = event_types_.Find(type);
  if (code == StringDictionary::kNone) return false;
  const std::vector<int64_t>& counts = events_[code]->count;
  return std::any_of(counts.begin(), counts.end(), [](int64_t n) { return n != 0; });
}

std::vector<std::string> CustomerStore::SortedIds(const Bitmap& rows) const {
  std::vector<std::string> ids;
  rows.ForEachSet([&](size_t row) { ids.emplace_back(IdOf(static_cast<uint32_t>(row))); });
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::pair<std::string, uint32_t>> CustomerStore::RowsById() const {
  std::vector<std::pair<std::string, uint32_t>> rows;
  rows.reserve(customer_count_);
  live_.ForEachSet([&](size_t row) { rows.emplace_back(IdOf(static_cast<uint32_t>(row)), static_cast<uint32_t>(row)); });
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::optional<int32_t> CustomerStore::FindEventType(absl::string_view type) const {
  const int32_t code = event_types_.Find(type);
  if (code == StringDictionary::kNone) return std::nullopt;
  return code;
}

std::vector<uint32_t> CustomerStore::RowsOfAccounts(absl::Span<const std::string> account_ids) const {
  const StringDictionary& dict = string_dictionary(StringField::kAccountId);
  absl::flat_hash_set<int32_t> codes;
  for (const std::string& id : account_ids) {
    const int32_t code = dict.Find(id);
    if (code != StringDictionary::kNone) codes.insert(code);
  }
  std::vector<uint32_t> rows;
  if (codes.empty()) return rows;
  const std::vector<int32_t>& col = string_codes(StringField::kAccountId);
  for (uint32_t row = 0; row < row_capacity(); ++row) {
    if (live_.Get(row) && codes.contains(col[row])) rows.push_back(row);
  }
  return rows;
}

int32_t CustomerStore::EventTypeCode(absl::string_view type) {
  int32_t code = event_types_.Find(type);
  if (code == StringDictionary::kNone) {
    code = event_types_.Acquire(type);
    auto cols = std::make_unique<EventColumns>();
    ResizeEvents(*cols, column_size_);
    events_.push_back(std::move(cols));
  }
  return code;
}

int CustomerStore::RequireWindow(absl::string_view type, EventWindow window) {
  return windows_.Require(EventTypeCode(type), window);
}

std::optional<int> CustomerStore::FindWindow(absl::string_view type, EventWindow window) const {
  const int32_t code = event_types_.Find(type);
  if (code == StringDictionary::kNone) return std::nullopt;
  return windows_.Find(code, window);
}

std::optional<EventSummary> CustomerStore::EventSummaryOf(uint32_t row, absl::string_view type) const {
  const int32_t code = event_types_.Find(type);
  if (code == StringDictionary::kNone) return std::nullopt;
  const EventColumns& cols = *events_[code];
  if (cols.count[row] == 0) return std::nullopt;
  return EventSummary{cols.count[row], cols.sum[row], cols.first[row], cols.last[row]};
}

std::map<std::string, EventSummary> CustomerStore::EventSummaries(uint32_t row) const {
  std::map<std::string, EventSummary> out;
  for (size_t t = 0; t < events_.size(); ++t) {
    const EventColumns& cols = *events_[t];
    if (cols.count[row] == 0) continue;
    out.emplace(std::string(event_types_.Get(static_cast<int32_t>(t))),
                EventSummary{cols.count[row], cols.sum[row], cols.first[row], cols.last[row]});
  }
  return out;
}

// ---------------------------------------------------------------- accounts and deals

namespace {

template <typename Record, typename Check>
absl::StatusOr<LoadReport> UpsertKeyed(RecordSource<Record>& source, const LoadOptions& options,
                                       absl::btree_map<std::string, Record>* table, absl::string_view what,
                                       Check check, std::vector<std::string>* written = nullptr) {
  std::vector<std::pair<std::string, std::optional<Record>>> before;  // first value of each id changed
  absl::flat_hash_set<std::string> saved;
  auto report = ValidateAndApply(
      source, options,
      [&](const Record& r, std::string* field, bool*) -> absl::Status {
        SALESKIT_RETURN_IF_ERROR(CheckMessageUtf8(r, "", field));
        if (r.id().empty()) return Invalid(field, "id", absl::StrCat("the ", what, " id is empty"));
        SALESKIT_RETURN_IF_ERROR(CheckMessageTimestamps(r, field));
        return check(r, field);
      },
      [&](const Record& r, LoadReport* report) {
        auto [it, inserted] = table->try_emplace(r.id());
        if (saved.insert(r.id()).second) {
          before.emplace_back(r.id(), inserted ? std::nullopt : std::optional<Record>(it->second));
        }
        if (inserted) {
          it->second = r;
          ++report->inserted;
        } else {
          MergePresent(r, &it->second);
          ++report->updated;
        }
      },
      [&] {
        for (auto& [id, old] : before) {
          if (old) {
            (*table)[id] = *std::move(old);
          } else {
            table->erase(id);
          }
        }
      });
  if (report.ok() && written != nullptr) {
    for (auto& entry : before) written->push_back(std::move(entry.first));
  }
  return report;
}

}  // namespace

absl::StatusOr<LoadReport> CustomerStore::UpsertAccounts(RecordSource<v1::Account>& source,
                                                         const LoadOptions& options) {
  // Account attributes keep their first type, like customer attributes.
  absl::flat_hash_map<std::string, AttrType> pending;
  changes_.Clear();
  auto report = UpsertKeyed(source, options, &accounts_, "account", [&](const v1::Account& a, std::string* field) {
    if (a.has_annual_revenue() && !std::isfinite(a.annual_revenue())) {
      return Invalid(field, "annual_revenue", "not a finite number");
    }
    return CheckAttrs(
        a.attrs(),
        [this](const std::string& name) -> std::optional<AttrType> {
          auto it = account_attr_types_.find(name);
          if (it == account_attr_types_.end()) return std::nullopt;
          return it->second;
        },
        &pending, field);
  }, track_changes_ ? &changes_.accounts : nullptr);
  if (report.ok()) account_attr_types_.insert(pending.begin(), pending.end());
  return report;
}

absl::StatusOr<LoadReport> CustomerStore::UpsertDeals(RecordSource<v1::Deal>& source,
                                                      const LoadOptions& options) {
  return UpsertKeyed(source, options, &deals_, "deal", [](const v1::Deal& d, std::string* field) {
    if (!v1::Deal::Status_IsValid(d.status())) {
      return Invalid(field, "status", absl::StrCat("unknown deal status ", d.status()));
    }
    if (d.has_amount() && !std::isfinite(d.amount())) return Invalid(field, "amount", "not a finite number");
    return absl::OkStatus();
  });
}

const v1::Account* CustomerStore::FindAccount(absl::string_view id) const {
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : &it->second;
}

const v1::Deal* CustomerStore::FindDeal(absl::string_view id) const {
  auto it = deals_.find(id);
  return it == deals_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------- batches

void CustomerStore::BeginBatch() {
  changes_.Clear();
  journal_ = spare_journal_ ? std::move(spare_journal_) : std::make_unique<Journal>();
  journal_->attr_columns = attrs_.size();
  journal_->event_columns = events_.size();
  journal_->watermark = event_watermark_;
  journal_->latest = latest_event_;
  journal_->event_total = event_total_;
}

void CustomerStore::Touch(uint32_t row) {
  if (!journal_->imaged.insert(row).second) return;
  RowImage im;
  im.row = row;
  for (int i = 0; i < kStringFieldCount; ++i) {
    im.codes[i] = strings_[i].codes[row];
    strings_[i].dict->AddRef(im.codes[i]);
  }
  im.has_employee_count = employee_count_.Has(row);
  im.employee_count = employee_count_.values[row];
  im.has_annual_revenue = annual_revenue_.Has(row);
  im.annual_revenue = annual_revenue_.values[row];
  im.has_created_at = created_at_.Has(row);
  im.created_at = created_at_.values[row];
  im.has_updated_at = updated_at_.Has(row);
  im.updated_at = updated_at_.values[row];
  im.has_do_not_contact = do_not_contact_valid_.Get(row);
  im.do_not_contact = do_not_contact_.Get(row);
  im.lifecycle = lifecycle_[row];
  im.tags = tags_[row];
  for (int32_t code : im.tags) tag_dict_.AddRef(code);
  for (int ch = 0; ch < 3; ++ch) {
    im.consent_status[ch] = consent_[ch].status[row];
    im.consent_source[ch] = consent_[ch].source[row];
    consent_sources_.AddRef(im.consent_source[ch]);
    im.has_consent_at[ch] = consent_[ch].at.Has(row);
    im.consent_at[ch] = consent_[ch].at.values[row];
  }
  for (size_t k = 0; k < attrs_.size(); ++k) {
    AttrColumn& a = *attrs_[k];
    if (!a.valid.Get(row)) continue;
    RowImage::Attr v{k, 0, 0, StringDictionary::kNone, {}};
    switch (a.type) {
      case AttrType::kDouble: v.d = a.doubles[row]; break;
      case AttrType::kString:
        v.code = a.codes[row];
        a.dict->AddRef(v.code);
        break;
      case AttrType::kStringList:
        v.list = a.lists[row];
        for (int32_t code : v.list) a.dict->AddRef(code);
        break;
      default: v.i = a.ints[row]; break;
    }
    im.attrs.push_back(std::move(v));
  }
  journal_->images.push_back(std::move(im));
}

void CustomerStore::ClearRowValues(uint32_t row) {
  for (auto& col : strings_) {
    col.dict->Release(col.codes[row]);
    col.codes[row] = StringDictionary::kNone;
  }
  for (absl::string_view name : kClearableFields) ClearField(row, name);
}

void CustomerStore::RollbackBatch() {
  changes_.Clear();
  Journal& j = *journal_;
  for (auto it = j.windows.rbegin(); it != j.windows.rend(); ++it) windows_.Rollback(*it);
  for (auto it = j.events.rbegin(); it != j.events.rend(); ++it) {
    EventColumns& cols = *events_[it->type];
    cols.count[it->row] = it->count;
    cols.sum[it->row] = it->sum;
    cols.first[it->row] = it->first;
    cols.last[it->row] = it->last;
  }
  for (auto it = j.seen.rbegin(); it != j.seen.rend(); ++it) {
    if (it->before) {
      seen_events_[it->id] = *it->before;
    } else {
      seen_events_.erase(it->id);
    }
  }
  event_watermark_ = j.watermark;
  latest_event_ = j.latest;
  event_total_ = j.event_total;
  // Rows that existed: back to their images (whose references pass to the row).
  for (auto it = j.images.rbegin(); it != j.images.rend(); ++it) {
    const RowImage& im = *it;
    const uint32_t row = im.row;
    ClearRowValues(row);
    for (int i = 0; i < kStringFieldCount; ++i) strings_[i].codes[row] = im.codes[i];
    if (im.has_employee_count) employee_count_.Set(row, im.employee_count);
    if (im.has_annual_revenue) annual_revenue_.Set(row, im.annual_revenue);
    if (im.has_created_at) created_at_.Set(row, im.created_at);
    if (im.has_updated_at) updated_at_.Set(row, im.updated_at);
    if (im.has_do_not_contact) {
      do_not_contact_valid_.Set(row);
      do_not_contact_.Assign(row, im.do_not_contact);
    }
    lifecycle_[row] = im.lifecycle;
    tags_[row] = im.tags;
    for (int ch = 0; ch < 3; ++ch) {
      consent_[ch].status[row] = im.consent_status[ch];
      consent_[ch].source[row] = im.consent_source[ch];
      if (im.has_consent_at[ch]) consent_[ch].at.Set(row, im.consent_at[ch]);
    }
    for (const RowImage::Attr& v : im.attrs) {
      AttrColumn& a = *attrs_[v.column];
      a.valid.Set(row);
      switch (a.type) {
        case AttrType::kDouble: a.doubles[row] = v.d; break;
        case AttrType::kString: a.codes[row] = v.code; break;
        case AttrType::kStringList: a.lists[row] = v.list; break;
        default: a.ints[row] = v.i; break;
      }
    }
  }
  // Rows the batch created: gone, in reverse, so free rows and codes are reused as before.
  for (auto it = j.new_rows.rbegin(); it != j.new_rows.rend(); ++it) {
    const uint32_t row = it->row;
    ClearRowValues(row);
    const int32_t code = row_ids_[row];
    row_ids_[row] = StringDictionary::kNone;
    live_.Clear(row);
    --customer_count_;
    ids_.Release(code);
    if (it->from_free_list) {
      free_rows_.push_back(row);
    } else {
      row_ids_.pop_back();
    }
  }
  while (attrs_.size() > j.attr_columns) {
    attr_index_.erase(attrs_.back()->name);
    attrs_.pop_back();
  }
  while (events_.size() > j.event_columns) {
    event_types_.Release(static_cast<int32_t>(events_.size() - 1));
    events_.pop_back();
  }
  EndBatch();
}

namespace {

// Empties `v`, keeping its buffer for the next batch unless it is larger than
// `keep` entries (a bulk load's: freed, so memory stays bounded).
template <typename V>
void ClearKeeping(V& v, size_t keep) {
  if (v.capacity() > keep) {
    V().swap(v);
  } else {
    v.clear();
  }
}

}  // namespace

void CustomerStore::EndBatch() {
  // The journal is kept for the next batch: batches of up to a few thousand
  // records (the usual ingest batch) then allocate nothing for it.
  constexpr size_t kKeep = 4096;
  Journal& j = *journal_;
  ClearKeeping(j.images, kKeep / 4);  // row images are larger: a 1000-record batch's
  j.imaged.clear();
  ClearKeeping(j.new_rows, kKeep);
  ClearKeeping(j.events, kKeep);
  ClearKeeping(j.seen, kKeep);
  ClearKeeping(j.windows, kKeep);
  spare_journal_ = std::move(journal_);
}

void CustomerStore::CommitBatch() {
  for (const RowImage& im : journal_->images) {
    for (int i = 0; i < kStringFieldCount; ++i) strings_[i].dict->Release(im.codes[i]);
    for (int32_t code : im.tags) tag_dict_.Release(code);
    for (int ch = 0; ch < 3; ++ch) consent_sources_.Release(im.consent_source[ch]);
    for (const RowImage::Attr& v : im.attrs) {
      AttrColumn& a = *attrs_[v.column];
      if (a.type == AttrType::kString) a.dict->Release(v.code);
      for (int32_t code : v.list) a.dict->Release(code);
    }
  }
  EndBatch();
  if (seen_events_.size() >= seen_prune_at_) PruneSeenEvents();
}

// ---------------------------------------------------------------- erase

absl::Status CustomerStore::EraseCustomer(absl::string_view id) {
  const std::string ids[] = {std::string(id)};  // `id` may point into the dictionary
  return EraseCustomers(ids);
}

absl::Status CustomerStore::EraseCustomers(absl::Span<const std::string> ids) {
  absl::flat_hash_set<uint32_t> rows;
  rows.reserve(ids.size());
  for (const std::string& id : ids) {
    std::optional<uint32_t> found = FindRow(id);
    if (!found) return absl::NotFoundError(absl::StrCat("no customer with id \"", id, "\""));
    rows.insert(*found);
  }
  for (uint32_t row : rows) {
    ClearRowValues(row);
    for (auto& cols : events_) {
      event_total_ -= cols->count[row];
      cols->count[row] = 0;
      cols->sum[row] = 0;
      cols->first[row] = 0;
      cols->last[row] = 0;
    }
    windows_.EraseRow(row);
  }
  absl::erase_if(seen_events_, [&rows](const auto& kv) { return rows.contains(kv.second.row); });
  const absl::flat_hash_set<absl::string_view> erased(ids.begin(), ids.end());
  for (auto& [deal_id, deal] : deals_) {
    if (deal.has_customer_id() && erased.contains(deal.customer_id())) deal.clear_customer_id();
  }
  for (uint32_t row : rows) {
    const int32_t code = row_ids_[row];
    row_ids_[row] = StringDictionary::kNone;
    live_.Clear(row);
    free_rows_.push_back(row);
    --customer_count_;
    ids_.Release(code);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- stats

StoreStats CustomerStore::Stats() const {
  StoreStats s;
  s.customers = customer_count_;
  s.accounts = accounts_.size();
  s.deals = deals_.size();
  s.events = event_total_;
  s.event_types = events_.size();
  s.custom_attributes = attrs_.size();
  size_t cols = row_ids_.capacity() * 4 + row_of_id_.capacity() * 4 + free_rows_.capacity() * 4 +
                live_.MemoryBytes();
  size_t dicts = ids_.MemoryBytes() + tag_dict_.MemoryBytes() + consent_sources_.MemoryBytes() +
                 event_types_.MemoryBytes();
  for (const auto& c : strings_) {
    cols += c.codes.capacity() * sizeof(int32_t);
    dicts += c.dict->MemoryBytes();
  }
  cols += employee_count_.MemoryBytes() + annual_revenue_.MemoryBytes() + lifecycle_.capacity() +
          created_at_.MemoryBytes() + updated_at_.MemoryBytes() + do_not_contact_valid_.MemoryBytes() +
          do_not_contact_.MemoryBytes() + tags_.capacity() * sizeof(std::vector<int32_t>);
  for (const auto& t : tags_) cols += t.capacity() * sizeof(int32_t);
  for (const auto& ch : consent_) cols += ch.status.capacity() + ch.source.capacity() * 4 + ch.at.MemoryBytes();
  for (const auto& a : attrs_) {
    cols += a->valid.MemoryBytes() + a->ints.capacity() * 8 + a->doubles.capacity() * 8 +
            a->codes.capacity() * 4 + a->lists.capacity() * sizeof(std::vector<int32_t>);
    for (const auto& l : a->lists) cols += l.capacity() * 4;
    if (a->dict) dicts += a->dict->MemoryBytes();
  }
  for (const auto& e : events_) cols += e->count.capacity() * 32;
  cols += seen_events_.capacity() * (sizeof(std::string) + sizeof(SeenEvent) + 1);
  cols += windows_.MemoryBytes();
  s.column_bytes = cols;
  s.dictionary_bytes = dicts;
  return s;
}

template <typename Archive>
void CustomerStore::Persist(Archive& ar) {
  ar.Section(0x53544f31);  // "STO1"
  ids_.Persist(ar);
  ar.Vec(row_ids_);
  ar.Vec(row_of_id_);
  ar.Vec(free_rows_);
  ar.Pod(column_size_);
  ar.Bits(live_);
  ar.Pod(customer_count_);
  for (StringColumn& col : strings_) {
    col.dict->Persist(ar);
    ar.Vec(col.codes);
  }
  ar.Num(employee_count_);
  ar.Num(annual_revenue_);
  ar.Vec(lifecycle_);
  ar.Num(created_at_);
  ar.Num(updated_at_);
  ar.Bits(do_not_contact_valid_);
  ar.Bits(do_not_contact_);
  tag_dict_.Persist(ar);
  ar.Seq(tags_, [&ar](std::vector<int32_t>& t) { ar.Vec(t); });
  consent_sources_.Persist(ar);
  for (ConsentColumns& c : consent_) {
    ar.Vec(c.status);
    ar.Vec(c.source);
    ar.Num(c.at);
  }
  ar.Seq(attrs_, [&ar](std::unique_ptr<AttrColumn>& col) {
    if constexpr (Archive::kLoading) col = std::make_unique<AttrColumn>();
    ar.Str(col->name);
    ar.Pod(col->type);
    ar.Bits(col->valid);
    ar.Vec(col->ints);
    ar.Vec(col->doubles);
    ar.Vec(col->codes);
    ar.Seq(col->lists, [&ar](std::vector<int32_t>& l) { ar.Vec(l); });
    uint8_t has_dict = col->dict != nullptr;
    ar.Pod(has_dict);
    if (has_dict) {
      if constexpr (Archive::kLoading) col->dict = std::make_unique<StringDictionary>();
      col->dict->Persist(ar);
    }
  });
  ar.Map(attr_index_, [&ar](std::string& name, size_t& index) {
    ar.Str(name);
    ar.Pod(index);
  });
  ar.Section(0x53544f32);
  event_types_.Persist(ar);
  ar.Seq(events_, [&ar](std::unique_ptr<EventColumns>& cols) {
    uint8_t present = cols != nullptr;
    ar.Pod(present);
    if (!present) return;
    if constexpr (Archive::kLoading) cols = std::make_unique<EventColumns>();
    ar.Vec(cols->count);
    ar.Vec(cols->sum);
    ar.Vec(cols->first);
    ar.Vec(cols->last);
  });
  windows_.Persist(ar);
  ar.Pod(event_total_);
  ar.Map(seen_events_, [&ar](std::string& id, SeenEvent& seen) {
    ar.Str(id);
    ar.Pod(seen);
  });
  ar.Pod(event_watermark_);
  ar.Pod(latest_event_);
  ar.Pod(seen_prune_at_);
  ar.Pod(track_changes_);
  ar.Map(accounts_, [&ar](std::string& id, v1::Account& a) {
    ar.Str(id);
    ar.Msg(a);
  });
  ar.Map(account_attr_types_, [&ar](std::string& name, AttrType& type) {
    ar.Str(name);
    ar.Pod(type);
  });
  ar.Map(deals_, [&ar](std::string& id, v1::Deal& d) {
    ar.Str(id);
    ar.Msg(d);
  });
  ar.Section(0x53544f33);
}

void CustomerStore::Save(internal::ArchiveWriter& out) const { const_cast<CustomerStore*>(this)->Persist(out); }

absl::Status CustomerStore::Load(internal::ArchiveReader& in) {
  Persist(in);
  if (in.ok()) {
    // The columns must cover the rows the checkpoint says exist.
    const size_t rows = row_ids_.size();
    bool consistent = column_size_ >= rows && lifecycle_.size() >= rows && live_.words().size() * 64 >= rows &&
                      row_of_id_.size() >= ids_.code_limit();
    for (const StringColumn& col : strings_) consistent = consistent && col.codes.size() >= rows;
    if (!consistent) in.Fail("the customer store's columns do not cover its rows");
  }
  return in.status();
}

}  // namespace saleskit
