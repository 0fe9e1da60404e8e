// normlab model: builds a model from its spec, normalizer, placement and bias, and prints its
// layers with their output shapes and parameter counts (learnable and buffers) and the totals.
#include <iostream>

#include "experiments/checkpoint/saved_model.hpp"
#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/models/model.hpp"
#include "experiments/models/model_registry.hpp"
#include "experiments/models/model_summary.hpp"
#include "norms/core/errors.hpp"

namespace normlab::cli {

namespace {

// "3,32,32" -> (3, 32, 32); "256" -> (256).
Shape parse_input_shape(const std::string& text) {
  Shape shape;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find(',', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    shape.push_back(std::size_t(parse_long("--input", item, 1)));
    begin = end + 1;
  }
  return shape;
}

// Whether any normalization layer (also inside composite layers) includes its activation.
bool has_norm_with_activation(const std::vector<std::pair<std::string, Layer<float>*>>& layers) {
  for (const auto& [name, layer] : layers) {
    const Normalizer<float>* norm = layer->activation_normalizer();
    if ((norm && norm->includes_activation()) || has_norm_with_activation(layer->sublayers())) return true;
  }
  return false;
}

}  // namespace

static void print_model(const ModelOptions& options, Model<float>& model);

int model_command(int argc, char** argv, int first) {
  Args args("model", "Builds a model and prints its layers, output shapes and parameter counts.");
  args.option("model", "SPEC", "model spec, e.g. mlp:in=256,widths=128x64,out=10 or vgg (see normlab list)")
      .option("from", "CHECKPOINT", "print the model saved in a checkpoint (instead of --model ...)")
      .option("norm", "SPEC", "normalizer at every hidden layer, e.g. batch, group:num_groups=4", "none")
      .option("reparam", "SPEC", "weight reparameterization of every hidden weight beside --norm, e.g. weight_std",
              "none")
      .option("placement", "P", "pre (Linear/Conv -> Norm -> act) | post (-> act -> Norm) | none", "pre")
      .option("bias", "B", "auto (drop a bias directly followed by a shifting normalizer) | true | false", "auto")
      .option("init", "SPEC", "initialization, e.g. kaiming, xavier, normal:std=0.01", "kaiming")
      .option("input", "SHAPE", "one sample's shape: C,H,W or F (default: mlp's in=, else 3,32,32)")
      .option("classes", "K", "number of classes (default: mlp's out=, else 10)")
      .option("seed", "S", "initialization seed", "0")
      .epilog("Example: normlab model --model mlp:in=256,widths=128x64,out=10,act=relu --norm batch --placement pre");
  if (!args.parse(argc, argv, first)) return 0;
  if (args.has("from") && args.has("model")) throw InputError("give --model or --from, not both");
  if (!args.has("from") && !args.has("model")) throw InputError("--model SPEC (or --from CHECKPOINT) is required");

  if (args.has("from")) {
    SavedModel saved = load_saved_model(args.get("from"));
    std::cout << "checkpoint " << args.get("from") << " (run " << saved.run_id << ", step " << saved.step << ")\n";
    print_model(saved.options, saved.model);
    return 0;
  }
  ModelOptions options;
  options.model = args.get("model");
  options.norm = args.get("norm");
  options.reparam = args.get("reparam");
  options.placement = args.get("placement");
  options.bias = args.get("bias");
  options.init = args.get("init");
  // A kind that can take its sizes from its spec (mlp's in= and out=) gets them from there; the
  // others are shown for a CIFAR-sized input unless --input and --classes say otherwise.
  const Spec model_spec = model_registry().check(options.model);
  const bool sizes_from_spec = bool(model_registry().find(model_spec.kind()).traits.resolve_sizes);
  Shape input;
  if (args.has("input")) input = parse_input_shape(args.get("input"));
  else if (!sizes_from_spec) input = {3, 32, 32};
  std::size_t classes = 0;
  if (args.has("classes")) classes = std::size_t(parse_long("--classes", args.get("classes"), 1));
  else if (!sizes_from_spec) classes = 10;
  Rng rng = Rng::stream(std::uint64_t(parse_long("--seed", args.get("seed"), 0)), "init");

  Model<float> model = build_model<float>(options, input, classes, rng);
  print_model(options, model);
  return 0;
}

static void print_model(const ModelOptions& options, Model<float>& model) {
  std::cout << "model " << options.model << ", norm " << options.norm;
  if (options.reparam != "none") std::cout << ", reparam " << options.reparam;
  std::cout << ", placement " << options.placement << ", bias " << options.bias << "\n";
  std::cout << "input " << batched_shape_string(model.sample_shape) << ", " << model.num_classes
            << " classes\n\n";
  std::vector<std::pair<std::string, Layer<float>*>> top;
  for (auto& layer : model.layers()) top.push_back({"", layer.get()});
  if (has_norm_with_activation(top))
    std::cout << "note: " << options.norm << " includes its activation; no separate activation layer follows it "
              << "(placement pre and post build the same model)\n";
  print_summary(std::cout, summarize(model));
}

}  // namespace normlab::cli
