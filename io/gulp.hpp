#pragma once
// Fixed-size gulps read from a Reader, each carrying `overlap` extra samples at its end that
// are repeated at the start of the next gulp, so that a stage needing a look-ahead (the
// largest dispersion delay) loses no sample and counts none twice.
#include <cstdint>
#include <vector>

#include "io/packed_samples.hpp"
#include "io/reader.hpp"

namespace tianyan {

struct Gulp {
  uint64_t start = 0;   // stream index of the first sample in data
  uint64_t nsamp = 0;   // samples held in data (fresh + look-ahead)
  uint64_t nfresh = 0;  // samples this gulp is responsible for: [start, start + nfresh)
  size_t nchan = 0;
  std::vector<float> data;  // nsamp * nchan, time-major, channel fastest
  bool last = false;
};

class GulpStream {
 public:
  // Gulps cover [begin, end) in steps of gulp_nsamp fresh samples (end clipped to the
  // stream's length). The look-ahead tail is copied, not re-read.
  GulpStream(Reader& reader, uint64_t gulp_nsamp, uint64_t overlap, uint64_t begin = 0,
             uint64_t end = UINT64_MAX);
  // Fills `gulp` with the next gulp; returns false when the stream is exhausted.
  bool next(Gulp& gulp);
  // The next gulp as the file's 8-bit samples (Reader::read_packed), for a stage that unpacks
  // them itself (on a GPU): true when `packed` holds it (the stream then moves on, as next()
  // would), false when the stream is exhausted or the reader cannot deliver this gulp packed
  // (not 8-bit, a gap), and then nothing is consumed: call next() for it. Streams without a
  // look-ahead only (Internal otherwise).
  bool next_packed(PackedSamples& packed, uint64_t& start, uint64_t& nsamp);
  uint64_t total_fresh() const { return end_ - begin_; }

 private:
  Reader& reader_;
  uint64_t gulp_nsamp_;
  uint64_t overlap_;
  uint64_t begin_;
  uint64_t end_;
  uint64_t next_start_;
};

}  // namespace tianyan
