// The glyphs task, MNIST-like: 1x28x28 images of ten stroke shapes (ring, vertical bar,
// horizontal bar, plus, cross, square, triangle, L, T, Z) drawn in a unit box and jittered:
// rotation +-20 degrees, size 60..100%, shift +-3 px, stroke thickness 1..2.6 px, wobbly
// vertices, brightness, a distractor stroke in 30% of images and Gaussian pixel noise. The shift
// and rotation make a linear model clearly worse than a CNN.
#include <array>
#include <cmath>
#include <sstream>

#include "experiments/data/raster.hpp"
#include "experiments/data/synthetic.hpp"
#include "experiments/util/rng.hpp"

namespace normlab {

namespace {

using raster::Point;
using Polyline = std::vector<Point>;  // consecutive points are joined by strokes

constexpr std::size_t kSide = 28;
constexpr std::size_t kClasses = 10;

// The ten glyphs in a unit box [-1, 1]^2 (y grows downwards, as in the image).
std::vector<Polyline> glyph_strokes(std::size_t label) {
  switch (label) {
    case 0: {  // ring
      Polyline ring;
      for (int i = 0; i <= 16; ++i)
        ring.push_back({0.7 * std::cos(2 * M_PI * i / 16), 0.8 * std::sin(2 * M_PI * i / 16)});
      return {ring};
    }
    case 1: return {{{0, -0.85}, {0, 0.85}}};
    case 2: return {{{-0.85, 0}, {0.85, 0}}};
    case 3: return {{{0, -0.8}, {0, 0.8}}, {{-0.8, 0}, {0.8, 0}}};
    case 4: return {{{-0.7, -0.7}, {0.7, 0.7}}, {{-0.7, 0.7}, {0.7, -0.7}}};
    case 5: return {{{-0.65, -0.65}, {0.65, -0.65}, {0.65, 0.65}, {-0.65, 0.65}, {-0.65, -0.65}}};
    case 6: return {{{0, -0.8}, {0.75, 0.65}, {-0.75, 0.65}, {0, -0.8}}};
    case 7: return {{{-0.45, -0.85}, {-0.45, 0.75}, {0.6, 0.75}}};
    case 8: return {{{-0.75, -0.7}, {0.75, -0.7}}, {{0, -0.7}, {0, 0.85}}};
    default: return {{{-0.6, -0.7}, {0.6, -0.7}, {-0.6, 0.7}, {0.6, 0.7}}};
  }
}

void render_glyph(std::size_t label, Rng& rng, float* image) {  // image: (28, 28)
  std::fill(image, image + kSide * kSide, 0.0f);
  const double angle = rng.uniform(-20, 20) * M_PI / 180;
  const double half_size = 10 * rng.uniform(0.6, 1.0);  // pixels from the centre to the unit box's edge
  const double cx = 13.5 + rng.uniform(-3, 3), cy = 13.5 + rng.uniform(-3, 3);
  const double thickness = rng.uniform(1.0, 2.6), intensity = rng.uniform(0.7, 1.0);
  const double c = std::cos(angle), s = std::sin(angle);
  auto to_pixels = [&](Point p) {
    // Wobble each vertex a little so that no two strokes are the same.
    const double x = p.x + rng.normal(0, 0.06), y = p.y + rng.normal(0, 0.06);
    return Point{cx + half_size * (c * x - s * y), cy + half_size * (s * x + c * y)};
  };
  for (const auto& line : glyph_strokes(label)) {
    Point previous = to_pixels(line[0]);
    for (std::size_t i = 1; i < line.size(); ++i) {
      const Point next = to_pixels(line[i]);
      raster::draw_stroke(image, kSide, kSide, previous, next, thickness, intensity);
      previous = next;
    }
  }
  if (rng.uniform() < 0.3) {  // a short distractor stroke anywhere
    const Point a{rng.uniform(2, 25), rng.uniform(2, 25)};
    const double length = rng.uniform(4, 8), direction = rng.uniform(0, 2 * M_PI);
    const Point b{a.x + length * std::cos(direction), a.y + length * std::sin(direction)};
    raster::draw_stroke(image, kSide, kSide, a, b, rng.uniform(1.0, 2.0), rng.uniform(0.4, 0.8));
  }
  for (std::size_t i = 0; i < kSide * kSide; ++i)
    image[i] = std::clamp(image[i] + float(0.15 * raster::pixel_noise(rng)), 0.0f, 1.0f);
}

Split render_split(std::size_t count, Rng& rng) {
  Split split;
  split.x = Tensor<float>::from_shape({count, 1, kSide, kSide});  // (count, 1, 28, 28)
  split.labels.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    split.labels[i] = std::int32_t(i % kClasses);
    render_glyph(i % kClasses, rng, split.x.data() + i * kSide * kSide);
  }
  return split;
}

}  // namespace

Dataset generate_glyphs(const Spec&, std::size_t train, std::size_t test, std::uint64_t seed) {
  Rng train_rng = Rng::stream(seed, "data/glyphs/train"), test_rng = Rng::stream(seed, "data/glyphs/test");
  Dataset data;
  data.sample_shape = {1, kSide, kSide};
  data.num_classes = kClasses;
  data.train = render_split(train, train_rng);
  data.test = render_split(test, test_rng);
  std::ostringstream description;
  description << "synthetic glyphs: 1x28x28 jittered stroke shapes, 10 classes, " << train << " train / " << test
              << " test, seed " << seed;
  data.description = description.str();
  return data;
}

}  // namespace normlab
