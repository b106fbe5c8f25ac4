// The columnar evaluator. A plan is a tree of nodes over 64-row words: &&,
// ||, ! combine the true/false bitmaps of their operands; leaves compare a
// store column with a constant; anything else runs the row evaluator on the
// rows still undecided. Evaluation goes block by block (kBlockWords words at
// a time) so the intermediate bitmaps stay in L1, and an operand of && (||)
// skips the words where the left side already decided every row.
#include "saleskit/cel/columnar.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "saleskit/cel/customer.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace saleskit::cel {

namespace {
constexpr size_t kBlockWords = 128;  // 8192 rows per block: long runs for the prefetcher

struct Context {
  const CustomerStore& store;
  absl::Time now;
  const uint64_t* live;  // one word per 64 rows
  size_t rows;           // store.row_capacity()
  const Program* program;
  uint64_t* scratch;     // kScratchArrays * kBlockWords words per && / || nesting level
  const SegmentMembership* segments;  // for in_segment(); may be null
};
constexpr size_t kScratchArrays = 5;
}  // namespace

// Fills, for words [w0, w0 + n), t[i] and f[i]: the rows of care[i] where the
// node's expression is true and false. Words with care[i] == 0 are skipped
// (left 0): their rows are decided already.
//
// EvalRow decides one row: the compiled row path, reading the same columns
// without building CEL values.
enum class Tri : uint8_t { kFalse, kTrue, kError };

class ColumnarNode {
 public:
  virtual ~ColumnarNode() = default;
  virtual void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t,
                    uint64_t* f) const = 0;
  virtual Tri EvalRow(const Context& c, uint32_t row) const = 0;
  // Roughly the bytes per row it reads, to order the operands of && and ||
  // cheapest first (both are commutative in CEL, errors included).
  virtual int cost() const = 0;
  // Gives && / || nodes their scratch level (their nesting depth); returns
  // the deepest level below.
  virtual int AssignScratch(int level) { return level - 1; }
};

namespace {

// At most four rows set: cheaper to test one by one than a whole word.
// (Without -mpopcnt, __builtin_popcountll is a library call.)
inline bool FewBits(uint64_t x) {
  x &= x - 1;
  x &= x - 1;
  x &= x - 1;
  x &= x - 1;
  return x == 0;
}

// Bits for rows [64w, 64w + 64) of a column where pred(value) holds.
template <typename T, typename Pred>
inline uint64_t WordBits(const T* col, size_t w, size_t rows, Pred pred) {
  const size_t base = w * 64;
  uint64_t m = 0;
  if (base + 64 <= rows) {
    for (size_t i = 0; i < 64; ++i) m |= static_cast<uint64_t>(pred(col[base + i])) << i;
  } else {
    for (size_t i = 0; base + i < rows; ++i) m |= static_cast<uint64_t>(pred(col[base + i])) << i;
  }
  return m;
}

// Equality of 64 int32 codes with one value, four at a time.
inline uint64_t EqualBits32(const int32_t* col, size_t w, size_t rows, int32_t value) {
#if defined(__SSE2__)
  const size_t base = w * 64;
  if (base + 64 <= rows) {
    const __m128i v = _mm_set1_epi32(value);
    uint64_t m = 0;
    for (size_t i = 0; i < 64; i += 4) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(col + base + i));
      m |= static_cast<uint64_t>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(x, v)))) << i;
    }
    return m;
  }
#endif
  return WordBits(col, w, rows, [value](int32_t x) { return x == value; });
}

// Bytes of 64 uint8 codes that equal any of up to four values.
inline uint64_t AnyEqualBits8(const uint8_t* col, size_t w, size_t rows, const uint8_t* values, size_t n) {
#if defined(__SSE2__)
  const size_t base = w * 64;
  if (base + 64 <= rows) {
    uint64_t m = 0;
    for (size_t i = 0; i < 64; i += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(col + base + i));
      __m128i hit = _mm_setzero_si128();
      for (size_t v = 0; v < n; ++v) hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(values[v]))));
      m |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(hit))) << i;
    }
    return m;
  }
#endif
  return WordBits(col, w, rows, [values, n](uint8_t x) {
    bool hit = false;
    for (size_t v = 0; v < n; ++v) hit |= x == values[v];
    return hit;
  });
}

// Three-valued result of a leaf from its bits: `bits` are rows where the
// comparison holds among `valid` rows; rows not valid are null.
enum class NullIs { kError, kFalse, kTrue };

inline void Decide(uint64_t care, uint64_t valid, uint64_t bits, NullIs null, uint64_t* t, uint64_t* f) {
  bits &= valid;
  switch (null) {
    case NullIs::kError:
      *t = care & bits;
      *f = care & valid & ~bits;
      break;
    case NullIs::kFalse:
      *t = care & bits;
      *f = care & ~bits;
      break;
    case NullIs::kTrue:
      *t = care & (bits | ~valid);
      *f = care & valid & ~bits;
      break;
  }
}

inline Tri DecideRow(bool valid, bool holds, NullIs null) {
  if (valid) return holds ? Tri::kTrue : Tri::kFalse;
  switch (null) {
    case NullIs::kError: return Tri::kError;
    case NullIs::kFalse: return Tri::kFalse;
    case NullIs::kTrue: return Tri::kTrue;
  }
  return Tri::kError;
}

// A dictionary code remembered between evaluations, validated before use:
// a hint, so sharing it between threads and stores is harmless.
class CodeHint {
 public:
  explicit CodeHint(std::string value) : value_(std::move(value)), key_(StringDictionary::MakeKey(value_)) {}
  CodeHint(const CodeHint& o) : value_(o.value_), key_(StringDictionary::MakeKey(value_)) {}
  int32_t Code(const StringDictionary& dict) const {
    const int32_t hint = hint_.load(std::memory_order_relaxed);
    if (dict.Holds(hint, value_)) return hint;
    const int32_t code = dict.Find(key_);
    hint_.store(code, std::memory_order_relaxed);
    return code;
  }

