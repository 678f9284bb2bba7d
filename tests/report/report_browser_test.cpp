// report.html in a real browser: headless chromium loads the page (and, for the click test, a
// harness page around it) and dumps the DOM after the scripts ran; the tests read the rows the
// page's JS built (<tr data-rank=..> in #cand-body) and compare with orders computed here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "io/report/report_html.hpp"
#include "tests/common/test_util.hpp"
#include "tests/report/report_test_util.hpp"

namespace tianyan {
namespace {

namespace fs = std::filesystem;

std::string find_chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
                        "/usr/bin/google-chrome-stable", "/snap/bin/chromium"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

class ReportBrowser : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    rows_ = new std::vector<ReportRow>(test::seeded_rows(20, dir_->path()));
    test::write_bytes(dir_->path() / "overview.png", test::tiny_png(0, 0, 200));
    write_report_html(dir_->path().string(), *rows_, {"overview.png"},
                      {{"configuration", "[search]\nmax_harm = 16\n"}, {"inputs", {"a.fits"}}});
  }
  static void TearDownTestSuite() {
    delete rows_;
    delete dir_;
  }
  void SetUp() override {
    chromium_ = find_chromium();
    if (chromium_.empty()) {
      GTEST_SKIP() << "no chromium found (/usr/bin/chromium, chromium-browser, google-chrome); "
                      "scripts/test.sh installs Debian's chromium";
    }
  }

