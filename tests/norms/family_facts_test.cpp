// The facts that distinguish rms, ghost batch norm and mean_only (issue 10), each against a plain
// reference loop or a normalizer it must equal: RMSNorm equals LayerNorm on zero-mean rows; ghost
// batch norm with K = N is batch norm bit for bit, and in general is batch norm called on each
// chunk in turn. Ghost batch norm is not among the registry loops' examples (no K divides all
// their batch sizes), so its finite differences, gradient contract and thread count are here.
// Batch renorm: family_renorm_test.cpp; weight_std and spectral: family_weight_facts_test.cpp.
#include <catch2/catch.hpp>

#include <omp.h>
#include <limits>

#include "family_support.hpp"
#include "finite_differences.hpp"
#include "norms/core/parallel.hpp"
#include "norms/options.hpp"

namespace normlab::testing {

namespace {

using Catch::Contains;

// Rows n0 .. n0+count of x: (N, ...).
template <class T>
Tensor<T> rows_of(const Tensor<T>& x, std::size_t n0, std::size_t count) {
  Shape shape = shape_of(x);
  const std::size_t row = shape_product(shape, 1);
  shape[0] = count;
  Tensor<T> out = Tensor<T>::from_shape(shape);
  std::copy(x.data() + n0 * row, x.data() + (n0 + count) * row, out.data());
  return out;
}

const std::vector<Shape> kShapes = {{6, 4}, {4, 3, 5}, {2, 4, 3, 3}};

}  // namespace

// ---- rms ----------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("rms equals layer norm on zero-mean rows; dx differs by layer norm's centering term",
                   "[family][rms]", float, double) {
  using T = TestType;
  for (const Shape& shape : {Shape{5, 12}, Shape{3, 4, 5}, Shape{2, 4, 3, 3}}) {
    INFO(shape_string(shape));
    Tensor<T> x = random_tensor<T>(shape, "rms/x", 0.0, 1.5);
    const std::size_t N = shape[0], L = shape_product(shape, 1);
    for (std::size_t n = 0; n < N; ++n) {  // zero-mean rows, to rounding
      double mean = 0;
      for (std::size_t j = 0; j < L; ++j)
        mean += double(x.data()[n * L + j]);
      for (std::size_t j = 0; j < L; ++j)
        x.data()[n * L + j] = T(double(x.data()[n * L + j]) - mean / double(L));
    }
    const Tensor<T> dy = random_tensor<T>(shape, "rms/dy");
    Tensor<T> w = uniform_tensor<T>(Shape(shape.begin() + 1, shape.end()), "rms/w", -1.5, 1.5);
    auto rms = make_normalizer<T>("rms:eps=1e-5", shape);
    auto layer = make_normalizer<T>("layer:eps=1e-5", shape);
    rms->set("weight", w);
    layer->set("weight", w);
    Results<T> a = run_normalizer(*rms, x, dy, Mode::train);
    Results<T> b = run_normalizer(*layer, x, dy, Mode::train);
    CHECK(describe_mismatch(a["y"], b["y"], rounding<T>()) == "");
    CHECK(describe_mismatch(a["dweight"], b["dweight"], rounding<T>()) == "");
    // dx_layer = dx_rms - rstd·mean(weight·dy) per row: layer norm's gradient through its mean.
    Tensor<double> expected = cast<double>(a["dx"]);
    for (std::size_t n = 0; n < N; ++n) {
      double squares = 0, centering = 0;
      for (std::size_t j = 0; j < L; ++j) {
        squares += double(x.data()[n * L + j]) * double(x.data()[n * L + j]);
        centering += double(w.data()[j]) * double(dy.data()[n * L + j]);
      }
      const double rstd = 1.0 / std::sqrt(squares / double(L) + 1e-5);
      for (std::size_t j = 0; j < L; ++j)
        expected.data()[n * L + j] -= rstd * centering / double(L);
    }
    CHECK(describe_mismatch(b["dx"], expected, sizeof(T) == 4 ? Tolerance{1e-5, 1e-5} : rounding<T>()) == "");
  }
}

