// Checkpoint archives (docs/state.md): an engine component writes its state
// as compact columns (raw arrays of fixed-width values, length-prefixed) and
// reads it back, with one `Persist(Archive&)` template for both directions
// so that what is written and what is read cannot drift apart.
#ifndef SALESKIT_SRC_STATE_INTERNAL_ARCHIVE_H_
#define SALESKIT_SRC_STATE_INTERNAL_ARCHIVE_H_

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "saleskit/store/columns.h"

namespace saleskit::internal {

// Writes into a buffer handed to `sink` in parts of about `part_bytes` (the
// state of a large engine is many parts, never one huge value).
class ArchiveWriter {
 public:
  static constexpr bool kLoading = false;
  using Sink = std::function<absl::Status(absl::string_view part)>;
  explicit ArchiveWriter(Sink sink, size_t part_bytes = size_t{8} << 20)
      : sink_(std::move(sink)), part_bytes_(part_bytes) {
    buffer_.reserve(part_bytes_ + 4096);
  }

  void Raw(const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0 && status_.ok()) {
      const size_t take = std::min(n, part_bytes_ - buffer_.size());
      buffer_.append(p, take);
      p += take;
      n -= take;
      if (buffer_.size() >= part_bytes_) Flush();
    }
  }
  template <typename T>
  void Pod(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    Raw(&v, sizeof v);
  }
  template <typename A, typename B>
  void Pod(const std::pair<A, B>& p) {
    Pod(p.first);
    Pod(p.second);
  }
  template <typename T>
  void Vec(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    Pod(static_cast<uint64_t>(v.size()));
    Raw(v.data(), v.size() * sizeof(T));
  }
  void Str(const std::string& s) {
    Pod(static_cast<uint64_t>(s.size()));
    Raw(s.data(), s.size());
  }
  void Bits(const Bitmap& b) { Vec(b.words()); }
  template <typename T>
  void Num(const NumericColumn<T>& c) {
    Vec(c.values);
    Bits(c.valid);
  }
  void Msg(const google::protobuf::MessageLite& m) {
    scratch_.clear();
    m.SerializeToString(&scratch_);
    Str(scratch_);
  }
  // A sequence: its size, then `each(element)`.
  template <typename C, typename F>
  void Seq(const C& c, F each) {
    Pod(static_cast<uint64_t>(c.size()));
    for (const auto& e : c) each(const_cast<typename C::value_type&>(e));
  }
  // A map: its size, then `each(key, value)` per entry.
  template <typename M, typename F>
  void Map(const M& m, F each) {
    Pod(static_cast<uint64_t>(m.size()));
    for (const auto& [k, v] : m) {
      each(const_cast<typename M::key_type&>(k), const_cast<typename M::mapped_type&>(v));
    }
  }
  // A set of trivially copyable keys.
  template <typename S>
  void PodSet(const S& s) {
    Pod(static_cast<uint64_t>(s.size()));
    for (const auto& k : s) Pod(k);
  }
  // Marks the end of a section; the reader checks it (a drift between
  // writer and reader fails at once, not somewhere later).
  void Section(uint32_t tag) { Pod(tag); }

  // Hands the last part to the sink. The first error of the sink, if any.
  absl::Status Finish() {
    if (!buffer_.empty()) Flush();
    return status_;
  }
  uint64_t bytes() const { return bytes_ + buffer_.size(); }

 private:
  void Flush() {
    if (status_.ok()) status_ = sink_(buffer_);
    bytes_ += buffer_.size();
    buffer_.clear();
  }
  Sink sink_;
  size_t part_bytes_;
  std::string buffer_;
  std::string scratch_;
  uint64_t bytes_ = 0;
  absl::Status status_;
};

// Reads what an ArchiveWriter wrote, from one buffer. A read past the end or
// a length larger than what is left sets an error (and reads zeros): check
// ok() / status() after each component.
class ArchiveReader {
 public:
  static constexpr bool kLoading = true;
  explicit ArchiveReader(absl::string_view data) : data_(data) {}

  void Raw(void* out, size_t n) {
    if (n == 0) return;  // an empty vector's data() may be null: no memcpy
    if (!ok_ || n > data_.size() - pos_) {
      Fail("the checkpoint ends early");
      std::memset(out, 0, n);
      return;
    }
    std::memcpy(out, data_.data() + pos_, n);
    pos_ += n;
  }
  template <typename T>
  void Pod(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    Raw(&v, sizeof v);
  }
  template <typename A, typename B>
  void Pod(std::pair<A, B>& p) {
    Pod(p.first);
    Pod(p.second);
  }
  template <typename T>
  void Vec(std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const size_t n = Count(sizeof(T));
    v.clear();
    v.shrink_to_fit();
    v.resize(n);
    Raw(v.data(), n * sizeof(T));
  }
  void Str(std::string& s) {
    const size_t n = Count(1);
    s.assign(n, '\0');
    Raw(s.data(), n);
  }
  void Bits(Bitmap& b) { Vec(b.mutable_words()); }
  template <typename T>
  void Num(NumericColumn<T>& c) {
    Vec(c.values);
    Bits(c.valid);
  }
  void Msg(google::protobuf::MessageLite& m) {
    Str(scratch_);
    if (ok_ && !m.ParseFromString(scratch_)) Fail(absl::StrCat("a ", m.GetTypeName(), " does not decode"));
  }
  template <typename C, typename F>
  void Seq(C& c, F each) {
    const size_t n = Count(1);
    c.clear();
    c.resize(n);
    for (auto& e : c) each(e);
  }
  template <typename M, typename F>
  void Map(M& m, F each) {
    const size_t n = Count(1);
    m.clear();
    for (size_t i = 0; i < n && ok_; ++i) {
      typename M::key_type k{};
      typename M::mapped_type v{};
      each(k, v);
      m.emplace(std::move(k), std::move(v));
    }
  }
  template <typename S>
  void PodSet(S& s) {
    const size_t n = Count(1);
    s.clear();
    for (size_t i = 0; i < n && ok_; ++i) {
      typename S::value_type k{};
      Pod(k);
      s.insert(k);
    }
  }
  void Section(uint32_t tag) {
    uint32_t got = 0;
    Pod(got);
    if (ok_ && got != tag) Fail(absl::StrCat("section ", tag, " is out of place (found ", got, ")"));
  }

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == data_.size(); }
  size_t position() const { return pos_; }
  // DataLoss with what went wrong and where, or OK.
  absl::Status status() const {
    if (ok_) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat(error_, " (at byte ", error_at_, ")"));
  }
  void Fail(absl::string_view what) {
    if (!ok_) return;
    ok_ = false;
    error_ = std::string(what);
    error_at_ = pos_;
  }

 private:
  // A length prefix, checked against what is left (elements of `unit` bytes).
  size_t Count(size_t unit) {
    uint64_t n = 0;
    Pod(n);
    if (ok_ && n > (data_.size() - pos_) / unit) {
      Fail(absl::StrCat("a length of ", n, " is larger than the checkpoint"));
      return 0;
    }
    return ok_ ? static_cast<size_t>(n) : 0;
  }
  absl::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
  std::string error_;
  size_t error_at_ = 0;
  std::string scratch_;
};

}  // namespace saleskit::internal

#endif  // SALESKIT_SRC_STATE_INTERNAL_ARCHIVE_H_
