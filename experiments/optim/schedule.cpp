#include "experiments/optim/schedule.hpp"

#include <cmath>

#include "norms/core/errors.hpp"

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

std::size_t warmup_of(const Spec& spec) {
  const long warmup = spec.get_int("warmup");
  if (warmup < 0) spec.fail("warmup", "expected >= 0");
  return std::size_t(warmup);
}

Schedule constant_schedule(const Spec& spec, double base_lr, std::size_t total_steps) {
  return Schedule(Schedule::Kind::constant, base_lr, total_steps, warmup_of(spec), 1, 1, 0);
}

Schedule step_schedule(const Spec& spec, double base_lr, std::size_t total_steps) {
  const long step_size = spec.get_int("step_size");
  if (step_size < 1) spec.fail("step_size", "expected >= 1");
  const double gamma = spec.get_double("gamma");
  if (gamma <= 0) spec.fail("gamma", "expected > 0");
  return Schedule(Schedule::Kind::step, base_lr, total_steps, warmup_of(spec), std::size_t(step_size), gamma, 0);
}

Schedule cosine_schedule(const Spec& spec, double base_lr, std::size_t total_steps) {
  const double min_lr = spec.get_double("min_lr");
  if (min_lr < 0) spec.fail("min_lr", "expected >= 0");
  return Schedule(Schedule::Kind::cosine, base_lr, total_steps, warmup_of(spec), 1, 1, min_lr);
}

// A schedule's value checks are its factory run on a placeholder rate and length.
ScheduleInfo schedule_entry(std::string kind, std::string doc, std::vector<KeyInfo> keys, ScheduleFactory make) {
  auto validate = [make](const Spec& spec) { make(spec, 1.0, 1); };
  return kind_entry<ScheduleInfo>(std::move(kind), std::move(doc), std::move(keys), make, {}, validate);
}

}  // namespace

const KindRegistry<ScheduleInfo>& schedule_registry() {
  static const KindRegistry<ScheduleInfo> registry(
      "schedule",
      {schedule_entry("constant", "constant learning rate", {warmup_key}, constant_schedule),
       schedule_entry("step", "multiply the learning rate by gamma every step_size steps (torch StepLR)",
                      {{"step_size", "", "steps between decays, >= 1"}, {"gamma", "0.1", "decay factor, > 0"}, warmup_key},
                      step_schedule),
       schedule_entry("cosine", "cosine annealing from lr to min_lr over the run (torch CosineAnnealingLR)",
                      {{"min_lr", "0", "final learning rate, >= 0"}, warmup_key}, cosine_schedule)});
  return registry;
}

Schedule make_schedule(const std::string& text, double base_lr, std::size_t total_steps) {
  if (!std::isfinite(base_lr) || base_lr < 0)
    throw InputError("learning rate " + std::to_string(base_lr) + " is invalid; expected a finite number >= 0");
  const Spec spec = schedule_registry().parse(text);
  return schedule_registry().find(spec.kind()).make(spec, base_lr, total_steps);
}

void validate_schedule_spec(const std::string& text) { schedule_registry().check(text); }

}  // namespace normlab