TEMPLATE_TEST_CASE("rms: plain reference loop; eps none is the dtype's epsilon; an all-zero row gives 0",
                   "[family][rms]", float, double) {
  using T = TestType;
  const Shape shape{4, 3, 2};
  Tensor<T> x = random_tensor<T>(shape, "rms/ref/x", 0.3, 1.7);
  for (std::size_t j = 0; j < 6; ++j)
    x.data()[2 * 6 + j] = T(0);  // row 2: all zeros
  const Tensor<T> w = uniform_tensor<T>({3, 2}, "rms/ref/w", -1.5, 1.5);
  auto rms = make_normalizer<T>("rms", shape);
  const double eps = double(std::numeric_limits<T>::epsilon());
  CHECK_THAT(rms->describe(), Contains("eps=" + format_number(eps)));
  rms->set("weight", w);
  const Tensor<T> dy = random_tensor<T>(shape, "rms/ref/dy");
  Results<T> got = run_normalizer(*rms, x, dy, Mode::eval);
  Tensor<double> y = Tensor<double>::from_shape(shape);
  for (std::size_t n = 0; n < 4; ++n) {
    double squares = 0;
    for (std::size_t j = 0; j < 6; ++j)
      squares += double(x.data()[n * 6 + j]) * double(x.data()[n * 6 + j]);
    const double rstd = 1.0 / std::sqrt(squares / 6 + eps);
    for (std::size_t j = 0; j < 6; ++j)
      y.data()[n * 6 + j] = double(x.data()[n * 6 + j]) * rstd * double(w.data()[j]);
  }
  CHECK(describe_mismatch(got["y"], y, rounding<T>()) == "");
  for (std::size_t j = 0; j < 6; ++j) {
    CHECK(got["y"].data()[2 * 6 + j] == T(0));
    // The zero row's gradient is the direct term alone: weight·dy/sqrt(eps), finite.
    const double direct = double(w.data()[j]) * double(dy.data()[2 * 6 + j]) / std::sqrt(eps);
    CHECK(std::abs(double(got["dx"].data()[2 * 6 + j]) - direct) <= 1e-6 * std::abs(direct));
  }
  CHECK_THAT(input_error([&] { make_normalizer<T>("rms:eps=0", shape); }),
             Contains("eps=0") && Contains("must be > 0"));
}

// ---- ghost batch norm ---------------------------------------------------------------------------

TEMPLATE_TEST_CASE("ghost batch norm with K = N is batch norm, bit for bit", "[family][ghost]", float,
                   double) {
  using T = TestType;
  for (const Shape& shape : kShapes) {
    const std::string ghost_spec = "batch:virtual_batch_size=" + std::to_string(shape[0]);
    INFO(ghost_spec << " on " << shape_string(shape));
    auto ghost = make_normalizer<T>(ghost_spec, shape);
    auto batch = make_normalizer<T>("batch", shape);
    set_nontrivial_state(*ghost, "ghost");
    set_nontrivial_state(*batch, "ghost");
    const Tensor<T> x = random_tensor<T>(shape, "ghost/x", 0.3, 1.7),
                    dy = random_tensor<T>(shape, "ghost/dy");
    for (Mode mode : {Mode::train, Mode::train, Mode::eval})
      check_same_results(run_normalizer(*ghost, x, dy, mode), run_normalizer(*batch, x, dy, mode), kExact);
  }
}

