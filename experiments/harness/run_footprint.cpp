#include "experiments/harness/run_footprint.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace normlab {

ModelFootprint model_footprint(Model<float>& model, const Shape& sample_shape) {
  ModelFootprint f;
  for (const auto& p : model.parameters()) f.parameters += double(p.value->size());
  Shape shape{1};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  for (const auto& layer : model.layers()) {
    shape = layer->output_shape(shape);
    f.activations_per_sample += double(shape_product(shape));
  }
  return f;
}

double run_bytes(const ModelFootprint& model, std::size_t batch_size, double data_elements) {
  constexpr double kFloat = 4;
  return kFloat * (4 * model.parameters + 3 * model.activations_per_sample * double(batch_size) + data_elements);
}

double physical_memory_bytes() { return double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGESIZE)); }

std::string gib(double bytes) { return fmt::format("{:.1f} GiB", bytes / double(1ull << 30)); }

}  // namespace normlab
