// A model rebuilt from a checkpoint alone: its __metadata__ names the model spec, normalizer,
// placement, bias, initialization and the sample shape and class count it was built for, and its
// tensors give the parameters, buffers and random streams. For `normlab eval` and
// `normlab model --from`.
#pragma once

#include <cstdint>
#include <string>

#include "experiments/models/model.hpp"

namespace normlab {

struct SavedModel {
  ModelOptions options;
  Model<float> model;
  std::string data;  // the data spec it was trained on
  std::string loss;  // its training loss (cross_entropy or mse)
  std::size_t batch_size = 0, step = 0;
  std::uint64_t seed = 0;  // the run's seed (synthetic data sets and splits depend on it)
  std::string run_id;
};

// InputError naming the file for a corrupt or truncated file, a checkpoint of another normlab
// result version, missing metadata, or tensors that do not fit the model the metadata describes.
SavedModel load_saved_model(const std::string& path);

}  // namespace normlab
