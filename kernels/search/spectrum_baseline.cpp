// remove_baseline (kernels/search/spectrum.hpp): the running mean, in place.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "kernels/common/error.hpp"
#include "kernels/search/spectrum.hpp"

namespace tianyan {

namespace {

using v4d = double __attribute__((vector_size(32)));
using v4f = float __attribute__((vector_size(16)));

// kBlock steps of remove_baseline's running mean: out[j] (the samples from i, overwritten)
// less the mean of its window, whose sum gains in[j] (i + after + j, when `in` is not null)
// and loses ring[j] (i - before - 1 + j, kept from before it was overwritten, when `leave`);
// ring[j] then keeps out[j]'s original. Returns the new running sum and updates count;
// acc += {sum y, sum y^2}. The running sum is a chain of dependent additions (4 cycles each):
// prefix sums of the increments within groups of 4, computed off the chain, leave one addition
// per 4 samples on it, and the rest is SIMD (~3x faster than a sample at a time). `in` never
// overlaps out (after >= kBlock).
constexpr size_t kBlock = 256;
[[gnu::target_clones("avx2", "default")]] double baseline_block(float* __restrict out,
                                                                const float* __restrict in,
                                                                float* __restrict ring, bool leave,
                                                                double sum, size_t& count,
                                                                double inv_window, double* acc) {
  const bool full = in && leave;  // count stays the window: multiply by its inverse
  const double dc = (in ? 1.0 : 0.0) - (leave ? 1.0 : 0.0);
  const v4d zero = {}, steps = {1, 2, 3, 4};
  double cnt = static_cast<double>(count);
  v4f s1 = {}, s2 = {};  // float partial sums: 64 values per lane, then double
  for (size_t c = 0; c < kBlock; c += 4) {
    v4f x_out;
    std::memcpy(&x_out, out + c, sizeof(v4f));
    v4d d = zero;
    if (in) {
      v4f x_in;
      std::memcpy(&x_in, in + c, sizeof(v4f));
      d += __builtin_convertvector(x_in, v4d);
    }
    if (leave) {
      v4f x_old;
      std::memcpy(&x_old, ring + c, sizeof(v4f));
      d -= __builtin_convertvector(x_old, v4d);
    }
    d += __builtin_shufflevector(zero, d, 0, 4, 5, 6);  // prefix sums within the group
    d += __builtin_shufflevector(zero, d, 0, 1, 4, 5);
    const v4d mean = full ? (sum + d) * inv_window : (sum + d) / (cnt + dc * steps);
    sum += d[3];
    cnt += 4 * dc;
    const v4f y = x_out - __builtin_convertvector(mean, v4f);
    std::memcpy(ring + c, &x_out, sizeof(v4f));
    std::memcpy(out + c, &y, sizeof(v4f));
    s1 += y;
    s2 += y * y;
  }
  count = static_cast<size_t>(cnt);
  for (int k = 0; k < 4; ++k) acc[0] += s1[k], acc[1] += s2[k];
  return sum;
}

// The running mean of remove_baseline, in place: sample i's window is [i - before, i + after]
// clipped to the series. x[i - before - 1] leaves the window at step i, after x has been
// overwritten there, so a ring of the last before + 1 originals keeps it (the slot read at
// step i is the one written). Also accumulates the sum and sum of squares of the output.
struct RunningBaseline {
  RunningBaseline(float* x_, size_t n_, size_t window_)
      : x(x_),
        n(n_),
        window(window_),
        before((window_ - 1) / 2),
        after(window_ - 1 - before),
        ring(before + 1),
        inv_window(1.0 / static_cast<double>(window_)) {
    for (; count < std::min(after, n); ++count) sum += x[count];
  }

  // The mean is rounded to float before subtracting so that a constant series gives exact
  // zeros (sum * (1 / w) may be an ulp off the constant in double).
  float output(size_t i, double s, double mean_scale) {
    ring[slot++] = x[i];
    const float y = x[i] - static_cast<float>(s * mean_scale);
    x[i] = y;
    return y;
  }

  void step(size_t i) {
    if (i + after < n) sum += x[i + after], ++count;
    if (i > before) sum -= ring[slot], --count;
    const double scale = count == window ? inv_window : 1.0 / static_cast<double>(count);
    const float y = output(i, sum, scale);
    sy += y;
    syy += static_cast<double>(y) * y;
    if (slot == ring.size()) slot = 0;
  }

  // kBlock steps from i (see baseline_block), all with or all without a sample entering and
  // one leaving; needs slot + kBlock <= ring size, and after >= kBlock when one enters.
  void step_block(size_t i, bool enters, bool leaves) {
    double acc[2] = {0, 0};
    sum = baseline_block(x + i, enters ? x + i + after : nullptr, ring.data() + slot, leaves, sum,
                         count, inv_window, acc);
    sy += acc[0];
    syy += acc[1];
    slot += kBlock;
    if (slot == ring.size()) slot = 0;
  }

  float* x;
  size_t n, window, before, after;
  std::vector<float> ring;
  size_t slot = 0;
  double sum = 0;
  size_t count = 0;
  double inv_window;
  double sy = 0, syy = 0;
};

}  // namespace

void remove_baseline(float* x, size_t n, size_t window) {
  if (n == 0) return;
  if (window == 0) throw internal_error("remove_baseline: window must be >= 1 sample");
  window = std::min(window, 2 * n);  // wider changes nothing: every window is the whole series
  RunningBaseline rb(x, n, window);
  // Samples enter the window up to step i = n - after and leave from step before + 1. Steps
  // go in blocks between those boundaries where the ring does not wrap, the rest one by one.
  const size_t leave_from = rb.before + 1;
  const size_t enter_to = n > rb.after ? n - rb.after : 0;
  size_t i = 0;
  while (i < n) {
    const bool enters = i < enter_to, leaves = i >= leave_from;
    const size_t limit = std::min({n, enters ? enter_to : n, leaves ? n : leave_from});
    if (i + kBlock <= limit && rb.slot + kBlock <= rb.ring.size() &&
        (!enters || rb.after >= kBlock)) {
      rb.step_block(i, enters, leaves);
      i += kBlock;
    } else {
      rb.step(i++);
    }
  }
  const double m = rb.sy / static_cast<double>(n);
  const double var = rb.syy / static_cast<double>(n) - m * m;
  if (!(var > 0)) {
    std::fill(x, x + n, 0.0f);
    return;
  }
  const float mf = static_cast<float>(m);
  const float inv_sd = static_cast<float>(1.0 / std::sqrt(var));
  for (size_t j = 0; j < n; ++j) x[j] = (x[j] - mf) * inv_sd;
}

}  // namespace tianyan
