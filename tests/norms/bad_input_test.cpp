// Bad input through the library: every user-fixable problem is a normlab::InputError whose
// message is one line that names what was wrong and what is allowed.
#include <catch2/catch.hpp>

#include <functional>

#include "norms/core/errors.hpp"
#include "test_support.hpp"

namespace normlab::testing {

namespace {

std::string make_error(const std::string& spec, const Shape& shape) {
  return input_error([&] { make_normalizer<double>(spec, shape); });
}

using Catch::Contains;

}  // namespace

TEST_CASE("bad input: unknown kind and unknown key list what is valid", "[errors]") {
  CHECK_THAT(make_error("batchnorm", {4, 3}),
             Contains("'batchnorm'") && Contains("valid: batch, layer, instance, group, weight, none"));
  CHECK_THAT(make_error("batch:momentun=0.1", {4, 3}),
             Contains("'momentun'") && Contains("valid keys: eps, momentum, affine, track_running_stats"));
  CHECK_THAT(make_error("group:groups=2", {4, 4}), Contains("'groups'") && Contains("num_groups"));
  CHECK_THAT(make_error("weight:eps=1e-3", {4, 3}), Contains("'eps'") && Contains("valid keys: none"));
  CHECK_THAT(make_error("layer:elementwise_affine=true,affine=true", {4, 3}),
             Contains("'affine'") && Contains("elementwise_affine"));
}

TEST_CASE("bad input: malformed spec strings", "[errors]") {
  CHECK_THAT(make_error("", {4, 3}), Contains("no kind"));
  CHECK_THAT(make_error("batch:momentum", {4, 3}), Contains("'momentum' is not key=value"));
  CHECK_THAT(make_error("batch:eps=1e-3,eps=1e-4", {4, 3}), Contains("'eps' twice"));
  CHECK_THAT(make_error("batch:eps=", {4, 3}), Contains("needs both a key and a value"));
}

TEST_CASE("bad input: bad values name the key and the rule", "[errors]") {
  for (const std::string kind : {"batch", "layer", "instance", "group:num_groups=1"})
    for (const std::string eps : {"0", "-1e-5"}) {
      const std::string spec = kind + (kind.find(':') == std::string::npos ? ":" : ",") + "eps=" + eps;
      INFO(spec);
      CHECK_THAT(make_error(spec, {4, 2, 3}), Contains("eps=" + eps) && Contains("must be > 0"));
      CHECK_THROWS_AS(validate_normalizer_spec(spec), InputError);  // caught without a shape too
    }
  for (const std::string kind : {"batch", "instance"})
    for (const std::string momentum : {"1.5", "-0.1"}) {
      INFO(kind << " momentum=" << momentum);
      CHECK_THAT(make_error(kind + ":momentum=" + momentum, {4, 2, 3}),
                 Contains("momentum=" + momentum) && Contains("[0, 1]") && Contains("none"));
    }
  CHECK_THAT(make_error("batch:momentum=fast", {4, 3}), Contains("momentum=fast") && Contains("or none"));
  CHECK_THAT(make_error("batch:eps=tiny", {4, 3}), Contains("eps=tiny") && Contains("finite number"));
  CHECK_THAT(make_error("batch:affine=maybe", {4, 3}), Contains("affine=maybe") && Contains("true or false"));
  CHECK_THAT(make_error("group:num_groups=0", {4, 6}), Contains("num_groups=0") && Contains(">= 1"));
  CHECK_THAT(make_error("group:num_groups=2.5", {4, 6}), Contains("num_groups=2.5") && Contains("integer"));
  CHECK_THROWS_AS(validate_normalizer_spec("batch:momentum=2"), InputError);
  CHECK_NOTHROW(validate_normalizer_spec("batch:momentum=none,eps=1e-3"));
}

TEST_CASE("bad input: num_groups must divide C, and the message lists the valid divisors", "[errors]") {
  CHECK_THAT(make_error("group:num_groups=4", {2, 6, 3, 3}),
             Contains("num_groups=4") && Contains("C=6") && Contains("valid: 1, 2, 3, 6"));
  CHECK_THAT(make_error("group", {2, 12}), Contains("num_groups=32") && Contains("valid: 1, 2, 3, 4, 6, 12"));
  CHECK_NOTHROW(make_normalizer<float>("group:num_groups=3", {2, 6, 3, 3}));
}

TEST_CASE("bad input: example shapes a normalizer cannot take", "[errors]") {
  CHECK_THAT(make_error("batch", {5}), Contains("batch norm") && Contains("(5,)"));
  CHECK_THAT(make_error("batch", {4, 0, 3}), Contains("(4, 0, 3)"));
  CHECK_THAT(make_error("layer", {4}), Contains("layer norm") && Contains("(4,)"));
  CHECK_THAT(make_error("instance", {4, 3}),
             Contains("instance norm") && Contains("spatial") && Contains("(4, 3)"));
  CHECK_THAT(make_error("group:num_groups=1", {7}), Contains("group norm") && Contains("(7,)"));
  CHECK_THAT(make_error("weight", {}), Contains("weight norm") && Contains("()"));
  CHECK_THAT(make_error("weight", {3, 0}), Contains("(3, 0)"));
}

TEST_CASE("bad input: forward and backward with the wrong shape", "[errors]") {
  const Shape shape{4, 3, 5};
  Tensor<double> y, dx;
  const Tensor<double> wrong_channels = random_tensor<double>({4, 2, 5}, "errors/x");
  for (const std::string spec : {"batch", "instance", "group:num_groups=3"}) {
    INFO(spec);
    auto norm = make_normalizer<double>(spec, shape);
    CHECK_THAT(input_error([&] { norm->forward(wrong_channels, y, Mode::train); }),
               Contains("3 channels") && Contains("(4, 2, 5)"));
    const Tensor<double> rank4 = random_tensor<double>({4, 3, 5, 1}, "errors/x4");
    CHECK_THAT(input_error([&] { norm->forward(rank4, y, Mode::train); }),
               Contains("rank 3") && Contains("(4, 3, 5, 1)"));
  }
  auto layer = make_normalizer<double>("layer", shape);
  CHECK_THAT(input_error([&] {
               layer->forward(random_tensor<double>({4, 3, 6}, "e"), y, Mode::train);
             }),
             Contains("(N, 3, 5)") && Contains("(4, 3, 6)"));
  auto weight = make_normalizer<double>("weight", {3, 4});
  CHECK_THAT(input_error([&] {
               weight->forward(random_tensor<double>({4, 3}, "e"), y, Mode::train);
             }),
             Contains("(3, 4)") && Contains("(4, 3)"));

  // backward: dy must match x, and x must be the last forward's input.
  for (const std::string spec : {"batch", "layer", "instance:affine=true", "group:num_groups=3", "weight"}) {
    INFO(spec);
    auto norm = make_normalizer<double>(spec, shape);
    const Tensor<double> x = random_tensor<double>(shape, "errors/bx");
    norm->forward(x, y, Mode::train);
    CHECK_THAT(input_error([&] {
                 norm->backward(x, random_tensor<double>({4, 3, 4}, "e"), dx);
               }),
               Contains("(4, 3, 5)") && Contains("(4, 3, 4)"));
    if (spec != "weight")
      CHECK_THAT(input_error([&] {
                   const Tensor<double> other = random_tensor<double>({2, 3, 5}, "e");
                   norm->backward(other, other, dx);
                 }),
                 Contains("not the last forward's input"));
  }
}

TEST_CASE("bad input: batch norm training with one value per channel gives the shape", "[errors]") {
  for (const Shape& shape : {Shape{1, 3}, Shape{1, 3, 1, 1}}) {
    INFO(shape_string(shape));
    Tensor<float> y;
    auto bn = make_normalizer<float>("batch", shape);
    const Tensor<float> x = random_tensor<float>(shape, "errors/one");
    CHECK_THAT(input_error([&] { bn->forward(x, y, Mode::train); }),
               Contains("more than 1 value per channel") && Contains(shape_string(shape)));
    // Evaluation with running statistics is fine on a single sample, as in PyTorch.
    CHECK_NOTHROW(bn->forward(x, y, Mode::eval));
    // Without running statistics, evaluation uses the batch's: the same error.
    auto untracked = make_normalizer<float>("batch:track_running_stats=false", shape);
    CHECK_THAT(input_error([&] { untracked->forward(x, y, Mode::eval); }), Contains(shape_string(shape)));
  }
  auto in = make_normalizer<float>("instance", {2, 3, 1});
  Tensor<float> y;
  CHECK_THAT(input_error([&] {
               in->forward(random_tensor<float>({2, 3, 1}, "e"), y, Mode::train);
             }),
             Contains("more than 1 spatial element") && Contains("(2, 3, 1)"));
}

TEST_CASE("bad input: set() with a wrong shape or an unknown name", "[errors]") {
  auto bn = make_normalizer<double>("batch", {4, 3, 5});
  CHECK_THAT(input_error([&] { bn->set("weight", random_tensor<double>({5}, "e")); }),
             Contains("'weight'") && Contains("(3,)") && Contains("(5,)"));
  CHECK_THAT(input_error([&] {
               bn->set("running_var", random_tensor<double>({3, 1}, "e"));
             }),
             Contains("'running_var'") && Contains("(3, 1)"));
  CHECK_THAT(input_error([&] { bn->set("gamma", random_tensor<double>({3}, "e")); }),
             Contains("'gamma'") && Contains("weight, bias, running_mean, running_var, num_batches_tracked"));
  CHECK_THAT(input_error([&] { bn->parameter("running_mean2"); }), Contains("'running_mean2'"));
  CHECK_THAT(input_error([&] { bn->buffer("bias2"); }), Contains("'bias2'"));
  auto layer = make_normalizer<double>("layer", {4, 3, 5});
  CHECK_THAT(input_error([&] { layer->set("weight", random_tensor<double>({3}, "e")); }),
             Contains("(3, 5)") && Contains("(3,)"));
  CHECK_THAT(input_error([&] { layer->set("running_mean", random_tensor<double>({3}, "e")); }),
             Contains("it has: weight, bias"));
  auto none = make_normalizer<double>("none", {4, 3});
  CHECK_THAT(input_error([&] { none->set("weight", random_tensor<double>({3}, "e")); }),
             Contains("it has: none"));
  auto wn = make_normalizer<double>("weight", {4, 3});
  CHECK_THAT(input_error([&] {
               wn->set("g", random_tensor<double>({4, 1}, "e"));
             }),
             Contains("'g'") && Contains("(4,)") && Contains("(4, 1)"));
}

}  // namespace normlab::testing

