#include "configs/toml_section.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace tianyan {

toml::table parse_toml_file(const std::string& path) {
  // toml++ opens a directory without complaint and reads it as an empty file, which would
  // silently run with the defaults.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw bad_input(path, "is a directory, not a TOML configuration file");
  }
  // toml++ reports an unopenable file as a parse error at "0:0"; say why instead.
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    throw bad_input(path, "cannot open: {}", std::strerror(errno));
  }
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw bad_input(path, "{}:{}: {}", where.line, where.column, e.description());
  }
}

std::string toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date/time";
  }
}

std::string TomlSection::key_name(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

Error TomlSection::error(std::string_view key, const std::string& problem) const {
  return bad_input(file_, "key '{}': {}", key_name(key), problem);
}

const toml::node* TomlSection::node(std::string_view key) {
  used_.insert(std::string(key));
  return table_ ? table_->get(key) : nullptr;
}

void TomlSection::number(std::string_view key, double& out, double lo, double hi) {
  if (const toml::node* n = node(key)) {
    if (n->is_integer()) {
      out = static_cast<double>(n->as_integer()->get());
    } else if (n->is_floating_point()) {
      out = n->as_floating_point()->get();
    } else {
      throw error(key, fmt::format("expected a number, got {}", toml_type_name(*n)));
    }
  }
  if (!(out >= lo && out <= hi) || !std::isfinite(out)) {
    throw error(key, fmt::format("{} is out of range [{}, {}]", out, lo, hi));
  }
}

void TomlSection::number(std::string_view key, std::optional<double>& out, double lo, double hi) {
  if (!has(key)) {
    node(key);
    return;
  }
  double v = 0;
  number(key, v, lo, hi);
  out = v;
}

void TomlSection::integer(std::string_view key, int& out, int64_t lo, int64_t hi) {
  int64_t v = out;
  integer64(key, v, lo, hi);
  out = static_cast<int>(v);
}

void TomlSection::integer64(std::string_view key, int64_t& out, int64_t lo, int64_t hi) {
  if (const toml::node* n = node(key)) {
    if (!n->is_integer())
      throw error(key, fmt::format("expected an integer, got {}", toml_type_name(*n)));
    out = n->as_integer()->get();
  }
  if (out < lo || out > hi) throw error(key, fmt::format("{} is out of range [{}, {}]", out, lo, hi));
}

void TomlSection::boolean(std::string_view key, bool& out) {
  if (const toml::node* n = node(key)) {
    if (!n->is_boolean())
      throw error(key, fmt::format("expected true or false, got {}", toml_type_name(*n)));
    out = n->as_boolean()->get();
  }
}

void TomlSection::string(std::string_view key, std::string& out,
                         std::initializer_list<std::string_view> allowed) {
  if (const toml::node* n = node(key)) {
    if (!n->is_string())
      throw error(key, fmt::format("expected a string, got {}", toml_type_name(*n)));
    out = n->as_string()->get();
  }
  if (allowed.size() == 0) return;
  for (auto a : allowed) {
    if (out == a) return;
  }
  throw error(key, fmt::format("'{}' is not one of {}", out, fmt::join(allowed, ", ")));
}

const toml::table* TomlSection::table(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return nullptr;
  if (!n->is_table()) throw error(key, fmt::format("expected a table, got {}", toml_type_name(*n)));
  return n->as_table();
}

std::vector<const toml::table*> TomlSection::tables(std::string_view key) {
  std::vector<const toml::table*> out;
  const toml::node* n = node(key);
  if (!n) return out;
  const toml::array* arr = n->as_array();
  if (!arr) throw error(key, fmt::format("expected an array of tables, got {}", toml_type_name(*n)));
  for (const toml::node& e : *arr) {
    if (!e.is_table()) throw error(key, "expected an array of tables");
    out.push_back(e.as_table());
  }
  return out;
}

TomlSection TomlSection::child(const toml::table* t, const std::string& name) const {
  return TomlSection(t, file_, key_name(name));
}

void TomlSection::finish() const {
  if (!table_) return;
  for (const auto& [k, v] : *table_) {
    if (!used_.count(std::string(k.str()))) throw error(k.str(), "unknown key");
  }
}

}  // namespace tianyan
