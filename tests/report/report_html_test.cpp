// The page as text: escaping, the JSON blob, the static parts (no browser needed).
#include "io/report/report_html.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"
#include "tests/report/report_test_util.hpp"

namespace tianyan {
namespace {

using nlohmann::json;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// The text of the <script type="application/json"> element.
std::string json_blob(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"cand-data\">";
  const size_t a = page.find(open);
  if (a == std::string::npos) return "";
  const size_t b = page.find("</script>", a);
  return page.substr(a + open.size(), b - a - open.size());
}

TEST(ReportHtml, EscapesTextAndAttributes) {
  EXPECT_EQ(html_escape("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&#39;d");
  EXPECT_EQ(html_escape("plain_name-1.png"), "plain_name-1.png");
  EXPECT_EQ(url_path_encode("sub/cand 7#x?.png"), "sub/cand%207%23x%3F.png");
  EXPECT_EQ(url_path_encode("javascript:alert(1)"), "javascript%3Aalert%281%29");
  EXPECT_EQ(url_path_encode("\xc3\xa9"), "%C3%A9");  // UTF-8 bytes one by one
}

TEST(ReportHtml, JsonForScriptCannotCloseTheElement) {
  const json value = {{"s", "</script><!--<script>"}, {"t", "a<b"}};
  const std::string text = json_for_script(value);
  EXPECT_EQ(text.find('<'), std::string::npos);
  EXPECT_EQ(json::parse(text), value);  // \u003c reads back as '<'
}

TEST(ReportHtml, PageIsSelfContainedAndEscaped) {
  test::TempDir dir;
  const auto rows = test::seeded_rows(20, dir.path());
  const json meta = {{"version", "0.1.0 <x>"}, {"source", test::kEvilScan}};
  const std::string page = format_report_html(rows, {"overview.png"}, meta);
  // Offline: no URL with a scheme, no external script, style or font.
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
  EXPECT_EQ(page.find(" src=\"/"), std::string::npos);
  // The hostile names never appear as markup anywhere (page, noscript table, blob, metadata).
  EXPECT_EQ(page.find("id=\"inj"), std::string::npos);
  EXPECT_EQ(page.find("<img id"), std::string::npos);
  EXPECT_EQ(count(page, "</script>"), 2U);  // the blob's and the code's own
  EXPECT_NE(page.find("scan&lt;img id=&quot;inj&quot; src=x&gt;&amp;&quot;&#39;"),
            std::string::npos);
  EXPECT_NE(page.find("href=\"cand%207%20%23%22odd%22%20%3Cx%3E.png\""), std::string::npos);
  // The blob holds every row, with the names intact.
  const json blob = json::parse(json_blob(page));
  ASSERT_EQ(blob["rows"].size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& r = blob["rows"][i];
    EXPECT_EQ(r["rank"], rows[i].rank);
    EXPECT_EQ(r["scan"], rows[i].cand.scan);
    EXPECT_EQ(r["dm"].get<double>(), rows[i].cand.dm);  // exact round trip
    EXPECT_EQ(r["period_ms"].get<double>(), 1e3 / rows[i].cand.freq_hz);
    EXPECT_EQ(r["folded"], rows[i].folded);
    EXPECT_EQ(r["fold_snr"].is_null(), !rows[i].folded);
  }
  // The static fallback lists every row too.
  const size_t ns = page.find("<noscript>");
  ASSERT_NE(ns, std::string::npos);
  EXPECT_EQ(count(page.substr(ns, page.find("</noscript>") - ns), "<tr><td>"), rows.size());
}

TEST(ReportHtml, NonFiniteValuesBecomeNull) {
  ReportRow r;
  r.rank = 1;
  r.cand.freq_hz = 0;  // period infinite
  r.cand.sigma = std::numeric_limits<double>::quiet_NaN();
  const json blob = json::parse(json_blob(format_report_html({r}, {}, json::object())));
  EXPECT_TRUE(blob["rows"][0]["period_ms"].is_null());
  EXPECT_TRUE(blob["rows"][0]["sigma"].is_null());
}

TEST(ReportHtml, MetadataRenderedGenerically) {
  const json meta = {
      {"configuration", "[search]\nmax_harm = 16\n"},
      {"inputs", {"a.fits", "b<1>.fits"}},
      {"timings", {{"search_s", 12.5}, {"fold_s", 3.25}}},
      {"plan", {{"steps", json::array({{{"dm_lo", 0}, {"dm_hi", 100}}})}}},
  };
  const std::string page = format_report_html({}, {}, meta);
  const size_t at = page.find("<section id=\"metadata\">");
  ASSERT_NE(at, std::string::npos);
  const std::string m = page.substr(at);
  EXPECT_NE(m.find("<pre class=\"config\">[search]\nmax_harm = 16\n</pre>"), std::string::npos);
  EXPECT_NE(m.find("<li>b&lt;1&gt;.fits</li>"), std::string::npos);
  EXPECT_NE(m.find("<tr><th scope=\"row\">search_s</th><td>12.5</td></tr>"), std::string::npos);
  EXPECT_NE(m.find("<th scope=\"row\">dm_hi</th><td>100</td>"), std::string::npos);
  // configuration, inputs, timings first; then the rest.
  EXPECT_LT(m.find("<h3>configuration</h3>"), m.find("<h3>inputs</h3>"));
  EXPECT_LT(m.find("<h3>inputs</h3>"), m.find("<h3>timings</h3>"));
  EXPECT_LT(m.find("<h3>timings</h3>"), m.find("<h3>plan</h3>"));
}

TEST(ReportHtml, RejectsNamesOutsideTheFolder) {
  ReportRow r;
  r.rank = 1;
  r.cand.freq_hz = 1;
  for (const char* bad : {"/etc/passwd", "../up.png", "a/../../b.png"}) {
    r.plot = bad;
    try {
      (void)format_report_html({r}, {}, json::object());
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Internal);
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos);
    }
  }
  EXPECT_THROW((void)format_report_html({}, {"/abs.png"}, json::object()), Error);
}

TEST(ReportHtml, WritesAtomically) {
  test::TempDir dir;
  const std::string out = dir / "sub";
  write_report_html(out, {}, {}, json::object());
  EXPECT_EQ(test::read_text(out + "/report.html"), format_report_html({}, {}, json::object()));
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(out)) entries += e.exists() ? 1 : 0;
  EXPECT_EQ(entries, 1U);  // no temporary file left behind
}

}  // namespace
}  // namespace tianyan
