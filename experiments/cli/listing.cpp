#include "experiments/cli/listing.hpp"

#include "experiments/data/make_dataset.hpp"
#include "experiments/harness/config_value.hpp"
#include "experiments/init/init.hpp"
#include "experiments/models/model_registry.hpp"
#include "experiments/optim/optimizer.hpp"
#include "experiments/optim/schedule.hpp"
#include "experiments/train/probes/probe_registry.hpp"
#include "norms/registry.hpp"

namespace normlab::cli {

namespace {

template <class Entry>
FamilyListing listing_of(const KindRegistry<Entry>& registry, std::string config_key, std::string title,
                         std::function<std::string(std::size_t)> traits_json = {}) {
  FamilyListing listing{registry.family(), std::move(config_key), std::move(title), {}, std::move(traits_json), {}};
  for (const auto& entry : registry) listing.kinds.push_back(&entry);
  return listing;
}

FamilyListing with_text(FamilyListing listing, std::function<std::string(std::size_t)> traits_text) {
  listing.traits_text = std::move(traits_text);
  return listing;
}

std::string json_bool(bool b) { return b ? "true" : "false"; }

std::string json_strings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + json_string(items[i]);
  return out + "]";
}

std::string normalizer_traits_json(std::size_t index) {
  const NormalizerTraits& t = normalizer_registry().entries().at(index).traits;
  return "\"role\": " + json_string(role_name(t.role)) + ", \"batch_statistics\": " + json_bool(t.batch_statistics) +
         ", \"running_buffers\": " + json_bool(t.running_buffers) + ", \"min_rank\": " + std::to_string(t.min_rank) +
         ", \"raw_weight_name\": " + json_string(t.raw_weight_name) + ", \"examples\": " + json_strings(t.examples);
}

// The losses are a choice key, not a spec family: listed for completeness, without keys.
FamilyListing losses_listing() {
  static const std::vector<KindInfo> losses = {{"cross_entropy", "softmax cross-entropy from logits (stable)", {}, {}},
                                               {"mse", "mean squared error against one-hot targets", {}, {}}};
  FamilyListing listing{"loss", "loss", "losses (loss)", {}, {}, {}};
  for (const auto& k : losses) listing.kinds.push_back(&k);
  return listing;
}

std::string normalizer_traits_text(std::size_t index) {
  const NormalizerTraits& t = normalizer_registry().entries().at(index).traits;
  std::string text = std::string("role: ") + role_name(t.role);
  if (t.batch_statistics) text += "; batch statistics";
  if (t.running_buffers) text += "; running buffers";
  if (t.min_rank >= 3) text += "; needs spatial dims";
  if (t.includes_activation) text += "; may include its activation";
  return text;
}

}  // namespace

std::vector<FamilyListing> all_listings() {
  return {
      with_text(listing_of(normalizer_registry(), "norm", "normalizers (--norm)", normalizer_traits_json),
                normalizer_traits_text),
      listing_of(model_registry(), "model", "models (--model)"),
      listing_of(init_registry(), "init", "initializations (--init)"),
      listing_of(dataset_registry(), "data", "datasets (data)"),
      listing_of(optimizer_registry(), "optimizer", "optimizers (optimizer; the learning rate is lr)"),
      listing_of(schedule_registry(), "schedule", "learning-rate schedules (schedule)"),
      losses_listing(),
      listing_of(probe_registry(), "probes", "probes (probes = [...], every probe_every steps; probes.csv)"),
  };
}

void print_text(std::ostream& out, const FamilyListing& family) {
  out << family.title << ":\n";
  for (std::size_t i = 0; i < family.kinds.size(); ++i) {
    const KindInfo* k = family.kinds[i];
    out << "  " << k->kind << "  " << k->doc << "\n";
    if (family.traits_text) out << "      [" << family.traits_text(i) << "]\n";
    for (const auto& key : k->keys)
      out << "      " << key.name << "=" << (key.default_value.empty() ? "(required)" : key.default_value) << "  "
          << key.doc << "\n";
  }
}

void print_json(std::ostream& out, const std::vector<FamilyListing>& families) {
  out << "{\n  \"families\": [\n";
  for (std::size_t f = 0; f < families.size(); ++f) {
    const FamilyListing& family = families[f];
    out << "    {\"family\": " << json_string(family.family) << ", \"config_key\": " << json_string(family.config_key)
        << ", \"kinds\": [\n";
    for (std::size_t i = 0; i < family.kinds.size(); ++i) {
      const KindInfo& k = *family.kinds[i];
      out << "      {\"kind\": " << json_string(k.kind) << ", \"doc\": " << json_string(k.doc) << ", \"keys\": [";
      for (std::size_t j = 0; j < k.keys.size(); ++j) {
        const KeyInfo& key = k.keys[j];
        out << (j ? ", " : "") << "{\"name\": " << json_string(key.name)
            << ", \"default\": " << (key.default_value.empty() ? "null" : json_string(key.default_value))
            << ", \"doc\": " << json_string(key.doc) << "}";
      }
      out << "]";
      if (family.traits_json) out << ", " << family.traits_json(i);
      out << "}" << (i + 1 < family.kinds.size() ? "," : "") << "\n";
    }
    out << "    ]}" << (f + 1 < families.size() ? "," : "") << "\n";
  }
  out << "  ]\n}\n";
}

}  // namespace normlab::cli
