// Learning-rate schedules over a run of `total_steps` optimizer steps, each with an optional
// linear warm-up. Steps are counted from 0 (the learning rate of the first update is lr(0)).
//
//   warm-up (step < warmup):  lr = base_lr · (step + 1) / warmup
//   afterwards, with t = step - warmup and T = total_steps - warmup:
//     constant  lr = base_lr
//     step      lr = base_lr · gamma^floor(t / step_size)                    (torch StepLR)
//     cosine    lr = min_lr + (base_lr - min_lr) · (1 + cos(pi · t / T)) / 2  (torch CosineAnnealingLR, T_max = T)
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "norms/core/kind_registry.hpp"

namespace normlab {

class Schedule {
 public:
  enum class Kind { constant, step, cosine };
  Schedule(Kind kind, double base_lr, std::size_t total_steps, std::size_t warmup, std::size_t step_size,
           double gamma, double min_lr);
  double lr(std::size_t step) const;

 private:
  Kind kind_;
  double base_lr_;
  std::size_t total_steps_, warmup_, step_size_;
  double gamma_, min_lr_;
};

using ScheduleFactory = std::function<Schedule(const Spec& spec, double base_lr, std::size_t total_steps)>;
using ScheduleInfo = KindEntry<ScheduleFactory>;
const KindRegistry<ScheduleInfo>& schedule_registry();

// Bad kinds, keys or values are InputErrors naming them and what is allowed.
Schedule make_schedule(const std::string& spec, double base_lr, std::size_t total_steps);
void validate_schedule_spec(const std::string& spec);

}  // namespace normlab