 private:
  std::string value_;
  StringDictionary::Key key_;  // views value_
  mutable std::atomic<int32_t> hint_{StringDictionary::kNone};
};

class ConstNode : public ColumnarNode {
 public:
  explicit ConstNode(bool value) : value_(value) {}
  void Eval(const Context&, size_t, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    for (size_t i = 0; i < n; ++i) {
      t[i] = value_ ? care[i] : 0;
      f[i] = value_ ? 0 : care[i];
    }
  }
  Tri EvalRow(const Context&, uint32_t) const override { return value_ ? Tri::kTrue : Tri::kFalse; }

  int cost() const override { return 0; }
 private:
  bool value_;
};

template <bool kIsAnd>
class LogicNode : public ColumnarNode {
 public:
  LogicNode(std::unique_ptr<ColumnarNode> a, std::unique_ptr<ColumnarNode> b) : a_(std::move(a)), b_(std::move(b)) {}
  int AssignScratch(int level) override {
    level_ = level;
    return std::max({level, a_->AssignScratch(level + 1), b_->AssignScratch(level + 1)});
  }
  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    // Operands write deeper levels only, so this level's arrays stay intact.
    uint64_t* ta = c.scratch + static_cast<size_t>(level_) * kScratchArrays * kBlockWords;
    uint64_t* fa = ta + kBlockWords;
    uint64_t* care_b = fa + kBlockWords;
    uint64_t* tb = care_b + kBlockWords;
    uint64_t* fb = tb + kBlockWords;
    a_->Eval(c, w0, n, care, ta, fa);
    // A row false in a && (true in a ||) is decided: b need not look at it.
    for (size_t i = 0; i < n; ++i) care_b[i] = care[i] & ~(kIsAnd ? fa[i] : ta[i]);
    b_->Eval(c, w0, n, care_b, tb, fb);
    for (size_t i = 0; i < n; ++i) {
      if (kIsAnd) {
        t[i] = ta[i] & tb[i];
        f[i] = fa[i] | fb[i];
      } else {
        t[i] = ta[i] | tb[i];
        f[i] = fa[i] & fb[i];
      }
    }
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    constexpr Tri kDecider = kIsAnd ? Tri::kFalse : Tri::kTrue;
    const Tri a = a_->EvalRow(c, row);
    if (a == kDecider) return a;
    const Tri b = b_->EvalRow(c, row);
    if (b == kDecider) return b;
    return a == Tri::kError || b == Tri::kError ? Tri::kError : a;
  }

  int cost() const override { return a_->cost() + b_->cost(); }

 private:
  int level_ = 0;

 public:
 private:
  std::unique_ptr<ColumnarNode> a_, b_;
};

class NotNode : public ColumnarNode {
 public:
  explicit NotNode(std::unique_ptr<ColumnarNode> a) : a_(std::move(a)) {}
  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    a_->Eval(c, w0, n, care, f, t);
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    const Tri a = a_->EvalRow(c, row);
    return a == Tri::kError ? a : (a == Tri::kTrue ? Tri::kFalse : Tri::kTrue);
  }

  int cost() const override { return a_->cost(); }
  int AssignScratch(int level) override { return a_->AssignScratch(level); }
 private:
  std::unique_ptr<ColumnarNode> a_;
};

// Runs the row evaluator on one node of the program for each row to decide.
class RowFallbackNode : public ColumnarNode {
 public:
  explicit RowFallbackNode(int64_t expr_id) : expr_id_(expr_id) {}
  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    for (size_t i = 0; i < n; ++i) {
      t[i] = f[i] = 0;
      for (uint64_t bits = care[i]; bits != 0; bits &= bits - 1) {
        const uint32_t row = static_cast<uint32_t>((w0 + i) * 64 + __builtin_ctzll(bits));
        StoreCustomerActivation act(c.store, row, c.now, c.segments);
        const Value v = c.program->EvaluateSubexpression(expr_id_, act);
        if (v.kind() != Value::Kind::kBool) continue;  // an error: neither true nor false
        (v.bool_value() ? t[i] : f[i]) |= uint64_t{1} << __builtin_ctzll(bits);
      }
    }
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    StoreCustomerActivation act(c.store, row, c.now, c.segments);
    const Value v = c.program->EvaluateSubexpression(expr_id_, act);
    if (v.kind() != Value::Kind::kBool) return Tri::kError;
    return v.bool_value() ? Tri::kTrue : Tri::kFalse;
  }

  int cost() const override { return 1000; }
 private:
  int64_t expr_id_;
};

// in_segment("name"): the segment's membership bits. Without memberships (or
// with no such segment) every row is an error, as in the row evaluator.
class SegmentNode : public ColumnarNode {
 public:
  explicit SegmentNode(std::string name) : name_(std::move(name)) {}
  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    const Bitmap* members = c.segments == nullptr ? nullptr : c.segments->Members(name_);
    for (size_t i = 0; i < n; ++i) {
      if (members == nullptr) {
        t[i] = f[i] = 0;
        continue;
      }
      const uint64_t bits = w0 + i < members->words().size() ? members->words()[w0 + i] : 0;
      t[i] = care[i] & bits;
      f[i] = care[i] & ~bits;
    }
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    const Bitmap* members = c.segments == nullptr ? nullptr : c.segments->Members(name_);
    if (members == nullptr) return Tri::kError;
    return row < members->words().size() * 64 && members->Get(row) ? Tri::kTrue : Tri::kFalse;
  }
  int cost() const override { return 1; }

 private:
  std::string name_;
};

