// What the model kinds' files (mlp.cpp, vgg.cpp, resnet.cpp) share: the placement builder they
// append their layers through, and the registry they register in (model_registry.cpp).
#pragma once

#include "experiments/models/model_builder.hpp"
#include "experiments/models/model_registry.hpp"
