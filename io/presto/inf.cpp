#include "io/presto/inf.hpp"

#include "io/angles.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "io/atomic_file.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Lower case with runs of whitespace collapsed, so keys match however they are padded.
std::string normalise_key(std::string_view key) {
  std::string out;
  bool space = false;
  for (const char ch : trim(key)) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// One "key = value" line, with its number for error messages.
struct Line {
  std::string_view text;
  size_t number;
  std::string key;
  std::string_view value;
};

class InfParser {
 public:
  InfParser(const std::string& name, PrestoInf& inf) : name_(name), inf_(inf) {}

  double number(const Line& l) const {
    const std::string_view v = l.value;
    double x = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || !std::isfinite(x)) {
      throw bad_input(name_, "line {}: '{}' is not a number: {}", l.number, l.value, trim(l.text));
    }
    return x;
  }

  int integer(const Line& l) const {
    const double x = number(l);
    if (x != std::floor(x) || std::abs(x) > 2147483647.0) {
      throw bad_input(name_, "line {}: '{}' is not an integer: {}", l.number, l.value,
                      trim(l.text));
    }
    return static_cast<int>(x);
  }

  void angle(const Line& l, double scale, double& deg) const {
    const auto v = parse_sexagesimal(l.value);
    if (!v) throw bad_input(name_, "line {}: '{}' is not a sexagesimal angle", l.number, l.value);
    deg = *v * scale;
  }

  void onoff(const Line& l) const {
    const size_t comma = l.value.find(',');
    Line a = l, b = l;
    a.value = trim(l.value.substr(0, comma));
    b.value =
        comma == std::string_view::npos ? std::string_view() : trim(l.value.substr(comma + 1));
    inf_.onoff.emplace_back(number(a), number(b));
  }

  void text(const Line& l, std::string& out) const { out = std::string(l.value); }

  // Applies one line; false when the key is not one we use.
  bool apply(const Line& l);

  void nbins(const Line& l) {
    const double x = number(l);
    if (x < 0 || x != std::floor(x) || x > 9.0e15) {
      throw bad_input(name_, "line {}: number of bins '{}' is not a count", l.number, l.value);
    }
    inf_.nbins = static_cast<uint64_t>(x);
    have_nbins_ = true;
  }

  void dt(const Line& l) {
    inf_.dt_s = number(l);
    if (inf_.dt_s <= 0) {
      throw bad_input(name_, "line {}: bin width {} must be positive", l.number, inf_.dt_s);
    }
    have_dt_ = true;
  }

  void finish() const {
    if (!have_nbins_ || !have_dt_) {
      throw bad_input(name_, "no '{}' line",
                      have_nbins_ ? "Width of each time series bin (sec)"
                                  : "Number of bins in the time series");
    }
  }

 private:
  const std::string& name_;
  PrestoInf& inf_;
  bool have_nbins_ = false;
  bool have_dt_ = false;
};

bool InfParser::apply(const Line& l) {
  const std::string& k = l.key;
  if (starts_with(k, "data file name"))
    text(l, inf_.basename);
  else if (starts_with(k, "telescope used"))
    text(l, inf_.telescope);
  else if (starts_with(k, "instrument used"))
    text(l, inf_.instrument);
  else if (starts_with(k, "object being observed"))
    text(l, inf_.object);
  else if (starts_with(k, "j2000 right ascension"))
    angle(l, 15.0, inf_.ra_deg);
  else if (starts_with(k, "j2000 declination"))
    angle(l, 1.0, inf_.dec_deg);
  else if (starts_with(k, "data observed by"))
    text(l, inf_.observer);
  else if (starts_with(k, "epoch of observation"))
    inf_.mjd = number(l);
  else if (starts_with(k, "barycentered"))
    inf_.barycentred = integer(l);
  else if (starts_with(k, "number of bins"))
    nbins(l);
  else if (starts_with(k, "width of each time series bin"))
    dt(l);
  else if (starts_with(k, "any breaks"))
    inf_.breaks = integer(l) != 0;
  else if (starts_with(k, "on/off bin pair"))
    onoff(l);
  else if (starts_with(k, "type of observation"))
    text(l, inf_.band);
  else if (starts_with(k, "beam diameter"))
    inf_.beam_arcsec = number(l);
  else if (starts_with(k, "dispersion measure"))
    inf_.dm = number(l);
  else if (starts_with(k, "central freq of low channel"))
    inf_.freq_lo_mhz = number(l);
  else if (starts_with(k, "total bandwidth"))
    inf_.bandwidth_mhz = number(l);
  else if (starts_with(k, "number of channels"))
    inf_.nchan = integer(l);
  else if (starts_with(k, "channel bandwidth"))
    inf_.chan_bw_mhz = number(l);
  else if (starts_with(k, "data analyzed by"))
    text(l, inf_.analyzer);
  else
    return false;
  return true;
}