// A string field compared with constants: `==`, `!=` or `in [...]`. Never-set
// fields (code kNone) equal no string, as null == "x" is false in CEL.
class StringFieldNode : public ColumnarNode {
 public:
  StringFieldNode(StringField field, const std::vector<std::string>& values, bool negate)
      : field_(field), negate_(negate) {
    values_.reserve(values.size());
    for (const std::string& v : values) values_.emplace_back(v);
  }
  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    const int32_t* codes = c.store.string_codes(field_).data();
    const StringDictionary& dict = c.store.string_dictionary(field_);
    absl::InlinedVector<int32_t, 8> wanted;
    for (const CodeHint& v : values_) {
      const int32_t code = v.Code(dict);
      if (code != StringDictionary::kNone) wanted.push_back(code);
    }
    for (size_t i = 0; i < n; ++i) {
      const size_t w = w0 + i;
      if (care[i] == 0) {
        t[i] = f[i] = 0;
        continue;
      }
      uint64_t bits = 0;
      if (FewBits(care[i])) {
        for (uint64_t left = care[i]; left != 0; left &= left - 1) {
          const int32_t code = codes[w * 64 + __builtin_ctzll(left)];
          for (int32_t want : wanted) bits |= static_cast<uint64_t>(code == want) << __builtin_ctzll(left);
        }
      } else {
        for (int32_t code : wanted) bits |= EqualBits32(codes, w, c.rows, code);
      }
      Decide(care[i], ~uint64_t{0}, negate_ ? ~bits : bits, NullIs::kFalse, &t[i], &f[i]);
    }
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    const int32_t code = c.store.string_codes(field_)[row];
    bool member = false;
    if (code != StringDictionary::kNone) {
      const StringDictionary& dict = c.store.string_dictionary(field_);
      for (const CodeHint& v : values_) member |= v.Code(dict) == code;
    }
    return member != negate_ ? Tri::kTrue : Tri::kFalse;
  }

  int cost() const override { return 4; }
 private:
  StringField field_;
  std::vector<CodeHint> values_;
  bool negate_;
};

// lifecycle_stage compared with stage names; 0 (unspecified) reads as null.
class LifecycleNode : public ColumnarNode {
 public:
  LifecycleNode(std::vector<uint8_t> stages, bool negate) : negate_(negate) {
    for (uint8_t s : stages) lut_[s] = 1;
    std::sort(stages.begin(), stages.end());
    stages.erase(std::unique(stages.begin(), stages.end()), stages.end());
    if (stages.size() <= 4) small_.assign(stages.begin(), stages.end());
    small_set_ = stages.size() <= 4;
  }
  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    const uint8_t* col = c.store.lifecycle_stage().data();
    for (size_t i = 0; i < n; ++i) {
      if (care[i] == 0) {
        t[i] = f[i] = 0;
        continue;
      }
      const uint64_t bits = small_set_ ? AnyEqualBits8(col, w0 + i, c.rows, small_.data(), small_.size())
                                       : WordBits(col, w0 + i, c.rows, [this](uint8_t x) { return lut_[x] != 0; });
      Decide(care[i], ~uint64_t{0}, negate_ ? ~bits : bits, NullIs::kFalse, &t[i], &f[i]);
    }
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    return (lut_[c.store.lifecycle_stage()[row]] != 0) != negate_ ? Tri::kTrue : Tri::kFalse;
  }

  int cost() const override { return 1; }
 private:
  uint8_t lut_[256] = {};
  std::vector<uint8_t> small_;  // the stages, when there are at most four
  bool small_set_ = false;
  bool negate_;
};

enum class Op { kLt, kLe, kGt, kGe, kEq, kNe };

template <typename C, typename T>
inline uint64_t CompareScalar(const C* col, size_t w, size_t rows, Op op, T k) {
  switch (op) {  // one loop per operator keeps the inner loop branch-free
    case Op::kLt: return WordBits(col, w, rows, [k](C x) { return static_cast<T>(x) < k; });
    case Op::kLe: return WordBits(col, w, rows, [k](C x) { return static_cast<T>(x) <= k; });
    case Op::kGt: return WordBits(col, w, rows, [k](C x) { return static_cast<T>(x) > k; });
    case Op::kGe: return WordBits(col, w, rows, [k](C x) { return static_cast<T>(x) >= k; });
    case Op::kEq: return WordBits(col, w, rows, [k](C x) { return static_cast<T>(x) == k; });
    case Op::kNe: return WordBits(col, w, rows, [k](C x) { return static_cast<T>(x) != k; });
  }
  return 0;
}

// Only the rows of `care`: cheaper than a whole word when few are left.
template <typename C, typename T>
inline uint64_t CompareSparse(const C* col, size_t w, uint64_t care, Op op, T k) {
  uint64_t m = 0;
  for (uint64_t bits = care; bits != 0; bits &= bits - 1) {
    const int b = __builtin_ctzll(bits);
    const T x = static_cast<T>(col[w * 64 + b]);
    bool r = false;
    switch (op) {
      case Op::kLt: r = x < k; break;
      case Op::kLe: r = x <= k; break;
      case Op::kGt: r = x > k; break;
      case Op::kGe: r = x >= k; break;
      case Op::kEq: r = x == k; break;
      case Op::kNe: r = x != k; break;
    }
    m |= static_cast<uint64_t>(r) << b;
  }
  return m;
}

#if defined(__SSE2__)
inline uint64_t CompareWordSimd(const double* col, size_t base, Op op, double k) {
  const __m128d kv = _mm_set1_pd(k);
  uint64_t m = 0;
  for (size_t i = 0; i < 64; i += 2) {
    const __m128d x = _mm_loadu_pd(col + base + i);
    __m128d r;
    switch (op) {
      case Op::kLt: r = _mm_cmplt_pd(x, kv); break;
      case Op::kLe: r = _mm_cmple_pd(x, kv); break;
      case Op::kGt: r = _mm_cmpgt_pd(x, kv); break;
      case Op::kGe: r = _mm_cmpge_pd(x, kv); break;
      case Op::kEq: r = _mm_cmpeq_pd(x, kv); break;
      default: r = _mm_cmpneq_pd(x, kv); break;
    }
    m |= static_cast<uint64_t>(_mm_movemask_pd(r)) << i;
  }
  return m;
}

