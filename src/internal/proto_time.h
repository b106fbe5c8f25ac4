// Conversions between google.protobuf.Timestamp and saleskit::Micros.
#ifndef SALESKIT_SRC_INTERNAL_PROTO_TIME_H_
#define SALESKIT_SRC_INTERNAL_PROTO_TIME_H_

#include "google/protobuf/timestamp.pb.h"
#include "saleskit/time.h"

namespace saleskit::internal {

// 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, as the protobuf spec allows.
inline bool IsValidTimestamp(const google::protobuf::Timestamp& t) {
  return t.seconds() >= -62135596800 && t.seconds() <= 253402300799 && t.nanos() >= 0 &&
         t.nanos() <= 999999999;
}
inline Micros FromProto(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}
inline void ToProto(Micros m, google::protobuf::Timestamp* t) {
  int64_t s = m / 1000000, us = m % 1000000;
  if (us < 0) {
    us += 1000000;
    --s;
  }
  t->set_seconds(s);
  t->set_nanos(static_cast<int32_t>(us * 1000));
}

}  // namespace saleskit::internal

#endif  // SALESKIT_SRC_INTERNAL_PROTO_TIME_H_
