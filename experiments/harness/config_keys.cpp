#include "experiments/harness/config_keys.hpp"

#include "experiments/train/probes/probe_options.hpp"
#include "norms/core/spec.hpp"

namespace normlab {

namespace {

// probe_lrs's default as TOML text, from the one default grid.
std::string default_probe_lrs_toml() {
  std::vector<ConfigValue> items;
  for (double m : default_probe_lrs()) items.push_back(ConfigValue::float_value(m));
  return ConfigValue::list(items).toml();
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = {
      {"norm", KeyType::Spec, "\"none\"", true, "normalizer spec, e.g. \"group:num_groups=8\" (normlab list)", {}},
      {"placement", KeyType::Choice, "\"pre\"", true, "where the normalizer sits: before or after the activation",
       {"pre", "post", "none"}},
      {"reparam", KeyType::Spec, "\"none\"", false,
       "weight reparameterization of every hidden Linear/Conv2d beside norm, e.g. \"weight_std\" (role weight or none)",
       {}},
      {"bias", KeyType::Bias, "\"auto\"", true, "bias of layers followed by a normalizer", {}},
      {"batch_size", KeyType::Count, "32", true, "training batch size", {}},
      {"lr", KeyType::Positive, "0.1", true, "learning rate (after lr_scaling in runs.csv)", {}},
      {"seed", KeyType::Natural, "0", true, "seed of every random stream of the run", {}},
      {"model", KeyType::Spec, "\"mlp\"", true, "model spec, e.g. \"vgg:widths=16x32\"", {}},
      {"data", KeyType::Spec, "\"tabular\"", true, "dataset spec, e.g. \"glyphs\" or \"mnist:path=DIR\"", {}},
      {"order", KeyType::Spec, "\"shuffled\"", false,
       "training sample order: shuffled | class_sorted | class_blocks:K (every batch from K classes)", {}},
      {"optimizer", KeyType::Spec, "\"sgd\"", true, "optimizer spec, e.g. \"sgd:momentum=0.9\"", {}},
      {"schedule", KeyType::Spec, "\"constant\"", true, "learning-rate schedule spec, e.g. \"cosine\"", {}},
      {"init", KeyType::Spec, "\"kaiming\"", true, "initialization spec, e.g. \"normal:std=0.01\"", {}},
      {"steps", KeyType::Count, "", true, "optimizer steps (give steps or epochs)", {}},
      {"epochs", KeyType::Positive, "", true, "epochs over the training split (default 1 when steps is not given)", {}},
      {"eval_every", KeyType::Count, "100", false, "steps between test evaluations (and one at the end)", {}},
      {"log_every", KeyType::Count, "1", false, "steps between training-loss records", {}},
      {"stats_every", KeyType::Natural, "0", false, "steps between layer statistics records; 0 = never", {}},
      // The instruments (experiments/train/probes/): they never change the training trajectory but
      // add probes.csv, so non-default values are part of the identity like every other key.
      {"probes", KeyType::SpecList, "[]", false,
       "instruments written to probes.csv, e.g. [\"ics\", \"landscape\"] (normlab list: probes)", {}},
      {"probe_every", KeyType::Count, "10", false, "steps between probe records (init_gradients: the first step)", {}},
      {"probe_lrs", KeyType::NumberList, default_probe_lrs_toml(), false,
       "eta grid of landscape and predictiveness, as multiples of the step's learning rate", {}},
      {"precise_bn", KeyType::Natural, "0", false,
       "PreciseBN: after training, running buffers = the average over this many training batches; 0 = off", {}},
      // Not part of a run's identity (run_plan.cpp): checkpoints never change what a run produces.
      {"checkpoint_every", KeyType::Natural, "0", false,
       "steps between checkpoints of a run (and one at its end), resumed from after a kill; 0 = none", {}},
      {"drop_last", KeyType::Bool, "true", false, "drop a final partial batch", {}},
      {"clip_grad_norm", KeyType::Positive, "", false,
       "clip the gradients' global norm to this before every step (torch clip_grad_norm_); absent = no clipping", {}},
      {"loss", KeyType::Choice, "\"cross_entropy\"", false, "training loss", {"cross_entropy", "mse"}},
      {"lr_scaling", KeyType::Choice, "\"none\"", false, "linear: lr = lr * batch_size / lr_reference_batch",
       {"none", "linear"}},
      {"lr_reference_batch", KeyType::Count, "32", false, "the batch size at which lr is the given lr", {}},
      {"dtype", KeyType::Choice, "\"float32\"", false,
       "floating-point type of the model, its gradients and optimizer state (data stay float32)",
       {"float32", "float64"}},
      {"ranks", KeyType::Count, "1", false,
       "data-parallel MPI processes of a run (mpirun -np K normlab run): each takes batch_size/ranks samples of "
       "every batch", {}},
      {"name", KeyType::Text, "", false, "the sweep's name (default: the file's stem); results/<name>/", {}},
      {"description", KeyType::Text, "\"\"", false, "one line saying what the sweep studies", {}},
  };
  return keys;
}

const ConfigKey* find_config_key(const std::string& name) {
  for (const auto& k : config_keys())
    if (k.name == name) return &k;
  return nullptr;
}

std::string config_key_names() {
  std::vector<std::string> names;
  for (const auto& k : config_keys()) names.push_back(k.name);
  names.push_back("[quick]");
  return join(names, ", ");
}

std::string sweep_axis_order(std::size_t width) {
  std::string text, line;
  for (const auto& k : config_keys()) {
    if (k.type == KeyType::Text) continue;  // never an axis (sweep_config.cpp)
    const std::string item = line.empty() ? k.name : ", " + k.name;
    if (!line.empty() && line.size() + item.size() + 1 > width) {
      text += line + ",\n";
      line = k.name;
    } else {
      line += item;
    }
  }
  return text + line;
}

std::string describe_allowed(const ConfigKey& key) {
  switch (key.type) {
    case KeyType::Spec: return "a spec string kind[:key=value,...]";
    case KeyType::Choice: return "one of " + join(key.choices, ", ");
    case KeyType::Bias: return "auto, true or false";
    case KeyType::Count: return "an integer >= 1";
    case KeyType::Natural: return "an integer >= 0";
    case KeyType::Positive: return "a number > 0";
    case KeyType::Bool: return "true or false";
    case KeyType::Text: return "a string (not a list)";
    case KeyType::SpecList: return "a list of spec strings, e.g. [\"ics\"] (a list of such lists to sweep)";
    case KeyType::NumberList: return "a list of numbers > 0, e.g. [0.1, 1.0] (a list of such lists to sweep)";
  }
  return "";
}

}  // namespace normlab
