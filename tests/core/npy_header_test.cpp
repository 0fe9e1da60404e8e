// The .npy header parser (norms/core/npy_header.cpp, npy.cpp) on headers built here: every
// version, every legal spelling numpy produces, and the crafted headers of issue 12 (long
// headers that crashed the old std::regex parser, shapes whose size overflows, shapes numpy
// rejects). Each bad header must be an InputError with a one-line message naming the file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "norms/core/errors.hpp"
#include "norms/core/npy.hpp"
#include "norms/core/npy_header.hpp"

using namespace normlab;

namespace {

// A .npy file: magic, version (major.0), length field, `dict`, then `data_bytes` zero bytes.
std::string npy_bytes(const std::string& dict, int major = 1, std::size_t data_bytes = 0) {
  std::string bytes = "\x93NUMPY";
  bytes += char(major);
  bytes += char(0);
  const std::size_t len = dict.size();
  bytes += char(len & 0xff);
  bytes += char((len >> 8) & 0xff);
  if (major != 1) {
    bytes += char((len >> 16) & 0xff);
    bytes += char((len >> 24) & 0xff);
  }
  return bytes + dict + std::string(data_bytes, '\0');
}

std::string dict_with(const std::string& descr, const std::string& order, const std::string& shape) {
  return "{'descr': " + descr + ", 'fortran_order': " + order + ", 'shape': " + shape + ", }\n";
}

NpyHeader parse(const std::string& bytes) {
  return parse_npy_header(bytes, bytes.size(), "x.npy");
}

// The message of the InputError that parsing `bytes` throws ("" if it does not throw).
std::string error_of(const std::string& bytes) {
  try {
    parse(bytes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void check_rejected(const std::string& bytes, const std::string& expected) {
  const std::string message = error_of(bytes);
  INFO("message: " << message.substr(0, 300));
  CHECK(message.rfind("'x.npy' is not a usable .npy file: ", 0) == 0);
  CHECK(message.find(expected) != std::string::npos);
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.size() < 400);
}

}  // namespace

TEST_CASE("npy header: the spellings numpy writes and the spec allows", "[npy]") {
  const std::string plain = dict_with("'<f4'", "False", "(2, 3)");
  for (const int major : {1, 2, 3}) {
    const NpyHeader h = parse(npy_bytes(plain, major, 24));
    CHECK(h.dtype == Dtype::float32);
    CHECK(h.shape == Shape{2, 3});
    CHECK(h.data_offset == (major == 1 ? 10u : 12u) + plain.size());
  }
  CHECK(parse(npy_bytes("{\"descr\":\"<f8\",\"shape\":(5,),\"fortran_order\":False}", 1, 40)).shape ==
        Shape{5});
  CHECK(parse(npy_bytes("{'shape': (), 'descr': '=f8', 'fortran_order': False}\n", 1, 8)).shape == Shape{});
  CHECK(parse(npy_bytes(dict_with("'f4'", "False", "(0, 7)"))).shape == Shape{0, 7});
  CHECK(parse(npy_bytes(dict_with("'<f4'", "False", "( 2 ,\n 3 , )"), 1, 24)).shape == Shape{2, 3});
  CHECK(parse(npy_bytes(dict_with("'<f4'", "False", "(1, 1, 2,)"), 1, 8)).shape == Shape{1, 1, 2});
}

TEST_CASE("npy header: write_npy output reads back through the new parser", "[npy]") {
  const std::string path = "/tmp/normlab-npy-header-roundtrip-" + std::to_string(::getpid()) + ".npy";
  for (const Shape& shape : {Shape{}, Shape{0}, Shape{3}, Shape{2, 3, 4}, Shape{1, 0, 5}}) {
    Tensor<double> t = Tensor<double>::from_shape(shape);
    for (std::size_t i = 0; i < t.size(); ++i)
      t.data()[i] = 0.25 * double(i) - 1;
    write_npy<double>(path, t);
    const NpyHeader h = read_npy_header(path);
    CHECK(h.shape == shape);
    CHECK(h.data_offset % 64 == 0);
    const Tensor<double> back = read_npy<double>(path);
    CHECK(shape_of(back) == shape);
    CHECK(std::equal(back.data(), back.data() + back.size(), t.data()));
  }
  std::remove(path.c_str());
}

TEST_CASE("npy header: long headers are parsed, not a stack overflow", "[npy][issue12]") {
  // Each of these crashed std::regex (one recursion per character).
  check_rejected(npy_bytes(dict_with("'" + std::string(50000, 'a') + "'", "False", "(4,)"), 1, 16),
                 "dtype 'aaaaaaaaaa");
  CHECK(parse(npy_bytes(dict_with("'<f4'", "False", "(4," + std::string(60000, ' ') + ")"), 1, 16)).shape ==
        Shape{4});
  CHECK(parse(npy_bytes(
                  "{'descr'" + std::string(60000, ' ') + ": '<f4', 'fortran_order': False, 'shape': (4,)}", 1,
                  16))
            .shape == Shape{4});
  check_rejected(npy_bytes("{'descr': '<f4" + std::string(60000, ' '), 1), "unterminated string");
  // Version 2.0 allows headers beyond 64 KiB.
  CHECK(
      parse(npy_bytes(dict_with("'<f4'", "False", "(4,)") + std::string(200000, ' ') + "\n", 2, 16)).shape ==
      Shape{4});
  check_rejected(npy_bytes(dict_with("'<f4'", "False", "(" + std::string(100000, '1') + ",)"), 2),
                 "does not fit in 64 bits");
}

TEST_CASE("npy header: shapes whose size overflows are rejected before any allocation", "[npy][issue12]") {
  for (const std::string shape :
       {"(4611686018427387904,)", "(4294967296, 4294967296)", "(1099511627776, 1099511627776)",
        "(2305843009213693952, 2, 2, 2)", "(0, 1099511627776, 1099511627776)", "(4611686018427387904, 4)",
        "(18446744073709551615,)"}) {
    INFO("shape " << shape);
    check_rejected(npy_bytes(dict_with("'<f4'", "False", shape)),
                   "too large: its byte size overflows 64 bits");
  }
  // Large but representable: a plain size mismatch against the real file.
  check_rejected(npy_bytes(dict_with("'<f4'", "False", "(1152921504606846976,)")),
                 "expected 4611686018427387");
  check_rejected(npy_bytes(dict_with("'<f8'", "False", "(4, 3, 5)"), 1, 479), "found");
}

TEST_CASE("npy header: shapes numpy rejects are rejected", "[npy][issue12]") {
  const auto with_shape = [](const std::string& shape) {
    return npy_bytes(dict_with("'<f4'", "False", shape));
  };
  check_rejected(with_shape("(2.5, 3, 2, 2)"), "'2.5' is not a non-negative integer");
  check_rejected(with_shape("('4', 3, 2, 2)"), "expected a non-negative integer dimension");
  check_rejected(with_shape("(12345678901234567890123,)"), "does not fit in 64 bits");
  check_rejected(with_shape("(-1, 3)"), "negative dimension");
  check_rejected(with_shape("(4)"), "not a tuple");
  check_rejected(with_shape("(012,)"), "leading zero");
  check_rejected(with_shape("(1_000,)"), "is not a non-negative integer");
  check_rejected(with_shape("[4, 3]"), "a tuple for 'shape'");
  check_rejected(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3}"),
                 "expected ',' or ')'");
  check_rejected(with_shape("(4,,)"), "non-negative integer dimension");
  std::string many_dims = "(";
  for (int i = 0; i < 65; ++i)
    many_dims += "1, ";
  check_rejected(with_shape(many_dims + ")"), "more than 64 dimensions");
}

TEST_CASE("npy header: the dict has exactly descr, fortran_order and shape", "[npy][issue12]") {
  check_rejected(npy_bytes("{'descr': '<i8', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", 1, 12),
                 "key 'descr' appears twice");
  check_rejected(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}", 1, 12),
                 "key 'extra' is not one of");
  check_rejected(npy_bytes("{'descr': '<f4', 'fortran_order': False}", 1), "header has no 'shape'");
  check_rejected(npy_bytes("{'shape': (3,), 'fortran_order': False}", 1, 12), "header has no 'descr'");
  check_rejected(npy_bytes("{}", 1), "header has no 'descr'");
  check_rejected(npy_bytes("['descr', '<f4']", 1), "expected '{'");
  check_rejected(npy_bytes(dict_with("'<f4'", "False", "(3,)") + "junk", 1, 12), "after the closing '}'");
  check_rejected(npy_bytes(dict_with("'<f4'", "Falsey", "(3,)"), 1, 12), "True or False");
  check_rejected(npy_bytes(dict_with("'<f4'", "0", "(3,)"), 1, 12), "True or False");
  check_rejected(npy_bytes(dict_with("'<f4'", "True", "(3,)"), 1, 12), "Fortran-ordered");
  check_rejected(npy_bytes(dict_with("[('a', '<f4')]", "False", "(3,)"), 1, 12), "structured dtype");
  check_rejected(npy_bytes(dict_with("'<\\x66\\x34'", "False", "(3,)"), 1, 12), "escape sequences");
  check_rejected(npy_bytes(dict_with("b'<f4'", "False", "(3,)"), 1, 12), "quoted string for 'descr'");
  check_rejected(npy_bytes(dict_with("'>f4'", "False", "(3,)"), 1, 12), "dtype '>f4' is not supported");
  check_rejected(npy_bytes(dict_with("'<f4\x01'", "False", "(3,)"), 1, 12), "dtype '<f4\\x01'");
  check_rejected(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)", 1, 12),
                 "header ends early");
}

TEST_CASE("npy header: magic, version and header length", "[npy][issue12]") {
  const std::string good = npy_bytes(dict_with("'<f4'", "False", "(3,)"), 1, 12);
  check_rejected("\x93NUMP", "no NumPy magic string");
  check_rejected("PK\x03\x04 not numpy", "no NumPy magic string");
  std::string v4 = good, v11 = good;
  v4[6] = 4;
  v11[7] = 1;
  check_rejected(v4, "unsupported format version 4.0");
  check_rejected(v11, "unsupported format version 1.1");
  check_rejected(good.substr(0, 9), "ends inside the header length");
  check_rejected(good.substr(0, 30), "truncated header: it declares");
  std::string huge = npy_bytes("", 2);
  huge[11] = char(0x7f);  // a header length near 2 GiB
  check_rejected(huge, "exceeds the limit");
}
