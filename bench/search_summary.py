#!/usr/bin/env python3
"""The closing summary of bench/search_*.sh: trials, plan, time per stage, wall against the
observation length, peak memory (GNU time's and the search's own), and what was injected.

Usage: search_summary.py TIME_TXT CANDIDATES_JSON TRUTH_JSON DURATION_S
"""
import json, re, sys
time_txt, cands, truth, duration = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
m = re.search(r"wall ([0-9.]+) s, peak memory ([0-9]+) KB", open(time_txt).read())
wall, peak_kb = float(m.group(1)), int(m.group(2))
j = json.load(open(cands))
b = j["beams"][0]
t = b["timings"]
print(f"DM trials {b['dm_trials']} ({b['dm_lo']:g}..{b['dm_hi']:g}), acceleration trials "
      f"{b['accel_trials']}, {b['raw_candidates']} candidates before sifting, "
      f"{b['candidates']} after")
steps = ", ".join(f"dDM {s['ddm']:g} to {s['dm_hi']:g} at ds {s['downsample']} ({s['ndm']})"
                  for s in b["plan"]["steps"])
print(f"plan: {b['plan']['nsub']} subbands; {steps}")
print("stages: " + ", ".join(f"{k[:-2]} {t[k]:.2f} s" for k in
                              ("read_s", "rfi_s", "dedisp_s", "search_s", "sift_s", "total_s")))
print(f"wall {wall:.2f} s for {duration:g} s of data: wall / observation {wall / duration:.3f}, "
      f"{duration / wall:.2f}x real time; peak memory {peak_kb / 1024:.0f} MiB "
      f"(series + search workspaces {b['peak_series_bytes'] / 2**20:.0f} MiB)")
for p in json.load(open(truth)).get("pulsars", []):
    mid = p["middle"]
    print(f"injected {p.get('name', '?')}: P {1e3 * mid['period_s']:.6f} ms (f {mid['frequency_hz']:.4f} Hz"
          f" at mid), DM {p['dm']:g}, accel {p.get('accel_ms2', 0):g} m/s^2, "
          f"ideal S/N {p['ideal_snr']:.1f}")
