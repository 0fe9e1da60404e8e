// What a run's instruments are (sweep keys probes, probe_every, probe_lrs): kept apart from the
// probes themselves so that TrainOptions can hold them without the probes' headers.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace normlab {

// The default eta grid of landscape and predictiveness, as multiples of the step's learning rate:
// a 1-2-5 log grid from 0.05 to 4 (Santurkar et al. 2018 move up to a few times the step size).
std::vector<double> default_probe_lrs();

struct ProbeOptions {
  std::vector<std::string> probes;  // instrument specs (normlab list: probes); empty = none
  std::size_t every = 10;           // steps between records (init_gradients: the first step only)
  std::vector<double> lrs = default_probe_lrs();
};

}  // namespace normlab
