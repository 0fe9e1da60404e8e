// A model's layers with their output shapes and parameter counts, as `normlab model` prints them.
// Buffer counts leave out num_batches_tracked, as Normalizer::buffer_count() does.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "experiments/models/model.hpp"

namespace normlab {

struct LayerSummary {
  std::string name;         // "3", or "3.conv1" inside a composite layer
  std::string description;  // Layer::describe()
  Shape output_shape;       // without the batch dim; empty for a sublayer
  std::size_t parameters = 0, buffers = 0;  // element counts, sublayers included
};

struct ModelSummary {
  std::vector<LayerSummary> layers;
  std::size_t parameters = 0, buffers = 0;
};

template <class T>
ModelSummary summarize(Model<T>& model);

template <class T>
std::size_t parameter_count(Model<T>& model);

// 41994 -> "41,994".
std::string thousands(std::size_t n);

void print_summary(std::ostream& out, const ModelSummary& summary);

}  // namespace normlab
