#include "io/gulp.hpp"

#include <algorithm>
#include <cstring>

#include "io/fault_hook.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {

GulpStream::GulpStream(Reader& reader, uint64_t gulp_nsamp, uint64_t overlap, uint64_t begin,
                       uint64_t end)
    : reader_(reader),
      gulp_nsamp_(gulp_nsamp),
      overlap_(overlap),
      begin_(std::min(begin, reader.info().nsamples)),
      end_(std::min(end, reader.info().nsamples)),
      next_start_(begin_) {
  if (gulp_nsamp == 0) throw usage_error("gulp size must be at least one sample");
  if (end_ < begin_) end_ = begin_;
}

bool GulpStream::next_packed(PackedSamples& packed, uint64_t& start, uint64_t& nsamp) {
  if (overlap_ != 0) throw internal_error("GulpStream::next_packed on a stream with a look-ahead");
  if (next_start_ >= end_) return false;
  const uint64_t n = std::min(gulp_nsamp_, end_ - next_start_);
  if (!reader_.read_packed(next_start_, n, packed)) return false;
  if (packed.nsamp < n) {
    throw bad_input(reader_.info().files.empty() ? "input" : reader_.info().files.front(),
                    "stream ended at sample {} although the header promised {}",
                    next_start_ + packed.nsamp, reader_.info().nsamples);
  }
  start = next_start_;
  nsamp = n;
  next_start_ += n;
  fault_hook_after_gulp();
  return true;
}

bool GulpStream::next(Gulp& gulp) {
  if (next_start_ >= end_) return false;
  const size_t nchan = reader_.info().nchan();
  const uint64_t total = reader_.info().nsamples;
  const uint64_t start = next_start_;
  const uint64_t nfresh = std::min(gulp_nsamp_, end_ - start);
  const uint64_t want = std::min(nfresh + overlap_, total - start);

  // Reuse the previous gulp's look-ahead when it is exactly this gulp's head.
  uint64_t have = 0;
  if (gulp.nchan == nchan && gulp.start + gulp.nfresh == start && gulp.nsamp > gulp.nfresh) {
    have = std::min(gulp.nsamp - gulp.nfresh, want);
    std::memmove(gulp.data.data(), gulp.data.data() + gulp.nfresh * nchan,
                 have * nchan * sizeof(float));
  }
  gulp.data.resize(want * nchan);
  const uint64_t got = have + reader_.read(start + have, want - have, gulp.data.data() + have * nchan);
  if (got < want) {
    throw bad_input(reader_.info().files.empty() ? "input" : reader_.info().files.front(),
                    "stream ended at sample {} although the header promised {}", start + got,
                    total);
  }
  gulp.start = start;
  gulp.nsamp = want;
  gulp.nfresh = nfresh;
  gulp.nchan = nchan;
  next_start_ = start + nfresh;
  gulp.last = next_start_ >= end_;
  fault_hook_after_gulp();
  return true;
}

}  // namespace tianyan
