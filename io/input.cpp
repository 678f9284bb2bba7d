// open_beam: tells PSRFITS from SIGPROC by the first bytes of a file, never by its name.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "io/psrfits/psrfits_reader.hpp"
#include "io/reader.hpp"
#include "io/sigproc/filterbank.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

enum class Format { Psrfits, Sigproc };

Format sniff_format(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_input(path, "cannot open: {}", std::strerror(errno));
  char head[16] = {};
  in.read(head, sizeof head);
  const auto got = static_cast<size_t>(in.gcount());
  if (got >= 9 && std::memcmp(head, "SIMPLE  =", 9) == 0) return Format::Psrfits;
  if (got >= 16 && std::memcmp(head + 4, "HEADER_START", 12) == 0) return Format::Sigproc;
  if (got == 0) throw bad_input(path, "file is empty");
  throw bad_input(path, "not a PSRFITS or SIGPROC filterbank file (unrecognised first bytes)");
}

// Carries what discovery learnt from the file names (FAST scan and beam), which the format
// readers cannot know, in front of any reader.
class DiscoveredBeam final : public Reader {
 public:
  DiscoveredBeam(std::unique_ptr<Reader> inner, const BeamFiles& beam)
      : inner_(std::move(inner)), info_(inner_->info()) {
    if (!beam.scan.empty()) info_.scan = beam.scan;
    if (beam.beam != 0) info_.beam = beam.beam;
  }
  const ObservationInfo& info() const override { return info_; }
  uint64_t read(uint64_t start, uint64_t nsamp, float* out) override {
    return inner_->read(start, nsamp, out);
  }

 private:
  std::unique_ptr<Reader> inner_;
  ObservationInfo info_;
};

}  // namespace

std::unique_ptr<Reader> open_beam(const BeamFiles& beam, const OpenOptions& options) {
  if (beam.files.empty()) throw usage_error("no input files given");
  const Format format = sniff_format(beam.files.front());
  for (const auto& f : beam.files) {
    if (sniff_format(f) != format) {
      throw bad_input(f, "mixes formats with {} in one stream", beam.files.front());
    }
  }
  auto reader = format == Format::Psrfits ? open_psrfits(beam.files, options)
                                         : open_filterbank(beam.files, options);
  return std::make_unique<DiscoveredBeam>(std::move(reader), beam);
}

}  // namespace tianyan
