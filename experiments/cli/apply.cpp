// normlab apply: one normalizer on tensors from .npy files, for checking it against another
// implementation (scripts/make_fixtures.py does exactly that against PyTorch).
#include <iostream>
#include <map>
#include <set>

#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/cli/non_finite.hpp"
#include "experiments/cli/output_set.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/npy.hpp"
#include "norms/registry.hpp"

namespace normlab::cli {

namespace {

// Every file name apply can write: y.npy, dx.npy, and d<parameter>.npy and <buffer>.npy of
// every registered normalizer (built from its example specs); an existing --out directory's
// files of these names are the outputs of an earlier run.
bool is_apply_output(const std::string& file_name) {
  static const std::set<std::string> names = [] {
    std::set<std::string> all = {"y.npy", "dx.npy"};
    for (const auto& info : normalizer_registry())
      for (const auto& example : info.traits.examples) {
        try {
          auto norm = make_normalizer<float>(example, {2, 4, 3, 3});
          for (const auto& p : norm->parameters())
            all.insert("d" + p.name + ".npy");
          for (const auto& b : norm->buffers())
            all.insert(b.name + ".npy");
        } catch (const InputError&) {
          // an example for other shapes; its names come from the examples that fit
        }
      }
    return all;
  }();
  return names.count(file_name) != 0;
}

// Reads one input tensor; warns about non-finite values on stderr, or refuses them (--strict).
template <class T>
Tensor<T> read_input(const std::string& path, bool strict) {
  Tensor<T> tensor = read_npy<T>(path);
  const NonFiniteCount found = count_non_finite(tensor);
  if (found.count != 0) {
    const std::string what = describe_non_finite(path, shape_of(tensor), found);
    if (strict) throw InputError(what + "; --strict refuses non-finite input");
    std::cerr << "normlab apply: warning: " << what << "; they propagate into the outputs\n";
  }
  return tensor;
}

template <class T>
int run(const Args& args, const Shape& shape) {
  const std::string mode_name = args.get("mode");
  if (mode_name != "train" && mode_name != "eval")
    throw InputError("--mode: '" + mode_name + "' is not a mode; valid: train, eval");
  const Mode mode = mode_name == "train" ? Mode::train : Mode::eval;
  const bool strict = args.flag_set("strict");

  // Read and check every input, and the output path, before computing or writing anything.
  const Tensor<T> x = read_input<T>(args.get("input"), strict);
  auto norm = make_normalizer<T>(args.get("norm"), shape);
  for (const auto& assignment : args.all("param")) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == assignment.size())
      throw InputError("--param: '" + assignment + "' is not NAME=FILE");
    norm->set(assignment.substr(0, eq), read_input<T>(assignment.substr(eq + 1), strict));
  }
  Tensor<T> dy;
  if (args.has("grad")) {
    dy = read_input<T>(args.get("grad"), strict);
    if (shape_of(dy) != shape)
      throw InputError("--grad: '" + args.get("grad") + "' has shape " + shape_string(shape_of(dy)) +
                       ", expected the input's shape " + shape_string(shape));
  }
  const std::string out = args.get("out");
  check_output_directory(out);

  // Compute everything, then write the set as a whole (output_set.hpp).
  std::map<std::string, std::string> files;
  Tensor<T> y;
  norm->forward(x, y, mode);
  files["y.npy"] = encode_npy(y);
  if (args.has("grad")) {
    norm->zero_grad();
    Tensor<T> dx;
    norm->backward(x, dy, dx);
    files["dx.npy"] = encode_npy(dx);
    for (const auto& p : norm->parameters())
      files["d" + p.name + ".npy"] = encode_npy(*p.grad);
  }
  if (mode == Mode::train)
    for (const auto& b : norm->buffers())
      files[b.name + ".npy"] = encode_npy(*b.value);

  const OutputSetReport report = write_output_set(out, files, is_apply_output);
  std::cout << norm->describe() << ": wrote";
  for (const auto& [name, bytes] : files)
    std::cout << " " << name;
  std::cout << " to " << out << "\n";
  if (!report.stale_removed.empty()) {
    std::cout << "removed the earlier run's outputs that this run does not write:";
    for (const auto& name : report.stale_removed)
      std::cout << " " << name;
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

int apply_command(int argc, char** argv, int first) {
  Args args("apply",
            "Runs one normalizer on a tensor from a .npy file, in the file's dtype (float32 or float64).");
  args.option("norm", "SPEC", "normalizer spec, e.g. batch:momentum=0.01 (see normlab list)", "", true)
      .option("input", "X.npy", "input tensor (N, C, *spatial); for weight norm, the weight v", "", true)
      .option("out", "DIR", "output directory (created if missing)", "", true)
      .option("mode", "train|eval", "training or evaluation mode", "train")
      .option("grad", "DY.npy", "gradient of the loss w.r.t. the output: also writes dx.npy and d<param>.npy")
      .repeated("param", "NAME=FILE",
                "set a parameter or buffer by name, e.g. weight=w.npy, running_var=rv.npy")
      .flag("strict", "refuse input with NaN or Inf values (exit 2) instead of warning")
      .epilog(
          "Writes DIR/y.npy; with --grad, DIR/dx.npy and DIR/d<name>.npy per learnable parameter;\n"
          "in training mode, the updated buffers as DIR/<buffer>.npy. Inputs are all read and checked\n"
          "before anything is written. The outputs replace DIR's earlier set as a whole: they are\n"
          "written into .DIR.tmp.<pid> beside DIR, with DIR's other plain files, which then takes\n"
          "DIR's place in one rename; outputs of an earlier run that this run does not write are\n"
          "removed (and listed). A failure or a kill leaves the earlier set, never a mix. (With\n"
          "--out . the files are renamed in one by one, so that the shell's directory stays itself.)\n"
          "DIR may hold other plain files (they are kept) but no subdirectories.\n"
          "Input values that are NaN or Inf propagate into the outputs, as in NumPy and PyTorch;\n"
          "each input file holding any gets a warning on stderr with their count and the index of\n"
          "the first; --strict makes that an error.\n"
          "Exit status: 0 on success; 2 for a usage error or a bad input file (a one-line message\n"
          "naming the file); 1 for a runtime failure such as an I/O error (with the path and\n"
          "the system's reason).");
  if (!args.parse(argc, argv, first)) return 0;
  const NpyHeader header = read_npy_header(args.get("input"));
  return header.dtype == Dtype::float32 ? run<float>(args, header.shape) : run<double>(args, header.shape);
}

}  // namespace normlab::cli
