#pragma once
// Unpacking 8-bit sample blocks on a CUDA device, from plain C++ (tests, tools): the block
// goes up as bytes and comes back as floats. Builds without the CUDA backend get a stand-in
// (unpack_device_nocuda.cpp) that throws Environment.
#include <vector>

#include "io/packed_samples.hpp"

namespace tianyan {

// nsamp x nchan floats of `in` unpacked on CUDA device `device`: what unpack_packed(in, ...)
// gives on the host. Throws Environment, saying why, when the device cannot run it.
std::vector<float> unpack_packed_cuda(int device, const PackedSamples& in);

}  // namespace tianyan
