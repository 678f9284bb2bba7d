#pragma once
// The CUDA dedisperser (dedisp_subband_cuda.cpp), behind make_dedisperser(Backend::Cuda).
// Builds without the CUDA backend get a stand-in that throws Environment.
#include <memory>

#include "kernels/dedisp/dedisperser.hpp"

namespace tianyan::dedisp_detail {

// On `setup.device`. The BruteForce algorithm runs as a subband plan with one channel per
// subband and one trial per group, which is the direct sum at the exact delays.
std::unique_ptr<Dedisperser> make_dedisperser_cuda(const DedispSetup& setup);

}  // namespace tianyan::dedisp_detail
