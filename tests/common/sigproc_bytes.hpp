#pragma once
// Raw SIGPROC header building blocks, for headers tianyan's own serialiser would never write
// (unknown keys, bad lengths, zero channels).
#include <cstdint>
#include <string>

namespace tianyan::test {

// A SIGPROC string: int32 length, then the bytes (no NUL).
inline std::string sigproc_str(const std::string& s) {
  const auto n = static_cast<int32_t>(s.size());
  return std::string(reinterpret_cast<const char*>(&n), 4) + s;
}

// A value's little-endian bytes.
template <typename T>
std::string sigproc_num(T v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof(T));
}

// A key followed by its value.
template <typename T>
std::string sigproc_key(const std::string& key, T v) {
  return sigproc_str(key) + sigproc_num(v);
}

}  // namespace tianyan::test
