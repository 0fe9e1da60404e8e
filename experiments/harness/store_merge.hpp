// normlab merge: stores of one sweep (shards run on other machines, copies of a results directory)
// combined into one. Run ids are content, so merging is a union; a run present in two stores
// with different results (curves, layer statistics or final metrics; wall time aside) is an
// error naming the id, and nothing is changed. The merged store's tables are then the view of
// the whole sweep, rebuilt from the configuration its manifests record.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace normlab {

struct MergeCounts {
  std::size_t copied = 0, already = 0;  // runs copied in; runs that were there with the same results
  std::size_t selected = 0, done = 0;   // the whole sweep's runs, and how many of them are done
};

MergeCounts merge_stores(const std::string& into, const std::vector<std::string>& sources,
                         const std::string& command_line);

}  // namespace normlab
