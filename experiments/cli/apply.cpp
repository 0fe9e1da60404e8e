// normlab apply: one normalizer on tensors from .npy files, for checking it against another
// implementation (scripts/make_fixtures.py does exactly that against PyTorch).
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>

#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/npy.hpp"
#include "norms/registry.hpp"

namespace normlab::cli {

namespace {

void make_directories(const std::string& dir) {
  std::string partial;
  for (std::size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!partial.empty() && ::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
        throw InputError("cannot create output directory '" + dir + "': " + std::strerror(errno));
    }
    if (i < dir.size()) partial += dir[i];
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw InputError("output path '" + dir + "' is not a directory");
}

template <class T>
int run(const Args& args, const Shape& shape) {
  const std::string mode_name = args.get("mode");
  if (mode_name != "train" && mode_name != "eval")
    throw InputError("--mode: '" + mode_name + "' is not a mode; valid: train, eval");
  const Mode mode = mode_name == "train" ? Mode::train : Mode::eval;

  // Read and check every input before computing or writing anything.
  const Tensor<T> x = read_npy<T>(args.get("input"));
  auto norm = make_normalizer<T>(args.get("norm"), shape);
  for (const auto& assignment : args.all("param")) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == assignment.size())
      throw InputError("--param: '" + assignment + "' is not NAME=FILE");
    norm->set(assignment.substr(0, eq), read_npy<T>(assignment.substr(eq + 1)));
  }
  Tensor<T> dy;
  if (args.has("grad")) {
    dy = read_npy<T>(args.get("grad"));
    if (shape_of(dy) != shape)
      throw InputError("--grad: '" + args.get("grad") + "' has shape " + shape_string(shape_of(dy)) +
                       ", expected the input's shape " + shape_string(shape));
  }

  // Compute everything, then write: a failure never leaves a partial set of outputs.
  std::map<std::string, Tensor<T>> outputs;
  Tensor<T> y;
  norm->forward(x, y, mode);
  outputs["y"] = y;
  if (args.has("grad")) {
    norm->zero_grad();
    Tensor<T> dx;
    norm->backward(x, dy, dx);
    outputs["dx"] = dx;
    for (const auto& p : norm->parameters()) outputs["d" + p.name] = *p.grad;
  }
  if (mode == Mode::train)
    for (const auto& b : norm->buffers()) outputs[b.name] = *b.value;

  const std::string out = args.get("out");
  make_directories(out);
  for (const auto& [name, tensor] : outputs) write_npy<T>(out + "/" + name + ".npy", tensor);
  std::cout << norm->describe() << ": wrote";
  for (const auto& [name, tensor] : outputs) std::cout << " " << name << ".npy";
  std::cout << " to " << out << "\n";
  return 0;
}

}  // namespace

int apply_command(int argc, char** argv, int first) {
  Args args("apply", "Runs one normalizer on a tensor from a .npy file, in the file's dtype (float32 or float64).");
  args.option("norm", "SPEC", "normalizer spec, e.g. batch:momentum=0.01 (see normlab list)", "", true)
      .option("input", "X.npy", "input tensor (N, C, *spatial); for weight norm, the weight v", "", true)
      .option("out", "DIR", "output directory (created if missing)", "", true)
      .option("mode", "train|eval", "training or evaluation mode", "train")
      .option("grad", "DY.npy", "gradient of the loss w.r.t. the output: also writes dx.npy and d<param>.npy")
      .repeated("param", "NAME=FILE", "set a parameter or buffer by name, e.g. weight=w.npy, running_var=rv.npy")
      .epilog("Writes DIR/y.npy; with --grad, DIR/dx.npy and DIR/d<name>.npy per learnable parameter;\n"
              "in training mode, the updated buffers as DIR/<buffer>.npy. Inputs are all read and checked\n"
              "before anything is written.");
  if (!args.parse(argc, argv, first)) return 0;
  const NpyHeader header = read_npy_header(args.get("input"));
  return header.dtype == Dtype::float32 ? run<float>(args, header.shape) : run<double>(args, header.shape);
}

}  // namespace normlab::cli
