#include "experiments/models/model_summary.hpp"

#include <algorithm>

namespace normlab {

namespace {

template <class T>
LayerSummary summarize_layer(Layer<T>& layer, const std::string& name) {
  LayerSummary row{name, layer.describe(), {}, 0, 0};
  for (auto& p : layer.parameters()) row.parameters += p.value->size();
  for (auto& b : layer.buffers())
    if (b.name.size() < 19 || b.name.substr(b.name.size() - 19) != "num_batches_tracked") row.buffers += b.value->size();
  return row;
}

}  // namespace

template <class T>
ModelSummary summarize(Model<T>& model) {
  ModelSummary summary;
  Shape shape{1};
  shape.insert(shape.end(), model.sample_shape.begin(), model.sample_shape.end());
  for (std::size_t i = 0; i < model.layers().size(); ++i) {
    Layer<T>& layer = *model.layers()[i];
    LayerSummary row = summarize_layer(layer, std::to_string(i));
    shape = layer.output_shape(shape);
    row.output_shape.assign(shape.begin() + 1, shape.end());
    summary.parameters += row.parameters;
    summary.buffers += row.buffers;
    summary.layers.push_back(row);
    for (auto& [name, sublayer] : layer.sublayers())
      summary.layers.push_back(summarize_layer(*sublayer, std::to_string(i) + "." + name));
  }
  return summary;
}

template <class T>
std::size_t parameter_count(Model<T>& model) {
  std::size_t n = 0;
  for (auto& p : model.parameters()) n += p.value->size();
  return n;
}

std::string thousands(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void print_summary(std::ostream& out, const ModelSummary& summary) {
  std::size_t name_width = 5, description_width = 5, shape_width = 6;
  std::vector<std::string> shapes;
  for (const auto& row : summary.layers) {
    shapes.push_back(row.output_shape.empty() ? "" : batched_shape_string(row.output_shape));
    name_width = std::max(name_width, row.name.size() + (row.name.find('.') != std::string::npos ? 2 : 0));
    description_width = std::max(description_width, row.description.size());
    shape_width = std::max(shape_width, shapes.back().size());
  }
  auto pad = [](std::string s, std::size_t width) {
    s.resize(std::max(width, s.size()), ' ');
    return s;
  };
  auto right = [](const std::string& s, std::size_t width) {
    return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
  };
  out << pad("layer", name_width) << "  " << pad("description", description_width) << "  " << pad("output", shape_width)
      << "  " << right("params", 10) << "  " << right("buffers", 10) << "\n";
  for (std::size_t i = 0; i < summary.layers.size(); ++i) {
    const auto& row = summary.layers[i];
    const bool sub = row.name.find('.') != std::string::npos;
    out << pad((sub ? "  " : "") + row.name, name_width) << "  " << pad(row.description, description_width) << "  "
        << pad(shapes[i], shape_width) << "  " << right(thousands(row.parameters), 10) << "  "
        << right(thousands(row.buffers), 10) << "\n";
  }
  out << "total: " << thousands(summary.parameters) << " learnable parameters, " << thousands(summary.buffers)
      << " buffer values (num_batches_tracked not counted)\n";
}

template ModelSummary summarize<float>(Model<float>&);
template ModelSummary summarize<double>(Model<double>&);
template std::size_t parameter_count<float>(Model<float>&);
template std::size_t parameter_count<double>(Model<double>&);

}  // namespace normlab