// int32 against an int64 constant: x < k is x <= k - 1 and so on, with the
// constant clamped to what an int32 can be compared with.
inline uint64_t CompareWordSimd(const int32_t* col, size_t base, Op op, int64_t k) {
  constexpr int64_t kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
  // Normalise to x > g or x == e (possibly negated).
  bool greater = true, negate = false;
  int64_t g = 0;
  switch (op) {
    case Op::kGt: g = k; break;
    case Op::kGe: g = k - 1; break;
    case Op::kLe: g = k; negate = true; break;           // !(x > k)
    case Op::kLt: g = k - 1; negate = true; break;       // !(x > k - 1)
    case Op::kEq: greater = false; g = k; break;
    case Op::kNe: greater = false; g = k; negate = true; break;
  }
  uint64_t m = 0;
  if (greater && g < kMin) {
    m = ~uint64_t{0};
  } else if (greater && g >= kMax) {
    m = 0;
  } else if (!greater && (g < kMin || g > kMax)) {
    m = 0;
  } else {
    const __m128i kv = _mm_set1_epi32(static_cast<int32_t>(g));
    for (size_t i = 0; i < 64; i += 4) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(col + base + i));
      const __m128i r = greater ? _mm_cmpgt_epi32(x, kv) : _mm_cmpeq_epi32(x, kv);
      m |= static_cast<uint64_t>(_mm_movemask_ps(_mm_castsi128_ps(r))) << i;
    }
  }
  return negate ? ~m : m;
}
#endif

// int64 comparisons four at a time where the CPU has AVX2 (checked once at
// run time); SSE2 has no 64-bit compare.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) uint64_t CompareWordAvx2(const int64_t* col, size_t base, Op op, int64_t k) {
  const __m256i kv = _mm256_set1_epi64x(k);
  uint64_t m = 0;
  for (size_t i = 0; i < 64; i += 4) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col + base + i));
    __m256i r;
    switch (op) {
      case Op::kGt: r = _mm256_cmpgt_epi64(x, kv); break;
      case Op::kLe: r = _mm256_cmpgt_epi64(x, kv); break;  // negated below
      case Op::kLt: r = _mm256_cmpgt_epi64(kv, x); break;
      case Op::kGe: r = _mm256_cmpgt_epi64(kv, x); break;  // negated below
      default: r = _mm256_cmpeq_epi64(x, kv); break;       // kEq, kNe (negated below)
    }
    m |= static_cast<uint64_t>(_mm256_movemask_pd(_mm256_castsi256_pd(r))) << i;
  }
  return (op == Op::kLe || op == Op::kGe || op == Op::kNe) ? ~m : m;
}
const bool kHasAvx2 = __builtin_cpu_supports("avx2");
#endif

template <typename C, typename T>
inline uint64_t CompareWord(const C* col, size_t w, size_t rows, uint64_t care, Op op, T k) {
  if (FewBits(care)) return CompareSparse(col, w, care, op, k);
  const size_t base = w * 64;
  if (base + 64 <= rows) {
#if defined(__SSE2__)
    if constexpr (std::is_same_v<C, double> && std::is_same_v<T, double>) return CompareWordSimd(col, base, op, k);
    if constexpr (std::is_same_v<C, int32_t> && std::is_same_v<T, int64_t>) return CompareWordSimd(col, base, op, k);
#endif
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (std::is_same_v<C, int64_t> && std::is_same_v<T, int64_t>) {
      if (kHasAvx2) return CompareWordAvx2(col, base, op, k);
    }
#endif
  }
  return CompareScalar(col, w, rows, op, k);
}

template <typename T>
inline bool Apply(Op op, T x, T c) {
  switch (op) {
    case Op::kLt: return x < c;
    case Op::kLe: return x <= c;
    case Op::kGt: return x > c;
    case Op::kGe: return x >= c;
    case Op::kEq: return x == c;
    case Op::kNe: return x != c;
  }
  return false;
}

NullIs NullFor(Op op) {
  if (op == Op::kEq) return NullIs::kFalse;
  if (op == Op::kNe) return NullIs::kTrue;
  return NullIs::kError;
}

// Where a numeric column lives in the store.
enum class NumericSource { kEmployeeCount, kAnnualRevenue, kWindowCount, kWindowSum };

template <typename T>
class NumericNode : public ColumnarNode {
 public:
  NumericNode(NumericSource source, Op op, T constant, std::string event_type = "", EventWindow window = {})
      : source_(source), op_(op), constant_(constant), event_type_(std::move(event_type)), window_(window) {}

  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    switch (source_) {
      case NumericSource::kEmployeeCount:
        return Scan(c, w0, n, care, c.store.employee_count().values.data(),
                    c.store.employee_count().valid.words().data(), t, f);
      case NumericSource::kAnnualRevenue:
        return Scan(c, w0, n, care, c.store.annual_revenue().values.data(),
                    c.store.annual_revenue().valid.words().data(), t, f);
      case NumericSource::kWindowCount:
      case NumericSource::kWindowSum: {
        std::optional<int> col = Column(c.store);
        if (!col) {  // the row evaluator's answer too: an error for every row
          std::fill(t, t + n, 0);
          std::fill(f, f + n, 0);
          return;
        }
        if (source_ == NumericSource::kWindowCount) {
          return Scan(c, w0, n, care, c.store.windows().counts(*col).data(), nullptr, t, f);
        }
        return Scan(c, w0, n, care, c.store.windows().sums(*col).data(), nullptr, t, f);
      }
    }
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    const NullIs null = NullFor(op_);
    switch (source_) {
      case NumericSource::kEmployeeCount: {
        const auto& col = c.store.employee_count();
        return DecideRow(col.Has(row), Apply<T>(op_, static_cast<T>(col.values[row]), constant_), null);
      }
      case NumericSource::kAnnualRevenue: {
        const auto& col = c.store.annual_revenue();
        return DecideRow(col.Has(row), Apply<T>(op_, static_cast<T>(col.values[row]), constant_), null);
      }
      case NumericSource::kWindowCount:
      case NumericSource::kWindowSum: {
        std::optional<int> col = Column(c.store);
        if (!col) return Tri::kError;
        const T x = source_ == NumericSource::kWindowCount ? static_cast<T>(c.store.windows().counts(*col)[row])
                                                            : static_cast<T>(c.store.windows().sums(*col)[row]);
        return Apply<T>(op_, x, constant_) ? Tri::kTrue : Tri::kFalse;
      }
    }
    return Tri::kError;
  }

  int cost() const override { return source_ == NumericSource::kWindowCount ? 4 : 8; }
 private:
  // The window column, remembered between evaluations (validated: a hint).
  std::optional<int> Column(const CustomerStore& store) const {
    const int hint = column_hint_.load(std::memory_order_relaxed);
    if (store.IsWindow(hint, event_type_, window_)) return hint;
    std::optional<int> col = store.FindWindow(event_type_, window_);
    if (col) column_hint_.store(*col, std::memory_order_relaxed);
    return col;
  }

  template <typename C>
  void Scan(const Context& c, size_t w0, size_t n, const uint64_t* care, const C* col, const uint64_t* valid,
            uint64_t* t, uint64_t* f) const {
    const T k = constant_;
    const NullIs null = NullFor(op_);
    for (size_t i = 0; i < n; ++i) {
      if (care[i] == 0) {
        t[i] = f[i] = 0;
        continue;
      }
      const size_t w = w0 + i;
      const uint64_t bits = CompareWord(col, w, c.rows, care[i], op_, k);
      Decide(care[i], valid == nullptr ? ~uint64_t{0} : valid[w], bits, null, &t[i], &f[i]);
    }
  }

  NumericSource source_;
  Op op_;
  T constant_;
  std::string event_type_;
  EventWindow window_;
  mutable std::atomic<int> column_hint_{-1};
};

