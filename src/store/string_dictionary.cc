#include "saleskit/store/string_dictionary.h"

#include <cstring>

#include "state/internal/archive.h"

namespace saleskit {

StringDictionary::StringDictionary() : index_(0, Hash{this}, Eq{this}) {}

int32_t StringDictionary::Acquire(const Key& key, bool* added) {
  const absl::string_view s = key.text;
  int32_t code = kNone;
  // One probe: finds the string, or inserts a new code for it.
  auto it = index_.lazy_emplace(key, [&](const auto& construct) {
    if (!free_.empty()) {
      code = free_.back();
      free_.pop_back();
    } else {
      code = static_cast<int32_t>(entries_.size());
      entries_.emplace_back();
    }
    entries_[code] = Entry{key.hash, arena_.size(), static_cast<uint32_t>(s.size()), 0};
    arena_.append(s.data(), s.size());
    construct(code);
  });
  if (added != nullptr) *added = code != kNone;
  code = *it;
  ++entries_[code].refs;
  return code;
}

void StringDictionary::Release(int32_t code) {
  if (code == kNone) return;
  Entry& e = entries_[code];
  if (--e.refs > 0) return;
  index_.erase(code);
  std::memset(&arena_[e.offset], 0, e.length);  // scrub the bytes, not just the reference
  garbage_ += e.length;
  e.length = 0;
  free_.push_back(code);
  if (garbage_ > (1 << 20) && garbage_ * 2 > arena_.size()) Compact();
}

void StringDictionary::Compact() {
  std::string fresh;
  fresh.reserve(arena_.size() - garbage_);
  for (Entry& e : entries_) {
    if (e.refs == 0) continue;
    const uint64_t offset = fresh.size();
    fresh.append(arena_, e.offset, e.length);
    e.offset = offset;
  }
  std::memset(&arena_[0], 0, arena_.size());
  arena_.swap(fresh);
  garbage_ = 0;
}

void StringDictionary::Reserve(size_t n) {
  const size_t live = size();
  index_.reserve(live + n);
  entries_.reserve(entries_.size() + n);
  if (live > 0) arena_.reserve(arena_.size() + n * (arena_.size() - garbage_) / live);
}

int32_t StringDictionary::Find(const Key& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? kNone : *it;
}

size_t StringDictionary::MemoryBytes() const {
  return arena_.capacity() + entries_.capacity() * sizeof(Entry) + free_.capacity() * sizeof(int32_t) +
         index_.capacity() * (sizeof(int32_t) + 1);
}

template <typename Archive>
void StringDictionary::Persist(Archive& ar) {
  ar.Str(arena_);
  ar.Vec(entries_);
  ar.Vec(free_);
  ar.Pod(garbage_);
  if constexpr (Archive::kLoading) {
    index_.clear();
    index_.reserve(entries_.size());
    for (size_t code = 0; code < entries_.size() && ar.ok(); ++code) {
      Entry& e = entries_[code];
      if (e.refs == 0) continue;
      if (e.offset > arena_.size() || e.length > arena_.size() - e.offset) {
        ar.Fail("a dictionary string is outside its arena");
        break;
      }
      e.hash = absl::HashOf(Get(static_cast<int32_t>(code)));
      index_.insert(static_cast<int32_t>(code));
    }
  }
}
template void StringDictionary::Persist(internal::ArchiveWriter&);
template void StringDictionary::Persist(internal::ArchiveReader&);

}  // namespace saleskit
