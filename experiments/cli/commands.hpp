// The normlab subcommands. Each takes the full argv and the index of its first own argument,
// returns the process exit status, and throws InputError for usage/configuration errors (exit 2)
// or other exceptions for runtime failures (exit 1); main() turns those into one-line messages.
#pragma once

namespace normlab::cli {

int apply_command(int argc, char** argv, int first);
int list_command(int argc, char** argv, int first);
int run_command(int argc, char** argv, int first);
int summarize_command(int argc, char** argv, int first);
int model_command(int argc, char** argv, int first);
int runs_command(int argc, char** argv, int first);
int gc_command(int argc, char** argv, int first);
int merge_command(int argc, char** argv, int first);
int slurm_command(int argc, char** argv, int first);
int eval_command(int argc, char** argv, int first);
int data_command(int argc, char** argv, int first);
int lr_range_command(int argc, char** argv, int first);

}  // namespace normlab::cli
