#pragma once
// Hands chunks that threads finish in any order to a sequential consumer in chunk order.
//
// Chunk j lives in slot j % nslots; the thread that generates it first waits until chunk
// j - nslots has been consumed (so the lowest unconsumed chunk can always get its slot: no
// deadlock). The thread that completes the next chunk in order becomes the consumer and also
// consumes every chunk completed behind it, while the other threads keep generating into free
// slots. Nobody spins: waits sleep on a condition variable, so the threads share the cores
// gracefully with the consumer's disk writes and with other processes (an OpenMP `ordered`
// section spins, and a long write under it stalls every thread).
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

namespace tianyan {

class ChunkRing {
 public:
  // consume(j, slot) is called for j = 0, 1, ... in order, one call at a time.
  ChunkRing(size_t nslots, std::function<void(uint64_t chunk, size_t slot)> consume);

  // Waits until chunk j may be generated; returns its slot, or kFailed after a failure (the
  // caller then skips the chunk, but still completes it).
  size_t acquire(uint64_t j);
  // Chunk j is generated (or failed, with the exception): consumes what is now in order.
  void complete(uint64_t j, std::exception_ptr failure = nullptr);
  // Rethrows the first failure (of generation or consumption), once the threads are done.
  void rethrow() const;

  static constexpr size_t kFailed = SIZE_MAX;

 private:
  size_t nslots_;
  std::function<void(uint64_t, size_t)> consume_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<uint8_t> ready_;  // per slot: generated, not yet consumed
  uint64_t next_ = 0;           // the next chunk to consume
  bool consuming_ = false;      // a thread is in consume_
  std::exception_ptr error_;
};

}  // namespace tianyan