namespace normlab::testing {

// Every registered normalizer, with its typical example spec: an unknown key, an input of too
// small a rank, a wrong channel count and a dy of the wrong shape are one-line InputErrors.
TEST_CASE("bad input: every registered normalizer rejects bad keys and shapes", "[errors]") {
  for (const NormalizerInfo& info : normalizer_registry()) {
    const std::string spec = info.traits.examples.front();
    INFO("kind " << info.kind << ", spec '" << spec << "'");
    CHECK_NOTHROW(validate_normalizer_spec(spec));
    const std::string with_unknown = spec + (spec.find(':') == std::string::npos ? ":" : ",") + "no_such_key=1";
    CHECK_THAT(make_error(with_unknown, {4, 4, 3}), Contains("'no_such_key'") && Contains("valid keys"));
    if (info.traits.role != NormRole::identity) CHECK_THAT(make_error(spec, {}), Contains("()"));
    if (info.traits.min_rank > 1) {
      const Shape too_small(info.traits.min_rank - 1, 4);
      CHECK_THAT(make_error(spec, too_small), Contains(shape_string(too_small)));
    }
    const Shape shape{4, 4, 3};
    auto norm = make_normalizer<double>(spec, shape);
    Tensor<double> y, dx;
    const Tensor<double> x = random_tensor<double>(shape, "errors/registry/x");
    if (info.traits.role != NormRole::identity) {
      CHECK_THAT(input_error([&] { norm->forward(random_tensor<double>({4, 2, 3}, "e"), y, Mode::train); }),
                 Contains("(4, 2, 3)"));
    }
    norm->forward(x, y, Mode::train);
    CHECK_THAT(input_error([&] { norm->backward(x, random_tensor<double>({4, 4, 2}, "e"), dx); }),
               Contains("(4, 4, 2)"));
  }
}

}  // namespace normlab::testing
