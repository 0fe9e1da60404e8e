// The embedded synthetic datasets, each generated from its validated spec and a seed. Labels are
// balanced (sample i has class i mod num_classes); train and test come from separate random
// streams of the same task. Called by make_dataset, which handles the common keys.
#pragma once

#include <cstdint>

#include "experiments/data/dataset.hpp"
#include "norms/core/spec.hpp"

namespace normlab {

// Gaussian-mixture classes in a low-dimensional latent space, mixed linearly into many features
// that are then scaled by 10^U(-scale_range, scale_range) and offset, so that the raw features
// span orders of magnitude.
Dataset generate_tabular(const Spec& spec, std::size_t train, std::size_t test, std::uint64_t seed);
// (1, 28, 28): ten stroke shapes with jitter in position, scale, rotation and thickness, wobbly
// strokes, occasional distractor strokes and pixel noise.
Dataset generate_glyphs(const Spec& spec, std::size_t train, std::size_t test, std::uint64_t seed);
// (3, 32, 32): class = shape (5 kinds) x texture orientation (2), with a class-biased colour;
// random position, size, background colour, texture frequency and pixel noise.
Dataset generate_patches(const Spec& spec, std::size_t train, std::size_t test, std::uint64_t seed);
// A token sequence (synthetic_markov.cpp): windows of a random second-order Markov chain, for the
// sequence models; train and test count windows.
Dataset generate_markov(const Spec& spec, std::size_t train, std::size_t test, std::uint64_t seed);

}  // namespace normlab