// Splits at column 40 when the line has PRESTO's layout, else at the last '=' (older keys
// contain '=' themselves: "(1=yes, 0=no)").
bool split_line(std::string_view text, std::string& key, std::string_view& value) {
  size_t eq = std::string_view::npos;
  if (text.size() > 40 && text[40] == '=') {
    eq = 40;
  } else {
    eq = text.rfind('=');
  }
  if (eq == std::string_view::npos) return false;
  key = normalise_key(text.substr(0, eq));
  value = trim(text.substr(eq + 1));
  return true;
}

std::string key_line(std::string_view key, std::string_view value) {
  return fmt::format(" {:<39}=  {}\n", key, value);
}

}  // namespace

PrestoInf parse_presto_inf(std::string_view text, const std::string& name) {
  PrestoInf inf;
  InfParser parser(name, inf);
  size_t number = 0;
  bool in_notes = false;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (in_notes) {
      if (!trim(line).empty()) inf.notes += std::string(trim(line)) + "\n";
      continue;
    }
    if (trim(line).empty()) continue;
    if (starts_with(normalise_key(line), "any additional notes")) {
      in_notes = true;
      continue;
    }
    Line l{line, number, {}, {}};
    if (!split_line(line, l.key, l.value)) {
      throw bad_input(name, "line {} has no '=': {}", number, trim(line));
    }
    parser.apply(l);  // keys of other bands (X-ray, optical) are not used
  }
  parser.finish();
  if (!inf.notes.empty()) inf.notes.pop_back();  // the last newline
  return inf;
}

// Numbers are written in the shortest form that reads back exactly (PRESTO's "%.12g" would
// lose the low bits of channel frequencies); PRESTO's strtod reads either.
std::string format_presto_inf(const PrestoInf& inf) {
  const auto or_unknown = [](const std::string& s) { return s.empty() ? "Unknown" : s; };
  std::string out;
  out += key_line("Data file name without suffix", inf.basename);
  out += key_line("Telescope used", or_unknown(inf.telescope));
  out += key_line("Instrument used", or_unknown(inf.instrument));
  out += key_line("Object being observed", or_unknown(inf.object));
  out += key_line("J2000 Right Ascension (hh:mm:ss.ssss)", format_ra_hms(inf.ra_deg, 4));
  out += key_line("J2000 Declination     (dd:mm:ss.ssss)", format_dec_dms(inf.dec_deg, 4, false));
  out += key_line("Data observed by", or_unknown(inf.observer));
  out += key_line("Epoch of observation (MJD)", fmt::format("{:.15f}", inf.mjd));
  out += key_line("Barycentered?           (1 yes, 0 no)", fmt::format("{}", inf.barycentred));
  out += key_line("Number of bins in the time series", fmt::format("{:<11}", inf.nbins));
  out += key_line("Width of each time series bin (sec)", fmt::format("{}", inf.dt_s));
  out += key_line("Any breaks in the data? (1 yes, 0 no)", inf.breaks ? "1" : "0");
  for (size_t i = 0; inf.breaks && i < inf.onoff.size(); ++i) {
    out += key_line(fmt::format("On/Off bin pair #{:3d}", i + 1),
                    fmt::format("{:<11.0f}, {:<11.0f}", inf.onoff[i].first, inf.onoff[i].second));
  }
  out += key_line("Type of observation (EM band)", "Radio");
  out += key_line("Beam diameter (arcsec)", fmt::format("{:.0f}", inf.beam_arcsec));
  out += key_line("Dispersion measure (cm-3 pc)", fmt::format("{}", inf.dm));
  out += key_line("Central freq of low channel (MHz)", fmt::format("{}", inf.freq_lo_mhz));
  out += key_line("Total bandwidth (MHz)", fmt::format("{}", inf.bandwidth_mhz));
  out += key_line("Number of channels", fmt::format("{}", inf.nchan));
  out += key_line("Channel bandwidth (MHz)", fmt::format("{}", inf.chan_bw_mhz));
  out += key_line("Data analyzed by", or_unknown(inf.analyzer));
  out += fmt::format(" Any additional notes:\n    {}\n\n", inf.notes);
  return out;
}

PrestoInf read_presto_inf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw bad_input(path, "is a directory, not a .inf file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_input(path, "cannot open the .inf file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_presto_inf(text.str(), path);
}

void write_presto_inf(const std::string& path, const PrestoInf& inf) {
  write_file_atomically(path, format_presto_inf(inf));
}

}  // namespace tianyan
