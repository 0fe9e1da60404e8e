// normlab list: every registered kind with its keys, defaults and one line of doc.
#include <iostream>

#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/cli/listing.hpp"
#include "norms/registry.hpp"

namespace normlab::cli {

void print_kinds(std::ostream& out, const std::string& family, const std::vector<KindInfo>& kinds) {
  out << family << ":\n";
  for (const auto& k : kinds) {
    out << "  " << k.kind << "  " << k.doc << "\n";
    for (const auto& key : k.keys)
      out << "      " << key.name << "=" << (key.default_value.empty() ? "(required)" : key.default_value) << "  "
          << key.doc << "\n";
  }
}

int list_command(int argc, char** argv, int first) {
  Args args("list", "Lists every normalizer, model, dataset, optimizer and schedule with its keys and defaults.\n"
                    "Specs are written kind[:key=value,...].");
  if (!args.parse(argc, argv, first)) return 0;
  std::vector<KindInfo> norms;
  for (const auto& info : normalizer_registry()) norms.push_back({info.kind, info.doc, info.keys});
  print_kinds(std::cout, "normalizers (--norm)", norms);
  for (const auto& [family, kinds] : experiment_listings()) {
    std::cout << "\n";
    print_kinds(std::cout, family, kinds);
  }
  return 0;
}

}  // namespace normlab::cli
