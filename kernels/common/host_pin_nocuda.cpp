// HostPin without the CUDA backend: nothing to pin for (kernels/common/host_pin.hpp).
#include "kernels/common/host_pin.hpp"

namespace tianyan {

HostPin::HostPin(void*, size_t, const char*) {}
void HostPin::release() {}
HostPin::~HostPin() = default;
HostPin::HostPin(HostPin&&) noexcept {}
HostPin& HostPin::operator=(HostPin&&) noexcept { return *this; }

}  // namespace tianyan
