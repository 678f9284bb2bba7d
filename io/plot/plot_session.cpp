#include "io/plot/plot_session.hpp"

#include <plplot.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "io/atomic_file.hpp"
#include "kernels/common/error.hpp"

namespace tianyan::plot_detail {
namespace {

// What the plsexit handler throws: PLplot's fatal message, caught below and turned into an
// Environment error naming the file.
struct PlplotFatal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::mutex& plplot_mutex() {
  static std::mutex m;
  return m;
}

// PLplot's non-fatal complaints (plabort) during the current page; guarded by plplot_mutex.
std::string& abort_messages() {
  static std::string messages;
  return messages;
}

int throw_on_exit(PLCHAR_VECTOR message) {
  throw PlplotFatal(message && *message ? message : "fatal error (no message)");
}

void record_abort(PLCHAR_VECTOR message) {
  std::string& all = abort_messages();
  if (!all.empty()) all += "; ";
  all += message ? message : "(no message)";
}

void install_handlers() {
  plsexit(throw_on_exit);
  plsabort(record_abort);
  abort_messages().clear();
}

// Caller holds the lock and has installed the handlers.
void require_device_locked(const std::string& device) {
  constexpr int kMaxDevices = 128;
  const char* menu_storage[kMaxDevices];
  const char* name_storage[kMaxDevices];
  const char** menus = menu_storage;
  const char** names = name_storage;
  int ndev = kMaxDevices;
  try {
    plgDevs(&menus, &names, &ndev);
  } catch (const PlplotFatal& e) {
    throw environment_error("PLplot has no usable drivers ({}); install plplot-driver-cairo",
                            e.what());
  }
  for (int i = 0; i < ndev; ++i) {
    if (device == names[i]) return;
  }
  throw environment_error(
      "PLplot device '{}' is not available: install the PLplot cairo driver (Debian: "
      "plplot-driver-cairo) or check PLPLOT_DRV_DIR",
      device);
}

void create_temp_file(const std::string& temp, const std::string& path) {
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (!f) throw environment_error("{}: cannot write: {}", path, std::strerror(errno));
  std::fclose(f);
}

void setup_stream(const std::string& device, const std::string& temp, const PlotOptions& o) {
  plsdev(device.c_str());
  plsfnam(temp.c_str());
  if (o.format == "pdf") {
    // cairo's vector surfaces measure the page in points: 11 inches wide, the requested aspect.
    const double width_pt = 11.0 * 72.0;
    plspage(0, 0, static_cast<PLINT>(width_pt),
            static_cast<PLINT>(width_pt * o.height_px / o.width_px), 0, 0);
  } else {
    plspage(0, 0, o.width_px, o.height_px, 0, 0);
  }
  // Print-friendly colours instead of PLplot's black background and red ink.
  plscolbg(255, 255, 255);
  plscol0(1, 0, 0, 0);        // ink
  plscol0(2, 200, 20, 20);    // accent: best points, markers
  plscol0(3, 30, 60, 200);    // second accent
  plscol0(4, 140, 140, 140);  // light grey: guides
  // Grey scales: low values white, high values black, as prepfold draws them.
  const PLFLT pos[2] = {0.0, 1.0}, level[2] = {1.0, 0.0};
  plscmap1n(256);
  plscmap1l(1, 2, pos, level, level, level, nullptr);
}

// End the stream after a failure; PLplot may fail again while tidying, which changes nothing.
void end_quietly(PLINT& stream) {
  if (stream < 0) return;
  try {
    plsstrm(stream);
    plend1();
  } catch (const PlplotFatal&) {
  }
  stream = -1;
}

std::string tail_of(const std::string& file, size_t n) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  const auto size = static_cast<std::streamoff>(in.tellg());
  if (!in || size <= 0) return {};
  const auto start =
      size > static_cast<std::streamoff>(n) ? size - static_cast<std::streamoff>(n) : 0;
  in.seekg(start);
  std::string s(static_cast<size_t>(size - start), '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

std::string head_of(const std::string& file, size_t n) {
  std::ifstream in(file, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<size_t>(in.gcount()));
  return s;
}

// PLplot and cairo do not report write errors (a full disk), so look at the file's two ends.
void check_complete(const std::string& temp, const std::string& path, const std::string& format) {
  bool ok = false;
  if (format == "pdf") {
    ok = head_of(temp, 5) == "%PDF-" && tail_of(temp, 64).find("%%EOF") != std::string::npos;
  } else {
    const std::string tail = tail_of(temp, 12);
    ok = head_of(temp, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8) && tail.size() == 12 &&
         tail.compare(4, 4, "IEND") == 0;
  }
  if (!ok)
    throw environment_error("{}: PLplot wrote an incomplete {} file (disk full or file too large?)", path, format);
}

}  // namespace

std::string device_for_format(const std::string& path, const std::string& format) {
  if (format == "png") return "pngcairo";
  if (format == "pdf") return "pdfcairo";
  throw bad_input(path, "unknown plot format '{}' (expected png or pdf)", format);
}

void require_device(const std::string& device) {
  std::lock_guard lock(plplot_mutex());
  install_handlers();
  require_device_locked(device);
}

void render_page(const std::string& path, const PlotOptions& options,
                 const std::function<void()>& draw) {
  const std::string device = device_for_format(path, options.format);
  constexpr int kMaxSide = 16384;
  if (options.width_px < 32 || options.height_px < 32 || options.width_px > kMaxSide ||
      options.height_px > kMaxSide) {
    throw bad_input(path, "plot size {} x {} pixels is outside 32..{}", options.width_px,
                    options.height_px, kMaxSide);
  }
  std::lock_guard lock(plplot_mutex());
  install_handlers();
  require_device_locked(device);
  AtomicFile out(path);
  create_temp_file(out.temp_path(), path);
  PLINT stream = -1;
  try {
    plmkstrm(&stream);
    if (stream < 0) throw environment_error("{}: PLplot has no free plot stream", path);
    setup_stream(device, out.temp_path(), options);
    plinit();
    pladv(0);
    draw();
    plend1();  // closes the file: cairo writes the PNG or finishes the PDF here
    stream = -1;
  } catch (const PlplotFatal& e) {
    end_quietly(stream);
    throw environment_error("{}: PLplot failed: {}", path, e.what());
  } catch (...) {
    end_quietly(stream);
    throw;
  }
  if (!abort_messages().empty()) {
    throw internal_error("{}: PLplot rejected a call: {}", path, abort_messages());
  }
  check_complete(out.temp_path(), path, options.format);
  out.commit();
}

}  // namespace tianyan::plot_detail
