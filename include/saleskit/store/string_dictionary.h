// StringDictionary: the dictionary behind every dictionary-encoded string column.
#ifndef SALESKIT_STORE_STRING_DICTIONARY_H_
#define SALESKIT_STORE_STRING_DICTIONARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace saleskit {

// Maps distinct strings to dense int32 codes and back, with a reference count
// per code. The bytes live in one arena; a string whose last reference is
// released is overwritten with zeros and forgotten (its code reused, its space
// reclaimed by compaction), so erasing the only customer with an email leaves
// no copy of that email behind.
//
// Views returned by Get() are invalidated by the next Acquire(). Not
// thread-safe; the owning store serialises access.
class StringDictionary {
 public:
  static constexpr int32_t kNone = -1;

  // A string with its hash computed once, for callers that look it up more
  // than once (prefetch, then acquire).
  struct Key {
    absl::string_view text;
    size_t hash;
  };
  static Key MakeKey(absl::string_view s) { return Key{s, absl::HashOf(s)}; }

  StringDictionary();
  StringDictionary(const StringDictionary&) = delete;
  StringDictionary& operator=(const StringDictionary&) = delete;

  // Returns the code of `s`, adding it if new (then `*added` is set), and
  // takes one reference.
  int32_t Acquire(absl::string_view s, bool* added = nullptr) { return Acquire(MakeKey(s), added); }
  int32_t Acquire(const Key& key, bool* added = nullptr);
  // Drops one reference taken by Acquire or AddRef. kNone is ignored.
  void Release(int32_t code);
  // Takes one more reference on a live code. kNone is ignored.
  void AddRef(int32_t code) {
    if (code != kNone) ++entries_[code].refs;
  }
  // Makes room for `n` more distinct strings without rehashing.
  void Reserve(size_t n);
  // Starts loading the index slots where `s` would be, so that several
  // lookups' cache misses overlap. A hint only.
  void Prefetch(const Key& key) const { index_.prefetch(key); }
  // The code of `s` or kNone; takes no reference.
  int32_t Find(absl::string_view s) const { return Find(MakeKey(s)); }
  int32_t Find(const Key& key) const;
  // The string of a live code.
  absl::string_view Get(int32_t code) const {
    const Entry& e = entries_[code];
    return absl::string_view(arena_.data() + e.offset, e.length);
  }

  // Whether `code` is live and holds `s`: validates a code remembered from an
  // earlier Find (codes are reused once their strings are released).
  bool Holds(int32_t code, absl::string_view s) const {
    return code >= 0 && static_cast<size_t>(code) < entries_.size() && entries_[code].refs > 0 && Get(code) == s;
  }

  // Distinct live strings.
  size_t size() const { return entries_.size() - free_.size(); }
  // Every code in use is below this.
  size_t code_limit() const { return entries_.size(); }
  // Bytes held, for memory accounting.
  size_t MemoryBytes() const;

  // Writes (ArchiveWriter) or restores (ArchiveReader) the strings, codes
  // and reference counts, for checkpoints (docs/state.md). Restoring
  // recomputes the hashes (they are seeded per process) and the index.
  template <typename Archive>
  void Persist(Archive& ar);

 private:
  struct Entry {
    size_t hash;
    uint64_t offset;
    uint32_t length;
    uint32_t refs;
  };
  // The index stores codes; hashes are cached per entry so growing the index
  // never re-reads the strings.
  struct Hash {
    using is_transparent = void;
    const StringDictionary* dict;
    size_t operator()(int32_t code) const { return dict->entries_[code].hash; }
    size_t operator()(const Key& k) const { return k.hash; }
  };
  // Compares the cached full hashes before the bytes: a mismatch never
  // touches the arena.
  struct Eq {
    using is_transparent = void;
    const StringDictionary* dict;
    bool operator()(int32_t a, int32_t b) const { return a == b; }
    bool operator()(int32_t a, const Key& b) const {
      return dict->entries_[a].hash == b.hash && dict->Get(a) == b.text;
    }
    bool operator()(const Key& a, int32_t b) const { return (*this)(b, a); }
  };
  void Compact();

  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<int32_t> free_;
  size_t garbage_ = 0;  // arena bytes of released strings
  absl::flat_hash_set<int32_t, Hash, Eq> index_;
};

}  // namespace saleskit

#endif  // SALESKIT_STORE_STRING_DICTIONARY_H_
