#include "saleskit/store/string_dictionary.h"

namespace saleskit {

StringDictionary::StringDictionary()
    : index_(0, Hash{&strings_}, Eq{&strings_}) {}

int32_t StringDictionary::Acquire(absl::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end()) {
    ++refs_[*it];
    return *it;
  }
  int32_t code;
  if (!free_.empty()) {
    code = free_.back();
    free_.pop_back();
    strings_[code].assign(s.data(), s.size());
    refs_[code] = 1;
  } else {
    code = static_cast<int32_t>(strings_.size());
    strings_.emplace_back(s);
    refs_.push_back(1);
  }
  index_.insert(code);
  return code;
}

void StringDictionary::Release(int32_t code) {
  if (code == kNone) return;
  if (--refs_[code] > 0) return;
  index_.erase(code);
  std::string().swap(strings_[code]);  // free the bytes, not just the length
  free_.push_back(code);
}

int32_t StringDictionary::Find(absl::string_view s) const {
  auto it = index_.find(s);
  return it == index_.end() ? kNone : *it;
}

size_t StringDictionary::MemoryBytes() const {
  size_t bytes = strings_.capacity() * sizeof(std::string) + refs_.capacity() * sizeof(uint32_t) +
                 free_.capacity() * sizeof(int32_t) + index_.capacity() * (sizeof(int32_t) + 1);
  for (const std::string& s : strings_) {
    if (s.capacity() > 15) bytes += s.capacity() + 1;  // beyond libstdc++'s inline buffer
  }
  return bytes;
}

}  // namespace saleskit
