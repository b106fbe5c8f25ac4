// When a durable engine's inputs become durable (docs/state.md).
#ifndef SALESKIT_STATE_DURABILITY_H_
#define SALESKIT_STATE_DURABILITY_H_

namespace saleskit {

enum class Durability {
  kSync,     // each journal append commits (and fsyncs) before the call returns
  kBatched,  // appends commit every batch_records entries or batch_interval, and on Flush/Commit
};

}  // namespace saleskit

#endif  // SALESKIT_STATE_DURABILITY_H_
