// The real datasets, read from the standard files in a directory. train/test are sample counts
// (0 = all); asking for more than a split has is an InputError.
#pragma once

#include <cstdint>
#include <string>

#include "experiments/data/dataset.hpp"

namespace normlab {

// MNIST and Fashion-MNIST (the same IDX layout; `title` names the dataset in messages):
// {train,t10k}-{images-idx3,labels-idx1}-ubyte, each gzipped (.gz) or raw. When only the t10k
// files exist, they are split 8000 train / 2000 test by a permutation from `seed`.
Dataset load_idx_dataset(const std::string& title, const std::string& dir, std::size_t train, std::size_t test,
                         std::uint64_t seed);
// Checks that the files load_idx_dataset needs exist, without reading them.
void check_idx_files(const std::string& title, const std::string& dir);

// CIFAR-10 binary version: data_batch_1.bin .. data_batch_5.bin and test_batch.bin, records of
// one label byte and 3072 pixel bytes (3 x 32 x 32, channel-major), at most 10,000 records per
// file (the official batch size; more is refused as the file is read, gzipped or not).
Dataset load_cifar10(const std::string& dir, std::size_t train, std::size_t test);
void check_cifar10_files(const std::string& dir);

}  // namespace normlab
