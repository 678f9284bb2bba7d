#pragma once
// What CUDA devices this process can use. Built from a CUDA unit when TIANYAN_CUDA is on, from
// a stand-in otherwise; either way callers see the same interface.
#include <string>
#include <vector>

namespace tianyan {

struct CudaDevice {
  int index = 0;
  std::string name;
  int cc_major = 0;
  int cc_minor = 0;
  size_t memory_bytes = 0;
  int multiprocessors = 0;
};

struct CudaStatus {
  bool compiled = false;         // this build has the CUDA backend
  int runtime_version = 0;       // e.g. 13000; 0 when unknown
  int driver_version = 0;        // 0 when no driver is installed
  std::vector<CudaDevice> devices;
  std::string problem;           // why no device is usable, when devices is empty
};

CudaStatus query_cuda_devices();

}  // namespace tianyan
