// normlab list: every registered kind of every family with its keys, defaults and one line of
// doc; --json prints the same (with the normalizers' roles and traits) for scripts.
#include <iostream>

#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/cli/listing.hpp"

namespace normlab::cli {

int list_command(int argc, char** argv, int first) {
  Args args("list", "Lists every normalizer, model, initialization, dataset, optimizer, schedule and probe with its keys\n"
                    "and defaults. Specs are written kind[:key=value,...].");
  args.flag("json", "print the registries as JSON (families, kinds, keys, defaults, docs, normalizer roles)");
  if (!args.parse(argc, argv, first)) return 0;
  const auto families = all_listings();
  if (args.flag_set("json")) {
    print_json(std::cout, families);
    return 0;
  }
  for (std::size_t f = 0; f < families.size(); ++f) {
    if (f) std::cout << "\n";
    print_text(std::cout, families[f]);
  }
  return 0;
}

}  // namespace normlab::cli
