#include "experiments/checkpoint/saved_model.hpp"

#include "experiments/checkpoint/model_tensors.hpp"
#include "experiments/checkpoint/training_checkpoint.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

std::size_t parse_count(const std::string& path, const std::string& key, const std::string& text) {
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos)
    throw InputError(path + ": __metadata__ " + key + "='" + text + "' is not a non-negative integer");
  return std::size_t(std::stoull(text));
}

}  // namespace

SavedModel load_saved_model(const std::string& path) {
  const SafetensorsFile file = read_checkpoint(path);
  const auto meta = [&](const std::string& key) {
    const std::string value = file.meta(key);
    if (value.empty()) throw InputError(path + ": the checkpoint's __metadata__ lacks '" + key + "'");
    return value;
  };
  if (!file.meta("dtype").empty() && file.meta("dtype") != "float32")
    throw InputError(path + ": a checkpoint of a dtype=" + file.meta("dtype") +
                     " run; normlab eval and normlab model --from read float32 checkpoints only");
  SavedModel saved;
  saved.options.model = meta("model");
  saved.options.norm = meta("norm");
  saved.options.placement = meta("placement");
  // Checkpoints written before the reparam key existed have none.
  saved.options.reparam = file.meta("reparam").empty() ? "none" : file.meta("reparam");
  saved.options.bias = meta("bias");
  saved.options.init = meta("init");
  saved.data = meta("data");
  saved.loss = meta("loss");
  saved.run_id = file.meta("run_id");
  saved.batch_size = parse_count(path, "batch_size", meta("batch_size"));
  saved.step = parse_count(path, "step", meta("step"));
  saved.seed = parse_count(path, "seed", meta("seed"));
  Shape sample_shape;
  const std::string shape = meta("sample_shape");
  for (std::size_t begin = 0; begin <= shape.size();) {
    const std::size_t end = std::min(shape.find(',', begin), shape.size());
    sample_shape.push_back(parse_count(path, "sample_shape", shape.substr(begin, end - begin)));
    begin = end + 1;
  }
  const std::size_t num_classes = parse_count(path, "num_classes", meta("num_classes"));
  if (num_classes == 0) throw InputError(path + ": __metadata__ num_classes is 0");
  Rng init_rng = Rng::stream(0, "init");  // every parameter is then overwritten from the file
  saved.model = build_model<float>(saved.options, sample_shape, num_classes, init_rng);
  load_model_tensors(file, path, saved.model);
  return saved;
}

}  // namespace normlab
