// discover_beams (io/reader.hpp): turns the paths given on the command line into beams.
#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <tuple>

#include "io/reader.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {
namespace fs = std::filesystem;

bool has_suffix(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_input_name(const std::string& name) {
  return has_suffix(name, ".fits") || has_suffix(name, ".fits.fz") || has_suffix(name, ".fil");
}

std::string stem_of(const std::string& name) {
  for (const char* ext : {".fits.fz", ".fits", ".fil"}) {
    if (has_suffix(name, ext)) return name.substr(0, name.size() - std::string(ext).size());
  }
  return fs::path(name).stem().string();
}

// Input files of one directory (not recursive), sorted so that the result never depends on
// the order the file system lists them in.
std::vector<std::string> list_directory(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && is_input_name(e.path().filename().string()))
      out.push_back(e.path().string());
  }
  if (ec) throw bad_input(dir, "cannot list the directory: {}", ec.message());
  if (out.empty()) throw bad_input(dir, "the directory holds no .fits, .fits.fz or .fil file");
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> expand_glob(const std::string& pattern) {
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0) out.assign(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  globfree(&g);
  if (rc == GLOB_NOMATCH || out.empty()) throw bad_input(pattern, "the pattern matches no file");
  if (rc != 0) throw bad_input(pattern, "cannot expand the pattern (glob error {})", rc);
  return out;  // glob(3) sorts its matches
}

// Every path expanded to files, in the order given, each file once.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  std::set<std::string> seen;
  auto add = [&](const std::string& f) {
    if (seen.insert(fs::path(f).lexically_normal().string()).second) files.push_back(f);
  };
  for (const auto& p : paths) {
    std::error_code ec;
    const auto st = fs::status(p, ec);
    if (fs::is_directory(st)) {
      for (const auto& f : list_directory(p)) add(f);
    } else if (fs::exists(st)) {
      add(p);
    } else if (p.find_first_of("*?[") != std::string::npos) {
      for (const auto& m : expand_glob(p)) {
        if (fs::is_directory(m)) {
          for (const auto& f : list_directory(m)) add(f);
        } else {
          add(m);
        }
      }
    } else {
      throw bad_input(p, "no such file or directory");
    }
  }
  return files;
}

struct FastName {
  std::string scan;
  int beam = 0;
  long serial = 0;
};

// `<scan>-M<nn>_<NNNN>.fits[.fz]`, the name of every file of a FAST multibeam scan.
bool parse_fast_name(const std::string& filename, FastName& out) {
  static const std::regex re(R"(^(.+)-M(\d{2})_(\d{4,})\.fits(\.fz)?$)");
  std::smatch m;
  if (!std::regex_match(filename, m, re)) return false;
  out.scan = m[1].str();
  out.beam = std::stoi(m[2].str());
  out.serial = std::stol(m[3].str());
  return true;
}

}  // namespace

std::vector<BeamFiles> discover_beams(const std::vector<std::string>& paths) {
  using Key = std::tuple<std::string, std::string, int>;  // directory, scan, beam
  std::map<Key, std::map<long, std::string>> fast;
  std::vector<BeamFiles> beams;
  for (const auto& f : expand_paths(paths)) {
    const fs::path path(f);
    const std::string name = path.filename().string();
    FastName fn;
    if (!parse_fast_name(name, fn)) {
      beams.push_back(BeamFiles{stem_of(name), 0, {f}});
      continue;
    }
    auto& series = fast[Key{path.parent_path().lexically_normal().string(), fn.scan, fn.beam}];
    const auto [it, inserted] = series.emplace(fn.serial, f);
    if (!inserted)
      throw bad_input(f, "serial {} of this beam is also given as {}", fn.serial, it->second);
  }
  // A missing serial number is kept as a hole in the series: the reader's NSUBOFFS check
  // finds it and pads or refuses it, so nothing is dropped silently here.
  for (const auto& [key, series] : fast) {
    BeamFiles b{std::get<1>(key), std::get<2>(key), {}};
    for (const auto& [serial, file] : series) b.files.push_back(file);
    beams.push_back(std::move(b));
  }
  std::stable_sort(beams.begin(), beams.end(), [](const BeamFiles& a, const BeamFiles& b) {
    return std::tie(a.scan, a.beam, a.files) < std::tie(b.scan, b.beam, b.files);
  });
  return beams;
}

}  // namespace tianyan
