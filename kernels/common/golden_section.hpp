#pragma once
// Golden-section search for the maximum of a unimodal function, shared by the refinements of
// frequency (fourier_interp.cpp) and acceleration (period_search_refine.cpp).

namespace tianyan {

inline constexpr double kInvGolden = 0.61803398874989484820;  // (sqrt(5) - 1) / 2

// Narrows [lo, hi] around a maximum of f until it is at most tol wide. best_x / best_f keep the
// best point ever evaluated, so the result is never worse than what the caller already had.
template <typename F>
void golden_max(F&& f, double lo, double hi, double tol, double& best_x, double& best_f) {
  double x1 = hi - kInvGolden * (hi - lo), x2 = lo + kInvGolden * (hi - lo);
  double f1 = f(x1), f2 = f(x2);
  while (true) {
    if (f1 > best_f) best_f = f1, best_x = x1;
    if (f2 > best_f) best_f = f2, best_x = x2;
    if (hi - lo <= tol) return;
    if (f1 >= f2) {
      hi = x2, x2 = x1, f2 = f1;
      x1 = hi - kInvGolden * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1, x1 = x2, f1 = f2;
      x2 = lo + kInvGolden * (hi - lo);
      f2 = f(x2);
    }
  }
}

}  // namespace tianyan
