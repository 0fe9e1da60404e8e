#include "experiments/harness/training_run.hpp"

#include <future>
#include <map>
#include <mutex>

#include "experiments/data/make_dataset.hpp"

namespace normlab {

class DatasetCache {
 public:
  using Key = std::pair<std::string, std::uint64_t>;  // (data spec, seed)

  void expect(const Key& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++entries_[key].remaining_uses;
  }

  // The dataset of `key`, made by the first caller while later callers wait for it.
  std::shared_ptr<const Dataset> acquire(const Key& key) {
    std::shared_future<std::shared_ptr<const Dataset>> future;
    std::promise<std::shared_ptr<const Dataset>> promise;
    bool make = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Entry& e = entries_[key];
      if (!e.dataset.valid()) {
        e.dataset = promise.get_future().share();
        make = true;
      }
      future = e.dataset;
    }
    if (make) {
      try {
        promise.set_value(std::make_shared<const Dataset>(make_dataset(key.first, key.second)));
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
    }
    return future.get();
  }

  void release(const Key& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = entries_.find(key);
    if (found == entries_.end()) return;
    if (found->second.remaining_uses <= 1) entries_.erase(found);
    else --found->second.remaining_uses;
  }

 private:
  struct Entry {
    std::size_t remaining_uses = 0;
    std::shared_future<std::shared_ptr<const Dataset>> dataset;
  };
  std::mutex mutex_;
  std::map<Key, Entry> entries_;
};

TrainingRuns::TrainingRuns() : cache_(std::make_shared<DatasetCache>()) {}
TrainingRuns::~TrainingRuns() = default;

void TrainingRuns::expect(const std::vector<const RunConfig*>& pending) {
  for (const RunConfig* run : pending) cache_->expect({run->data, run->train.seed});
}

TrainResult TrainingRuns::operator()(const RunConfig& run, MetricSink& sink, const StepProgress& progress) {
  const DatasetCache::Key key{run.data, run.train.seed};
  struct Release {  // the dataset is released however the run ends
    DatasetCache& cache;
    const DatasetCache::Key& key;
    ~Release() { cache.release(key); }
  } release{*cache_, key};
  const std::shared_ptr<const Dataset> data = cache_->acquire(key);
  Rng init_rng = Rng::stream(run.train.seed, "init");
  Model<float> model = build_model<float>(run.model, data->sample_shape, data->num_classes, init_rng);
  return train(model, *data, run.train, sink, progress);
}

}  // namespace normlab
