// The patches task, CIFAR-like: 3x32x32 images whose class is a shape (disc, square, triangle,
// ring, plus; class / 2) on a striped texture whose orientation is near 45 or 135 degrees
// (class % 2). The shape's hue is biased towards the class (36 degrees apart, +-25 degrees
// spread), so colour is a weak cue; position, size, rotation, background colour, stripe
// frequency, phase and contrast are random, and every pixel gets Gaussian noise.
#include <array>
#include <cmath>
#include <sstream>

#include "experiments/data/raster.hpp"
#include "experiments/data/synthetic.hpp"
#include "experiments/util/rng.hpp"

namespace normlab {

namespace {

constexpr std::size_t kSide = 32, kChannels = 3, kClasses = 10;

using Rgb = std::array<double, 3>;

// HSV with hue in degrees to RGB in [0, 1].
Rgb hsv_to_rgb(double hue, double saturation, double value) {
  hue = std::fmod(std::fmod(hue, 360) + 360, 360);
  const double chroma = value * saturation, h = hue / 60;
  const double x = chroma * (1 - std::fabs(std::fmod(h, 2) - 1));
  Rgb rgb{};
  switch (int(h)) {
    case 0: rgb = {chroma, x, 0}; break;
    case 1: rgb = {x, chroma, 0}; break;
    case 2: rgb = {0, chroma, x}; break;
    case 3: rgb = {0, x, chroma}; break;
    case 4: rgb = {x, 0, chroma}; break;
    default: rgb = {chroma, 0, x}; break;
  }
  for (auto& c : rgb) c += value - chroma;
  return rgb;
}

// Signed distance (pixels, negative inside) from the point (u, v), given in the shape's own
// rotated frame relative to its centre, to a shape of radius r.
double shape_distance(std::size_t shape, double u, double v, double r) {
  switch (shape) {
    case 0: return std::sqrt(u * u + v * v) - r;  // disc
    case 1: return std::max(std::fabs(u), std::fabs(v)) - 0.8 * r;  // square (inside distance exact)
    case 2: {  // equilateral triangle, pointing up: the largest distance to its three edge lines
      const double edge = 0.5 * r;
      const double d1 = v - edge;                                 // bottom edge
      const double d2 = (-std::sqrt(3.0) * u - v) / 2 - edge;     // left edge
      const double d3 = (std::sqrt(3.0) * u - v) / 2 - edge;      // right edge
      return std::max(d1, std::max(d2, d3));
    }
    case 3: return std::fabs(std::sqrt(u * u + v * v) - 0.75 * r) - 0.25 * r;  // ring
    default: {  // plus: the union of two bars
      const double bar1 = std::max(std::fabs(u) - 0.25 * r, std::fabs(v) - r);
      const double bar2 = std::max(std::fabs(v) - 0.25 * r, std::fabs(u) - r);
      return std::min(bar1, bar2);
    }
  }
}

void render_patch(std::size_t label, Rng& rng, float* image) {  // image: (3, 32, 32)
  const std::size_t shape = label / 2;
  const double stripe_angle = ((label % 2) ? 135.0 : 45.0) + rng.uniform(-15, 15);
  const double frequency = rng.uniform(0.1, 0.25), phase = rng.uniform(0, 2 * M_PI);
  const double contrast = rng.uniform(0.1, 0.3);
  Rgb background{rng.uniform(0.2, 0.6), rng.uniform(0.2, 0.6), rng.uniform(0.2, 0.6)};
  const Rgb colour = hsv_to_rgb(36.0 * double(label) + rng.normal(0, 25), rng.uniform(0.5, 1), rng.uniform(0.6, 1));
  const double radius = rng.uniform(5, 10), rotation = rng.uniform(0, 2 * M_PI);
  const double cx = rng.uniform(radius, 31 - radius), cy = rng.uniform(radius, 31 - radius);
  const double stripe_x = std::cos(stripe_angle * M_PI / 180), stripe_y = std::sin(stripe_angle * M_PI / 180);
  const double rc = std::cos(rotation), rs = std::sin(rotation);
  // Stripes run along stripe_angle: the texture is sin(w_x x + w_y y + phase), split by the
  // angle-addition formula into per-column and per-row factors (sin per pixel dominated the
  // generation time).
  const double wx = -2 * M_PI * frequency * stripe_y, wy = 2 * M_PI * frequency * stripe_x;
  std::array<double, kSide> sin_x{}, cos_x{};
  for (std::size_t x = 0; x < kSide; ++x) {
    sin_x[x] = std::sin(wx * double(x));
    cos_x[x] = std::cos(wx * double(x));
  }
  for (std::size_t y = 0; y < kSide; ++y) {
    const double sin_y = std::sin(wy * double(y) + phase), cos_y = std::cos(wy * double(y) + phase);
    for (std::size_t x = 0; x < kSide; ++x) {
      const double texture = contrast * (sin_x[x] * cos_y + cos_x[x] * sin_y);
      const double dx = double(x) - cx, dy = double(y) - cy;
      const double alpha = raster::coverage(shape_distance(shape, rc * dx + rs * dy, -rs * dx + rc * dy, radius));
      for (std::size_t c = 0; c < kChannels; ++c) {
        const double value = (1 - alpha) * (background[c] + texture) + alpha * colour[c] + 0.08 * raster::pixel_noise(rng);
        image[(c * kSide + y) * kSide + x] = float(std::clamp(value, 0.0, 1.0));
      }
    }
  }
}

Split render_split(std::size_t count, Rng& rng) {
  Split split;
  split.x = Tensor<float>::from_shape({count, kChannels, kSide, kSide});  // (count, 3, 32, 32)
  split.labels.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    split.labels[i] = std::int32_t(i % kClasses);
    render_patch(i % kClasses, rng, split.x.data() + i * kChannels * kSide * kSide);
  }
  return split;
}

}  // namespace

Dataset generate_patches(const Spec&, std::size_t train, std::size_t test, std::uint64_t seed) {
  Rng train_rng = Rng::stream(seed, "data/patches/train"), test_rng = Rng::stream(seed, "data/patches/test");
  Dataset data;
  data.sample_shape = {kChannels, kSide, kSide};
  data.num_classes = kClasses;
  data.train = render_split(train, train_rng);
  data.test = render_split(test, test_rng);
  std::ostringstream description;
  description << "synthetic patches: 3x32x32 shapes on oriented stripes with class-biased colours, 10 classes, "
              << train << " train / " << test << " test, seed " << seed;
  data.description = description.str();
  return data;
}

}  // namespace normlab
