// What a run will hold in memory, estimated in validation from its model (built once on a small
// copy of the data), batch size and data set size, so that an impossible run is a configuration
// error (exit 2) that says how much it would need, not a bad_alloc part way through a sweep.
//   parameters   4 copies: the values, their gradients and up to two optimizer moments (Adam)
//   activations  3 copies per layer output, per sample: outputs, input gradients, scratch
//   data         the training and test splits, float32
// The estimate errs on the large side; the limit is the machine's physical memory.
#pragma once

#include <cstddef>
#include <string>

#include "experiments/models/model.hpp"

namespace normlab {

struct ModelFootprint {
  double parameters = 0;              // learnable values
  double activations_per_sample = 0;  // elements of every layer output for one sample
};
ModelFootprint model_footprint(Model<float>& model, const Shape& sample_shape);

double run_bytes(const ModelFootprint& model, std::size_t batch_size, double data_elements);
double physical_memory_bytes();
std::string gib(double bytes);  // "3.2 GiB"

}  // namespace normlab
