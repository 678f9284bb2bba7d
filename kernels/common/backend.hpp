#pragma once
// Where a stage runs. Factories (make_dedisperser, ...) take one; a backend that this build or
// this machine cannot provide is an error, never a silent fallback to the CPU
// (ARCHITECTURE.md, practice 6).
#include <string_view>

namespace tianyan {

enum class Backend { Cpu, Cuda };

constexpr std::string_view backend_name(Backend b) { return b == Backend::Cpu ? "cpu" : "cuda"; }

}  // namespace tianyan
