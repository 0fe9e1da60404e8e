// Reading back what a manifest.json written by manifest_json() says: the sweep configuration as
// given (file name, text, --set, --quick) and the shard it ran, so that `normlab merge` and
// `normlab runs` can rebuild the sweep's run plan without the original file; and its name, state
// and view counts, for a sweep that resumes and for the readers that report an incomplete view.
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

// What a reader needs of an existing manifest.json (empty fields when absent or unreadable).
struct ManifestSummary {
  bool exists = false;
  std::string name, state, view_id;
  std::size_t selected = 0, done = 0;
};
ManifestSummary read_manifest_summary(const std::string& path);

// The sweep's state as a reader should report it, e.g. "interrupted: 2/24 runs done; rerun the
// same command to resume", or "" when complete. `locked`: a live process holds DIR/.lock.
std::string incomplete_note(const ManifestSummary& manifest, bool locked);


}  // namespace normlab
