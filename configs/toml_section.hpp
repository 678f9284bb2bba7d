#pragma once
// Strict reading of TOML configuration files: every key is read through a TomlSection that
// remembers which keys it used, so an unknown key (a typo) is rejected by name, and every value
// is checked for type and range. Errors are BadInput "FILE: key 'a.b': problem". Shared by the
// simulator's and the pipeline's configurations (ARCHITECTURE.md: one loader that validates).
#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/common/error.hpp"

namespace tianyan {

// Parses a TOML file; a syntax error is BadInput "FILE: LINE:COL: description".
toml::table parse_toml_file(const std::string& path);

// "a string", "an integer", ... for error messages.
std::string toml_type_name(const toml::node& n);

class TomlSection {
 public:
  TomlSection(const toml::table* table, std::string file, std::string path)
      : table_(table), file_(std::move(file)), path_(std::move(path)) {}

  std::string key_name(std::string_view key) const;
  [[nodiscard]] Error error(std::string_view key, const std::string& problem) const;
  // The node under `key` (nullptr when absent); marks the key used.
  const toml::node* node(std::string_view key);
  bool has(std::string_view key) const { return table_ && table_->contains(key); }

  // Each reader leaves `out` unchanged when the key is absent and checks the range either way
  // (so defaults are validated too).
  void number(std::string_view key, double& out, double lo, double hi);
  void number(std::string_view key, std::optional<double>& out, double lo, double hi);
  void integer(std::string_view key, int& out, int64_t lo, int64_t hi);
  void integer64(std::string_view key, int64_t& out, int64_t lo, int64_t hi);
  void boolean(std::string_view key, bool& out);
  void string(std::string_view key, std::string& out,
              std::initializer_list<std::string_view> allowed = {});
  // A sub-table (nullptr when absent) / an array of tables (empty when absent).
  const toml::table* table(std::string_view key);
  std::vector<const toml::table*> tables(std::string_view key);
  TomlSection child(const toml::table* t, const std::string& name) const;
  // Rejects keys that were never asked for.
  void finish() const;

 private:
  const toml::table* table_;
  std::string file_;
  std::string path_;
  std::set<std::string> used_;
};

}  // namespace tianyan
