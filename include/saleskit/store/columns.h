// Column types of the customer store: contiguous typed arrays with validity bitmaps.
#ifndef SALESKIT_STORE_COLUMNS_H_
#define SALESKIT_STORE_COLUMNS_H_

#include <cstdint>
#include <vector>

namespace saleskit {

// A bit per row in 64-bit words, for validity (presence) and liveness.
class Bitmap {
 public:
  void Resize(size_t n) {
    words_.reserve((n + 63) / 64);  // exact: no doubling slack
    words_.resize((n + 63) / 64, 0);
  }
  bool Get(size_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  void Set(size_t i) { words_[i >> 6] |= uint64_t{1} << (i & 63); }
  void Clear(size_t i) { words_[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
  void Assign(size_t i, bool v) { v ? Set(i) : Clear(i); }
  const std::vector<uint64_t>& words() const { return words_; }
  std::vector<uint64_t>& mutable_words() { return words_; }
  size_t Count() const {
    size_t n = 0;
    for (uint64_t w : words_) n += static_cast<size_t>(__builtin_popcountll(w));
    return n;
  }
  size_t MemoryBytes() const { return words_.capacity() * sizeof(uint64_t); }
  // Calls fn(i) for every set bit i, ascending.
  template <typename F>
  void ForEachSet(F fn) const {
    for (size_t w = 0; w < words_.size(); ++w) {
      for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
        fn(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
      }
    }
  }

 private:
  std::vector<uint64_t> words_;
};

// A fixed-width column with presence: `values[row]` is meaningful only when
// `valid.Get(row)`; absent values hold T{} so rows compare equal bit for bit.
template <typename T>
struct NumericColumn {
  std::vector<T> values;
  Bitmap valid;

  void Resize(size_t n) {
    values.reserve(n);  // exact: no doubling slack
    values.resize(n);
    valid.Resize(n);
  }
  void Set(size_t row, T v) {
    values[row] = v;
    valid.Set(row);
  }
  void Clear(size_t row) {
    values[row] = T{};
    valid.Clear(row);
  }
  bool Has(size_t row) const { return valid.Get(row); }
  size_t MemoryBytes() const { return values.capacity() * sizeof(T) + valid.MemoryBytes(); }
};

}  // namespace saleskit

#endif  // SALESKIT_STORE_COLUMNS_H_
