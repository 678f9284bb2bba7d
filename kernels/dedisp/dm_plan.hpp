#pragma once
// DM planning in the manner of PRESTO's DDplan (Ransom 2001; DDplan.py): which DM trials to
// search, at which time resolution, and how much smearing each part of the plan leaves.
// Formulas and rules: docs/dedispersion.md.
#include <cstdint>
#include <string>
#include <vector>

namespace tianyan {

// The band as the planner sees it. Channels are equally spaced, ascending.
struct BandGeometry {
  int nchan = 0;
  double f_lo_mhz = 0;     // centre of the lowest channel
  double chan_bw_mhz = 0;  // channel spacing, positive
  double tsamp_s = 0;

  double f_hi_mhz() const { return f_lo_mhz + (nchan - 1) * chan_bw_mhz; }  // highest centre
  double f_ctr_mhz() const { return 0.5 * (f_lo_mhz + f_hi_mhz()); }
  double bandwidth_mhz() const { return nchan * chan_bw_mhz; }
  std::vector<double> freqs_mhz() const;  // channel centres, ascending

  // From a channel table (ascending, at least 2 channels); throws BadInput otherwise.
  static BandGeometry from_freqs(const std::vector<double>& freqs_mhz, double tsamp_s);
  // From band edges: channel c is centred at lo + (c + 0.5) (hi - lo) / nchan.
  static BandGeometry from_edges(double lo_edge_mhz, double hi_edge_mhz, int nchan, double tsamp_s);
};

struct DmPlanConfig {
  double dm_lo = 0;  // pc cm^-3
  double dm_hi = 0;
  double fixed_step = 0;        // > 0: trials every fixed_step, downsample 1 (no planning)
  std::vector<double> dm_list;  // non-empty: exactly these DMs, downsample 1 (no planning)
  // dDM is the largest allowed step whose half-step smearing t_ddm stays below
  // tolerance x sqrt(t_samp^2 + t_chan^2). 1.2 is PRESTO's DDplan fudge factor `ff`.
  double tolerance = 1.2;
  int max_downsample = 64;  // a power of two
  // Subbands of the two-stage algorithm; 0 picks the power of two that minimises the
  // operation count; nchan (or more) means no subband stage (t_sub = 0).
  int nsub = 0;
  // The coarse (subband) DM step keeps t_sub below this fraction of min(t_ddm, t_samp);
  // 0.8 as in DDplan ("subband smearing always the smallest contribution").
  double subband_fraction = 0.8;
};

// One step: DMs dm_lo + i ddm, i = 0 .. ndm - 1, searched at `downsample`. Smearing
// components (s) are evaluated at the band centre at the step's top DM (its worst case).
struct DmPlanStep {
  double dm_lo = 0;
  double dm_hi = 0;  // dm_lo + ndm ddm: the next step's dm_lo
  double ddm = 0;
  int downsample = 1;
  int64_t ndm = 0;
  int sub_group = 1;     // fine DMs per coarse subband DM (PRESTO's DMs per prepsubband call)
  double t_samp_s = 0;   // tsamp x downsample
  double t_chan_s = 0;   // 2 k DM df / f^3
  double t_sub_s = 0;    // k (sub_group ddm / 2) (f_sub_lo^-2 - f_sub_hi^-2)
  double t_ddm_s = 0;    // k (ddm / 2) (f_lo^-2 - f_hi^-2)
  double t_total_s = 0;  // quadrature sum
};

// One DM trial handed to a dedisperser. Trials with the same `group` share one coarse
// subband DM; they are consecutive and have the same downsample.
struct DmTrial {
  double dm = 0;
  int downsample = 1;
  int group = 0;
};

struct DmPlan {
  BandGeometry band;
  int nsub = 0;  // subbands of the two-stage algorithm (nchan: no subband stage)
  std::vector<DmPlanStep> steps;
  bool explicit_list = false;  // steps hold one DM each, from DmPlanConfig::dm_list

  int64_t num_trials() const;
  int max_downsample() const;
  std::vector<DmTrial> trials() const;  // ascending DM
};

// Half-step DM smearing across the band: k (ddm/2) (f_lo^-2 - f_hi^-2), channel centres.
double dm_step_smearing_s(double ddm, const BandGeometry& band);
// Smearing inside one subband (nchan/nsub channels) centred on the band centre for a coarse
// DM step dsub_dm: k (dsub_dm/2) (f_sub_lo^-2 - f_sub_hi^-2); 0 when nsub >= nchan.
double subband_smearing_s(double dsub_dm, int nsub, const BandGeometry& band);

// Plans the search. Throws BadInput for an inconsistent band or configuration.
DmPlan make_dm_plan(const BandGeometry& band, const DmPlanConfig& config);

// The plan as a text table (for `tianyan plan` and logs).
std::string format_dm_plan(const DmPlan& plan);

}  // namespace tianyan
