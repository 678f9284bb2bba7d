#include "io/candidates_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "io/angles.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

struct Row {
  std::vector<std::string> fields;
  int line = 0;
};

// RFC 4180 records: fields separated by commas, quoted fields may hold commas, doubled quotes
// and line breaks; CRLF or LF line ends. Blank lines are skipped.
std::vector<Row> split_records(std::string_view text, const std::string& name) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  int line = 1;
  row.line = 1;
  bool quoted = false, field_started = false, any = false;
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    if (any) {
      end_field();
      rows.push_back(std::move(row));
    }
    row = Row{};
    row.line = line;
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        if (ch == '\n') ++line;
        field += ch;
      }
      continue;
    }
    if (ch == '"') {
      if (field_started) {
        throw bad_input(name, "line {}: a quote inside an unquoted field", line);
      }
      quoted = field_started = any = true;
    } else if (ch == ',') {
      any = true;
      end_field();
    } else if (ch == '\n' || ch == '\r') {
      if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      end_record();
    } else {
      field += ch;
      field_started = any = true;
    }
  }
  if (quoted) throw bad_input(name, "line {}: unterminated quoted field", row.line);
  end_record();
  return rows;
}

class Fields {
 public:
  Fields(const Row& row, const std::map<std::string, size_t>& columns, const std::string& name)
      : row_(row), columns_(columns), name_(name) {}

  const std::string* text(const std::string& column) const {
    const auto it = columns_.find(column);
    return it == columns_.end() ? nullptr : &row_.fields[it->second];
  }
  std::optional<double> number(const std::string& column) const {
    const std::string* t = text(column);
    if (t == nullptr || t->empty()) return std::nullopt;
    double v = 0;
    const char* end = t->data() + t->size();
    const auto [ptr, ec] = std::from_chars(t->data(), end, v);
    if (ec != std::errc() || ptr != end || !std::isfinite(v)) {
      throw problem("{}: '{}' is not a finite number", column, *t);
    }
    return v;
  }
  double required(const std::string& column) const {
    const std::optional<double> v = number(column);
    if (!v) throw problem("{}: empty", column);
    return *v;
  }
  std::optional<int> integer(const std::string& column, int lo, int hi) const {
    const std::optional<double> v = number(column);
    if (!v) return std::nullopt;
    if (*v != std::floor(*v) || *v < lo || *v > hi) {
      throw problem("{}: {} is not an integer in [{}, {}]", column, *v, lo, hi);
    }
    return static_cast<int>(*v);
  }
  template <typename... Args>
  Error problem(fmt::format_string<Args...> what, Args&&... args) const {
    return bad_input(name_, "line {}: {}", row_.line,
                     fmt::format(what, std::forward<Args>(args)...));
  }

 private:
  const Row& row_;
  const std::map<std::string, size_t>& columns_;
  const std::string& name_;
};

void read_position(const Fields& f, Candidate& c) {
  if (const std::string* ra = f.text("ra"); ra != nullptr && !ra->empty()) {
    const auto h = parse_sexagesimal(*ra);
    if (!h || *h < 0 || *h >= 24) throw f.problem("ra: '{}' is not hh:mm:ss.s", *ra);
    c.ra_deg = 15.0 * *h;
  }
  if (const std::string* dec = f.text("dec"); dec != nullptr && !dec->empty()) {
    const auto d = parse_sexagesimal(*dec);
    if (!d || std::abs(*d) > 90) throw f.problem("dec: '{}' is not dd:mm:ss.s", *dec);
    c.dec_deg = *d;
  }
}

CandidateRecord read_row(const Fields& f, int line) {
  CandidateRecord r;
  r.line = line;
  const std::optional<int> rank = f.integer("rank", 1, 1 << 30);
  if (!rank) throw f.problem("rank: empty");
  r.rank = *rank;
  Candidate& c = r.candidate;
  const std::optional<double> freq = f.number("freq_hz");
  const std::optional<double> period = f.number("period_s");
  if (freq) {
    if (*freq <= 0) throw f.problem("freq_hz: {} is not positive", *freq);
    c.freq_hz = *freq;
  } else if (period) {
    if (*period <= 0) throw f.problem("period_s: {} is not positive", *period);
    c.freq_hz = 1.0 / *period;
  } else {
    throw f.problem("freq_hz and period_s: both empty");
  }
  c.dm = f.required("dm");
  if (c.dm < 0) throw f.problem("dm: {} is negative", c.dm);
  c.epoch_mjd = f.number("epoch_mjd").value_or(0.0);
  c.accel_ms2 = f.number("accel_ms2").value_or(0.0);
  c.sigma = f.number("sigma").value_or(0.0);
  c.snr = f.number("snr").value_or(0.0);
  c.power = f.number("power").value_or(0.0);
  c.nharm = f.integer("nharm", 1, 1 << 20).value_or(1);
  c.dm_hits = f.integer("dm_hits", 0, 1 << 30).value_or(1);
  c.beam = f.integer("beam", 0, 99).value_or(0);
  if (const std::string* s = f.text("scan")) c.scan = *s;
  if (const std::string* s = f.text("file")) c.file = *s;
  read_position(f, c);
  return r;
}

}  // namespace

std::vector<CandidateRecord> parse_candidates_csv(std::string_view text, const std::string& name) {
  const std::vector<Row> rows = split_records(text, name);
  if (rows.empty()) throw bad_input(name, "line 1: no header row (an empty file)");
  std::map<std::string, size_t> columns;
  for (size_t i = 0; i < rows[0].fields.size(); ++i) {
    if (!columns.emplace(rows[0].fields[i], i).second) {
      throw bad_input(name, "line {}: column '{}' appears twice", rows[0].line, rows[0].fields[i]);
    }
  }
  for (const char* col : {"rank", "dm"}) {
    if (!columns.count(col)) {
      throw bad_input(name, "line {}: no '{}' column in the header", rows[0].line, col);
    }
  }
  if (!columns.count("freq_hz") && !columns.count("period_s")) {
    throw bad_input(name, "line {}: neither a 'freq_hz' nor a 'period_s' column in the header",
                    rows[0].line);
  }
  std::vector<CandidateRecord> out;
  std::map<int, int> seen;  // rank -> line
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& row = rows[i];
    if (row.fields.size() != rows[0].fields.size()) {
      throw bad_input(name, "line {}: {} fields, the header has {}", row.line, row.fields.size(),
                      rows[0].fields.size());
    }
    CandidateRecord r = read_row(Fields(row, columns, name), row.line);
    if (const auto [it, fresh] = seen.emplace(r.rank, row.line); !fresh) {
      throw bad_input(name, "line {}: rank {} repeats line {}", row.line, r.rank, it->second);
    }
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const CandidateRecord& a, const CandidateRecord& b) {
    return a.rank < b.rank;
  });
  return out;
}

std::vector<CandidateRecord> read_candidates_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_input(path, "cannot read: {}", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw bad_input(path, "cannot read: {}", std::strerror(errno));
  return parse_candidates_csv(text.str(), path);
}

}  // namespace tianyan
