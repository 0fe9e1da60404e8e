#include "experiments/checkpoint/training_checkpoint.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "experiments/checkpoint/model_tensors.hpp"
#include "experiments/checkpoint/tensor_codec.hpp"
#include "experiments/harness/run_identity.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/io.hpp"

namespace normlab {

const char* const kCheckpointFormat = "normlab.checkpoint";

namespace {

std::string join_lines(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i ? "\n" : "") + names[i];
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find('\n', begin);
    out.push_back(text.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) return out;
    begin = end + 1;
  }
}

std::int64_t scalar_i64(const SafetensorsFile& file, const std::string& path, const std::string& name) {
  const std::vector<std::int64_t> v = decode_i64(require_tensor(file, path, name), path);
  if (v.size() != 1 || v[0] < 0)
    throw InputError(path + ": tensor '" + name + "' is not one non-negative integer");
  return v[0];
}

void add_records(SafetensorsFile& file, const RecordKeepingSink& sink) {
  std::vector<std::int64_t> kind, step, first, second;
  std::vector<double> epoch, value;
  for (const auto& r : sink.records()) {
    kind.push_back(r.layer_stat ? 1 : 0);
    step.push_back(std::int64_t(r.step));
    first.push_back(std::int64_t(r.first));
    second.push_back(std::int64_t(r.second));
    epoch.push_back(r.epoch);
    value.push_back(r.value);
  }
  file.tensors.push_back(encode_i64("records.kind", kind));
  file.tensors.push_back(encode_i64("records.step", step));
  file.tensors.push_back(encode_f64("records.epoch", epoch));
  file.tensors.push_back(encode_i64("records.first", first));
  file.tensors.push_back(encode_i64("records.second", second));
  file.tensors.push_back(encode_f64("records.value", value));
  file.metadata.emplace_back("record_names", join_lines(sink.names()));
}

void replay_records(const SafetensorsFile& file, const std::string& path, RecordKeepingSink& sink) {
  const auto kind = decode_i64(require_tensor(file, path, "records.kind"), path);
  const auto step = decode_i64(require_tensor(file, path, "records.step"), path);
  const auto first = decode_i64(require_tensor(file, path, "records.first"), path);
  const auto second = decode_i64(require_tensor(file, path, "records.second"), path);
  const auto epoch = decode_f64(require_tensor(file, path, "records.epoch"), path);
  const auto value = decode_f64(require_tensor(file, path, "records.value"), path);
  const std::vector<std::string> names = split_lines(file.meta("record_names"));
  const std::size_t n = kind.size();
  if (step.size() != n || first.size() != n || second.size() != n || epoch.size() != n || value.size() != n)
    throw InputError(path + ": the records.* tensors differ in length");
  std::vector<RecordKeepingSink::Record> records(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (first[i] < 0 || second[i] < 0 || std::size_t(first[i]) >= names.size() ||
        std::size_t(second[i]) >= names.size() || step[i] < 0)
      throw InputError(path + ": record " + std::to_string(i) + " names an unknown metric");
    records[i] = {kind[i] != 0,          std::size_t(step[i]),   epoch[i],
                  std::size_t(first[i]), std::size_t(second[i]), value[i]};
  }
  sink.replay(names, records);
}

}  // namespace

SafetensorsFile read_checkpoint(const std::string& path) {
  SafetensorsFile file = read_safetensors(path);
  if (file.meta("format") != kCheckpointFormat)
    throw InputError(path + ": not a normlab checkpoint (no __metadata__ format=" + kCheckpointFormat + ")");
  const std::string version = file.meta("result_version");
  if (version != std::to_string(kResultVersion))
    throw InputError(path + ": a checkpoint of normlab result version " + version +
                     "; this normlab is version " + std::to_string(kResultVersion) + " and cannot use it");
  return file;
}

template <class T>
void save_training_checkpoint(const CheckpointOptions& options, const TrainingState<T>& state) {
  SafetensorsFile file;
  file.metadata = options.metadata;
  add_model_tensors(file, *state.model);
  for (const auto& [name, tensor] : state.optimizer->state_tensors())
    file.tensors.push_back(encode_tensor("optimizer." + name, *tensor));
  file.tensors.push_back(encode_i64("optimizer.step", {std::int64_t(state.optimizer->step_count())}));
  const Batcher::State batcher = state.batcher->state();
  file.tensors.push_back(
      encode_i64("batcher.order", std::vector<std::int64_t>(batcher.order.begin(), batcher.order.end())));
  file.tensors.push_back(encode_i64("batcher.position", {std::int64_t(batcher.position)}));
  file.tensors.push_back(encode_i64("batcher.batches_served", {std::int64_t(batcher.batches_served)}));
  Rng shuffle(0);
  shuffle.restore(batcher.rng);
  file.tensors.push_back(encode_rng("batcher.rng", shuffle));
  file.tensors.push_back(encode_i64("train.step", {std::int64_t(state.step)}));
  file.tensors.push_back(encode_f64("train.last_test", {state.last_test_loss, state.last_test_accuracy}));
  add_records(file, *state.records);
  file.metadata.emplace_back("format", kCheckpointFormat);
  file.metadata.emplace_back("result_version", std::to_string(kResultVersion));
  file.metadata.emplace_back("step", std::to_string(state.step));
  std::sort(file.metadata.begin(), file.metadata.end());
  write_file_atomically(options.path, encode_safetensors(file));
}

template <class T>
bool resume_training_checkpoint(const CheckpointOptions& options, TrainingState<T>& state) {
  struct stat info;
  if (options.path.empty() || ::stat(options.path.c_str(), &info) != 0) return false;
  const std::string& path = options.path;
  const SafetensorsFile file = read_checkpoint(path);
  for (const auto& [key, value] : options.metadata)
    if (key == "run_id" && file.meta(key) != value)
      throw InputError(path + ": a checkpoint of run " + file.meta(key) + ", not of run " + value);
  load_model_tensors(file, path, *state.model);
  for (const auto& [name, tensor] : state.optimizer->state_tensors())
    decode_into(require_tensor(file, path, "optimizer." + name), path, *tensor);
  state.optimizer->set_step_count(std::size_t(scalar_i64(file, path, "optimizer.step")));
  Batcher::State batcher;
  for (std::int64_t i : decode_i64(require_tensor(file, path, "batcher.order"), path))
    batcher.order.push_back(i < 0 ? std::size_t(-1) : std::size_t(i));
  batcher.position = std::size_t(scalar_i64(file, path, "batcher.position"));
  batcher.batches_served = std::size_t(scalar_i64(file, path, "batcher.batches_served"));
  batcher.rng = decode_rng(require_tensor(file, path, "batcher.rng"), path);
  state.batcher->restore(batcher);
  state.step = std::size_t(scalar_i64(file, path, "train.step"));
  const std::vector<double> last_test = decode_f64(require_tensor(file, path, "train.last_test"), path);
  if (last_test.size() != 2) throw InputError(path + ": tensor 'train.last_test' must hold 2 values");
  state.last_test_loss = last_test[0];
  state.last_test_accuracy = last_test[1];
  replay_records(file, path, *state.records);
  return true;
}

template void save_training_checkpoint<float>(const CheckpointOptions&, const TrainingState<float>&);
template void save_training_checkpoint<double>(const CheckpointOptions&, const TrainingState<double>&);
template bool resume_training_checkpoint<float>(const CheckpointOptions&, TrainingState<float>&);
template bool resume_training_checkpoint<double>(const CheckpointOptions&, TrainingState<double>&);

}  // namespace normlab
