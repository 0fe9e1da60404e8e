// The markov task, the embedded sequence data set: a random second-order Markov chain over
// `symbols` symbols in which every pair of preceding symbols allows `branching` successors with
// random probabilities. A model that learns the chain reaches its entropy rate, which the
// description states as the chain's own loss on the validation windows (the floor of the
// validation loss); a unigram model stays near log(symbols).
#include <cmath>
#include <sstream>

#include "experiments/data/synthetic.hpp"
#include "experiments/util/rng.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

struct Chain {
  std::size_t symbols = 0, branching = 0;
  std::vector<std::int32_t> successor;  // (symbols², branching)
  std::vector<double> probability;      // (symbols², branching), each row sums to 1

  std::int32_t sample(std::int32_t a, std::int32_t b, Rng& rng) const {
    const std::size_t row = (std::size_t(a) * symbols + std::size_t(b)) * branching;
    double u = rng.uniform();
    for (std::size_t k = 0; k + 1 < branching; ++k) {
      if (u < probability[row + k]) return successor[row + k];
      u -= probability[row + k];
    }
    return successor[row + branching - 1];
  }
  double log_probability(std::int32_t a, std::int32_t b, std::int32_t c) const {
    const std::size_t row = (std::size_t(a) * symbols + std::size_t(b)) * branching;
    for (std::size_t k = 0; k < branching; ++k)
      if (successor[row + k] == c) return std::log(probability[row + k]);
    return -INFINITY;
  }
};

Chain make_chain(std::size_t symbols, std::size_t branching, Rng& rng) {
  Chain chain{symbols, branching, {}, {}};
  chain.successor.resize(symbols * symbols * branching);
  chain.probability.resize(chain.successor.size());
  std::vector<std::int32_t> pool(symbols);
  for (std::size_t row = 0; row < symbols * symbols; ++row) {
    for (std::size_t s = 0; s < symbols; ++s)
      pool[s] = std::int32_t(s);
    double total = 0;
    for (std::size_t k = 0; k < branching; ++k) {  // distinct successors: a partial Fisher-Yates
      std::swap(pool[k], pool[k + rng.below(symbols - k)]);
      chain.successor[row * branching + k] = pool[k];
      total += chain.probability[row * branching + k] = rng.uniform(0.1, 1.0);
    }
    for (std::size_t k = 0; k < branching; ++k)
      chain.probability[row * branching + k] /= total;
  }
  return chain;
}

std::vector<std::int32_t> walk(const Chain& chain, std::size_t length, Rng& rng) {
  std::vector<std::int32_t> tokens(length);
  for (std::size_t i = 0; i < length; ++i)
    tokens[i] =
        i < 2 ? std::int32_t(rng.below(chain.symbols)) : chain.sample(tokens[i - 2], tokens[i - 1], rng);
  return tokens;
}

}  // namespace

Dataset generate_markov(const Spec& spec, std::size_t train, std::size_t test, std::uint64_t seed) {
  const long context = spec.get_int("context"), symbols = spec.get_int("symbols"),
             branching = spec.get_int("branching");
  if (context < 2 || context > 4096) spec.fail("context", "expected an integer in [2, 4096]");
  if (symbols < 2 || symbols > 256) spec.fail("symbols", "expected an integer in [2, 256]");
  if (branching < 1 || branching > symbols) spec.fail("branching", "expected an integer in [1, symbols]");
  if (spec.get_bool("standardize")) spec.fail("standardize", "tokens are ids, not features; expected false");
  if (train > (std::size_t(1) << 24) || test > (std::size_t(1) << 20))
    throw InputError("markov: at most 16777216 training and 1048576 validation windows");
  Rng task_rng = Rng::stream(seed, "markov_task");
  const Chain chain = make_chain(std::size_t(symbols), std::size_t(branching), task_rng);
  const std::size_t T = std::size_t(context);

  Dataset data;
  data.sample_shape = {T};
  data.num_classes = std::size_t(symbols);
  Rng train_rng = Rng::stream(seed, "markov_train"), test_rng = Rng::stream(seed, "markov_test");
  data.train.context = data.test.context = T;
  data.test.stride = T;
  data.train.tokens = walk(chain, train + T, train_rng);   // train windows at every offset
  data.test.tokens = walk(chain, test * T + 1, test_rng);  // test non-overlapping windows
  // The chain's own mean loss on the validation targets (those with two known predecessors).
  double total = 0;
  std::size_t count = 0;
  for (std::size_t i = 2; i < data.test.tokens.size(); ++i, ++count)
    total -= chain.log_probability(data.test.tokens[i - 2], data.test.tokens[i - 1], data.test.tokens[i]);
  std::ostringstream description;
  description.precision(4);
  description << "synthetic second-order Markov chain over " << symbols << " symbols, " << branching
              << " successors per context; " << train << " training and " << test << " validation windows of "
              << T + 1 << "; the chain's own validation loss " << (count ? total / double(count) : 0.0)
              << " nats/symbol, log(symbols) = " << std::log(double(symbols));
  data.description = description.str();
  return data;
}

}  // namespace normlab
