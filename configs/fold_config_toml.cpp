#include "configs/fold_config_toml.hpp"

#include <fmt/format.h>

namespace tianyan {

void read_fold_section(TomlSection s, FoldConfig& c) {
  // nbin 0 is automatic (fold_nbin); otherwise at least 4 bins so that a profile has an
  // off-pulse region, at most 4096 (prepfold's proflen limit is of that order).
  s.integer("nbin", c.nbin, 0, 4096);
  if (c.nbin > 0 && c.nbin < 4)
    throw s.error("nbin", fmt::format("{} is below 4 (0: automatic)", c.nbin));
  s.integer("nsubint", c.nsubint, 1, 4096);
  s.integer("nsubband", c.nsubband, 1, 1 << 16);
  s.integer("top_n", c.top_n, 0, 100000);
  s.number("p_span_turns", c.p_span_turns, 0.0, 1000.0);
  s.number("pdot_span_turns", c.pdot_span_turns, 0.0, 1000.0);
  s.number("dm_span_turns", c.dm_span_turns, 0.0, 1000.0);
  s.string("plot_format", c.plot_format, {"png", "pdf", "both", "none"});
  s.boolean("zero_dm", c.zero_dm);
  s.finish();
}

nlohmann::json fold_config_to_json(const FoldConfig& c) {
  return {{"nbin", c.nbin},
          {"nsubint", c.nsubint},
          {"nsubband", c.nsubband},
          {"top_n", c.top_n},
          {"p_span_turns", c.p_span_turns},
          {"pdot_span_turns", c.pdot_span_turns},
          {"dm_span_turns", c.dm_span_turns},
          {"plot_format", c.plot_format},
          {"zero_dm", c.zero_dm}};
}

}  // namespace tianyan
