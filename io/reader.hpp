#pragma once
// The interface every search-mode reader implements, and the entry points that open inputs.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/observation.hpp"
#include "io/packed_samples.hpp"

namespace tianyan {

// Streams total-intensity float32 samples of one beam.
// Memory layout of everything read: time-major, channel fastest, channel 0 = lowest frequency:
// out[(s - start) * nchan + c]. Values are the file's scaled values ((raw - zero_off) * scale
// + offset) * weight, with AA + BB summed for two- and four-product data.
class Reader {
 public:
  virtual ~Reader() = default;
  virtual const ObservationInfo& info() const = 0;

  // Reads samples [start, start + nsamp) clipped at info().nsamples into out, which holds
  // nsamp * nchan floats. Returns the number of samples written. Throws tianyan::Error
  // (BadInput) naming the file when the data cannot be read.
  virtual uint64_t read(uint64_t start, uint64_t nsamp, float* out) = 0;

  // The same samples as read() (clipped the same way; out.nsamp says how many), as the file's
  // 8-bit bytes and per-row scales, for unpacking elsewhere: unpack_packed(out) gives what
  // read() writes, bit for bit. Returns false, with `out` unspecified, where this reader or
  // this span has no such form (not 8-bit data, a gap filled with channel means); read() then
  // still works. Throws as read() does. out's buffers are reused from call to call.
  virtual bool read_packed(uint64_t start, uint64_t nsamp, PackedSamples& out) {
    (void)start;
    (void)nsamp;
    (void)out;
    return false;
  }
};

struct OpenOptions {
  bool strict = false;  // refuse a multi-file scan with gaps instead of padding them
  int threads = 1;      // threads a reader may use to unpack samples (passed in, never global)
};

// One beam's files, in stream order.
struct BeamFiles {
  std::string scan;  // FAST scan name, or the file stem for other inputs
  int beam = 0;      // 1..19 for FAST names, 0 otherwise
  std::vector<std::string> files;
};

// Expands files, directories and globs into beams: FAST names (`<scan>-M<nn>_<NNNN>.fits`)
// are grouped by scan and beam and ordered by serial number; any other file is a beam of its
// own. Throws BadInput for a path that does not exist or a glob that matches nothing.
std::vector<BeamFiles> discover_beams(const std::vector<std::string>& paths);

// Opens one beam's files (PSRFITS or SIGPROC, told by their first bytes).
std::unique_ptr<Reader> open_beam(const BeamFiles& beam, const OpenOptions& options = {});

}  // namespace tianyan
