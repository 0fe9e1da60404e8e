// The family2 normalizers' forwards against plain loops written from the formulas of issue 10,
// on shapes larger than the fixtures' (rows that are not multiples of the 8 summation lanes, and
// a shape that takes the threaded paths), with non-trivial parameters: double to 1e-12, float to
// 1e-5 against the double loop on the same float inputs. The gradients are checked by finite
// differences (gradient_check_test.cpp) and against PyTorch autograd (the fixtures).
//
// Layout: x: (N, C, S) row-major, element (n, c, s) at (n·C + c)·S + s.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <vector>

#include "test_support.hpp"

namespace normlab::testing {

namespace {

using Vec = std::vector<double>;

struct View {
  std::size_t N, C, S;
  std::size_t at(std::size_t n, std::size_t c, std::size_t s) const { return (n * C + c) * S + s; }
};

// Mean and biased variance of x over the elements (n, c, s) for which `in` is true.
template <class In>
std::pair<double, double> moments(const Vec& x, const View& v, In in) {
  double sum = 0, count = 0;
  for (std::size_t n = 0; n < v.N; ++n)
    for (std::size_t c = 0; c < v.C; ++c)
      for (std::size_t s = 0; s < v.S; ++s)
        if (in(n, c)) sum += x[v.at(n, c, s)], count += 1;
  const double mean = sum / count;
  double squares = 0;
  for (std::size_t n = 0; n < v.N; ++n)
    for (std::size_t c = 0; c < v.C; ++c)
      for (std::size_t s = 0; s < v.S; ++s)
        if (in(n, c)) squares += (x[v.at(n, c, s)] - mean) * (x[v.at(n, c, s)] - mean);
  return {mean, squares / count};
}

using Params = std::map<std::string, Vec>;

// frn (tlu=true): max(weight·x/sqrt(mean_s x² + eps) + bias, tau).
Vec frn(const Vec& x, const View& v, Params& p) {
  Vec y(x.size());
  for (std::size_t n = 0; n < v.N; ++n)
    for (std::size_t c = 0; c < v.C; ++c) {
      double nu2 = 0;
      for (std::size_t s = 0; s < v.S; ++s)
        nu2 += x[v.at(n, c, s)] * x[v.at(n, c, s)] / double(v.S);
      for (std::size_t s = 0; s < v.S; ++s) {
        const double z = p["weight"][c] * x[v.at(n, c, s)] / std::sqrt(nu2 + 1e-6) + p["bias"][c];
        y[v.at(n, c, s)] = std::max(z, p["tau"][c]);
      }
    }
  return y;
}

// evonorm_b0, training: x / max(sqrt(var_B + eps), v·x + sqrt(var_I + eps))·weight + bias.
Vec evonorm_b0(const Vec& x, const View& v, Params& p) {
  Vec y(x.size());
  for (std::size_t c = 0; c < v.C; ++c) {
    const double var_b = moments(x, v, [&](std::size_t, std::size_t k) { return k == c; }).second;
    for (std::size_t n = 0; n < v.N; ++n) {
      const double var_i =
          moments(x, v, [&](std::size_t m, std::size_t k) { return m == n && k == c; }).second;
      for (std::size_t s = 0; s < v.S; ++s) {
        const double xs = x[v.at(n, c, s)];
        const double d = std::max(std::sqrt(var_b + 1e-5), p["v"][c] * xs + std::sqrt(var_i + 1e-5));
        y[v.at(n, c, s)] = xs / d * p["weight"][c] + p["bias"][c];
      }
    }
  }
  return y;
}

// evonorm_s0 with G groups: x·sigmoid(v·x)/sqrt(var_G + eps)·weight + bias.
Vec evonorm_s0(const Vec& x, const View& v, Params& p, std::size_t G) {
  Vec y(x.size());
  const std::size_t per_group = v.C / G;
  for (std::size_t n = 0; n < v.N; ++n)
    for (std::size_t c = 0; c < v.C; ++c) {
      const double var_g = moments(x, v, [&](std::size_t m, std::size_t k) {
                             return m == n && k / per_group == c / per_group;
                           }).second;
      for (std::size_t s = 0; s < v.S; ++s) {
        const double xs = x[v.at(n, c, s)];
        y[v.at(n, c, s)] =
            xs / (1 + std::exp(-p["v"][c] * xs)) / std::sqrt(var_g + 1e-5) * p["weight"][c] + p["bias"][c];
      }
    }
  return y;
}

// switchable, training: softmax mixes of the instance, layer and batch moments (each taken over
// its own elements directly, not through the instance moments as the implementation does).
Vec switchable(const Vec& x, const View& v, Params& p) {
  auto softmax = [](const Vec& z) {
    const double total = std::exp(z[0]) + std::exp(z[1]) + std::exp(z[2]);
    return Vec{std::exp(z[0]) / total, std::exp(z[1]) / total, std::exp(z[2]) / total};
  };
  const Vec wm = softmax(p["mean_weight"]), wv = softmax(p["var_weight"]);
  Vec y(x.size());
  for (std::size_t n = 0; n < v.N; ++n)
    for (std::size_t c = 0; c < v.C; ++c) {
      const auto in = moments(x, v, [&](std::size_t m, std::size_t k) { return m == n && k == c; });
      const auto ln = moments(x, v, [&](std::size_t m, std::size_t) { return m == n; });
      const auto bn = moments(x, v, [&](std::size_t, std::size_t k) { return k == c; });
      const double mean = wm[0] * in.first + wm[1] * ln.first + wm[2] * bn.first;
      const double var = wv[0] * in.second + wv[1] * ln.second + wv[2] * bn.second;
      for (std::size_t s = 0; s < v.S; ++s)
        y[v.at(n, c, s)] = (x[v.at(n, c, s)] - mean) / std::sqrt(var + 1e-5) * p["weight"][c] + p["bias"][c];
    }
  return y;
}

template <class T>
void compare(const std::string& spec, const Shape& shape,
             const std::function<Vec(const Vec&, const View&, Params&)>& reference) {
  INFO("spec '" << spec << "', shape " << shape_string(shape) << ", "
                << (sizeof(T) == 4 ? "float" : "double"));
  const View view{shape[0], shape[1], shape_product(shape, 2)};
  auto norm = make_normalizer<T>(spec, shape);
  set_nontrivial_state(*norm, "f2ref/" + spec);
  Params params;
  for (auto& p : norm->parameters()) {
    if (p.name != "weight" && p.name != "bias")  // tau, v, mean_weight, var_weight
      norm->set(p.name, random_tensor<T>(shape_of(*p.value), "f2ref/" + p.name, 0.3, 0.8));
    params[p.name] = Vec(p.value->data(), p.value->data() + p.value->size());
  }
  const Tensor<T> x = random_tensor<T>(shape, "f2ref/x", 0.3, 1.7);
  Tensor<T> y;
  norm->forward(x, y, Mode::train);
  const Vec expected = reference(Vec(x.data(), x.data() + x.size()), view, params);
  Tensor<double> expected_tensor = Tensor<double>::from_shape(shape);
  std::copy(expected.begin(), expected.end(), expected_tensor.data());
  const Tolerance tol = sizeof(T) == 4 ? Tolerance{1e-5, 1e-5} : Tolerance{1e-12, 1e-12};
  CHECK(describe_mismatch(y, expected_tensor, tol) == "");
}

template <class T>
void compare_all(const Shape& shape) {
  compare<T>("frn", shape, frn);
  compare<T>("evonorm_b0", shape, evonorm_b0);
  compare<T>("evonorm_s0:num_groups=4", shape,
             [](const Vec& x, const View& v, Params& p) { return evonorm_s0(x, v, p, 4); });
  compare<T>("switchable", shape, switchable);
}

}  // namespace

TEST_CASE("family2 forwards match plain loops of the formulas", "[family2][reference]") {
  for (const Shape& shape : {Shape{3, 8, 13}, Shape{2, 4, 5, 7}}) {
    compare_all<double>(shape);
    compare_all<float>(shape);
  }
}

TEST_CASE("family2 forwards match plain loops on a shape that takes the threaded paths",
          "[family2][reference]") {
  compare_all<double>({2, 8, 48, 48});
  compare_all<float>({2, 8, 48, 48});
}

}  // namespace normlab::testing
