// SIGPROC filterbank (.fil) and time series (.tim) headers broken the ways real files break:
// cut short inside each kind of field, impossible lengths and values, missing or repeated
// keys. Built from raw bytes (tests/common/sigproc_bytes.hpp), since our own writer never
// writes them. (The command line never joins .fil files into one stream, so disagreeing
// consecutive files are a library matter, tested in tests/io.)
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "tests/common/sigproc_bytes.hpp"
#include "tests/malformed/malformed_cases.hpp"

namespace tianyan::test::malformed {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A header's keys; a case changes or drops one. Defaults: a valid 16-channel 8-bit filterbank.
struct Fil {
  std::optional<int32_t> data_type = 1;
  std::optional<int32_t> nchans = 16;
  std::optional<int32_t> nbits = 8;
  std::optional<int32_t> nifs;
  std::optional<double> tsamp = 1e-3;
  std::optional<double> tstart = 60000.0;
  std::optional<double> fch1 = 1500.0;
  std::optional<double> foff = -1.0;
  std::string extra;  // raw key/value bytes placed after the keys above
  bool header_start = true;
  bool header_end = true;
  size_t data_bytes = 16 * 10;
  char data_byte = '\x10';
};

std::string header(const Fil& f) {
  std::string h = f.header_start ? sigproc_str("HEADER_START") : std::string();
  if (f.data_type) h += sigproc_key("data_type", *f.data_type);
  if (f.nchans) h += sigproc_key("nchans", *f.nchans);
  if (f.nbits) h += sigproc_key("nbits", *f.nbits);
  if (f.nifs) h += sigproc_key("nifs", *f.nifs);
  if (f.tsamp) h += sigproc_key("tsamp", *f.tsamp);
  if (f.tstart) h += sigproc_key("tstart", *f.tstart);
  if (f.fch1) h += sigproc_key("fch1", *f.fch1);
  if (f.foff) h += sigproc_key("foff", *f.foff);
  h += f.extra;
  if (f.header_end) h += sigproc_str("HEADER_END");
  return h;
}

std::string bytes(const Fil& f) { return header(f) + std::string(f.data_bytes, f.data_byte); }

// `tianyan info NAME` on a filterbank made from f.
Case fil(const std::string& name, const std::string& keyword, Fil f) {
  return {name, keyword, [name, f](const TempDir& dir) {
            const std::string path = dir / (name + ".fil");
            write_bytes(path, bytes(f));
            return info(path);
          }};
}

// A valid header cut `keep` bytes into the field that starts where `prefix` ends.
Case cut_after(const std::string& name, const std::string& prefix, size_t keep) {
  return {name, "truncated", [name, prefix, keep](const TempDir& dir) {
            const std::string full = header(Fil{});
            const size_t at = full.find(prefix);
            if (at == std::string::npos) throw PrepareError("no " + prefix + " in the header");
            const std::string path = dir / (name + ".fil");
            write_bytes(path, full.substr(0, at + prefix.size() + keep));
            return info(path);
          }};
}

// A time series header (data_type 2, one channel, float32) with one thing changed.
Fil tim() {
  Fil f;
  f.data_type = 2;
  f.nchans = 1;
  f.nbits = 32;
  f.extra = sigproc_key("refdm", 10.0);
  f.data_bytes = 4 * 64;
  return f;
}

Case tim_case(const std::string& name, const std::string& keyword, Fil f) {
  return {name, keyword, [name, f](const TempDir& dir) {
            const std::string path = dir / (name + ".tim");
            write_bytes(path, bytes(f));
            return info(path);
          }};
}

// `tianyan search NAME.EXT -o out` on a file made from f.
Case search(const std::string& name, const std::string& keyword, Fil f, const std::string& ext) {
  return {name, keyword, [name, f, ext](const TempDir& dir) {
            const std::string path = dir / (name + ext);
            write_bytes(path, bytes(f));
            return Invocation{{"search", path, "-o", dir / "out"}, path};
          }};
}

template <typename T>
Fil with(std::optional<T> Fil::*field, std::optional<T> value) {
  Fil f;
  f.*field = value;
  return f;
}

Fil extra(const std::string& raw) {
  Fil f;
  f.extra = raw;
  return f;
}

}  // namespace

