#pragma once
// Significance of harmonic sums (docs/search.md). With normalised powers (noise exponential,
// mean 1) the sum S of N powers is Gamma(N, 1) distributed (2S ~ chi^2 with 2N degrees of
// freedom). Everything is computed in log space so that powers of thousands do not underflow.
#include <cstdint>

namespace tianyan {

// log P(S >= s) for S ~ Gamma(n, 1), integer n >= 1, s >= 0: log of the chi^2 survival
// function with 2n degrees of freedom at 2s. Exact (finite series), no overflow for any s.
double log_gamma_sf(int n, double s);

// log of the one-sided Gaussian tail P(Z >= x), accurate for x up to 1e6 (asymptotic series
// beyond where erfc underflows).
double log_gauss_sf(double x);

// The equivalent Gaussian sigma x with P(Z >= x) = exp(log_p), log_p <= 0; 0 for log_p >= log 0.5
// is not clamped: log_p = log 0.5 gives 0, larger p gives negative sigma.
double sigma_from_log_p(double log_p);

// log of the false-alarm probability after `ntrials` independent trials of single-trial
// probability exp(log_p): log(1 - (1 - p)^ntrials), stable for tiny p and large ntrials.
double log_trials_fap(double log_p, double ntrials);

// The sigma of a harmonic sum `power` of `nharm` normalised powers after `ntrials`
// independent trials (what candidates report).
double candidate_sigma(double power, int nharm, double ntrials);

// The smallest power whose candidate_sigma(power, nharm, ntrials) >= sigma (bisection to
// 1e-4 relative), for thresholds of the search loop.
double power_for_sigma(double sigma, int nharm, double ntrials);

// Spectral S/N of a harmonic sum: (S - N) / sqrt(N), the excess over the noise mean in units
// of the noise standard deviation of S (docs/search.md).
double spectral_snr(double power, int nharm);

}  // namespace tianyan