class HasNode : public ColumnarNode {
 public:
  using Valid = uint64_t (*)(const CustomerStore&, size_t w);
  explicit HasNode(Valid valid) : valid_(valid) {}
  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    for (size_t i = 0; i < n; ++i) {
      const uint64_t v = valid_(c.store, w0 + i);
      t[i] = care[i] & v;
      f[i] = care[i] & ~v;
    }
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    return (valid_(c.store, row / 64) >> (row % 64)) & 1 ? Tri::kTrue : Tri::kFalse;
  }

  int cost() const override { return 0; }
 private:
  Valid valid_;
};

// has(customer.F) for a string field or the lifecycle stage: the code is set.
class CodeHasNode : public ColumnarNode {
 public:
  static std::unique_ptr<CodeHasNode> String(StringField f) { return std::unique_ptr<CodeHasNode>(new CodeHasNode(f)); }
  static std::unique_ptr<CodeHasNode> Lifecycle() { return std::unique_ptr<CodeHasNode>(new CodeHasNode(std::nullopt)); }
  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    static constexpr uint8_t kAbsent[] = {0};
    for (size_t i = 0; i < n; ++i) {
      if (care[i] == 0) {
        t[i] = f[i] = 0;
        continue;
      }
      const uint64_t absent =
          field_ ? EqualBits32(c.store.string_codes(*field_).data(), w0 + i, c.rows, StringDictionary::kNone)
                 : AnyEqualBits8(c.store.lifecycle_stage().data(), w0 + i, c.rows, kAbsent, 1);
      t[i] = care[i] & ~absent;
      f[i] = care[i] & absent;
    }
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    const bool present = field_ ? c.store.string_codes(*field_)[row] != StringDictionary::kNone
                                : c.store.lifecycle_stage()[row] != 0;
    return present ? Tri::kTrue : Tri::kFalse;
  }
  int cost() const override { return field_ ? 4 : 1; }

 private:
  explicit CodeHasNode(std::optional<StringField> field) : field_(field) {}
  std::optional<StringField> field_;  // nullopt: the lifecycle stage
};

// customer.attrs.NAME (or customer.attrs["NAME"]) compared with string
// constants: `==`, `!=` or `in [...]`. As in the row evaluator, a customer
// without the attribute is an error (no such key), and a value of another type
// (the attribute's column type) equals no string.
class AttrStringNode : public ColumnarNode {
 public:
  AttrStringNode(std::string name, const std::vector<std::string>& values, bool negate)
      : name_(std::move(name)), negate_(negate) {
    values_.reserve(values.size());
    for (const std::string& v : values) values_.emplace_back(v);
  }
  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    const CustomerStore::AttrColumn* col = c.store.FindAttrColumn(name_);
    if (col == nullptr) {  // no customer has it: an error for every row
      std::fill(t, t + n, 0);
      std::fill(f, f + n, 0);
      return;
    }
    absl::InlinedVector<int32_t, 8> wanted;
    if (col->type == AttrType::kString) {
      for (const CodeHint& v : values_) {
        const int32_t code = v.Code(*col->dict);
        if (code != StringDictionary::kNone) wanted.push_back(code);
      }
    }
    const int32_t* codes = col->codes.data();
    const uint64_t* valid = col->valid.words().data();
    for (size_t i = 0; i < n; ++i) {
      const size_t w = w0 + i;
      if (care[i] == 0) {
        t[i] = f[i] = 0;
        continue;
      }
      uint64_t bits = 0;
      if (wanted.empty()) {
        // another type, or no customer has any of the values: nothing equal
      } else if (FewBits(care[i])) {
        for (uint64_t left = care[i]; left != 0; left &= left - 1) {
          const int32_t code = codes[w * 64 + __builtin_ctzll(left)];
          for (int32_t want : wanted) bits |= static_cast<uint64_t>(code == want) << __builtin_ctzll(left);
        }
      } else {
        for (int32_t code : wanted) bits |= EqualBits32(codes, w, c.rows, code);
      }
      Decide(care[i], valid[w], negate_ ? ~bits : bits, NullIs::kError, &t[i], &f[i]);
    }
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    const CustomerStore::AttrColumn* col = c.store.FindAttrColumn(name_);
    if (col == nullptr || !col->valid.Get(row)) return Tri::kError;
    bool member = false;
    if (col->type == AttrType::kString) {
      const int32_t code = col->codes[row];
      for (const CodeHint& v : values_) member |= v.Code(*col->dict) == code;
    }
    return member != negate_ ? Tri::kTrue : Tri::kFalse;
  }

  int cost() const override { return 5; }

 private:
  std::string name_;
  std::vector<CodeHint> values_;
  bool negate_;
};