std::vector<Case> sigproc_cases() {
  const std::string len_max = sigproc_num(std::numeric_limits<int32_t>::max());
  const std::string len_neg = sigproc_num(int32_t{-5});
  Fil no_start;
  no_start.header_start = false;
  Fil no_end;
  no_end.header_end = false;
  Fil no_end_floats = no_end;  // data of float zeros: the "key" lengths read as 0
  no_end_floats.data_byte = '\0';
  Fil sub_byte = with(&Fil::nchans, std::optional<int32_t>(3));
  sub_byte.nbits = 1;
  const std::string table = sigproc_str("FREQUENCY_START") + sigproc_key("fchannel", 1500.0) +
                            sigproc_key("fchannel", 1499.0) + sigproc_str("FREQUENCY_END");
  std::string unsorted = sigproc_str("FREQUENCY_START");
  for (int c = 0; c < 16; ++c) unsorted += sigproc_key("fchannel", c == 7 ? 1600.0 : 1500.0 - c);
  unsorted += sigproc_str("FREQUENCY_END");
  return {
      fil("fil_no_header_start", "header_start", no_start),
      fil("fil_no_header_end", "header_end", no_end),
      fil("fil_no_header_end_zero_data", "header_end", no_end_floats),
      cut_after("fil_cut_in_key_length", sigproc_str("nbits") + sigproc_num(int32_t{8}), 2),
      cut_after("fil_cut_in_key_name", sigproc_num(int32_t{5}) + "ts", 0),
      cut_after("fil_cut_in_int_value", sigproc_str("nchans"), 3),
      cut_after("fil_cut_in_double_value", sigproc_str("tsamp"), 5),
      {"fil_cut_in_string_value", "truncated",
       [](const TempDir& dir) {
         const std::string path = dir / "fil_cut_in_string_value.fil";
         write_bytes(path, sigproc_str("HEADER_START") + sigproc_str("source_name") +
                               sigproc_num(int32_t{10}) + "J19");
         return info(path);
       }},
      fil("fil_string_length_negative", "length -5", extra(sigproc_str("source_name") + len_neg)),
      fil("fil_string_length_2e31", "length 2147483647",
          extra(sigproc_str("rawdatafile") + len_max)),
      fil("fil_key_length_2e31", "length 2147483647", extra(len_max + "nchans")),
      fil("fil_fchannel_outside_table", "fchannel", extra(sigproc_key("fchannel", 1500.0))),
      fil("fil_duplicated_key", "nchans", extra(sigproc_key("nchans", int32_t{32}))),
      fil("fil_nbits_3", "nbits 3", with(&Fil::nbits, std::optional<int32_t>(3))),
      fil("fil_nbits_0", "nbits 0", with(&Fil::nbits, std::optional<int32_t>(0))),
      fil("fil_nbits_64", "nbits 64", with(&Fil::nbits, std::optional<int32_t>(64))),
      fil("fil_nbits_missing", "nbits", with(&Fil::nbits, std::optional<int32_t>())),
      fil("fil_nchans_negative", "nchans -16", with(&Fil::nchans, std::optional<int32_t>(-16))),
      fil("fil_nchans_2e31", "nchans 2147483647",
          with(&Fil::nchans, std::optional<int32_t>(std::numeric_limits<int32_t>::max()))),
      fil("fil_nchans_missing", "nchans", with(&Fil::nchans, std::optional<int32_t>())),
      fil("fil_nifs_0", "nifs 0", with(&Fil::nifs, std::optional<int32_t>(0))),
      fil("fil_nifs_1000", "nifs 1000", with(&Fil::nifs, std::optional<int32_t>(1000))),
      fil("fil_tsamp_0", "tsamp", with(&Fil::tsamp, std::optional<double>(0.0))),
      fil("fil_tsamp_negative", "tsamp", with(&Fil::tsamp, std::optional<double>(-6.4e-5))),
      fil("fil_tsamp_nan", "tsamp", with(&Fil::tsamp, std::optional<double>(kNaN))),
      fil("fil_tsamp_inf", "tsamp", with(&Fil::tsamp, std::optional<double>(kInf))),
      fil("fil_tsamp_missing", "tsamp", with(&Fil::tsamp, std::optional<double>())),
      fil("fil_tstart_nan", "tstart", with(&Fil::tstart, std::optional<double>(kNaN))),
      fil("fil_fch1_nan", "fch1", with(&Fil::fch1, std::optional<double>(kNaN))),
      fil("fil_foff_0", "foff", with(&Fil::foff, std::optional<double>(0.0))),
      fil("fil_foff_missing", "foff", with(&Fil::foff, std::optional<double>())),
      fil("fil_channel_table_short", "channel table", extra(table)),
      fil("fil_channel_table_unsorted", "monotonic", extra(unsorted)),
      fil("fil_data_type_7", "data_type 7", with(&Fil::data_type, std::optional<int32_t>(7))),
      fil("fil_is_a_time_series", "time series", with(&Fil::data_type, std::optional<int32_t>(2))),
      fil("fil_spectrum_not_whole_bytes", "whole bytes", sub_byte),
      // `info` accepts these (an empty or short observation is valid data); a search refuses
      // them up front, naming the file, before any work or log line.
      search(
          "search_fil_without_data", "no samples",
          [] {
            Fil f;
            f.data_bytes = 0;
            return f;
          }(),
          ".fil"),
      search(
          "search_fil_too_short", "too few",
          [] {
            Fil f;
            f.data_bytes = 16 * 5;
            return f;
          }(),
          ".fil"),
      search(
          "search_tim_too_short", "too few",
          [] {
            Fil f = tim();
            f.data_bytes = 4 * 8;
            return f;
          }(),
          ".tim"),
      tim_case("tim_nbits_8", "nbits 8",
               [] {
                 Fil f = tim();
                 f.nbits = 8;
                 return f;
               }()),
      tim_case("tim_nchans_4", "nchans 1",
               [] {
                 Fil f = tim();
                 f.nchans = 4;
                 return f;
               }()),
      tim_case("tim_data_type_1", "data_type 1",
               [] {
                 Fil f = tim();
                 f.data_type = 1;
                 return f;
               }()),
      tim_case("tim_tsamp_nan", "tsamp",
               [] {
                 Fil f = tim();
                 f.tsamp = kNaN;
                 return f;
               }()),
      tim_case("tim_no_header_end", "header_end",
               [] {
                 Fil f = tim();
                 f.header_end = false;
                 return f;
               }()),
  };
}

}  // namespace tianyan::test::malformed
