#pragma once
// Internal to pipeline/campaign_merge.cpp: what the merge reads from a unit's directory (the
// fields candidates.csv lacks; the fold products of its candidates, brought into the merge
// directory for the report).
#include <string>
#include <vector>

#include "io/report/report_html.hpp"
#include "kernels/search/candidate.hpp"

namespace tianyan::merge_detail {

// A unit id as a file-name prefix: bytes other than A-Z a-z 0-9 . _ - become '_' (a leading
// '.' too, so no hidden or ".." names).
std::string safe_unit_name(const std::string& id);

// When UNIT_DIR/cand_NNN.json (NNN = rank, 3 digits at least) exists, names row.cand's
// frequency and DM and its "search" rank is `rank`, its files and it are linked (or copied)
// into MERGE_DIR/plots/PREFIX_<name> and row's plot, thumbnail, archive, summary (relative to
// MERGE_DIR) and fold fields are set. Returns whether the row got its products. A summary that
// cannot be parsed, or disagrees, is logged and skipped; a failed write throws Environment.
bool link_fold_products(const std::string& unit_dir, int rank, const std::string& merge_dir,
                        const std::string& prefix, ReportRow& row);

// candidates.csv carries no observation length (tobs_s), which the coincidence's frequency
// tolerance needs: candidates (index k = rank k + 1) whose tobs_s is not positive take it, with
// r_bins, dm_index and refined_power, from UNIT_DIR/candidates.json, where the entry of the
// same rank has the same frequency. Throws BadInput "UNIT_DIR/candidates.json: ..." when one
// is still without a length (the file absent, unreadable or from another run).
void fill_from_candidates_json(const std::string& unit_dir, std::vector<Candidate>& cands);

}  // namespace tianyan::merge_detail
