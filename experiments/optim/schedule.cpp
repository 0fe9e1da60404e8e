#include "experiments/optim/schedule.hpp"

#include <cmath>

#include "norms/errors.hpp"

namespace normlab {

Schedule::Schedule(Kind kind, double base_lr, std::size_t total_steps, std::size_t warmup, std::size_t step_size,
                   double gamma, double min_lr)
    : kind_(kind),
      base_lr_(base_lr),
      total_steps_(total_steps),
      warmup_(warmup),
      step_size_(step_size),
      gamma_(gamma),
      min_lr_(min_lr) {}

double Schedule::lr(std::size_t step) const {
  if (step < warmup_) return base_lr_ * double(step + 1) / double(warmup_);
  const double t = double(step - warmup_);
  switch (kind_) {
    case Kind::constant:
      return base_lr_;
    case Kind::step:
      return base_lr_ * std::pow(gamma_, std::floor(t / double(step_size_)));
    case Kind::cosine: {
      const double horizon = total_steps_ > warmup_ ? double(total_steps_ - warmup_) : 1.0;
      return min_lr_ + (base_lr_ - min_lr_) * (1 + std::cos(M_PI * std::min(t, horizon) / horizon)) / 2;
    }
  }
  return base_lr_;
}

namespace {

const KeyInfo warmup_key{"warmup", "0", "linear warm-up steps, from base_lr/warmup to base_lr, >= 0"};

Spec parsed_spec(const std::string& text) { return parse_spec_of(text, "schedule", schedule_kinds()); }

struct ScheduleValues {
  Schedule::Kind kind = Schedule::Kind::constant;
  std::size_t warmup = 0, step_size = 1;
  double gamma = 0.1, min_lr = 0;
};

ScheduleValues checked_values(const Spec& spec) {
  ScheduleValues v;
  const long warmup = spec.get_int("warmup");
  if (warmup < 0) spec.fail("warmup", "expected >= 0");
  v.warmup = std::size_t(warmup);
  if (spec.kind() == "step") {
    v.kind = Schedule::Kind::step;
    const long step_size = spec.get_int("step_size");
    if (step_size < 1) spec.fail("step_size", "expected >= 1");
    v.step_size = std::size_t(step_size);
    v.gamma = spec.get_double("gamma");
    if (v.gamma <= 0) spec.fail("gamma", "expected > 0");
  } else if (spec.kind() == "cosine") {
    v.kind = Schedule::Kind::cosine;
    v.min_lr = spec.get_double("min_lr");
    if (v.min_lr < 0) spec.fail("min_lr", "expected >= 0");
  }
  return v;
}

}  // namespace

const std::vector<ScheduleKind>& schedule_kinds() {
  static const std::vector<ScheduleKind> kinds = {
      {"constant", "constant learning rate", {warmup_key}},
      {"step",
       "multiply the learning rate by gamma every step_size steps (torch StepLR)",
       {{"step_size", "", "steps between decays, >= 1"}, {"gamma", "0.1", "decay factor, > 0"}, warmup_key}},
      {"cosine",
       "cosine annealing from lr to min_lr over the run (torch CosineAnnealingLR)",
       {{"min_lr", "0", "final learning rate, >= 0"}, warmup_key}},
  };
  return kinds;
}

Schedule make_schedule(const std::string& text, double base_lr, std::size_t total_steps) {
  if (!std::isfinite(base_lr) || base_lr < 0)
    throw InputError("learning rate " + std::to_string(base_lr) + " is invalid; expected a finite number >= 0");
  const ScheduleValues v = checked_values(parsed_spec(text));
  return Schedule(v.kind, base_lr, total_steps, v.warmup, v.step_size, v.gamma, v.min_lr);
}

void validate_schedule_spec(const std::string& text) { checked_values(parsed_spec(text)); }

}  // namespace normlab
