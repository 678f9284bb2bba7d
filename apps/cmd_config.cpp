// `tianyan config show [FILE]`: the effective pipeline configuration as TOML (the built-in
// defaults when no file is given). The output is itself a valid configuration file, so a
// preset can be started from it and a run's settings reproduced exactly.
#include <cstdio>
#include <memory>
#include <string>

#include "apps/cli.hpp"
#include "configs/pipeline_config.hpp"

namespace tianyan::cli {
namespace {

void run_config_show(const std::string& file) {
  const PipelineConfig config =
      file.empty() ? default_pipeline_config() : load_pipeline_config(file);
  std::printf("# tianyan effective configuration: %s\n",
              file.empty() ? "built-in defaults" : file.c_str());
  std::fputs(pipeline_config_to_toml(config).c_str(), stdout);
}

}  // namespace

void add_config_command(CLI::App& app, const GlobalOptions& /*global*/) {
  CLI::App* cmd = app.add_subcommand("config", "Pipeline configuration (presets in configs/)");
  cmd->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  CLI::App* show = cmd->add_subcommand(
      "show", "Print the effective configuration as TOML: FILE over the defaults, or the defaults");
  show->add_option("file", *file, "Pipeline configuration (TOML)");
  show->callback([file] { run_config_show(*file); });
}

}  // namespace tianyan::cli
