// open_beam: tells PSRFITS from SIGPROC by the first bytes of a file, never by its name.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

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
  // Archives arrive compressed as whole files; say so rather than "unrecognised".
  const auto starts = [&](std::string_view magic) {
    return got >= magic.size() && std::memcmp(head, magic.data(), magic.size()) == 0;
  };
  const char* packer = starts("\x1f\x8b")                               ? "gzip"
                       : starts("\x28\xb5\x2f\xfd")                   ? "zstd"
                       : starts(std::string_view("\xfd" "7zXZ\0", 6)) ? "xz"
                       : starts("BZh")                                  ? "bzip2"
                                                                        : nullptr;
  if (packer != nullptr) {
    throw bad_input(path, "is a {}-compressed file: decompress it first (tile-compressed "
                    ".fits.fz is read directly)", packer);
  }
  throw bad_input(path, "not a PSRFITS or SIGPROC filterbank file (it starts with neither "
                  "'SIMPLE  =' nor a SIGPROC HEADER_START)");
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
  bool read_packed(uint64_t start, uint64_t nsamp, PackedSamples& out) override {
    return inner_->read_packed(start, nsamp, out);
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
