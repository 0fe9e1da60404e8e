// Reading back what a manifest.json written by manifest_json() says about its sweep: the sweep
// configuration as given (file name, text, --set, --quick) and the shard it ran, so that
// `normlab merge` and `normlab runs` can rebuild the sweep's run plan without the original file.
#pragma once

#include <string>
#include <vector>

#include "experiments/harness/sweep_config.hpp"

namespace normlab {

struct ManifestSweep {
  std::string name, config_file, config_text, shard;  // shard: "I/N" or ""
  std::vector<std::string> sets;
  bool quick = false;
  // The configuration, parsed again exactly as the sweep parsed it (InputError if it no longer
  // parses, e.g. a key this normlab does not know).
  SweepConfig config() const;
};

// InputError naming the file when it is missing or not a manifest of normlab's.
ManifestSweep read_manifest_sweep(const std::string& path);

}  // namespace normlab