  // The DOM of file://DIR/PAGE?QUERY once the page loaded. Running as root needs --no-sandbox;
  // a profile of its own keeps runs independent.
  std::string dump_dom(const std::string& page, const std::string& query,
                       const std::string& extra_flags = "") {
    const test::TempDir profile;
    const std::string url = "file://" + url_path_encode((dir_->path() / page).string()) +
                            (query.empty() ? "" : "?" + query);
    const auto r =
        test::run_shell("timeout 120 '" + chromium_ +
                        "' --headless=new --no-sandbox --disable-gpu --no-first-run "
                        "--disable-extensions --user-data-dir='" +
                        profile.path().string() + "' " + extra_flags + " --dump-dom '" + url + "'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  // Ranks of the rows that pass `keep`, ordered by `less` with ties by rank (the page's rule).
  static std::vector<int> expected(
      const std::function<bool(const ReportRow&)>& keep,
      const std::function<bool(const ReportRow&, const ReportRow&)>& less) {
    std::vector<ReportRow> sel;
    for (const auto& r : *rows_) {
      if (keep(r)) sel.push_back(r);
    }
    std::sort(sel.begin(), sel.end(), [&](const ReportRow& a, const ReportRow& b) {
      if (less(a, b)) return true;
      if (less(b, a)) return false;
      return a.rank < b.rank;
    });
    std::vector<int> ranks;
    for (const auto& r : sel) ranks.push_back(r.rank);
    return ranks;
  }
  static bool all(const ReportRow&) { return true; }

  static test::TempDir* dir_;
  static std::vector<ReportRow>* rows_;
  std::string chromium_;
};
test::TempDir* ReportBrowser::dir_ = nullptr;
std::vector<ReportRow>* ReportBrowser::rows_ = nullptr;

TEST_F(ReportBrowser, ListsEveryCandidateInRankOrder) {
  const std::string dom = dump_dom("report.html", "");
  const auto ranks = test::body_ranks(dom);
  std::vector<int> want(rows_->size());
  for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<int>(i) + 1;
  EXPECT_EQ(ranks, want);
  EXPECT_NE(dom.find("20 of 20 candidates shown"), std::string::npos);
  // Hostile names are text, not elements.
  EXPECT_EQ(dom.find("<img id=\"inj\""), std::string::npos);
  EXPECT_EQ(dom.find("<b id=\"inj2\""), std::string::npos);
  EXPECT_NE(dom.find("scan&lt;img id=\"inj\" src=x&gt;&amp;\"'"), std::string::npos);
  EXPECT_NE(dom.find("&lt;/script&gt;&lt;b id=\"inj2\"&gt;x&lt;/b&gt;&lt;!--"), std::string::npos);
  EXPECT_EQ(dom.find("http://"), std::string::npos);
  EXPECT_EQ(dom.find("https://"), std::string::npos);
}

TEST_F(ReportBrowser, SortParameterOrdersRows) {
  const auto by_dm = test::body_ranks(dump_dom("report.html", "sort=dm&order=asc"));
  EXPECT_EQ(by_dm,
            expected(all, [](const auto& a, const auto& b) { return a.cand.dm < b.cand.dm; }));
  const auto by_sigma = test::body_ranks(dump_dom("report.html", "sort=sigma&order=desc"));
  EXPECT_EQ(by_sigma, expected(all, [](const auto& a, const auto& b) {
              return a.cand.sigma > b.cand.sigma;
            }));
  EXPECT_NE(by_dm, by_sigma);
}

TEST_F(ReportBrowser, AbsentValuesSortLast) {
  // Unfolded rows have no fold S/N: they come last even in ascending order, by rank.
  auto fold_asc = [](const ReportRow& a, const ReportRow& b) {
    if (a.folded != b.folded) return a.folded;
    return a.folded && a.fold_snr < b.fold_snr;
  };
  const auto want = expected(all, fold_asc);
  ASSERT_FALSE((*rows_)[2].folded);  // the seeded rows include unfolded ones
  EXPECT_EQ(test::body_ranks(dump_dom("report.html", "sort=fold_snr&order=asc")), want);
}

TEST_F(ReportBrowser, FilterParametersHideRows) {
  const double min_sigma = 8, dm_min = 100, dm_max = 450, p_min = 5, p_max = 1500;
  auto keep = [&](const ReportRow& r) {
    const double p_ms = 1e3 / r.cand.freq_hz;
    return r.cand.sigma >= min_sigma && r.cand.dm >= dm_min && r.cand.dm <= dm_max &&
           p_ms >= p_min && p_ms <= p_max;
  };
  const auto want = expected(
      keep, [](const auto& a, const auto& b) { return 1 / a.cand.freq_hz < 1 / b.cand.freq_hz; });
  ASSERT_GT(want.size(), 2U);  // the seed gives a selection that is neither empty nor everything
  ASSERT_LT(want.size(), rows_->size() - 2);
  const std::string dom = dump_dom(
      "report.html", "sort=period&order=asc&min_sigma=8&dm_min=100&dm_max=450&p_min=5&p_max=1500");
  EXPECT_EQ(test::body_ranks(dom), want);
  EXPECT_NE(dom.find(std::to_string(want.size()) + " of 20 candidates shown"), std::string::npos);
}

// Scripted clicks on the real header buttons: a harness page loads report.html in an iframe
// (same origin only with --allow-file-access-from-files), clicks "DM" once and "Sigma" twice,
// and writes the resulting orders and the overview image's size into its own DOM.
TEST_F(ReportBrowser, ClickingHeadersSorts) {
  test::write_bytes(dir_->path() / "harness.html", R"(<!DOCTYPE html><html><body>
<pre id="out"></pre>
<iframe id="f" src="report.html" width="1200" height="800"></iframe>
<script>
document.getElementById('f').addEventListener('load', () => {
  const out = [];
  try {
    const d = document.getElementById('f').contentDocument;
    const ranks = () =>
        Array.from(d.querySelectorAll('#cand-body tr')).map((tr) => tr.dataset.rank).join(',');
    const click = (key) => d.querySelector('th[data-key="' + key + '"] button').click();
    click('dm');
    out.push('dm:' + ranks());
    click('sigma');
    out.push('sigma1:' + ranks());
    click('sigma');
    out.push('sigma2:' + ranks());
    const img = d.querySelector('#overview img');
    out.push('overview:' + img.naturalWidth + 'x' + img.naturalHeight);
  } catch (e) {
    out.push('error:' + e);
  }
  document.getElementById('out').textContent = out.join('\n');
});
</script></body></html>)");
  const std::string dom = dump_dom("harness.html", "", "--allow-file-access-from-files");
  auto join = [](const std::vector<int>& v) {
    std::string s;
    for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
    return s;
  };
  const auto dm_asc =
      expected(all, [](const auto& a, const auto& b) { return a.cand.dm < b.cand.dm; });
  const auto sigma_desc =
      expected(all, [](const auto& a, const auto& b) { return a.cand.sigma > b.cand.sigma; });
  const auto sigma_asc =
      expected(all, [](const auto& a, const auto& b) { return a.cand.sigma < b.cand.sigma; });
  const size_t out = dom.find("<pre id=\"out\">");
  ASSERT_NE(out, std::string::npos) << dom;
  const std::string result = dom.substr(out, dom.find("</pre>", out) - out);
  EXPECT_EQ(result.find("error:"), std::string::npos) << result;
  EXPECT_NE(result.find("dm:" + join(dm_asc) + "\n"), std::string::npos) << result;
  EXPECT_NE(result.find("sigma1:" + join(sigma_desc) + "\n"), std::string::npos);  // first click
  EXPECT_NE(result.find("sigma2:" + join(sigma_asc) + "\n"), std::string::npos);   // toggled
  EXPECT_NE(result.find("overview:1x1"), std::string::npos);  // the local PNG loaded offline
}

}  // namespace
}  // namespace tianyan
