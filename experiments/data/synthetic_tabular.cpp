// The tabular task. A sample of class c picks one of the class's clusters, draws a latent point
// z = centre + N(0, I) in R^informative, and becomes x = scale * (A z + 0.1 * noise) + offset
// with a fixed random mixing matrix A (features x informative). Every feature carries some of
// the class signal, but the features' scales span 10^-scale_range .. 10^scale_range and their
// offsets are several scales wide: unnormalized inputs make plain SGD fail, while standardized
// inputs or a normalizer after the first layer make the task easy. With the defaults the Bayes
// accuracy is about 98% and a linear classifier reaches about 88%.
#include <cmath>
#include <sstream>

#include "experiments/data/synthetic.hpp"
#include "experiments/util/rng.hpp"

namespace normlab {

namespace {

struct TabularTask {
  std::size_t features, informative, classes, clusters;
  std::vector<double> centres;  // (classes * clusters, informative); cluster j belongs to class j / clusters
  std::vector<double> mixing;   // A: (features, informative)
  std::vector<double> scale, offset;  // (features)
};

// Centres of different classes are kept at least `min_distance` apart (4 latent standard
// deviations: ~2% pairwise confusion), relaxing the bound if the space is too crowded.
TabularTask make_task(std::size_t features, std::size_t informative, std::size_t classes, std::size_t clusters,
                      double scale_range, Rng& rng) {
  TabularTask task{features, informative, classes, clusters, {}, {}, {}, {}};
  const std::size_t count = classes * clusters;
  double min_distance = 4.0;
  std::vector<double> candidate(informative);
  std::size_t attempts = 0;
  while (task.centres.size() < count * informative) {
    for (auto& v : candidate) v = rng.normal(0, 1.5);
    const std::size_t index = task.centres.size() / informative;
    bool far_enough = true;
    for (std::size_t j = 0; j < index && far_enough; ++j) {
      if (j / clusters == index / clusters) continue;
      double d2 = 0;
      for (std::size_t k = 0; k < informative; ++k) {
        const double d = candidate[k] - task.centres[j * informative + k];
        d2 += d * d;
      }
      far_enough = d2 >= min_distance * min_distance;
    }
    if (far_enough) {
      task.centres.insert(task.centres.end(), candidate.begin(), candidate.end());
    } else if (++attempts % 1000 == 0) {
      min_distance *= 0.9;
    }
  }
  task.mixing.resize(features * informative);
  for (auto& a : task.mixing) a = rng.normal(0, 1 / std::sqrt(double(informative)));
  for (std::size_t f = 0; f < features; ++f) {
    const double s = std::pow(10.0, rng.uniform(-scale_range, scale_range));
    task.scale.push_back(s);
    task.offset.push_back(s * rng.normal(0, 5));
  }
  return task;
}

Split sample_split(const TabularTask& task, std::size_t count, Rng& rng) {
  Split split;
  split.x = Tensor<float>::from_shape({count, task.features});  // (count, features)
  split.labels.resize(count);
  std::vector<double> z(task.informative);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t label = i % task.classes;
    const std::size_t cluster = label * task.clusters + rng.below(task.clusters);
    for (std::size_t k = 0; k < task.informative; ++k)
      z[k] = task.centres[cluster * task.informative + k] + rng.normal();
    float* row = split.x.data() + i * task.features;
    for (std::size_t f = 0; f < task.features; ++f) {
      double mixed = 0.1 * rng.normal();
      for (std::size_t k = 0; k < task.informative; ++k) mixed += task.mixing[f * task.informative + k] * z[k];
      row[f] = float(task.scale[f] * mixed + task.offset[f]);
    }
    split.labels[i] = std::int32_t(label);
  }
  return split;
}

}  // namespace

Dataset generate_tabular(const Spec& spec, std::size_t train, std::size_t test, std::uint64_t seed) {
  auto positive = [&](const char* key) {
    const long v = spec.get_int(key);
    if (v < 1) spec.fail(key, "expected >= 1");
    return std::size_t(v);
  };
  const std::size_t features = positive("features"), informative = positive("informative");
  const std::size_t classes = positive("classes"), clusters = positive("clusters");
  if (classes < 2) spec.fail("classes", "expected >= 2");
  if (informative > features) spec.fail("informative", "expected <= features");
  const double scale_range = spec.get_double("scale_range");
  if (scale_range < 0 || scale_range > 6) spec.fail("scale_range", "expected 0..6 (log10 of the largest scale)");

  Rng task_rng = Rng::stream(seed, "data/tabular/task");
  const TabularTask task = make_task(features, informative, classes, clusters, scale_range, task_rng);
  Rng train_rng = Rng::stream(seed, "data/tabular/train"), test_rng = Rng::stream(seed, "data/tabular/test");

  Dataset data;
  data.sample_shape = {features};
  data.num_classes = classes;
  data.train = sample_split(task, train, train_rng);
  data.test = sample_split(task, test, test_rng);
  std::ostringstream description;
  description << "synthetic tabular task: " << features << " features (" << informative
              << "-dim latent Gaussian mixture, " << clusters << " clusters per class) on scales 1e-" << scale_range
              << "..1e" << scale_range << ", " << classes << " classes, " << train << " train / " << test
              << " test, seed " << seed;
  data.description = description.str();
  return data;
}

}  // namespace normlab
