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

namespace {

// The same model in either dtype: the initialization stream draws the same values, which a double
// model keeps and a float model rounds.
template <class T>
TrainResult train_as(const RunConfig& run, const Dataset& data, MetricSink& sink,
                     const StepProgress& progress, const CheckpointOptions& checkpoint, ReplicaGroup* replicas) {
  Rng init_rng = Rng::stream(run.train.seed, "init");
  Model<T> model = build_model<T>(run.model, data.sample_shape, data.num_classes, init_rng);
  return train(model, data, run.train, sink, progress, checkpoint, replicas);
}

}  // namespace

TrainingRuns::TrainingRuns() : cache_(std::make_shared<DatasetCache>()) {}
TrainingRuns::~TrainingRuns() = default;

void TrainingRuns::expect(const std::vector<const RunConfig*>& pending) {
  for (const RunConfig* run : pending) cache_->expect({run->data, run->train.seed});
}

TrainResult TrainingRuns::operator()(const RunConfig& run, MetricSink& sink, const StepProgress& progress,
                                     ReplicaGroup* replicas) {
  const DatasetCache::Key key{run.data, run.train.seed};
  struct Release {  // the dataset is released however the run ends
    DatasetCache& cache;
    const DatasetCache::Key& key;
    ~Release() { cache.release(key); }
  } release{*cache_, key};
  const std::shared_ptr<const Dataset> data = cache_->acquire(key);
  CheckpointOptions checkpoint;
  checkpoint.path = run.checkpoint_file;
  checkpoint.every = run.checkpoint_every;
  // What `normlab eval` needs to rebuild the model without the sweep's configuration.
  std::string sample_shape;
  for (std::size_t d : data->sample_shape) sample_shape += (sample_shape.empty() ? "" : ",") + std::to_string(d);
  checkpoint.metadata = {{"run_id", run.id},          {"label", run.label},
                         {"model", run.model.model},  {"norm", run.model.norm},
                         {"placement", run.model.placement}, {"reparam", run.model.reparam}, {"bias", run.model.bias},
                         {"init", run.model.init},    {"data", run.data},
                         {"sample_shape", sample_shape}, {"num_classes", std::to_string(data->num_classes)},
                         {"seed", std::to_string(run.train.seed)}, {"loss", run.train.loss},
                         {"batch_size", std::to_string(run.train.batch_size)}};
  if (run.dtype != "float32") checkpoint.metadata.emplace_back("dtype", run.dtype);
  return run.dtype == "float64" ? train_as<double>(run, *data, sink, progress, checkpoint, replicas)
                                : train_as<float>(run, *data, sink, progress, checkpoint, replicas);
}

}  // namespace normlab
