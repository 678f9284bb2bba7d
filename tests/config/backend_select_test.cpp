// --backend/--device resolution (kernels/common/backend_select.hpp) over described machines:
// `cuda` never runs on the CPU, `auto` says what it picked and why.
#include "kernels/common/backend_select.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

CudaStatus machine_with(std::initializer_list<CudaDevice> devices) {
  CudaStatus s;
  s.compiled = true;
  s.driver_version = 13000;
  s.devices = devices;
  if (s.devices.empty()) s.problem = "no CUDA device: the driver reports none";
  return s;
}

const CudaDevice kH100{0, "NVIDIA H100", 9, 0, size_t{80} << 30, 132};
const CudaDevice kOld{1, "Tesla P100", 6, 0, size_t{16} << 30, 56};

ErrorKind kind_of(std::string_view requested, int device, const CudaStatus& s,
                  std::string* what) {
  try {
    (void)choose_backend(requested, device, s);
  } catch (const Error& e) {
    *what = e.what();
    return e.kind();
  }
  ADD_FAILURE() << requested << " " << device << ": no error";
  return ErrorKind::Internal;
}

TEST(BackendSelect, CpuIsAlwaysTheCpu) {
  const ComputeTarget t = choose_backend("cpu", 0, machine_with({kH100}));
  EXPECT_EQ(t.backend, Backend::Cpu);
  EXPECT_NE(t.why.find("cpu"), std::string::npos);
}

TEST(BackendSelect, CudaTakesTheDeviceAsked) {
  const ComputeTarget t = choose_backend("cuda", 0, machine_with({kH100}));
  EXPECT_EQ(t.backend, Backend::Cuda);
  EXPECT_EQ(t.device, 0);
  EXPECT_NE(t.why.find("NVIDIA H100"), std::string::npos) << t.why;
}

TEST(BackendSelect, CudaWithoutAUsableDeviceIsAnEnvironmentErrorSayingWhy) {
  std::string what;
  CudaStatus not_built;
  not_built.problem = "this build of tianyan has no CUDA backend";
  EXPECT_EQ(kind_of("cuda", 0, not_built, &what), ErrorKind::Environment);
  EXPECT_NE(what.find("has no CUDA backend"), std::string::npos) << what;

  EXPECT_EQ(kind_of("cuda", 0, machine_with({}), &what), ErrorKind::Environment);
  EXPECT_NE(what.find("the driver reports none"), std::string::npos) << what;

  EXPECT_EQ(kind_of("cuda", 3, machine_with({kH100}), &what), ErrorKind::Environment);
  EXPECT_NE(what.find("no CUDA device 3"), std::string::npos) << what;

  EXPECT_EQ(kind_of("cuda", 1, machine_with({kH100, kOld}), &what), ErrorKind::Environment);
  EXPECT_NE(what.find("compute capability 6.0"), std::string::npos) << what;
}

TEST(BackendSelect, AutoFallsBackToTheCpuAndSaysWhy) {
  const ComputeTarget gpu = choose_backend("auto", 0, machine_with({kH100}));
  EXPECT_EQ(gpu.backend, Backend::Cuda);
  EXPECT_NE(gpu.why.find("auto: CUDA device 0"), std::string::npos) << gpu.why;

  const ComputeTarget cpu = choose_backend("auto", 0, machine_with({}));
  EXPECT_EQ(cpu.backend, Backend::Cpu);
  EXPECT_NE(cpu.why.find("auto: CPU (no CUDA device"), std::string::npos) << cpu.why;

  const ComputeTarget old = choose_backend("auto", 1, machine_with({kH100, kOld}));
  EXPECT_EQ(old.backend, Backend::Cpu);
  EXPECT_NE(old.why.find("compute capability"), std::string::npos) << old.why;
}

TEST(BackendSelect, UnknownNamesAndNegativeDevicesAreUsageErrors) {
  std::string what;
  EXPECT_EQ(kind_of("gpu", 0, machine_with({kH100}), &what), ErrorKind::Usage);
  EXPECT_EQ(kind_of("cuda", -1, machine_with({kH100}), &what), ErrorKind::Usage);
}

const CudaDevice kH100b{2, "NVIDIA H100", 9, 0, size_t{80} << 30, 132};

ErrorKind list_error(std::string_view requested, std::string_view devices, const CudaStatus& s,
                     std::string* what) {
  try {
    (void)choose_backend(requested, devices, s);
  } catch (const Error& e) {
    *what = e.what();
    return e.kind();
  }
  ADD_FAILURE() << requested << " " << devices << ": no error";
  return ErrorKind::Internal;
}

TEST(BackendSelect, DeviceListsAndAllNameEveryUsableDevice) {
  const CudaStatus node = machine_with({kH100, kOld, kH100b});
  const ComputeTarget two = choose_backend("cuda", "2,0", node);
  EXPECT_EQ(two.backend, Backend::Cuda);
  EXPECT_EQ(two.device, 2);  // the first listed
  EXPECT_EQ(two.devices, (std::vector<int>{2, 0}));
  EXPECT_NE(two.why.find("CUDA devices 2,0"), std::string::npos) << two.why;

  // all: every device this build can run on, the old one left out.
  const ComputeTarget all = choose_backend("cuda", "all", node);
  EXPECT_EQ(all.devices, (std::vector<int>{0, 2}));
  EXPECT_EQ(all.device, 0);

  // One device is the single-device target (no list).
  const ComputeTarget one = choose_backend("cuda", "2", node);
  EXPECT_EQ(one.device, 2);
  EXPECT_TRUE(one.devices.empty());
  EXPECT_TRUE(choose_backend("cuda", "all", machine_with({kH100})).devices.empty());

  EXPECT_EQ(choose_backend("cpu", "all", node).backend, Backend::Cpu);
}

TEST(BackendSelect, DeviceListErrorsSayWhichAndAutoFallsBack) {
  const CudaStatus node = machine_with({kH100, kOld, kH100b});
  std::string what;
  EXPECT_EQ(list_error("cuda", "0,1", node, &what), ErrorKind::Environment);
  EXPECT_NE(what.find("compute capability 6.0"), std::string::npos) << what;
  EXPECT_EQ(list_error("cuda", "0,7", node, &what), ErrorKind::Environment);
  EXPECT_NE(what.find("no CUDA device 7"), std::string::npos) << what;
  EXPECT_EQ(list_error("cuda", "all", machine_with({}), &what), ErrorKind::Environment);
  EXPECT_NE(what.find("the driver reports none"), std::string::npos) << what;
  for (const char* bad : {"0,0", "a", "0,", ",1", "-1", "1.5", ""}) {
    EXPECT_EQ(list_error("cuda", bad, node, &what), ErrorKind::Usage) << bad;
    EXPECT_NE(what.find("--device"), std::string::npos) << what;
  }
  const ComputeTarget cpu = choose_backend("auto", "0,1", node);
  EXPECT_EQ(cpu.backend, Backend::Cpu);
  EXPECT_NE(cpu.why.find("compute capability"), std::string::npos) << cpu.why;
}

}  // namespace
}  // namespace tianyan
