// normlab data: writes a data set, exactly as a run with that spec and seed sees it, to one
// safetensors file, so that other tools (PyTorch scripts, notebooks) train on the same samples:
// scripts/compare_pytorch_sweep.py trains PyTorch on it. The file is new or nothing is written:
// an existing file is never replaced.
#include <filesystem>
#include <iostream>

#include "experiments/checkpoint/tensor_codec.hpp"
#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/data/make_dataset.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/io.hpp"
#include "norms/core/safetensors.hpp"

namespace normlab::cli {

namespace {

std::vector<std::int64_t> labels_of(const Split& split) {
  return std::vector<std::int64_t>(split.labels.begin(), split.labels.end());
}

std::string shape_text(const Shape& shape) {
  std::string text;
  for (std::size_t d : shape)
    text += (text.empty() ? "" : ",") + std::to_string(d);
  return text;
}

}  // namespace

int data_command(int argc, char** argv, int first) {
  Args args("data",
            "Writes a data set's train and test splits, as a run with the same spec and seed sees them, "
            "to a safetensors file.");
  args.positional("SPEC", "dataset spec, e.g. glyphs:train=2000,test=500 (see normlab list)")
      .option("seed", "S", "the run's seed (synthetic data and subsets are drawn from it)", "0")
      .option("out", "FILE", "the file to write (.safetensors); it must not exist yet", "", true)
      .epilog(
          "Tensors: train.x (F32, (N, *sample_shape)), train.labels (I64, (N)), test.x, test.labels;\n"
          "metadata: spec, seed, description, num_classes, sample_shape.\n"
          "Example: normlab data glyphs:train=2000,test=500 --seed 0 --out glyphs.safetensors");
  if (!args.parse(argc, argv, first)) return 0;
  const std::string out = args.get("out");
  // Refused before the data is made; write_new_file_atomically below refuses again at the moment of
  // writing, so a file that appears meanwhile is not replaced either.
  const auto refuse = [&] {
    throw InputError("--out " + out + " exists; normlab data never replaces a file: give a new path");
  };
  if (std::filesystem::exists(out)) refuse();
  const std::string seed = std::to_string(parse_long("--seed", args.get("seed"), 0));
  const Dataset data = make_dataset(args.get("SPEC"), std::uint64_t(std::stoull(seed)));

  SafetensorsFile file;
  file.tensors = {encode_tensor("train.x", data.train.x), encode_i64("train.labels", labels_of(data.train)),
                  encode_tensor("test.x", data.test.x), encode_i64("test.labels", labels_of(data.test))};
  file.metadata = {{"description", data.description},
                   {"num_classes", std::to_string(data.num_classes)},
                   {"sample_shape", shape_text(data.sample_shape)},
                   {"seed", seed},
                   {"spec", data.name}};
  if (!write_new_file_atomically(out, encode_safetensors(file))) refuse();
  std::cout << "wrote " << out << ": " << data.description << " (" << data.train.size() << " train, "
            << data.test.size() << " test samples of shape (" << shape_text(data.sample_shape) << "), "
            << data.num_classes << " classes)\n";
  return 0;
}

}  // namespace normlab::cli
