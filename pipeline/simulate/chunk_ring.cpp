#include "pipeline/simulate/chunk_ring.hpp"

#include <utility>

namespace tianyan {

ChunkRing::ChunkRing(size_t nslots, std::function<void(uint64_t, size_t)> consume)
    : nslots_(nslots), consume_(std::move(consume)), ready_(nslots, 0) {}

size_t ChunkRing::acquire(uint64_t j) {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [&] { return error_ || j < next_ + nslots_; });
  return error_ ? kFailed : static_cast<size_t>(j % nslots_);
}

void ChunkRing::complete(uint64_t j, std::exception_ptr failure) {
  std::unique_lock lock(mutex_);
  if (failure && !error_) error_ = std::move(failure);
  if (error_) {
    freed_.notify_all();
    return;
  }
  ready_[j % nslots_] = 1;
  if (consuming_) return;  // the consumer at work will find this chunk in its loop
  consuming_ = true;
  while (!error_ && ready_[next_ % nslots_]) {
    const uint64_t chunk = next_;
    const size_t slot = static_cast<size_t>(chunk % nslots_);
    lock.unlock();
    std::exception_ptr failed;
    try {
      consume_(chunk, slot);
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    if (failed && !error_) error_ = std::move(failed);
    ready_[slot] = 0;
    ++next_;
    freed_.notify_all();
  }
  consuming_ = false;
}

void ChunkRing::rethrow() const {
  if (error_) std::rethrow_exception(error_);
}

}  // namespace tianyan
