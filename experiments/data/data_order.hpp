// The order in which training samples are served (sweep key `order`): a shuffled pass (the usual
// i.i.d. mini-batches), or batches deliberately drawn from few classes, the non-i.i.d. batches
// under which batch normalization's dependence between samples shows (the sample's normalized
// value depends on its batch mates, and with one class per batch the batch statistics are the
// class's statistics, not the population's that the running buffers average).
#pragma once

#include <cstddef>
#include <string>

namespace normlab {

struct DataOrder {
  enum class Kind {
    shuffled,      // every epoch a fresh permutation of the split
    class_sorted,  // every epoch the classes in ascending order, shuffled within each class
    class_blocks,  // every batch holds samples of `classes_per_batch` classes
  };
  Kind kind = Kind::shuffled;
  std::size_t classes_per_batch = 0;  // class_blocks only, >= 1
};

// "shuffled" | "class_sorted" | "class_blocks:K" (K >= 1); InputError naming the allowed forms.
DataOrder parse_data_order(const std::string& text);
std::string data_order_name(const DataOrder& order);  // the text parse_data_order reads

}  // namespace normlab