// has(customer.attrs.NAME): the customer has the attribute.
class AttrHasNode : public ColumnarNode {
 public:
  explicit AttrHasNode(std::string name) : name_(std::move(name)) {}
  void Eval(const Context& c, size_t w0, size_t n, const uint64_t* care, uint64_t* t, uint64_t* f) const override {
    const CustomerStore::AttrColumn* col = c.store.FindAttrColumn(name_);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t v = col == nullptr ? 0 : col->valid.words()[w0 + i];
      t[i] = care[i] & v;
      f[i] = care[i] & ~v;
    }
  }
  Tri EvalRow(const Context& c, uint32_t row) const override {
    const CustomerStore::AttrColumn* col = c.store.FindAttrColumn(name_);
    return col != nullptr && col->valid.Get(row) ? Tri::kTrue : Tri::kFalse;
  }
  int cost() const override { return 1; }

 private:
  std::string name_;
};

// ------------------------------------------------------------------ planning

constexpr struct {
  const char* name;
  StringField field;
} kStringFields[] = {
    {"account_id", StringField::kAccountId}, {"email", StringField::kEmail},
    {"phone", StringField::kPhone},          {"first_name", StringField::kFirstName},
    {"last_name", StringField::kLastName},   {"title", StringField::kTitle},
    {"company", StringField::kCompany},      {"industry", StringField::kIndustry},
    {"country", StringField::kCountry},      {"region", StringField::kRegion},
    {"timezone", StringField::kTimezone},    {"lead_source", StringField::kLeadSource},
    {"owner_id", StringField::kOwnerId},
};

class Planner {
 public:
  explicit Planner(const Program& p) : p_(p) {}

  std::unique_ptr<ColumnarNode> Plan(const Expr& e) {
    if (const Constant* k = e.As<Constant>(); k != nullptr && std::holds_alternative<bool>(*k)) {
      ++vectorised;
      return std::make_unique<ConstNode>(std::get<bool>(*k));
    }
    if (const auto* call = e.As<CallExpr>(); call != nullptr && call->target == nullptr) {
      const std::string& fn = call->function;
      if ((fn == "_&&_" || fn == "_||_") && call->args.size() == 2) {
        // a && b && c ...: the narrowest columns first, so that the wide ones
        // are read only for the rows (words) still undecided.
        std::vector<const Expr*> operands;
        Flatten(e, fn, &operands);
        vectorised += static_cast<int>(operands.size()) - 1;
        std::vector<std::unique_ptr<ColumnarNode>> nodes;
        for (const Expr* op : operands) nodes.push_back(Plan(*op));
        std::stable_sort(nodes.begin(), nodes.end(), [](const auto& x, const auto& y) { return x->cost() < y->cost(); });
        std::unique_ptr<ColumnarNode> tree = std::move(nodes[0]);
        for (size_t i = 1; i < nodes.size(); ++i) {
          if (fn == "_&&_") {
            tree = std::make_unique<LogicNode<true>>(std::move(tree), std::move(nodes[i]));
          } else {
            tree = std::make_unique<LogicNode<false>>(std::move(tree), std::move(nodes[i]));
          }
        }
        return tree;
      }
      if (fn == "!_" && call->args.size() == 1) {
        ++vectorised;
        return std::make_unique<NotNode>(Plan(*call->args[0]));
      }
      if (fn == "in_segment" && call->args.size() == 1) {
        const Constant* name = call->args[0]->As<Constant>();
        if (name != nullptr && std::holds_alternative<std::string>(*name)) {
          ++vectorised;
          return std::make_unique<SegmentNode>(std::get<std::string>(*name));
        }
      }
      if (auto leaf = Leaf(*call)) {
        ++vectorised;
        return leaf;
      }
    }
    if (const auto* sel = e.As<SelectExpr>(); sel != nullptr && sel->test_only && IsCustomer(*sel->operand)) {
      if (auto has = Has(sel->field)) {
        ++vectorised;
        return has;
      }
    }
    if (const auto* sel = e.As<SelectExpr>(); sel != nullptr && sel->test_only && IsCustomerAttrs(*sel->operand)) {
      ++vectorised;
      return std::make_unique<AttrHasNode>(sel->field);
    }
    ++fallback;
    return std::make_unique<RowFallbackNode>(e.id);
  }

  int vectorised = 0;
  int fallback = 0;

 private:
  // The operands of a chain of the same operator: ((a && b) && c) -> a, b, c.
  static void Flatten(const Expr& e, const std::string& fn, std::vector<const Expr*>* out) {
    const auto* call = e.As<CallExpr>();
    if (call != nullptr && call->target == nullptr && call->function == fn && call->args.size() == 2) {
      Flatten(*call->args[0], fn, out);
      Flatten(*call->args[1], fn, out);
      return;
    }
    out->push_back(&e);
  }

  bool IsCustomer(const Expr& e) const {
    auto it = p_.checked().names.find(e.id);
    return e.As<IdentExpr>() != nullptr && it != p_.checked().names.end() && it->second == "customer";
  }

  // customer.attrs
  bool IsCustomerAttrs(const Expr& e) const {
    const std::string* field = CustomerField(e);
    return field != nullptr && *field == "attrs";
  }

