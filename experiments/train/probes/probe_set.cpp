#include "experiments/train/probes/probe_set.hpp"

#include <algorithm>

namespace normlab {

template <class T>
ProbeSet<T>::ProbeSet(Model<T>& model, const TrainOptions& options, LossKind loss_kind)
    : model_(model),
      every_(options.probes.every),
      lrs_(options.probes.lrs),
      seed_(options.seed),
      loss_kind_(loss_kind),
      before_forward_(model),
      at_step_(model),
      after_update_(model) {
  for (const Spec& spec : check_probe_list(options.probes.probes)) {
    const ProbeInfo& info = probe_registry().find(spec.kind());
    probes_.push_back({info.make.template get<T>()(spec, model), info.traits});
  }
  // Probes that read the layers' inputs of the step's forward run before any probe's passes.
  std::stable_partition(probes_.begin(), probes_.end(),
                        [](const Entry& e) { return e.traits.reads_step_activations; });
}

template <class T>
ProbeSet<T>::~ProbeSet() = default;

template <class T>
bool ProbeSet<T>::due(const Entry& entry, std::size_t step) const {
  if (entry.traits.first_step_only) return step == 1;
  return every_ > 0 && step % every_ == 0;
}

template <class T>
bool ProbeSet<T>::any_due(std::size_t step) const {
  for (const Entry& e : probes_)
    if (due(e, step)) return true;
  return false;
}

template <class T>
ProbeContext<T> ProbeSet<T>::context(std::size_t step, MetricSink& sink) {
  ProbeContext<T> c{model_,
                    at_step_.parameter_refs(),
                    before_forward_,
                    at_step_,
                    nullptr,
                    *x_,
                    *labels_,
                    loss_kind_,
                    loss_,
                    lr_,
                    step,
                    seed_,
                    lrs_,
                    dlogits_,
                    sink};
  return c;
}

template <class T>
void ProbeSet<T>::before_forward(std::size_t step) {
  if (any_due(step)) before_forward_.capture(ModelSnapshot<T>::buffers | ModelSnapshot<T>::streams);
}

template <class T>
void ProbeSet<T>::after_backward(std::size_t step, const Tensor<T>& x,
                                 const std::vector<std::int32_t>& labels, double loss, double lr,
                                 MetricSink& sink) {
  if (!any_due(step)) return;
  x_ = &x, labels_ = &labels, loss_ = loss, lr_ = lr;
  at_step_.capture(ModelSnapshot<T>::all);
  ProbeContext<T> c = context(step, sink);
  for (Entry& e : probes_) {
    if (e.traits.after_update || !due(e, step)) continue;
    e.probe->before_update(c);
    at_step_.restore(ModelSnapshot<T>::all);
  }
}

template <class T>
void ProbeSet<T>::after_update(std::size_t step, MetricSink& sink) {
  bool any = false;
  for (const Entry& e : probes_)
    any = any || (e.traits.after_update && due(e, step));
  if (!any) return;
  after_update_.capture(ModelSnapshot<T>::all);
  ProbeContext<T> c = context(step, sink);
  c.after_update = &after_update_;
  for (Entry& e : probes_) {
    if (!e.traits.after_update || !due(e, step)) continue;
    e.probe->after_update(c);
    after_update_.restore(ModelSnapshot<T>::all);
  }
}

template class ProbeSet<float>;
template class ProbeSet<double>;

}  // namespace normlab
