// Loading and validating simulator configurations.
#include <gtest/gtest.h>

#include <filesystem>

#include "kernels/common/error.hpp"
#include "pipeline/simulate/simulate.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {

// Loads `text` and returns the BadInput message ("" when it loads).
std::string load_error(const std::string& text) {
  TempDir dir;
  const std::string path = dir / "sim.toml";
  write_bytes(path, text);
  try {
    load_sim_config(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    return e.what();
  }
  return "";
}

TEST(SimConfig, LoadsKeysAndDefaults) {
  TempDir dir;
  const std::string path = dir / "sim.toml";
  write_bytes(path, R"(
[observation]
nchan = 128
tsamp_s = 1e-3
duration_s = 3
nbits = 2
[[pulsar]]
period_s = 0.1
dm = 10
components = [{phase = 0.1, duty_cycle = 0.02}, {phase = 0.5, duty_cycle = 0.1, amplitude = 0.3}]
snr = 12
[pulsar.orbit]
pb_s = 7200
asini_lt_s = 0.5
[[rfi.narrowband]]
freq_mhz = 1200
)");
  const SimConfig c = load_sim_config(path);
  EXPECT_EQ(c.observation.nchan, 128);
  EXPECT_DOUBLE_EQ(c.observation.duration_s, 3.0);
  EXPECT_EQ(c.observation.npol, 2);
  ASSERT_EQ(c.pulsars.size(), 1u);
  ASSERT_EQ(c.pulsars[0].components.size(), 2u);
  EXPECT_DOUBLE_EQ(c.pulsars[0].components[1].amplitude, 0.3);
  EXPECT_TRUE(c.pulsars[0].orbit.enabled);
  EXPECT_FALSE(c.pulsars[0].amplitude_sigma.has_value());
  EXPECT_EQ(c.rfi.narrowband.size(), 1u);
  const nlohmann::json j = sim_config_to_json(c);
  EXPECT_DOUBLE_EQ(j["noise"]["mean_adu"].get<double>(), 1.5);  // 2-bit default level
  EXPECT_DOUBLE_EQ(j["pulsar"][0]["ref_freq_mhz"].get<double>(), 1250.0);
  EXPECT_EQ(j["pulsar"][0]["orbit"]["pb_s"].get<double>(), 7200.0);
}

TEST(SimConfig, RejectsUnknownKeysNamingThem) {
  EXPECT_NE(load_error("[observation]\nnchans = 4\n").find("key 'observation.nchans': unknown"),
            std::string::npos);
  EXPECT_NE(load_error("[[pulsar]]\nperiod = 1\n").find("key 'pulsar[0].period'"),
            std::string::npos);
  EXPECT_NE(load_error("[obs]\n").find("key 'obs'"), std::string::npos);
  EXPECT_NE(load_error("[rfi.noise_diode]\nperiod = 1\n").find("key 'rfi.noise_diode.period'"),
            std::string::npos);
}

TEST(SimConfig, RejectsWrongTypes) {
  EXPECT_NE(load_error("[observation]\nnchan = 4.5\n")
                .find("key 'observation.nchan': expected an integer"),
            std::string::npos);
  EXPECT_NE(load_error("[observation]\ntsamp_s = \"fast\"\n").find("key 'observation.tsamp_s'"),
            std::string::npos);
  EXPECT_NE(load_error("[multibeam]\nenabled = 1\n").find("key 'multibeam.enabled'"),
            std::string::npos);
  EXPECT_NE(load_error("pulsar = 3\n").find("key 'pulsar'"), std::string::npos);
}

TEST(SimConfig, RejectsOutOfRangeValues) {
  EXPECT_NE(load_error("[observation]\nnpol = 3\n").find("key 'observation.npol'"),
            std::string::npos);
  EXPECT_NE(load_error("[observation]\nnbits = 12\n").find("key 'observation.nbits'"),
            std::string::npos);
  EXPECT_NE(load_error("[observation]\ntsamp_s = -1\n")
                .find("key 'observation.tsamp_s': -1 is out of range"),
            std::string::npos);
  EXPECT_NE(load_error("[[pulsar]]\ndm = -5\n").find("key 'pulsar[0].dm'"), std::string::npos);
  EXPECT_NE(load_error("[[pulsar]]\nbeam = 4\n").find("key 'pulsar[0].beam'"), std::string::npos);
  EXPECT_NE(load_error("[[pulsar]]\nsnr = 5\namplitude_sigma = 1\n").find("key 'pulsar[0].snr'"),
            std::string::npos);
  EXPECT_NE(load_error("[observation]\nnbits = 32\n").find("key 'observation.nbits'"),
            std::string::npos);  // PSRFITS output is quantised
  EXPECT_NE(load_error("[observation]\nfreq_lo_mhz = 1500\nfreq_hi_mhz = 1400\n")
                .find("key 'observation.freq_hi_mhz'"),
            std::string::npos);
  EXPECT_NE(load_error("[noise]\nbandpass = \"lumpy\"\n").find("key 'noise.bandpass'"),
            std::string::npos);
  EXPECT_NE(load_error("[observation\n").find("sim.toml: 1:"), std::string::npos);
}

TEST(SimConfig, ShippedConfigsLoad) {
  const std::filesystem::path dir = std::filesystem::path(TIANYAN_SOURCE_DIR) / "configs/sim";
  for (const char* name :
       {"sample.toml", "fast_beam.toml", "multibeam.toml", "binary.toml", "rfi.toml"}) {
    EXPECT_NO_THROW(load_sim_config((dir / name).string())) << name;
  }
  const SimConfig rfi = load_sim_config((dir / "rfi.toml").string());
  EXPECT_EQ(rfi.rfi.narrowband.size(), 3u);
  EXPECT_TRUE(rfi.rfi.noise_diode.enabled);
  EXPECT_EQ(rfi.rfi.drifting.size(), 1u);
}

}  // namespace
}  // namespace tianyan::test