  // customer.attrs.NAME or customer.attrs["NAME"] -> NAME, or nullptr.
  const std::string* CustomerAttr(const Expr& e) const {
    if (const auto* sel = e.As<SelectExpr>(); sel != nullptr && !sel->test_only && IsCustomerAttrs(*sel->operand)) {
      return &sel->field;
    }
    const auto* call = e.As<CallExpr>();
    if (call == nullptr || call->target != nullptr || call->function != "_[_]" || call->args.size() != 2 ||
        !IsCustomerAttrs(*call->args[0])) {
      return nullptr;
    }
    const Constant* k = call->args[1]->As<Constant>();
    return k != nullptr && std::holds_alternative<std::string>(*k) ? &std::get<std::string>(*k) : nullptr;
  }

  // customer.FIELD -> its name, or nullptr.
  const std::string* CustomerField(const Expr& e) const {
    const auto* sel = e.As<SelectExpr>();
    if (sel == nullptr || sel->test_only || !IsCustomer(*sel->operand)) return nullptr;
    return &sel->field;
  }

  static std::optional<StringField> StringFieldNamed(const std::string& name) {
    for (const auto& f : kStringFields) {
      if (name == f.name) return f.field;
    }
    return std::nullopt;
  }

  static std::optional<uint8_t> StageNumber(const std::string& name) {
    for (int i = 1; i <= 8; ++i) {
      const auto* v = v1::LifecycleStage_descriptor()->FindValueByNumber(i);
      if (v == nullptr) continue;
      std::string lower = v->name().substr(std::strlen("LIFECYCLE_STAGE_"));
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == name) return static_cast<uint8_t>(i);
    }
    return std::nullopt;
  }

  static std::optional<Op> OpNamed(const std::string& fn) {
    if (fn == "_<_") return Op::kLt;
    if (fn == "_<=_") return Op::kLe;
    if (fn == "_>_") return Op::kGt;
    if (fn == "_>=_") return Op::kGe;
    if (fn == "_==_") return Op::kEq;
    if (fn == "_!=_") return Op::kNe;
    return std::nullopt;
  }

  static Op Flip(Op op) {
    switch (op) {
      case Op::kLt: return Op::kGt;
      case Op::kLe: return Op::kGe;
      case Op::kGt: return Op::kLt;
      case Op::kGe: return Op::kLe;
      default: return op;
    }
  }

  // events.count/events.sum with a literal type and a constant window.
  bool WindowRead(const Expr& e, bool* sum, std::string* type, EventWindow* window) const {
    const auto* call = e.As<CallExpr>();
    if (call == nullptr) return false;
    auto it = p_.checked().names.find(e.id);
    if (it == p_.checked().names.end() || (it->second != "events.count" && it->second != "events.sum")) return false;
    // The dependency extractor folds the windows; find this call's among them.
    auto d = ExtractDependencies(p_);
    if (!d.ok()) return false;
    const Constant* t = call->args[0]->As<Constant>();
    if (t == nullptr || !std::holds_alternative<std::string>(*t)) return false;
    for (const auto& w : d->windows) {
      if (w.event_type != std::get<std::string>(*t)) continue;
      if (!WindowMatches(*call->args[1], w.window)) continue;
      *sum = it->second == "events.sum";
      *type = w.event_type;
      *window = w.window;
      return true;
    }
    return false;
  }

  static bool WindowMatches(const Expr& arg, EventWindow w) {
    const auto* call = arg.As<CallExpr>();
    if (call == nullptr || call->args.size() != 1) return false;
    const Constant* k = call->args[0]->As<Constant>();
    if (k == nullptr) return false;
    int64_t hours = -1;
    if (call->function == "days" && std::holds_alternative<int64_t>(*k)) hours = std::get<int64_t>(*k) * 24;
    if (call->function == "hours" && std::holds_alternative<int64_t>(*k)) hours = std::get<int64_t>(*k);
    if (hours < 0) return false;  // duration("..."): left to the row evaluator
    const int64_t want = w.unit == EventWindow::Unit::kDay ? int64_t{w.length} * 24 : w.length;
    return hours == want;
  }

  // Exact int64 for a numeric literal that is one (and double values up to 2^53).
  static std::optional<int64_t> AsInt(const Constant& k) {
    if (std::holds_alternative<int64_t>(k)) return std::get<int64_t>(k);
    if (std::holds_alternative<uint64_t>(k) && std::get<uint64_t>(k) <= uint64_t{INT64_MAX}) {
      return static_cast<int64_t>(std::get<uint64_t>(k));
    }
    if (std::holds_alternative<double>(k)) {
      const double d = std::get<double>(k);
      if (std::trunc(d) == d && std::fabs(d) <= 9007199254740992.0) return static_cast<int64_t>(d);
    }
    return std::nullopt;
  }
  static std::optional<double> AsDouble(const Constant& k) {
    if (std::holds_alternative<double>(k)) return std::get<double>(k);
    std::optional<int64_t> i = AsInt(k);
    if (i && std::llabs(*i) <= (int64_t{1} << 53)) return static_cast<double>(*i);
    return std::nullopt;
  }

  std::unique_ptr<ColumnarNode> Leaf(const CallExpr& call) {
    if (call.args.size() != 2) return nullptr;
    const Expr* lhs = call.args[0].get();
    const Expr* rhs = call.args[1].get();
    if (call.function == "@in") {
      const std::string* field = CustomerField(*lhs);
      const std::string* attr = field == nullptr ? CustomerAttr(*lhs) : nullptr;
      const auto* list = rhs->As<ListExpr>();
      if ((field == nullptr && attr == nullptr) || list == nullptr || !list->optional_indices.empty()) return nullptr;
      std::vector<std::string> values;
      for (const ExprPtr& el : list->elements) {
        const Constant* k = el->As<Constant>();
        if (k == nullptr || !std::holds_alternative<std::string>(*k)) return nullptr;
        values.push_back(std::get<std::string>(*k));
      }
      if (attr != nullptr) return std::make_unique<AttrStringNode>(*attr, values, /*negate=*/false);
      return StringLeaf(*field, std::move(values), /*negate=*/false);
    }
    std::optional<Op> op = OpNamed(call.function);
    if (!op) return nullptr;
    if (lhs->As<Constant>() != nullptr && rhs->As<Constant>() == nullptr) {
      std::swap(lhs, rhs);
      op = Flip(*op);
    }
    const Constant* k = rhs->As<Constant>();
    if (k == nullptr) return nullptr;
    if (const std::string* attr = CustomerAttr(*lhs)) {
      if ((*op == Op::kEq || *op == Op::kNe) && std::holds_alternative<std::string>(*k)) {
        return std::make_unique<AttrStringNode>(*attr, std::vector<std::string>{std::get<std::string>(*k)},
                                                *op == Op::kNe);
      }
      return nullptr;
    }
    if (const std::string* field = CustomerField(*lhs)) {
      if ((*op == Op::kEq || *op == Op::kNe) && std::holds_alternative<std::string>(*k)) {
        return StringLeaf(*field, {std::get<std::string>(*k)}, *op == Op::kNe);
      }
      if (*field == "employee_count") {
        if (std::optional<int64_t> c = AsInt(*k)) {
          return std::make_unique<NumericNode<int64_t>>(NumericSource::kEmployeeCount, *op, *c);
        }
      }
      if (*field == "annual_revenue") {
        if (std::optional<double> c = AsDouble(*k)) {
          return std::make_unique<NumericNode<double>>(NumericSource::kAnnualRevenue, *op, *c);
        }
      }
      return nullptr;
    }
    bool sum = false;
    std::string type;
    EventWindow window;
    if (WindowRead(*lhs, &sum, &type, &window)) {
      if (sum) {
        if (std::optional<double> c = AsDouble(*k)) {
          return std::make_unique<NumericNode<double>>(NumericSource::kWindowSum, *op, *c, type, window);
        }
      } else if (std::optional<int64_t> c = AsInt(*k)) {
        return std::make_unique<NumericNode<int64_t>>(NumericSource::kWindowCount, *op, *c, type, window);
      }
    }
    return nullptr;
  }

  std::unique_ptr<ColumnarNode> StringLeaf(const std::string& field, std::vector<std::string> values, bool negate) {
    if (std::optional<StringField> f = StringFieldNamed(field)) {
      return std::make_unique<StringFieldNode>(*f, std::move(values), negate);
    }
    if (field == "lifecycle_stage") {
      std::vector<uint8_t> stages;
      for (const std::string& v : values) {
        if (std::optional<uint8_t> s = StageNumber(v)) stages.push_back(*s);
      }
      return std::make_unique<LifecycleNode>(std::move(stages), negate);
    }
    return nullptr;
  }

  static std::unique_ptr<ColumnarNode> Has(const std::string& field) {
    if (std::optional<StringField> f = StringFieldNamed(field)) return CodeHasNode::String(*f);
    if (field == "lifecycle_stage") return CodeHasNode::Lifecycle();
    if (field == "employee_count") {
      return std::make_unique<HasNode>(
          [](const CustomerStore& s, size_t w) { return s.employee_count().valid.words()[w] & s.live().words()[w]; });
    }
    if (field == "annual_revenue") {
      return std::make_unique<HasNode>(
          [](const CustomerStore& s, size_t w) { return s.annual_revenue().valid.words()[w] & s.live().words()[w]; });
    }
    return nullptr;
  }

  const Program& p_;
};

}  // namespace

