#pragma once
// FAST 19-beam L-band receiver: beam layout and neighbours.
//
// The feeds sit on a hexagonal grid: beam 1 in the centre, beams 2-7 the inner ring, beams
// 8-19 the outer ring (Jiang et al. 2020, RAA 20, 064, "The fundamental performance of FAST
// with 19-beam receiver at L band", Fig. 1; adjacent beams are about 5.74 arcmin apart on the
// sky at 1250 MHz, beam FWHM about 2.9 arcmin). The offsets below, in arcmin with the receiver
// unrotated, are the measured ones presented by Qian Lei at the 2019 FAST User Workshop as
// reproduced in public FAST observers' code; the ring order is (RA to the left = east):
//
//                   18----17----16
//                19----07----06----15
//             08----02----01----05----14
//                09----03----04----13
//                   10----11----12
//
// Two beams are neighbours when they are adjacent on this grid (distance about 5.74 arcmin;
// the next distance on the grid is sqrt(3) x 5.74 = 9.9 arcmin). A pulsar appears in its own
// beam and, weaker, in one to three neighbours; terrestrial RFI appears in most beams at once.
#include <array>

namespace tianyan {

inline constexpr int kFastNumBeams = 19;
inline constexpr double kFastBeamSpacingArcmin = 5.74;

struct BeamOffset {
  double ra_arcmin;   // offset in right ascension (x cos dec), receiver unrotated
  double dec_arcmin;  // offset in declination
};

// Index b-1 holds beam b (1..19).
inline constexpr std::array<BeamOffset, kFastNumBeams> kFastBeamOffsets = {{
    {0.0, 0.0},        // 1
    {5.74, 0.00811},   // 2
    {2.88, -4.97},     // 3
    {-2.86, -4.98},    // 4
    {-5.74, -0.0127},  // 5
    {-2.88, 4.97},     // 6
    {2.86, 4.98},      // 7
    {11.5, 0.0116},    // 8
    {8.61, -4.96},     // 9
    {5.75, -9.93},     // 10
    {0.018, -9.94},    // 11
    {-5.71, -9.96},    // 12
    {-8.6, -4.99},     // 13
    {-11.5, -0.03},    // 14
    {-8.63, 4.95},     // 15
    {-5.77, 9.93},     // 16
    {-0.0181, 9.94},   // 17
    {5.73, 9.95},      // 18
    {8.61, 4.98},      // 19
}};

// Up to 6 neighbours per beam; unused slots are 0. Index b-1 holds beam b.
using BeamNeighbours = std::array<int, 6>;

// Adjacency on the hexagonal grid, read off the layout above (tests check it against the
// offsets: every listed pair is about one spacing apart, every unlisted pair much further).
inline constexpr std::array<BeamNeighbours, kFastNumBeams> kFastBeamNeighbours = {{
    {2, 3, 4, 5, 6, 7},     // 1
    {1, 3, 7, 8, 9, 19},    // 2
    {1, 2, 4, 9, 10, 11},   // 3
    {1, 3, 5, 11, 12, 13},  // 4
    {1, 4, 6, 13, 14, 15},  // 5
    {1, 5, 7, 15, 16, 17},  // 6
    {1, 2, 6, 17, 18, 19},  // 7
    {2, 9, 19, 0, 0, 0},    // 8
    {2, 3, 8, 10, 0, 0},    // 9
    {3, 9, 11, 0, 0, 0},    // 10
    {3, 4, 10, 12, 0, 0},   // 11
    {4, 11, 13, 0, 0, 0},   // 12
    {4, 5, 12, 14, 0, 0},   // 13
    {5, 13, 15, 0, 0, 0},   // 14
    {5, 6, 14, 16, 0, 0},   // 15
    {6, 15, 17, 0, 0, 0},   // 16
    {6, 7, 16, 18, 0, 0},   // 17
    {7, 17, 19, 0, 0, 0},   // 18
    {2, 7, 8, 18, 0, 0},    // 19
}};

// True when beams a and b (1..19) are adjacent.
constexpr bool fast_beams_adjacent(int a, int b) {
  if (a < 1 || a > kFastNumBeams || b < 1 || b > kFastNumBeams) return false;
  for (int n : kFastBeamNeighbours[a - 1]) {
    if (n == b) return true;
  }
  return false;
}

}  // namespace tianyan
