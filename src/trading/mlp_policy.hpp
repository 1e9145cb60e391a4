#pragma once
// The exported PPO actor evaluated without libtorch (format "usdcop-mlp-v1"):
//   actor.json {"format":"usdcop-mlp-v1","input_size":15,"hidden_sizes":[256,256],
//               "activation":"tanh","output_size":1,"weights_file":"actor.bin"}
//   actor.bin  little-endian float32; per layer (hidden layers, then the output layer) the
//              weight matrix (out x in, row-major) then the bias (out).
// Hidden layers apply tanh, the output layer is linear; output 0 is the Gaussian mean, i.e.
// the deterministic action. Weights are kept contiguous and transposed (in-major) so the
// forward pass streams them once with partial sums held in registers; act() allocates nothing.
#include <filesystem>
#include <vector>

#include "trading/policy.hpp"

namespace usdcop::trading {

struct MlpLayer {
  int in = 0, out = 0;
  std::vector<float> weights;  // out x in, row-major (the file layout)
  std::vector<float> bias;     // out
};

class MlpPolicy final : public Policy {
 public:
  // Layers in order; the first takes kObservationSize inputs, the last gives >= 1 output.
  // Throws Error(invalid_input) when the shapes do not chain.
  explicit MlpPolicy(std::vector<MlpLayer> layers);

  // Reads actor.json + its weights file; throws Error(not_found | invalid_input) naming the
  // file and field.
  static MlpPolicy load(const std::filesystem::path& dir);
  // Writes actor.json and actor.bin in the format above (tests, benchmarks, exporters).
  void save(const std::filesystem::path& dir) const;
  // Random weights (uniform ±gain/sqrt(in), seeded) with the given hidden sizes.
  static MlpPolicy random(const std::vector<int>& hidden_sizes, uint64_t seed, double gain = 1.0);

  double act(Observation obs) override;
  std::string name() const override { return "mlp"; }

  const std::vector<MlpLayer>& layers() const { return layers_; }

 private:
  struct Packed {
    int in, out;
    std::size_t w_offset, b_offset;  // into packed_
  };
  std::vector<MlpLayer> layers_;
  std::vector<Packed> packed_layers_;
  std::vector<float> packed_;  // per layer: W^T (in x out) then bias
  std::vector<float> a_, b_;   // scratch activations (max width)
};

// tanh for float, vectorizable rational approximation (|error| < 2e-7 absolute); exposed for
// tests.
void tanh_inplace(float* x, int n);

}  // namespace usdcop::trading
