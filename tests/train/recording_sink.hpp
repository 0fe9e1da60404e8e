// A MetricSink that keeps every record, for assertions.
#pragma once

#include <string>
#include <vector>

#include "experiments/train/trainer.hpp"

struct MetricRecord {
  std::size_t step;
  double epoch;
  std::string split, metric;
  double value;
};

struct StatRecord {
  std::size_t step;
  std::string layer, stat;
  double value;
};

class RecordingSink : public normlab::MetricSink {
 public:
  void metric(std::size_t step, double epoch, const std::string& split, const std::string& metric,
              double value) override {
    metrics.push_back({step, epoch, split, metric, value});
  }
  void layer_stat(std::size_t step, const std::string& layer, const std::string& stat, double value) override {
    stats.push_back({step, layer, stat, value});
  }
  std::vector<MetricRecord> select(const std::string& split, const std::string& metric) const {
    std::vector<MetricRecord> out;
    for (const auto& r : metrics)
      if (r.split == split && r.metric == metric) out.push_back(r);
    return out;
  }
  std::vector<MetricRecord> metrics;
  std::vector<StatRecord> stats;
};