TEMPLATE_TEST_CASE("ghost batch norm is batch norm called on each chunk in turn, bit for bit",
                   "[family][ghost]", float, double) {
  using T = TestType;
  for (const auto& [shape, K] :
       std::vector<std::pair<Shape, std::size_t>>{{{6, 4}, 2}, {{6, 4, 5}, 3}, {{4, 4, 3, 3}, 1}}) {
    INFO("K=" << K << " on " << shape_string(shape));
    auto ghost = make_normalizer<T>("batch:virtual_batch_size=" + std::to_string(K), shape);
    auto batch = make_normalizer<T>("batch", shape);
    set_nontrivial_state(*ghost, "chunks");
    set_nontrivial_state(*batch, "chunks");
    const Tensor<T> x = random_tensor<T>(shape, "chunks/x", 0.3, 1.7),
                    dy = random_tensor<T>(shape, "chunks/dy");
    const Results<T> got = run_normalizer(*ghost, x, dy, Mode::train);
    Results<T> expected;
    expected["y"] = x, expected["dx"] = x;
    const std::size_t row = shape_product(shape, 1);
    for (std::size_t n0 = 0; n0 < shape[0]; n0 += K) {
      Tensor<T> y, dx;
      const Tensor<T> xk = rows_of(x, n0, K);
      batch->forward(xk, y, Mode::train);
      batch->backward(xk, rows_of(dy, n0, K), dx);  // parameter gradients accumulate over the chunks
      std::copy(y.data(), y.data() + y.size(), expected["y"].data() + n0 * row);
      std::copy(dx.data(), dx.data() + dx.size(), expected["dx"].data() + n0 * row);
    }
    for (auto& p : batch->parameters())
      expected["d" + p.name] = *p.grad;
    for (auto& b : batch->buffers())
      expected[b.name] = *b.value;
    check_same_results(got, expected, kExact);
    CHECK(got.at("num_batches_tracked")() == T(shape[0] / K));
  }
}

TEST_CASE("ghost batch norm: finite differences in training, per chunk statistics", "[family][ghost]") {
  for (const auto& [shape, K] :
       std::vector<std::pair<Shape, std::size_t>>{{{6, 4}, 3}, {{4, 3, 5}, 2}, {{2, 4, 3, 3}, 1}}) {
    INFO("K=" << K << " on " << shape_string(shape));
    auto ghost = make_normalizer<double>("batch:virtual_batch_size=" + std::to_string(K), shape);
    set_nontrivial_state(*ghost, "ghost/fd");
    Tensor<double> x = random_tensor<double>(shape, "ghost/fd/x", 0.3, 1.7);
    const Tensor<double> r = random_tensor<double>(shape, "ghost/fd/r");
    Tensor<double> y, dx;
    ghost->forward(x, y, Mode::train);
    ghost->zero_grad();
    ghost->backward(x, r, dx);
    const auto loss = [&] {
      Tensor<double> out;
      ghost->forward(x, out, Mode::train);
      return weighted_sum(out, r);
    };
    std::size_t checked = check_against_differences(loss, x, dx, "dx");
    for (auto& p : ghost->parameters())
      checked += check_against_differences(loss, *p.value, *p.grad, p.name.c_str());
    CHECK(checked == x.size() + 2 * shape[1]);
  }
}

TEST_CASE("ghost batch norm: dx assigned over garbage, and bit-identical with 1 and 2 threads",
          "[family][ghost]") {
  const Shape shape{8, 16, 32, 32};
  const Tensor<float> x = random_tensor<float>(shape, "ghost/threads/x", 0.3, 1.7);
  const Tensor<float> dy = random_tensor<float>(shape, "ghost/threads/dy");
  const AlwaysStartTeams teams;  // the 2-thread pass takes the threaded paths however loaded the machine is
  const int saved = omp_get_max_threads();
  std::vector<Results<float>> runs;
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    auto ghost = make_normalizer<float>("batch:virtual_batch_size=4", shape);
    set_nontrivial_state(*ghost, "ghost/threads");
    Results<float> out;
    ghost->forward(x, out["y"], Mode::train);
    out["dx"] = Tensor<float>::from_shape({7});
    out["dx"].fill(std::numeric_limits<float>::quiet_NaN());
    ghost->backward(x, dy, out["dx"]);
    for (auto& p : ghost->parameters())
      out["d" + p.name] = *p.grad;
    for (auto& b : ghost->buffers())
      out[b.name] = *b.value;
    runs.push_back(out);
  }
  omp_set_num_threads(saved);
  check_same_results(runs[1], runs[0], kExact);
  for (std::size_t i = 0; i < runs[0]["dx"].size(); ++i)
    REQUIRE(std::isfinite(runs[0]["dx"].data()[i]));
}

