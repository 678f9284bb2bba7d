#pragma once
// Writers of search-mode data (SIGPROC filterbank, PSRFITS in FAST layout).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/observation.hpp"

namespace tianyan {

// Accepts blocks laid out [nsamp][npol][nchan], channel 0 = lowest frequency (tianyan's order),
// polarisation products in the header's order (AA, BB, CR, CI). For nbits <= 16 the values
// are already in quantised units: the writer rounds and clamps them to the nbits range and
// packs them; for nbits 32 they are written as float32.
class SearchWriter {
 public:
  virtual ~SearchWriter() = default;
  virtual void write(const float* block, uint64_t nsamp) = 0;
  // Completes and atomically publishes every file; without it the destructor discards them.
  virtual void finish() = 0;
  // The final paths of the files written so far (all of them after finish()).
  virtual std::vector<std::string> files() const = 0;
};

}  // namespace tianyan
