// A MetricSink that passes every record on and keeps a copy, so that a checkpoint can hold the
// records of the steps before it and a resumed run can emit them again, value for value: the
// resumed run's curves and layer statistics are then those of an uninterrupted run.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "experiments/train/trainer.hpp"

namespace normlab {

class RecordKeepingSink final : public MetricSink {
 public:
  struct Record {
    bool layer_stat = false;
    std::size_t step = 0;
    double epoch = 0;                   // metrics only
    std::size_t first = 0, second = 0;  // indices into names(): split and metric, or layer and stat
    double value = 0;
  };

  explicit RecordKeepingSink(MetricSink& target) : target_(target) {}

  void metric(std::size_t step, double epoch, const std::string& split, const std::string& metric,
              double value) override {
    records_.push_back({false, step, epoch, index_of(split), index_of(metric), value});
    target_.metric(step, epoch, split, metric, value);
  }
  void layer_stat(std::size_t step, const std::string& layer, const std::string& stat,
                  double value) override {
    records_.push_back({true, step, 0, index_of(layer), index_of(stat), value});
    target_.layer_stat(step, layer, stat, value);
  }

  // Probe records are passed on but not kept: a sweep refuses probes with checkpoints
  // (combination_checks.cpp), as a checkpoint does not hold them.
  void probe(std::size_t step, const std::string& layer, const std::string& probe, const std::string& stat,
             double value) override {
    target_.probe(step, layer, probe, stat, value);
  }

  // Passes saved records on (and keeps them), in their order.
  void replay(const std::vector<std::string>& names, const std::vector<Record>& records) {
    for (const Record& r : records) {
      if (r.layer_stat)
        layer_stat(r.step, names.at(r.first), names.at(r.second), r.value);
      else
        metric(r.step, r.epoch, names.at(r.first), names.at(r.second), r.value);
    }
  }

  const std::vector<std::string>& names() const { return names_; }
  const std::vector<Record>& records() const { return records_; }

 private:
  std::size_t index_of(const std::string& name) {
    const auto found = index_.find(name);
    if (found != index_.end()) return found->second;
    names_.push_back(name);
    return index_[name] = names_.size() - 1;
  }

  MetricSink& target_;
  std::vector<std::string> names_;
  std::map<std::string, std::size_t> index_;
  std::vector<Record> records_;
};

}  // namespace normlab
