// The TOML configuration loader (load_pipeline_config, every section including [campaign]) on
// a file holding the bytes. A configuration that loads must validate and must load again from
// the TOML it is written back as (what campaigns store in config.toml).
#include <cstddef>
#include <cstdint>
#include <string>

#include "configs/pipeline_config.hpp"
#include "fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tianyan::fuzz::quiet();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tianyan;
  const fuzz::Scratch& scratch = fuzz::Scratch::get();
  const std::string path = scratch.write("fuzz.toml", data, size);
  PipelineConfig config;
  if (!fuzz::expect_only([&] { config = load_pipeline_config(path); })) return 0;
  std::string text;
  const bool ok = fuzz::expect_only([&] {
    validate_pipeline_config(config, path);
    text = pipeline_config_to_toml(config);
    (void)pipeline_config_to_json(config).dump();
  });
  if (!ok) fuzz::fail("a loaded configuration does not validate", path.c_str());
  const std::string again = scratch.write("again.toml", text);
  if (!fuzz::expect_only([&] { (void)load_pipeline_config(again); }))
    fuzz::fail("the written-back configuration does not load", text.c_str());
  return 0;
}
