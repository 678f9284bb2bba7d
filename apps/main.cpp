// tianyan: the command line. Parses, builds configuration, calls the library, and maps
// exceptions to the exit codes every command shares (README, "Exit codes"). Nothing below
// main() exits the process.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <new>

#include "apps/cli.hpp"
#include "kernels/common/error.hpp"
#include "tianyan/version.hpp"

namespace {

void setup_logging(const tianyan::cli::GlobalOptions& g) {
  auto logger = spdlog::stderr_color_mt("tianyan");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(g.quiet ? spdlog::level::warn
                            : (g.verbose > 0 ? spdlog::level::debug : spdlog::level::info));
}

}  // namespace

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f, RLIMIT_FSIZE) kills the writer with SIGXFSZ by default, which
  // would leave no message; ignored, the write fails with EFBIG and the writer reports an
  // Environment error ("disk full or file too large") like any full disk.
  std::signal(SIGXFSZ, SIG_IGN);
  tianyan::cli::GlobalOptions global;
  CLI::App app{
      "tianyan (天眼): searches radio telescope data (FAST PSRFITS, SIGPROC) for pulsars.\n"
      "Exit codes: 0 success, 1 internal error, 2 usage error, 3 bad input (file or\n"
      "configuration), 4 environment (GPU, output not writable, disk full, scheduler).",
      "tianyan"};
  app.set_version_flag("--version", std::string("tianyan ") + tianyan::kVersionFull);
  app.add_flag("-v,--verbose", global.verbose, "More log output (debug)");
  app.add_flag("-q,--quiet", global.quiet, "Only warnings and errors; no progress bar");
  app.require_subcommand(1);
  app.fallthrough();
  app.parse_complete_callback([&] { setup_logging(global); });

  tianyan::cli::add_info_command(app, global);
  tianyan::cli::add_simulate_command(app, global);
  tianyan::cli::add_config_command(app, global);
  tianyan::cli::add_plan_command(app, global);
  tianyan::cli::add_rfi_command(app, global);
  tianyan::cli::add_dedisperse_command(app, global);
  tianyan::cli::add_search_command(app, global);
  tianyan::cli::add_fold_command(app, global);
  tianyan::cli::add_plot_command(app, global);
  tianyan::cli::add_campaign_command(app, global);

  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the usage error
    return code == 0 ? 0 : static_cast<int>(tianyan::ErrorKind::Usage);
  } catch (const tianyan::Error& e) {
    std::fprintf(stderr, "tianyan: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "tianyan: error: out of memory\n");
    return static_cast<int>(tianyan::ErrorKind::Environment);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tianyan: internal error: %s\n", e.what());
    return static_cast<int>(tianyan::ErrorKind::Internal);
  }
}