std::unique_ptr<ColumnarCondition> ColumnarCondition::Plan(std::shared_ptr<const Program> program) {
  auto c = std::unique_ptr<ColumnarCondition>(new ColumnarCondition());
  c->program_ = std::move(program);
  Planner planner(*c->program_);
  c->root_ = planner.Plan(c->program_->expr());
  c->scratch_levels_ = c->root_->AssignScratch(0) + 1;
  c->vectorised_ = planner.vectorised;
  c->fallback_ = planner.fallback;
  return c;
}

ColumnarCondition::~ColumnarCondition() = default;

std::optional<bool> ColumnarCondition::EvaluateRow(const CustomerStore& store, uint32_t row, absl::Time now,
                                                   const SegmentMembership* segments) const {
  const Context ctx{store, now, store.live().words().data(), store.row_capacity(), program_.get(), nullptr, segments};
  switch (root_->EvalRow(ctx, row)) {
    case Tri::kTrue: return true;
    case Tri::kFalse: return false;
    case Tri::kError: break;
  }
  return std::nullopt;
}

ColumnarCondition::Result ColumnarCondition::Evaluate(const CustomerStore& store, absl::Time now,
                                                     const SegmentMembership* segments) const {
  std::vector<Result> results(1);
  const ColumnarCondition* self = this;
  EvaluateAll(absl::MakeConstSpan(&self, 1), store, now, segments, &results);
  return std::move(results[0]);
}

void ColumnarCondition::EvaluateAll(absl::Span<const ColumnarCondition* const> conditions, const CustomerStore& store,
                                    absl::Time now, const SegmentMembership* segments, std::vector<Result>* results) {
  results->resize(conditions.size());
  int levels = 0;
  for (size_t i = 0; i < conditions.size(); ++i) {
    (*results)[i].matched.Resize(store.row_capacity());
    (*results)[i].unmatched.Resize(store.row_capacity());
    levels = std::max(levels, conditions[i]->scratch_levels_);
  }
  const std::vector<uint64_t>& live = store.live().words();
  std::vector<uint64_t> scratch(static_cast<size_t>(levels) * kScratchArrays * kBlockWords);
  const size_t words = std::min(live.size(), (store.row_capacity() + 63) / 64);
  for (size_t w0 = 0; w0 < words; w0 += kBlockWords) {
    const size_t n = std::min(kBlockWords, words - w0);
    for (size_t i = 0; i < conditions.size(); ++i) {
      const ColumnarCondition& c = *conditions[i];
      const Context ctx{store, now, live.data(), store.row_capacity(), c.program_.get(), scratch.data(), segments};
      c.root_->Eval(ctx, w0, n, live.data() + w0, (*results)[i].matched.mutable_words().data() + w0,
                    (*results)[i].unmatched.mutable_words().data() + w0);
    }
  }
}

}  // namespace saleskit::cel
