// discover_beams: files, directories and globs into beams (FAST series grouped by scan and beam).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "io/reader.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan {
namespace {

// Discovery looks at names only, so empty files stand in for data.
void touch(const test::TempDir& dir, const std::vector<std::string>& names) {
  for (const auto& n : names) test::write_bytes(dir.path() / n, "");
}

void expect_bad_input(const std::vector<std::string>& paths, const std::string& fragment) {
  try {
    discover_beams(paths);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Discover, FastSeriesAreGroupedByBeamAndOrderedBySerial) {
  test::TempDir dir;
  touch(dir, {"J0528+2200_tracking-M02_0002.fits", "J0528+2200_tracking-M01_0002.fits",
              "J0528+2200_tracking-M01_0001.fits", "J0528+2200_tracking-M02_0001.fits",
              "J0528+2200_tracking-M01_0010.fits", "notes.txt"});
  const auto beams = discover_beams({dir.path().string()});
  ASSERT_EQ(beams.size(), 2u);
  EXPECT_EQ(beams[0].scan, "J0528+2200_tracking");
  EXPECT_EQ(beams[0].beam, 1);
  EXPECT_EQ(beams[1].beam, 2);
  const std::vector<std::string> m01 = {dir / "J0528+2200_tracking-M01_0001.fits",
                                        dir / "J0528+2200_tracking-M01_0002.fits",
                                        dir / "J0528+2200_tracking-M01_0010.fits"};
  EXPECT_EQ(beams[0].files, m01);
  EXPECT_EQ(beams[1].files.size(), 2u);
}

TEST(Discover, MissingSerialIsKeptForTheReaderToCheck) {
  test::TempDir dir;
  touch(dir, {"scan_arcdrift-M19_0001.fits.fz", "scan_arcdrift-M19_0003.fits.fz"});
  const auto beams = discover_beams({dir / "scan_arcdrift-M19_*.fits.fz"});
  ASSERT_EQ(beams.size(), 1u);
  EXPECT_EQ(beams[0].beam, 19);
  EXPECT_EQ(beams[0].files.size(), 2u);
}

TEST(Discover, OtherFilesAreBeamsOfTheirOwnAndFilterbanksAreNotMerged) {
  test::TempDir dir;
  touch(dir, {"b.fil", "a.fil", "obs.fits", "x.fits.fz"});
  std::filesystem::create_directory(dir.path() / "sub");
  touch(dir, {"sub/deep.fits"});  // not recursive
  const auto beams = discover_beams({dir.path().string()});
  ASSERT_EQ(beams.size(), 4u);
  EXPECT_EQ(beams[0].scan, "a");
  EXPECT_EQ(beams[1].scan, "b");
  EXPECT_EQ(beams[2].scan, "obs");
  EXPECT_EQ(beams[3].scan, "x");
  for (const auto& b : beams) {
    EXPECT_EQ(b.beam, 0);
    EXPECT_EQ(b.files.size(), 1u);
  }
}

TEST(Discover, OrderIsDeterministicAndDuplicatesCollapse) {
  test::TempDir dir;
  touch(dir, {"s-M03_0001.fits", "s-M03_0002.fits", "z.fil", "a.fits"});
  const auto one = discover_beams({dir / "z.fil", dir / "s-M03_0002.fits", dir / "a.fits",
                                   dir / "s-M03_0001.fits", dir / "a.fits"});
  const auto two = discover_beams({dir.path().string()});
  ASSERT_EQ(one.size(), 3u);
  ASSERT_EQ(two.size(), 3u);
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].scan, two[i].scan);
    EXPECT_EQ(one[i].beam, two[i].beam);
    EXPECT_EQ(one[i].files, two[i].files);
  }
  EXPECT_EQ(one[0].scan, "a");
  EXPECT_EQ(one[1].scan, "s");
  EXPECT_EQ(one[1].files.front(), dir / "s-M03_0001.fits");
}

TEST(Discover, SameScanInTwoDirectoriesStaysApart) {
  test::TempDir a, b;
  touch(a, {"s-M01_0001.fits"});
  touch(b, {"s-M01_0002.fits"});
  EXPECT_EQ(discover_beams({a.path().string(), b.path().string()}).size(), 2u);
}

TEST(Discover, MissingPathsAndEmptyMatchesAreBadInput) {
  test::TempDir dir;
  expect_bad_input({dir / "nothing.fits"}, "no such file");
  expect_bad_input({dir / "*.fits"}, "matches no file");
  expect_bad_input({dir.path().string()}, "no .fits");
  touch(dir, {"s-M01_0001.fits", "s-M01_0001.fits.fz"});
  expect_bad_input({dir.path().string()}, "serial 1");
}

}  // namespace
}  // namespace tianyan
