// A run's identity is its content: the fully resolved configuration (every key as the run uses
// it, after [quick], --set and lr_scaling) and normlab's result version, never its position in a
// sweep. Adding a seed to a sweep therefore reuses every finished run, and changing `steps` makes
// new runs beside the old ones instead of replacing them.
//
//   canonical text   one "key=value\n" line per configuration key in config_keys() order (the
//                    unused one of steps/epochs left out), then "result_version=N\n"
//   run id           the first 16 hex digits of the text's 64-bit FNV-1a hash; the store keeps the
//                    text beside the results, so a (vanishingly unlikely) collision is detected
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace normlab {

// Bumped whenever a change to normlab changes what a run with a given configuration produces
// (curves, final metrics, layer statistics), so that older stored results are not reused as if
// they were current ones.
constexpr int kResultVersion = 1;

using KeyValues = std::vector<std::pair<std::string, std::string>>;  // (key, value as text)

std::string canonical_config(const KeyValues& values);
std::string run_id_of(const std::string& canonical);

}  // namespace normlab
