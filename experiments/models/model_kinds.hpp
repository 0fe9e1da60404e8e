// The model kinds, each in its own file; build_model.cpp dispatches on the spec's kind.
// Each appends its layers through the placement builder, starting from builder.shape().
#pragma once

#include "experiments/models/model_builder.hpp"
#include "experiments/models/model_registry.hpp"

namespace normlab {

template <class T>
void build_mlp(ModelBuilder<T>& builder, const Spec& spec, std::size_t num_classes);
template <class T>
void build_vgg(ModelBuilder<T>& builder, const Spec& spec, std::size_t num_classes);
template <class T>
void build_resnet(ModelBuilder<T>& builder, const Spec& spec, std::size_t num_classes);

}  // namespace normlab
