// Plots: the files exist, have the requested size, and their panels hold data (decoded pixel
// by pixel in tests/plot/png_stats.py); errors become tianyan::Error; threads are safe.
#include "io/plot/plot.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>

#include "io/plot/candidate_text.hpp"
#include "io/plot/plot_session.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"
#include "tests/plot/plot_fixtures.hpp"

// PLplot's own fatal-error entry point (exported by libplplot, declared only in its private
// header): the tests call it to prove that a fatal error does not end the process.
extern "C" void plexit(const char* message);

namespace tianyan {
namespace {
namespace fs = std::filesystem;
using test::make_candidate;
using test::pixel_box;
using test::PixelBox;
using test::png_stats;
using test::TempDir;

#define REQUIRE_PYTHON()                                                                          \
  if (!test::have_python()) GTEST_SKIP() << "python3 not found at configure time: cannot decode " \
                                            "PNG"

std::vector<std::string> dir_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

ErrorKind kind_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "no tianyan::Error thrown";
  return ErrorKind::Internal;
}

TEST(Plot, CandidateSheetPanelsHoldData) {
  REQUIRE_PYTHON();
  TempDir dir;
  const std::string path = dir / "cand.png";
  plot_candidate_sheet(path, make_candidate(), PlotOptions{});
  EXPECT_EQ(dir_names(dir.path()), std::vector<std::string>{"cand.png"}) << "temporary file left";

  const CandidateSheetLayout l = candidate_sheet_layout();
  const int w = 1600, h = 1200, inset = 14;
  // Subbands 5 and 6 of 32 (masked) occupy rows 5/32..7/32 of the phase-frequency panel.
  PlotBox masked = l.freq_phase;
  const double span = l.freq_phase.y1 - l.freq_phase.y0;
  masked.y0 = l.freq_phase.y0 + span * 5.2 / 32;
  masked.y1 = l.freq_phase.y0 + span * 6.8 / 32;
  PixelBox masked_px = pixel_box(masked, w, h, 0);
  const PixelBox fp = pixel_box(l.freq_phase, w, h, inset);
  masked_px.x0 = fp.x0;
  masked_px.x1 = fp.x1;
  const auto s =
      png_stats(path, {pixel_box(l.time_phase, w, h, inset), pixel_box(l.freq_phase, w, h, inset),
                       pixel_box(l.spin_map, w, h, inset), pixel_box(l.profile, w, h, inset),
                       pixel_box(l.dm_curve, w, h, inset), pixel_box(l.text, w, h, 0), masked_px});
  EXPECT_EQ(s.width, w);
  EXPECT_EQ(s.height, h);
  // Noise fills a grey scale with light greys: about 3/4 of its pixels are darker than the
  // threshold (the pulse, at ~20 sigma, sets the black end). A blank panel has none.
  EXPECT_GT(s.inked_fraction[0], 0.6) << "phase-time grey scale";
  EXPECT_GT(s.inked_fraction[1], 0.55) << "phase-frequency grey scale (2 of 32 rows masked)";
  EXPECT_GT(s.inked_fraction[2], 0.5) << "period-derivative map";
  // A line across the panel: at least one pixel per column of the box.
  const PixelBox pb = pixel_box(l.profile, w, h, inset), db = pixel_box(l.dm_curve, w, h, inset);
  EXPECT_GT(s.inked[3], pb.x1 - pb.x0) << "profile";
  EXPECT_GT(s.inked[4], db.x1 - db.x0) << "S/N against DM";
  EXPECT_GT(s.inked[5], 5000) << "text block";
  EXPECT_LT(s.inked_fraction[6], 0.01) << "masked subbands must be blank rows";
}

TEST(Plot, BlankCandidateGivesEmptierSheet) {
  REQUIRE_PYTHON();
  TempDir dir;
  const std::string full = dir / "full.png", blank = dir / "blank.png";
  plot_candidate_sheet(full, make_candidate(false), PlotOptions{});
  plot_candidate_sheet(blank, make_candidate(true), PlotOptions{});
  const CandidateSheetLayout l = candidate_sheet_layout();
  const std::vector<PixelBox> boxes = {pixel_box(l.time_phase, 1600, 1200, 14),
                                       pixel_box(l.freq_phase, 1600, 1200, 14),
                                       pixel_box(l.spin_map, 1600, 1200, 14)};
  const auto a = png_stats(full, boxes), b = png_stats(blank, boxes);
  for (size_t k = 0; k < boxes.size(); ++k) {
    EXPECT_GT(a.inked_fraction[k], 0.5) << "panel " << k;
    EXPECT_LT(b.inked_fraction[k], 0.05) << "panel " << k << " of the blank candidate";
  }
}

TEST(Plot, ThumbnailHasRequestedSize) {
  REQUIRE_PYTHON();
  TempDir dir;
  const std::string path = dir / "thumb.png";
  plot_thumbnail(path, make_candidate(), thumbnail_options());
  const ThumbnailLayout l = thumbnail_layout();
  const auto s =
      png_stats(path, {pixel_box(l.time_phase, 320, 240, 3), pixel_box(l.profile, 320, 240, 3)});
  EXPECT_EQ(s.width, 320);
  EXPECT_EQ(s.height, 240);
  EXPECT_GT(s.inked_fraction[0], 0.6);
  EXPECT_GT(s.inked[1], 200);
}

TEST(Plot, OtherSizesAreHonoured) {
  REQUIRE_PYTHON();
  TempDir dir;
  PlotOptions o;
  o.width_px = 1000;
  o.height_px = 700;
  plot_candidate_sheet(dir / "c.png", make_candidate(), o);
  const auto s = png_stats(dir / "c.png", {});
  EXPECT_EQ(s.width, 1000);
  EXPECT_EQ(s.height, 700);
}

TEST(Plot, PdfOnRequest) {
  TempDir dir;
  PlotOptions o;
  o.format = "pdf";
  const std::string path = dir / "cand.pdf";
  plot_candidate_sheet(path, make_candidate(), o);
  const std::string pdf = test::read_text(path);
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  EXPECT_NE(pdf.find("%%EOF", pdf.size() - 64), std::string::npos);
  EXPECT_GT(pdf.size(), 10000u) << "a sheet with grey scales and text is not a few bytes";
}

TEST(Plot, SearchOverview) {
  REQUIRE_PYTHON();
  TempDir dir;
  plot_search_overview(dir / "overview.png", test::make_candidates(60), PlotOptions{});
  plot_search_overview(dir / "empty.png", {}, PlotOptions{});
  const PixelBox box = pixel_box(search_overview_layout(), 1600, 1200, 14);
  const auto full = png_stats(dir / "overview.png", {box}),
             empty = png_stats(dir / "empty.png", {box});
  EXPECT_EQ(full.width, 1600);
  EXPECT_EQ(full.height, 1200);
  EXPECT_GT(full.inked[0], 3000) << "60 circles and 10 labels";
  EXPECT_GT(full.inked[0], 3 * empty.inked[0]);
}

TEST(Plot, RfiMaskShowsTheMaskedFraction) {
  REQUIRE_PYTHON();
  TempDir dir;
  const std::string path = dir / "rfi.png";
  plot_rfi_mask(path, test::make_mask(), PlotOptions{});
  const RfiMaskLayout l = rfi_mask_layout();
  const auto s =
      png_stats(path, {pixel_box(l.mask, 1600, 1200, 14), pixel_box(l.vs_time, 1600, 1200, 6),
                       pixel_box(l.vs_freq, 1600, 1200, 6)});
  EXPECT_EQ(s.width, 1600);
  EXPECT_EQ(s.height, 1200);
  // Black where masked, white elsewhere: the inked area is the masked fraction of the cells
  // (the inset trims the panel's edges, hence the tolerance).
  const double expected = 1 - (1 - 6.0 / 64) * (1 - 6.0 / 100);
  EXPECT_NEAR(s.inked_fraction[0], expected, 0.03);
  const PixelBox tb = pixel_box(l.vs_time, 1600, 1200, 6), fb = pixel_box(l.vs_freq, 1600, 1200, 6);
  EXPECT_GT(s.inked[1], tb.x1 - tb.x0) << "masked fraction against time";
  EXPECT_GT(s.inked[2], fb.y1 - fb.y0) << "masked fraction against frequency";
}

TEST(Plot, UnwritableDirectoryIsEnvironmentError) {
  std::string message;
  EXPECT_EQ(kind_of(
                [] {
                  plot_candidate_sheet("/nonexistent-dir/x/cand.png", make_candidate(),
                                       PlotOptions{});
                },
                &message),
            ErrorKind::Environment);
  EXPECT_NE(message.find("/nonexistent-dir/x/cand.png"), std::string::npos) << message;
}

TEST(Plot, UnknownFormatIsBadInput) {
  TempDir dir;
  PlotOptions o;
  o.format = "gif";
  EXPECT_EQ(kind_of([&] { plot_candidate_sheet(dir / "c.gif", make_candidate(), o); }),
            ErrorKind::BadInput);
}

TEST(Plot, InconsistentShapesAreInternalError) {
  TempDir dir;
  FoldedCandidate c = make_candidate();
  c.best.profile.resize(7);
  EXPECT_EQ(kind_of([&] { plot_candidate_sheet(dir / "c.png", c, PlotOptions{}); }),
            ErrorKind::Internal);
}

TEST(Plot, PlplotFatalErrorBecomesEnvironmentErrorAndLeavesNoFile) {
  TempDir dir;
  const std::string path = dir / "fatal.png";
  std::string message;
  EXPECT_EQ(kind_of(
                [&] {
                  plot_detail::render_page(path, PlotOptions{},
                                           [] { plexit("deliberate failure"); });
                },
                &message),
            ErrorKind::Environment);
  EXPECT_NE(message.find("deliberate failure"), std::string::npos) << message;
  EXPECT_TRUE(dir_names(dir.path()).empty())
      << "neither the plot nor its temporary file may remain";
  // PLplot still works afterwards: the process did not exit and the next page is whole.
  plot_thumbnail(dir / "after.png", make_candidate(), thumbnail_options());
  EXPECT_TRUE(fs::exists(dir / "after.png"));
}

TEST(Plot, TwoThreadsAtOnce) {
  TempDir dir;
  const FoldedCandidate c = make_candidate();
  std::string errors[2];
  auto work = [&](int k) {
    try {
      for (int i = 0; i < 3; ++i) {
        plot_candidate_sheet(dir / ("t" + std::to_string(k) + "_" + std::to_string(i) + ".png"), c,
                             PlotOptions{});
      }
    } catch (const std::exception& e) {
      errors[k] = e.what();
    }
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  for (int k = 0; k < 2; ++k) {
    for (int i = 0; i < 3; ++i) {
      const fs::path p = dir / ("t" + std::to_string(k) + "_" + std::to_string(i) + ".png");
      ASSERT_TRUE(fs::exists(p)) << p;
      EXPECT_EQ(test::read_text(p).substr(1, 3), "PNG");
    }
  }
  EXPECT_EQ(dir_names(dir.path()).size(), 6u) << "no temporary files left";
}

// Without the cairo driver (simulated with an empty PLPLOT_DRV_DIR, read once per process, so
// in a child process) plotting is an Environment error that says what to install.
TEST(PlotDeathTest, MissingDriverIsEnvironmentError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TempDir empty;
  const std::string drv_dir = empty.path().string();
  EXPECT_EXIT(
      {
        ::setenv("PLPLOT_DRV_DIR", drv_dir.c_str(), 1);
        try {
          plot_candidate_sheet(empty / "c.png", make_candidate(), PlotOptions{});
        } catch (const Error& e) {
          std::cerr << e.what() << "\n";
          std::_Exit(e.exit_code());
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(static_cast<int>(ErrorKind::Environment)), "plplot-driver-cairo");
}

// Drivers present but not the cairo one: the same error, naming the missing device.
TEST(PlotDeathTest, MissingCairoDeviceIsEnvironmentError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  fs::path system_dir;
  for (const char* lib : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"}) {
    if (!fs::is_directory(lib)) continue;
    for (const auto& e : fs::directory_iterator(lib)) {
      if (e.path().filename().string().rfind("plplot", 0) == 0 &&
          fs::exists(e.path() / "drivers" / "ps.so")) {
        system_dir = e.path() / "drivers";
      }
    }
  }
  if (system_dir.empty())
    GTEST_SKIP() << "PLplot's ps driver not found: cannot build a driver folder without cairo";
  TempDir only_ps;
  fs::create_symlink(system_dir / "ps.so", only_ps.path() / "ps.so");
  fs::create_symlink(system_dir / "ps.driver_info", only_ps.path() / "ps.driver_info");
  const std::string drv_dir = only_ps.path().string();
  EXPECT_EXIT(
      {
        ::setenv("PLPLOT_DRV_DIR", drv_dir.c_str(), 1);
        try {
          plot_candidate_sheet(only_ps / "c.png", make_candidate(), PlotOptions{});
        } catch (const Error& e) {
          std::cerr << e.what() << "\n";
          std::_Exit(e.exit_code());
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(static_cast<int>(ErrorKind::Environment)),
      "device 'pngcairo' is not available.*plplot-driver-cairo");
}

TEST(Plot, SheetText) {
  FoldedCandidate c = make_candidate();
  c.meta.files = {"/data/odd#name.fits"};
  const auto accel =
      plot_detail::candidate_text(c, plot_detail::use_accel_axis(c.meta, PlotSpinAxis::Auto));
  auto has = [](const std::vector<std::string>& lines, const std::string& s) {
    for (const auto& l : lines) {
      if (l.find(s) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(accel.left, "Candidate 3: J1234+5678"));
  EXPECT_TRUE(has(accel.left, "odd##name.fits")) << "'#' is PLplot's escape: doubled to print";
  EXPECT_TRUE(has(accel.left, "tianyan 0.1.0+test"));
  EXPECT_TRUE(has(accel.right, "a = 0.0000 ± 0.0037 m s"))
      << "c fdot_err / f = 3e8 1e-9 / 81.0 m/s^2";
  EXPECT_TRUE(has(accel.right, "P = 12.34567890 ± 0.00000030 ms")) << "P err = 1e3 f_err / f^2";
  const auto pdot = plot_detail::candidate_text(c, false);
  EXPECT_TRUE(has(pdot.right, "Ṗ = "));
  EXPECT_EQ(plot_detail::value_with_error(12.3456789, 0.0000012), "12.3456789 ± 0.0000012");
  EXPECT_EQ(plot_detail::value_with_error(-0.0, 0.25), "0.00 ± 0.25");
  EXPECT_FALSE(plot_detail::use_accel_axis(FoldMeta{}, PlotSpinAxis::Auto))
      << "an ephemeris fold shows Pdot";
  EXPECT_TRUE(plot_detail::use_accel_axis(c.meta, PlotSpinAxis::Auto))
      << "a search candidate shows accel";
  EXPECT_FALSE(plot_detail::use_accel_axis(c.meta, PlotSpinAxis::Pdot));
}

}  // namespace
}  // namespace tianyan
