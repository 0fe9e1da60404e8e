// normlab eval: evaluates a saved model (a run's checkpoint) on the test split of any data set
// whose samples fit it, e.g. a model trained on the glyphs evaluated on MNIST, and writes the
// loss and accuracy as tidy CSV.
#include <iostream>

#include "experiments/checkpoint/saved_model.hpp"
#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/data/batcher.hpp"
#include "experiments/data/make_dataset.hpp"
#include "experiments/harness/config_value.hpp"
#include "experiments/harness/csv.hpp"
#include "experiments/losses/loss.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/io.hpp"

namespace normlab::cli {

namespace {

struct Scores {
  double loss = 0, accuracy = 0;
};

// Consecutive batches of `batch` test samples in `mode`. In training mode a batch is normalized
// with its own statistics, so the batch size matters; a last batch of one sample is left out
// there (batch statistics of one sample are meaningless), as in the trainer's train-mode pass.
Scores score(Model<float>& model, const Split& split, LossKind loss, Mode mode, std::size_t batch) {
  Tensor<float> x;
  std::vector<std::int32_t> labels;
  double loss_sum = 0;
  std::size_t correct = 0, seen = 0;
  for (std::size_t begin = 0; begin < split.size(); begin += batch) {
    const std::size_t count = std::min(batch, split.size() - begin);
    if (mode == Mode::train && count < 2 && begin > 0) break;
    copy_range(split, begin, count, x, labels);
    const Tensor<float>& logits = model.forward(x, mode);
    loss_sum += compute_loss(loss, logits, labels, static_cast<Tensor<float>*>(nullptr)) * double(count);
    correct += count_correct(logits, labels);
    seen += count;
  }
  return {loss_sum / double(seen), double(correct) / double(seen)};
}

}  // namespace

int eval_command(int argc, char** argv, int first) {
  Args args("eval",
            "Evaluates a saved model (a run's checkpoint.safetensors) on a data set's test split and\n"
            "prints its loss and accuracy; the model is rebuilt from the checkpoint's metadata.");
  args.positional("CHECKPOINT", "a checkpoint, e.g. results/NAME/.runs/<run id>/checkpoint.safetensors")
      .option("data", "SPEC", "the data set, e.g. glyphs or mnist:path=DIR (its test split is used)", "",
              true)
      .option("mode", "M", "eval (running statistics) | train (batch statistics, as in training)", "eval")
      .option("batch-size", "B", "evaluation batch size (matters in train mode; default: the run's)")
      .option("seed", "S", "the data set's seed (synthetic data and splits; default: the run's)")
      .option("out", "FILE.csv", "also write checkpoint,data,mode,metric,value rows to this file")
      .epilog("Example: normlab eval results/x/.runs/3fa9c2d41b7e08a5/checkpoint.safetensors --data glyphs");
  if (!args.parse(argc, argv, first)) return 0;

  const std::string path = args.get("CHECKPOINT"), mode_name = args.get("mode");
  if (mode_name != "eval" && mode_name != "train")
    throw InputError("--mode '" + mode_name + "': expected eval or train");
  const Mode mode = mode_name == "train" ? Mode::train : Mode::eval;
  SavedModel saved = load_saved_model(path);
  const std::size_t batch = args.has("batch-size")
                                ? std::size_t(parse_long("--batch-size", args.get("batch-size"), 1))
                                : saved.batch_size;
  const std::uint64_t seed =
      args.has("seed") ? std::uint64_t(parse_long("--seed", args.get("seed"), 0)) : saved.seed;
  const Dataset data = make_dataset(args.get("data"), seed);
  if (data.sample_shape != saved.model.sample_shape)
    throw InputError("the model in " + path + " takes samples of shape " +
                     shape_string(saved.model.sample_shape) + " but data set '" + data.name +
                     "' has samples of shape " + shape_string(data.sample_shape));
  if (data.num_classes != saved.model.num_classes)
    throw InputError("the model in " + path + " has " + std::to_string(saved.model.num_classes) +
                     " outputs but data set '" + data.name + "' has " + std::to_string(data.num_classes) +
                     " classes");
  if (data.test.size() == 0) throw InputError("data set '" + data.name + "' has an empty test split");
  if (mode == Mode::train && batch < 2) throw InputError("--batch-size must be >= 2 in train mode");

  const Scores s = score(saved.model, data.test, parse_loss(saved.loss), mode, batch);
  std::cout << "checkpoint " << path << " (run " << saved.run_id << ", step " << saved.step << ", model "
            << saved.options.model << ", norm " << saved.options.norm << ")\n"
            << "data " << data.name << ": " << data.test.size() << " test samples, mode " << mode_name << "\n"
            << "loss " << shortest_number(s.loss) << "\naccuracy " << shortest_number(s.accuracy) << "\n";
  if (args.has("out")) {
    std::string csv = csv_row({"checkpoint", "data", "mode", "metric", "value"});
    csv += csv_row({path, data.name, mode_name, "loss", shortest_number(s.loss)});
    csv += csv_row({path, data.name, mode_name, "accuracy", shortest_number(s.accuracy)});
    write_file_atomically(args.get("out"), csv);
  }
  return 0;
}

}  // namespace normlab::cli
