// The error contract of `normlab apply`, checked through the executable: exit status 2, nothing
// on stdout, ONE line on stderr ("normlab apply: error: ...") that contains each expected text,
// and no file written into the output directory, whether it is a fresh path or an existing one.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "run_normlab.hpp"

namespace normlab::testing {

// Runs apply with `args` (an --out is added) twice, into a fresh path and into an existing empty
// directory, and checks the error contract; each of `expected` must occur in the message.
inline void check_apply_error(const std::vector<std::string>& args,
                              const std::vector<std::string>& expected) {
  for (const bool existing_out : {false, true}) {
    TempDir tmp;
    const std::string out = tmp / "out";
    if (existing_out) std::filesystem::create_directory(out);
    std::vector<std::string> full = {"apply"};
    full.insert(full.end(), args.begin(), args.end());
    full.insert(full.end(), {"--out", out});
    const RunResult r = run_normlab(full, tmp);
    INFO("command: " << r.command << "\nstderr: " << r.err << "\nstdout: " << r.out);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    // One line: "normlab apply: error: <message>\n".
    CHECK(r.err.rfind("normlab apply: error: ", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(!r.err.empty());
    CHECK(r.err.back() == '\n');
    for (const auto& text : expected) {
      INFO("expected in the message: " << text);
      CHECK(r.err.find(text) != std::string::npos);
    }
    CHECK(std::filesystem::exists(out) == existing_out);
    CHECK(files_in(out).empty());
    // Nothing beside it either (no temporary output directory left behind).
    std::vector<std::string> beside = {"stderr.txt", "stdout.txt"};
    if (existing_out) beside.insert(beside.begin(), "out");
    CHECK(files_in(tmp.path().string()) == beside);
  }
}

}  // namespace normlab::testing
