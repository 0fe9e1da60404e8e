// End to end: the crafted .npy headers of issue 12 through `normlab apply`. Before the hand-written
// parser these crashed (SIGSEGV on long headers), died with bad_alloc (exit 1, not naming the
// file), or were accepted with a wrong shape; each must now be exit 2 with one line naming the file.
#include <catch2/catch.hpp>

#include <fstream>

#include "check_apply_error.hpp"
#include "norms/core/npy.hpp"
#include "run_normlab.hpp"

namespace normlab::testing {

namespace {

// Writes a .npy file with header dict `dict` (format `major`.0) and `data_bytes` bytes of data
// (float32 values 0.5, 1.5, ... when whole floats, else zero bytes).
std::string write_crafted(const TempDir& dir, const std::string& name, const std::string& dict, int major = 1,
                          std::size_t data_bytes = 0) {
  std::string bytes = "\x93NUMPY";
  bytes += char(major);
  bytes += char(0);
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i)
    bytes += char((dict.size() >> (8 * i)) & 0xff);
  bytes += dict;
  for (std::size_t i = 0; i < data_bytes / 4; ++i) {
    const float v = 0.5f + float(i % 7);
    bytes.append(reinterpret_cast<const char*>(&v), 4);
  }
  bytes.append(data_bytes % 4, '\0');
  const std::string path = dir / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string dict_with(const std::string& descr, const std::string& shape) {
  return "{'descr': " + descr + ", 'fortran_order': False, 'shape': " + shape + ", }\n";
}

}  // namespace

TEST_CASE("normlab apply: long .npy headers are errors or valid, never a crash", "[apply][errors][issue12]") {
  TempDir dir;
  check_apply_error(
      {"--norm", "batch", "--input",
       write_crafted(dir, "long_descr.npy", dict_with("'" + std::string(50000, 'a') + "'", "(4,)"), 1, 16)},
      {"long_descr.npy", "dtype 'aaaa", "not supported"});
  check_apply_error({"--norm", "batch", "--input",
                     write_crafted(dir, "unclosed.npy", "{'descr': '<f4" + std::string(60000, ' '), 1)},
                    {"unclosed.npy", "unterminated string"});
  // Long runs of spaces inside the shape and after a key are legal: the run succeeds.
  const std::string spaces =
      write_crafted(dir, "spaces.npy",
                    "{'descr'" + std::string(30000, ' ') + ": '<f4', 'fortran_order': False, 'shape': (2," +
                        std::string(30000, ' ') + "3), }\n",
                    1, 24);
  const RunResult r = run_normlab({"apply", "--norm", "batch", "--input", spaces, "--out", dir / "out"}, dir);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(read_npy_header(dir / "out/y.npy").shape == Shape{2, 3});
}

TEST_CASE("normlab apply: .npy shapes whose size overflows are input errors", "[apply][errors][issue12]") {
  TempDir dir;
  const std::string x = dir / "x.npy";
  write_npy<float>(x, Tensor<float>::from_shape({4, 3}));
  int i = 0;
  for (const std::string shape :
       {"(4611686018427387904,)", "(4294967296, 4294967296)", "(1099511627776, 1099511627776)",
        "(2305843009213693952, 2, 2, 2)", "(0, 1099511627776, 1099511627776)", "(4611686018427387904, 4)"}) {
    const std::string file =
        write_crafted(dir, "overflow" + std::to_string(i++) + ".npy", dict_with("'<f4'", shape));
    INFO("shape " << shape);
    for (const std::string norm : {"batch", "layer", "group:num_groups=1", "none"})
      check_apply_error({"--norm", norm, "--input", file}, {file, "too large", "overflows"});
    check_apply_error({"--norm", "batch", "--input", x, "--param", "weight=" + file}, {file, "too large"});
    check_apply_error({"--norm", "batch", "--input", x, "--grad", file}, {file, "too large"});
  }
}

TEST_CASE("normlab apply: .npy shapes and dicts numpy rejects are input errors", "[apply][errors][issue12]") {
  TempDir dir;
  const auto check = [&](const std::string& name, const std::string& dict, const std::string& expected) {
    check_apply_error({"--norm", "none", "--input", write_crafted(dir, name, dict, 1, 48)}, {name, expected});
  };
  check("float_dim.npy", dict_with("'<f4'", "(2.5, 3, 2, 2)"), "'2.5' is not a non-negative integer");
  check("string_dim.npy", dict_with("'<f4'", "('4', 3, 2, 2)"), "non-negative integer dimension");
  check("long_dim.npy", dict_with("'<f4'", "(123456789012345678901, 3)"), "does not fit in 64 bits");
  check("junk_shape.npy", dict_with("'<f4'", "(3, 4\x07\x01zz)"), "expected ',' or ')'");
  check("duplicate.npy", "{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)}",
        "key 'descr' appears twice");
  check("extra_key.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'x': 0}", "key 'x'");
  check("empty_header.npy", "", "header ends early");
}

}  // namespace normlab::testing
