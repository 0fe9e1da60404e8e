// The optimized kernels against the plain reference loops of reference.hpp: y, dx, the parameter
// gradients and the updated running buffers, in double (abs and rel 1e-12) and in float against
// the double reference on the same float inputs (abs and rel 1e-5). Shapes cover the kernels'
// separate paths: S == 1 (channels in blocks of 64 for batch norm, per-element affine with
// dγ blocks of 256 for layer norm) and S > 1, lengths that are not multiples of the 8 summation
// lanes, and group norm with G in {1, some, C}.
#include <catch2/catch.hpp>

#include "norms/core/spec.hpp"
#include "reference.hpp"
#include "test_support.hpp"

namespace normlab::testing {

namespace {

using reference::Vec;

template <class T>
Vec to_vec(const Tensor<T>& t) {
  return Vec(t.data(), t.data() + t.size());
}

Tensor<double> to_tensor(const Vec& v, const Shape& shape) {
  Tensor<double> t = Tensor<double>::from_shape(shape);
  std::copy(v.begin(), v.end(), t.data());
  return t;
}

template <class T>
void compare_with_reference(const std::string& text, const Shape& shape, Mode mode, Tolerance tol) {
  INFO("spec '" << text << "', shape " << shape_string(shape) << ", "
                << (mode == Mode::train ? "train" : "eval") << ", " << (sizeof(T) == 4 ? "float" : "double"));
  Spec spec = Spec::parse(text, "normalizer");
  spec.validate(normalizer_registry().find(spec.kind()).keys);
  auto norm = make_normalizer<T>(text, shape);
  set_nontrivial_state(*norm, text);
  const Tensor<T> x = random_tensor<T>(shape, "reference/x/" + text, 0.3, 1.7);
  const Tensor<T> dy = random_tensor<T>(shape, "reference/dy/" + text);

  // The reference's inputs: the same (rounded) numbers the normalizer holds before the forward.
  const Vec xd = to_vec(x), dyd = to_vec(dy);
  Vec gamma, beta, g, running_mean, running_var;
  double batches_before = 0;
  for (auto& p : norm->parameters())
    (p.name == "bias" ? beta : p.name == "g" ? g : gamma) = to_vec(*p.value);
  for (auto& b : norm->buffers()) {
    if (b.name == "running_mean") running_mean = to_vec(*b.value);
    if (b.name == "running_var") running_var = to_vec(*b.value);
    if (b.name == "num_batches_tracked") batches_before = double((*b.value)());
  }
  Results<T> got = run_normalizer(*norm, x, dy, mode);

  const std::string kind = spec.kind();
  const reference::Dims d{shape[0], shape.size() > 1 ? shape[1] : 1, shape_product(shape, 2)};
  const bool tracks = !running_mean.empty();
  const double eps = kind == "weight" || kind == "none" ? 0.0 : spec.get_double("eps");
  reference::Gradients ref;
  std::pair<Vec, Vec> batch_stats;  // (mean, unbiased var) for the running update
  if (kind == "batch") {
    const bool use_running = mode == Mode::eval && tracks;
    ref = reference::batch_norm(
        d, xd, dyd, gamma, beta, eps,
        use_running ? std::optional(std::pair(running_mean, running_var)) : std::nullopt);
    batch_stats = reference::batch_moments(d, xd);
  } else if (kind == "layer") {
    ref = reference::layer_norm(d, xd, dyd, gamma, beta, eps);
  } else if (kind == "group") {
    ref = reference::group_norm(d, std::size_t(spec.get_int("num_groups")), xd, dyd, gamma, beta, eps);
  } else if (kind == "instance") {
    ref = mode == Mode::eval && tracks
              ? reference::batch_norm(d, xd, dyd, gamma, beta, eps, std::pair(running_mean, running_var))
              : reference::group_norm(d, d.C, xd, dyd, gamma, beta, eps);
    batch_stats = reference::instance_moments(d, xd);
  } else if (kind == "weight") {
    const auto w = reference::weight_norm(shape[0], x.size() / shape[0], xd, dyd, g);
    ref.y = w.w, ref.dx = w.dv, ref.dgamma = w.dg;
  } else {
    FAIL("no reference for kind " << kind);
  }

  CHECK(describe_mismatch(got["y"], to_tensor(ref.y, shape), tol) == "");
  CHECK(describe_mismatch(got["dx"], to_tensor(ref.dx, shape), tol) == "");
  if (kind == "weight") {
    CHECK(describe_mismatch(got["dg"], to_tensor(ref.dgamma, {shape[0]}), tol) == "");
  } else if (!gamma.empty()) {
    const Shape pshape = shape_of(norm->parameter("weight"));
    CHECK(describe_mismatch(got["dweight"], to_tensor(ref.dgamma, pshape), tol) == "");
    CHECK(describe_mismatch(got["dbias"], to_tensor(ref.dbeta, pshape), tol) == "");
  } else {
    CHECK(norm->parameters().empty());
  }
  if (tracks) {
    if (mode == Mode::train)
      reference::update_running(running_mean, running_var, batch_stats.first, batch_stats.second,
                                spec.get_optional_double("momentum"), batches_before + 1);
    CHECK(describe_mismatch(got["running_mean"], to_tensor(running_mean, {d.C}), tol) == "");
    CHECK(describe_mismatch(got["running_var"], to_tensor(running_var, {d.C}), tol) == "");
    CHECK(double(got["num_batches_tracked"]()) == batches_before + (mode == Mode::train ? 1 : 0));
  }
}

const Tolerance kDouble{1e-12, 1e-12};
const Tolerance kFloat{1e-5, 1e-5};

void both_dtypes_both_modes(const std::string& spec, const Shape& shape) {
  for (Mode mode : {Mode::train, Mode::eval}) {
    compare_with_reference<double>(spec, shape, mode, kDouble);
    compare_with_reference<float>(spec, shape, mode, kFloat);
  }
}

}  // namespace

TEST_CASE("reference: batch norm kernels, S == 1 and S > 1", "[reference]") {
  // (6, 70): S == 1 with two channel blocks of 64; (4, 3, 17): rows not a multiple of 8 lanes.
  for (const Shape& shape : {Shape{6, 70}, Shape{4, 3, 17}, Shape{3, 5, 4, 4}}) {
    both_dtypes_both_modes("batch", shape);
    both_dtypes_both_modes("batch:momentum=none", shape);
    both_dtypes_both_modes("batch:affine=false,momentum=0.3,eps=1e-3", shape);
    both_dtypes_both_modes("batch:track_running_stats=false", shape);
  }
}

TEST_CASE("reference: layer norm kernels", "[reference]") {
  // (3, 300): per-element affine with dγ reduced in two blocks of 256.
  for (const Shape& shape : {Shape{3, 300}, Shape{4, 7}, Shape{2, 3, 11}, Shape{2, 3, 4, 5}}) {
    both_dtypes_both_modes("layer", shape);
    both_dtypes_both_modes("layer:elementwise_affine=false,eps=1e-3", shape);
  }
}

TEST_CASE("reference: group norm kernels with G in {1, some, C}", "[reference]") {
  for (const Shape& shape : {Shape{5, 12}, Shape{3, 12, 7}, Shape{2, 12, 3, 3}}) {
    for (int groups : {1, 3, 12}) {
      const std::string spec = "group:num_groups=" + std::to_string(groups);
      for (Mode mode : {Mode::train, Mode::eval}) {
        compare_with_reference<double>(spec, shape, mode, kDouble);
        compare_with_reference<double>(spec + ",affine=false", shape, mode, kDouble);
        // Without spatial dims, G = C makes one-element groups: x̂ = 0 and dx is the difference
        // of two equal terms of size rstd·γ·dy = 316·γ·dy, which float rounds to ~2e-5; the
        // double comparison above covers that case.
        if (shape.size() == 2 && groups == 12) continue;
        compare_with_reference<float>(spec, shape, mode, kFloat);
      }
    }
  }
}

TEST_CASE("reference: instance norm kernels, batch and running statistics", "[reference]") {
  for (const Shape& shape : {Shape{3, 4, 7}, Shape{2, 3, 4, 5}}) {
    both_dtypes_both_modes("instance", shape);
    both_dtypes_both_modes("instance:affine=true", shape);
    both_dtypes_both_modes("instance:affine=true,track_running_stats=true", shape);
    both_dtypes_both_modes("instance:track_running_stats=true,momentum=none", shape);
  }
}

TEST_CASE("reference: weight norm", "[reference]") {
  for (const Shape& shape : {Shape{5, 7}, Shape{4, 3, 5}, Shape{3, 2, 3, 3}, Shape{2, 20}})
    both_dtypes_both_modes("weight", shape);
}

}  // namespace normlab::testing
