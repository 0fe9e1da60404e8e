// Small anti-aliased drawing helpers for the synthetic image datasets. Images are row-major
// (height, width) planes of floats; coordinates are in pixels with (0, 0) at the top-left
// pixel's centre.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace normlab::raster {

struct Point {
  double x = 0, y = 0;
};

inline double segment_distance(Point p, Point a, Point b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double length2 = dx * dx + dy * dy;
  double t = length2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  const double ex = p.x - (a.x + t * dx), ey = p.y - (a.y + t * dy);
  return std::sqrt(ex * ex + ey * ey);
}

// Coverage of a pixel by a shape at signed distance d (negative inside), with a one-pixel ramp.
inline double coverage(double signed_distance) { return std::clamp(0.5 - signed_distance, 0.0, 1.0); }

// Draws a stroke of `thickness` pixels from a to b into plane (height, width), keeping the
// brighter of the old value and `intensity` times the stroke's coverage. Only pixels in the
// stroke's bounding box are visited.
inline void draw_stroke(float* plane, std::size_t height, std::size_t width, Point a, Point b, double thickness,
                        double intensity) {
  const double reach = thickness / 2 + 1;
  const long x0 = std::max(0L, long(std::floor(std::min(a.x, b.x) - reach)));
  const long x1 = std::min(long(width) - 1, long(std::ceil(std::max(a.x, b.x) + reach)));
  const long y0 = std::max(0L, long(std::floor(std::min(a.y, b.y) - reach)));
  const long y1 = std::min(long(height) - 1, long(std::ceil(std::max(a.y, b.y) + reach)));
  for (long y = y0; y <= y1; ++y)
    for (long x = x0; x <= x1; ++x) {
      const double d = segment_distance({double(x), double(y)}, a, b) - thickness / 2;
      float& pixel = plane[std::size_t(y) * width + std::size_t(x)];
      pixel = std::max(pixel, float(intensity * coverage(d)));
    }
}

// Approximately standard normal pixel noise, cheap enough for millions of pixels: the
// Irwin-Hall sum of four 16-bit uniforms from one random word, centred and scaled to unit
// variance (each uniform has variance 1/12). Box-Muller per pixel made generation several times
// slower.
template <class Rng>
double pixel_noise(Rng& rng) {
  const std::uint64_t word = rng.next_u64();
  const double sum = double(word & 0xffff) + double((word >> 16) & 0xffff) + double((word >> 32) & 0xffff) +
                     double(word >> 48);
  return (sum / 65536.0 - 2.0) * 1.7320508075688772;  // sqrt(3)
}

}  // namespace normlab::raster
