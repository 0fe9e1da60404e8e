// normlab: the command-line entry point. Thin by design: it picks a subcommand and reports
// errors; everything else is library code.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "experiments/cli/commands.hpp"
#include "norms/core/errors.hpp"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int, char**, int);
};

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"apply", "run one normalizer on .npy tensors (forward, backward, running buffers)",
       normlab::cli::apply_command},
      {"list", "list every normalizer, model, dataset, optimizer, schedule and probe with its keys",
       normlab::cli::list_command},
      {"run", "train every run of a sweep configuration (TOML) and log the results to CSV",
       normlab::cli::run_command},
      {"summarize", "table of a sweep's final metric by configuration: mean ± 95% CI over seeds",
       normlab::cli::summarize_command},
      {"lr-range", "learning-rate range test (Smith 2017) of each run: where the loss stops falling and diverges",
       normlab::cli::lr_range_command},
      {"eval", "evaluate a saved model (a run's checkpoint) on a data set's test split",
       normlab::cli::eval_command},
      {"data", "write a data set's splits, as a run sees them, to a safetensors file",
       normlab::cli::data_command},
      {"model", "build a model (spec, normalizer, placement) and print its layers and parameter counts",
       normlab::cli::model_command},
      {"runs", "list the runs of a results store, and which the current sweep's tables show",
       normlab::cli::runs_command},
      {"gc", "remove stored runs the current sweep does not select (only when asked)",
       normlab::cli::gc_command},
      {"merge", "merge results stores of one sweep (e.g. its shards) into one", normlab::cli::merge_command},
      {"slurm", "write (and submit) a Slurm job array that runs a sweep in shards, and its merge job",
       normlab::cli::slurm_command},
  };
  return table;
}

void print_usage(std::ostream& out) {
  out << "usage: normlab <command> [options]\n\n"
         "normlab: a toolkit for research on the normalization family (batch, layer, instance,\n"
         "group and weight normalization), studied side by side.\n\ncommands:\n";
  for (const auto& c : commands()) {
    std::string name = c.name;
    name.resize(12, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\n'normlab <command> --help' describes each command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(std::cerr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(std::cout);
    return 0;
  }
  if (name == "--version") {
    std::cout << "normlab 0.1.0\n";
    return 0;
  }
  for (const auto& c : commands()) {
    if (name != c.name) continue;
    try {
      return c.run(argc, argv, 2);
    } catch (const normlab::InputError& e) {
      std::cerr << "normlab " << name << ": error: " << normlab::one_line(e.what()) << "\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "normlab " << name << ": failed: " << normlab::one_line(e.what()) << "\n";
      return 1;
    }
  }
  std::string valid;
  for (const auto& c : commands())
    valid += std::string(valid.empty() ? "" : ", ") + c.name;
  std::cerr << "normlab: unknown command '" << name << "'; valid: " << valid << "\n";
  return 2;
}