TEST_CASE("ghost batch norm: bad virtual batch sizes are clear InputErrors", "[family][ghost][errors]") {
  Tensor<double> y;
  auto ghost = make_normalizer<double>("batch:virtual_batch_size=4", {6, 3});
  const Tensor<double> x6 = random_tensor<double>({6, 3}, "ghost/bad");
  CHECK_THAT(input_error([&] { ghost->forward(x6, y, Mode::train); }),
             Contains("virtual_batch_size=4") && Contains("must divide") && Contains("N=6"));
  CHECK_NOTHROW(ghost->forward(x6, y, Mode::eval));  // evaluation takes any N
  CHECK_NOTHROW(ghost->forward(random_tensor<double>({5, 3}, "ghost/bad5"), y, Mode::eval));
  auto ones = make_normalizer<double>("batch:virtual_batch_size=1", {6, 3});
  CHECK_THAT(input_error([&] { ones->forward(x6, y, Mode::train); }),
             Contains("more than 1 value per channel") && Contains("virtual batches of 1"));
  for (const std::string value : {"0", "-2"})
    CHECK_THAT(input_error([&] {
                 make_normalizer<double>("batch:virtual_batch_size=" + value, {6, 3});
               }),
               Contains("virtual_batch_size=" + value) && Contains(">= 1") && Contains("none"));
  CHECK_THROWS_AS(validate_normalizer_spec("batch:virtual_batch_size=2.5"), InputError);
  CHECK_NOTHROW(validate_normalizer_spec("batch:virtual_batch_size=none"));
}

// ---- mean_only ----------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("mean-only batch norm: plain reference in both modes; no variance buffer",
                   "[family][mean_only]", float, double) {
  using T = TestType;
  const Shape shape{5, 4, 3};
  const Tensor<T> x = random_tensor<T>(shape, "mean_only/x", 0.3, 1.7),
                  dy = random_tensor<T>(shape, "mean_only/dy");
  const Tensor<T> bias = random_tensor<T>({4}, "mean_only/b"),
                  running = random_tensor<T>({4}, "mean_only/rm");
  for (Mode mode : {Mode::train, Mode::eval}) {
    auto norm = make_normalizer<T>("mean_only", shape);
    norm->set("bias", bias);
    norm->set("running_mean", running);
    std::vector<std::string> names;
    for (auto& b : norm->buffers())
      names.push_back(b.name);
    CHECK(names == std::vector<std::string>{"running_mean", "num_batches_tracked"});
    Results<T> got = run_normalizer(*norm, x, dy, mode);
    const ChannelMoments m = channel_moments_of(x), g = channel_moments_of(dy);
    Tensor<double> y = cast<double>(x), dx = cast<double>(dy), dbias = Tensor<double>::from_shape({4});
    for (std::size_t i = 0; i < x.size(); ++i) {
      const std::size_t c = (i / 3) % 4;
      const double center = mode == Mode::train ? m.mean[c] : double(running.data()[c]);
      y.data()[i] = double(x.data()[i]) - center + double(bias.data()[c]);
      if (mode == Mode::train) dx.data()[i] -= g.mean[c];  // through μ_B
    }
    for (std::size_t c = 0; c < 4; ++c)
      dbias.data()[c] = g.mean[c] * 15;
    CHECK(describe_mismatch(got["y"], y, rounding<T>()) == "");
    CHECK(describe_mismatch(got["dx"], dx, mode == Mode::eval ? kExact : rounding<T>()) == "");
    CHECK(describe_mismatch(got["dbias"], dbias, rounding<T>()) == "");
    Tensor<double> updated = cast<double>(running);
    if (mode == Mode::train)
      for (std::size_t c = 0; c < 4; ++c)
        updated.data()[c] = 0.9 * updated.data()[c] + 0.1 * m.mean[c];
    CHECK(describe_mismatch(got["running_mean"], updated, rounding<T>()) == "");
    CHECK(got["num_batches_tracked"]() == T(mode == Mode::train ? 1 : 0));
  }
  CHECK_THAT(input_error([&] { make_normalizer<T>("mean_only:momentum=2", shape); }),
             Contains("momentum=2") && Contains("[0, 1]"));
}

}  // namespace normlab::testing
