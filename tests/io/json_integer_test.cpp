// io/json_integer.hpp: integers read back from tianyan's JSON files (campaign.json, the
// fold-archive extension). nlohmann's get<int>() of 1e300 is undefined behaviour.
#include "io/json_integer.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>

#include "io/psrfits/psrfits_fold_format.hpp"

namespace tianyan {
namespace {

using nlohmann::json;

TEST(JsonInteger, IntegersInRangeAreReturned) {
  EXPECT_EQ(json_integer<int>(json(7)), 7);
  EXPECT_EQ(json_integer<int>(json(-3)), -3);
  EXPECT_EQ(json_integer<int>(json(std::numeric_limits<int>::max())),
            std::numeric_limits<int>::max());
  EXPECT_EQ(json_integer<std::size_t>(json(std::numeric_limits<std::uint64_t>::max())),
            std::numeric_limits<std::size_t>::max());
}

TEST(JsonInteger, AnythingElseIsATypeError) {
  for (const json& v : {json(1e300), json(-1e300), json(3.5), json(2.0),
                        json(std::int64_t{1} << 40), json(std::numeric_limits<std::uint64_t>::max()),
                        json("5"), json(true), json(nullptr), json::array({1})}) {
    EXPECT_THROW((void)json_integer<int>(v), json::type_error) << v.dump();
  }
  EXPECT_THROW((void)json_integer<std::size_t>(json(-1)), json::type_error);
  EXPECT_THROW((void)json_integer<std::uint32_t>(json(std::int64_t{1} << 33)), json::type_error);
}

// The fold archive's provenance block, as a person might have edited it.
TEST(JsonInteger, FoldMetaWithAHugeBeamNumberIsRefused) {
  FoldMeta m;
  json j = psrfits_fold::meta_json(m);
  EXPECT_NO_THROW((void)psrfits_fold::meta_from_json(j));
  j["beam"] = 1e300;
  EXPECT_THROW((void)psrfits_fold::meta_from_json(j), json::exception);
  j["beam"] = 1;
  j["nchan"] = -4;
  EXPECT_THROW((void)psrfits_fold::meta_from_json(j), json::exception);
}

}  // namespace
}  // namespace tianyan
