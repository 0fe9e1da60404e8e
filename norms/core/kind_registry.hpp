// One mechanism for every family of kinds (normalizers, models, datasets, optimizers,
// schedules, initializations): a family is a KindRegistry of typed entries, each with its name,
// a one-line doc, its keys with defaults and docs, its factory and its value checks. Everything
// else (validation of sweeps, `normlab list` and `list --json`, benchmarks, the test loops)
// iterates the registry; nothing outside a kind's own file spells its name to decide what it is.
#pragma once

#include <functional>
#include <type_traits>
#include <string>
#include <utility>
#include <vector>

#include "norms/core/errors.hpp"
#include "norms/core/spec.hpp"

namespace normlab {

// What every kind of every family has: enough to validate a spec and to list it.
struct KindInfo {
  std::string kind, doc;  // doc: one line
  std::vector<KeyInfo> keys;
  // Value checks that need no data or input shape (ranges, combinations of keys); may be empty.
  std::function<void(const Spec&)> validate;
};

// A family's entry: KindInfo plus the family's factory and, where the family has them, the
// traits other code asks instead of comparing names (e.g. a normalizer's role).
struct NoTraits {};
template <class Factory, class Traits = NoTraits>
struct KindEntry : KindInfo {
  Factory make;
  Traits traits;
};

// An entry of any family, field by field.
template <class Entry>
Entry kind_entry(std::string kind, std::string doc, std::vector<KeyInfo> keys, decltype(Entry::make) make,
                 decltype(Entry::traits) traits = {}, std::function<void(const Spec&)> validate = {}) {
  Entry entry;
  entry.kind = std::move(kind);
  entry.doc = std::move(doc);
  entry.keys = std::move(keys);
  entry.validate = std::move(validate);
  entry.make = std::move(make);
  entry.traits = std::move(traits);
  return entry;
}

template <class Entry>
class KindRegistry {
 public:
  // family: the family's name in messages ("normalizer", "model", ...).
  KindRegistry(std::string family, std::vector<Entry> entries) : family_(std::move(family)), entries_(std::move(entries)) {}

  const std::string& family() const { return family_; }
  const std::vector<Entry>& entries() const { return entries_; }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

  bool contains(const std::string& kind) const {
    for (const auto& e : entries_)
      if (e.kind == kind) return true;
    return false;
  }

  // The entry named kind, or an InputError naming the family and listing the valid kinds.
  const Entry& find(const std::string& kind) const {
    for (const auto& e : entries_)
      if (e.kind == kind) return e;
    throw InputError("unknown " + family_ + " '" + kind + "'; valid: " + join(kind_names(), ", "));
  }

  std::vector<std::string> kind_names() const {
    std::vector<std::string> names;
    for (const auto& e : entries_) names.push_back(e.kind);
    return names;
  }

  // Parses text as a spec of this family: syntax, kind and keys (defaults filled in).
  Spec parse(const std::string& text) const {
    Spec spec = Spec::parse(text, family_);
    spec.validate(find(spec.kind()).keys);
    return spec;
  }

  // parse() plus the kind's own value checks: what a configuration check needs.
  Spec check(const std::string& text) const {
    Spec spec = parse(text);
    const Entry& entry = find(spec.kind());
    if (entry.validate) entry.validate(spec);
    return spec;
  }

 private:
  std::string family_;
  std::vector<Entry> entries_;
};

// A factory per dtype, for families whose products are templates on the scalar type.
template <template <class> class Factory>
struct PerDtype {
  Factory<float> for_float;
  Factory<double> for_double;

  template <class T>
  const Factory<T>& get() const {
    if constexpr (std::is_same_v<T, float>)
      return for_float;
    else
      return for_double;
  }
};

}  // namespace normlab
