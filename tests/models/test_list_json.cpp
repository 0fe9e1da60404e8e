// normlab list --json through the executable: valid JSON (read with Boost.PropertyTree's
// parser) holding every family's registry, every kind with its keys, and every normalizer with
// its role and statistics traits, in the registry's order.
#include <catch2/catch.hpp>

#include <sstream>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "experiments/data/make_dataset.hpp"
#include "experiments/init/init.hpp"
#include "experiments/models/model_registry.hpp"
#include "experiments/optim/optimizer.hpp"
#include "experiments/optim/schedule.hpp"
#include "norms/registry.hpp"
#include "run_normlab.hpp"

namespace normlab::testing {

namespace {

using boost::property_tree::ptree;

ptree family_of(const ptree& root, const std::string& name) {
  for (const auto& [unused, family] : root.get_child("families"))
    if (family.get<std::string>("family") == name) return family;
  FAIL("family " << name << " is not in normlab list --json");
  return {};
}

template <class Entry>
void check_family(const ptree& root, const KindRegistry<Entry>& registry) {
  INFO("family " << registry.family());
  const ptree family = family_of(root, registry.family());
  std::vector<std::string> kinds;
  for (const auto& item : family.get_child("kinds")) {
    const ptree& kind = item.second;
    kinds.push_back(kind.get<std::string>("kind"));
    const Entry& entry = registry.find(kinds.back());
    CHECK(kind.get<std::string>("doc") == entry.doc);
    std::vector<std::string> keys;
    for (const auto& key : kind.get_child("keys")) keys.push_back(key.second.get<std::string>("name"));
    std::vector<std::string> expected;
    for (const auto& key : entry.keys) expected.push_back(key.name);
    CHECK(keys == expected);
  }
  CHECK(kinds == registry.kind_names());
}

}  // namespace

TEST_CASE("normlab list --json is valid JSON listing every family, kind, key and normalizer role") {
  const CommandResult result = run_normlab("list --json");
  REQUIRE(result.exit_status == 0);
  ptree root;
  std::istringstream in(result.output);
  REQUIRE_NOTHROW(boost::property_tree::read_json(in, root));
  check_family(root, normalizer_registry());
  check_family(root, model_registry());
  check_family(root, init_registry());
  check_family(root, dataset_registry());
  check_family(root, optimizer_registry());
  check_family(root, schedule_registry());
  const ptree normalizers = family_of(root, "normalizer");
  for (const auto& [unused, kind] : normalizers.get_child("kinds")) {
    const NormalizerTraits& traits = normalizer_registry().find(kind.get<std::string>("kind")).traits;
    INFO("normalizer " << kind.get<std::string>("kind"));
    CHECK(kind.get<std::string>("role") == role_name(traits.role));
    CHECK(kind.get<bool>("batch_statistics") == traits.batch_statistics);
    CHECK(kind.get<bool>("running_buffers") == traits.running_buffers);
    CHECK(kind.get_child("examples").size() == traits.examples.size());
  }
  // A key without a default is null, not "".
  CHECK(result.output.find("\"default\": null") != std::string::npos);
}

}  // namespace normlab::testing
