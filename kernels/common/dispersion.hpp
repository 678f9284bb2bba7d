#pragma once
// Cold-plasma dispersion delay, shared by the CPU and CUDA code and the simulator.
#include "kernels/common/constants.hpp"
#include "kernels/common/hd.hpp"

namespace tianyan {

// Delay (s) of frequency f_mhz relative to f_ref_mhz; positive when f is below f_ref.
TIANYAN_HD double dispersion_delay_s(double dm, double f_mhz, double f_ref_mhz) {
  return kDispersionConstant * dm * (1.0 / (f_mhz * f_mhz) - 1.0 / (f_ref_mhz * f_ref_mhz));
}

// Smearing (s) inside one channel of width df_mhz centred on f_mhz: 2 k DM df / f^3.
TIANYAN_HD double channel_smearing_s(double dm, double df_mhz, double f_mhz) {
  return 2.0 * kDispersionConstant * dm * df_mhz / (f_mhz * f_mhz * f_mhz);
}

}  // namespace tianyan
