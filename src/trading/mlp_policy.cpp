#include "trading/mlp_policy.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/cpu_clones.hpp"
#include "core/error.hpp"

namespace usdcop::trading {
namespace {

static_assert(std::endian::native == std::endian::little, "actor.bin is little-endian float32");

// 16 floats; with the clones below one AVX-512 register, two AVX2 or four SSE registers.
typedef float Float16 __attribute__((vector_size(64)));

// y = b + W^T x with W^T stored in x in-major (in x out). Outputs are computed 64 at a time
// with the partial sums held in registers across the whole input loop (the weights are read
// once, y is written once). Each output still adds its terms in input order starting from the
// bias, as the previous axpy-style kernel did, so results are bit-identical to it (tested).
// The file is compiled with -ffp-contract=off: GCC would otherwise fuse a*x + y into FMA in the
// avx512f clone (AVX-512F implies FMA, AVX2 does not), and the clones would disagree.
USDCOP_CPU_CLONES void dense_forward(const float* __restrict wt, const float* __restrict bias,
                                     const float* __restrict x, int in, int out,
                                     float* __restrict y) {
  const auto stride = static_cast<std::size_t>(out);
  int o = 0;
  for (; o + 64 <= out; o += 64) {
    // Loads through memcpy: unaligned, and no helper returning a vector (that would change
    // the ABI between the clones).
    Float16 a0, a1, a2, a3, w0, w1, w2, w3;
    std::memcpy(&a0, bias + o, sizeof a0);
    std::memcpy(&a1, bias + o + 16, sizeof a1);
    std::memcpy(&a2, bias + o + 32, sizeof a2);
    std::memcpy(&a3, bias + o + 48, sizeof a3);
    const float* __restrict col = wt + o;
    for (int i = 0; i < in; ++i) {
      const float* __restrict r = col + static_cast<std::size_t>(i) * stride;
      const float xi = x[i];
      std::memcpy(&w0, r, sizeof w0);
      std::memcpy(&w1, r + 16, sizeof w1);
      std::memcpy(&w2, r + 32, sizeof w2);
      std::memcpy(&w3, r + 48, sizeof w3);
      a0 = a0 + w0 * xi;
      a1 = a1 + w1 * xi;
      a2 = a2 + w2 * xi;
      a3 = a3 + w3 * xi;
    }
    std::memcpy(y + o, &a0, sizeof a0);
    std::memcpy(y + o + 16, &a1, sizeof a1);
    std::memcpy(y + o + 32, &a2, sizeof a2);
    std::memcpy(y + o + 48, &a3, sizeof a3);
  }
  for (; o < out; ++o) {  // narrow layers (the output) and a remainder
    float acc = bias[o];
    for (int i = 0; i < in; ++i) acc += wt[static_cast<std::size_t>(i) * stride + o] * x[i];
    y[o] = acc;
  }
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(ErrorKind::not_found, p.string() + ": cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int json_int(const nlohmann::json& j, const char* key, const std::string& file) {
  if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<long>() <= 0)
    throw Error(ErrorKind::invalid_input,
                file + ": field '" + key + "' must be a positive integer");
  return j[key].get<int>();
}

}  // namespace

USDCOP_CPU_CLONES void tanh_inplace(float* x, int n) {
  // Rational approximation of tanh on [-7.9, 7.9] (as in Eigen's fast float tanh); outside,
  // tanh is +/-1 to float precision.
  constexpr float kClamp = 7.90531110763549805f;
  constexpr float a1 = 4.89352455891786e-03f, a3 = 6.37261928875436e-04f,
                  a5 = 1.48572235717979e-05f, a7 = 5.12229709037114e-08f,
                  a9 = -8.60467152213735e-11f, a11 = 2.00018790482477e-13f,
                  a13 = -2.76076847742355e-16f;
  constexpr float b0 = 4.89352518554385e-03f, b2 = 2.26843463243900e-03f,
                  b4 = 1.18534705686654e-04f, b6 = 1.19825839466702e-06f;
  for (int i = 0; i < n; ++i) {
    float v = x[i];
    v = v < -kClamp ? -kClamp : (v > kClamp ? kClamp : v);
    const float v2 = v * v;
    float p = v2 * a13 + a11;
    p = v2 * p + a9;
    p = v2 * p + a7;
    p = v2 * p + a5;
    p = v2 * p + a3;
    p = v2 * p + a1;
    p = v * p;
    float q = v2 * b6 + b4;
    q = v2 * q + b2;
    q = v2 * q + b0;
    x[i] = p / q;
  }
}

MlpPolicy::MlpPolicy(std::vector<MlpLayer> layers) : layers_(std::move(layers)) {
  if (layers_.empty()) throw Error(ErrorKind::invalid_input, "actor: no layers");
  int expected_in = static_cast<int>(kObservationSize);
  int width = 0;
  std::size_t total = 0;
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const auto& l = layers_[k];
    const std::string where = "actor layer " + std::to_string(k);
    if (l.in != expected_in)
      throw Error(ErrorKind::invalid_input, where + ": input size " + std::to_string(l.in) +
                                                ", expected " + std::to_string(expected_in));
    if (l.out <= 0) throw Error(ErrorKind::invalid_input, where + ": output size must be positive");
    if (l.weights.size() != static_cast<std::size_t>(l.in) * static_cast<std::size_t>(l.out) ||
        l.bias.size() != static_cast<std::size_t>(l.out))
      throw Error(ErrorKind::invalid_input,
                  where + ": weight or bias count does not match its shape");
    expected_in = l.out;
    width = std::max({width, l.in, l.out});
    total += l.weights.size() + l.bias.size();
  }
  packed_.resize(total);
  std::size_t off = 0;
  for (const auto& l : layers_) {
    Packed p{l.in, l.out, off, off + l.weights.size()};
    for (int o = 0; o < l.out; ++o)
      for (int i = 0; i < l.in; ++i)
        packed_[p.w_offset + static_cast<std::size_t>(i) * static_cast<std::size_t>(l.out) +
                static_cast<std::size_t>(o)] =
            l.weights[static_cast<std::size_t>(o) * static_cast<std::size_t>(l.in) +
                      static_cast<std::size_t>(i)];
    std::copy(l.bias.begin(), l.bias.end(),
              packed_.begin() + static_cast<std::ptrdiff_t>(p.b_offset));
    off = p.b_offset + l.bias.size();
    packed_layers_.push_back(p);
  }
  a_.assign(static_cast<std::size_t>(width), 0.0f);
  b_.assign(static_cast<std::size_t>(width), 0.0f);
}

double MlpPolicy::act(Observation obs) {
  std::copy(obs.begin(), obs.end(), a_.begin());
  float* in = a_.data();
  float* out = b_.data();
  for (std::size_t k = 0; k < packed_layers_.size(); ++k) {
    const auto& p = packed_layers_[k];
    dense_forward(packed_.data() + p.w_offset, packed_.data() + p.b_offset, in, p.in, p.out, out);
    if (k + 1 < packed_layers_.size()) tanh_inplace(out, p.out);
    std::swap(in, out);
  }
  return static_cast<double>(in[0]);
}

MlpPolicy MlpPolicy::load(const std::filesystem::path& dir) {
  const auto json_path = dir / "actor.json";
  const std::string file = json_path.string();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_text(json_path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::invalid_input, file + ": not valid JSON (" + e.what() + ")");
  }
  if (j.value("format", "") != "usdcop-mlp-v1")
    throw Error(ErrorKind::invalid_input, file + ": field 'format' must be \"usdcop-mlp-v1\"");
  if (j.value("activation", "") != "tanh")
    throw Error(ErrorKind::invalid_input, file + ": field 'activation' must be \"tanh\"");
  const int input = json_int(j, "input_size", file);
  const int output = json_int(j, "output_size", file);
  if (input != static_cast<int>(kObservationSize))
    throw Error(ErrorKind::invalid_input, file + ": field 'input_size' must be 15");
  if (!j.contains("hidden_sizes") || !j["hidden_sizes"].is_array())
    throw Error(ErrorKind::invalid_input, file + ": field 'hidden_sizes' must be an array");
  std::vector<int> sizes{input};
  for (const auto& h : j["hidden_sizes"]) {
    if (!h.is_number_integer() || h.get<int>() <= 0)
      throw Error(ErrorKind::invalid_input,
                  file + ": field 'hidden_sizes' must hold positive integers");
    sizes.push_back(h.get<int>());
  }
  sizes.push_back(output);
  const auto bin_path = dir / j.value("weights_file", "actor.bin");
  const std::string bytes = read_text(bin_path);
  std::size_t floats = 0;
  for (std::size_t k = 1; k < sizes.size(); ++k)
    floats += static_cast<std::size_t>(sizes[k - 1] + 1) * static_cast<std::size_t>(sizes[k]);
  if (bytes.size() != floats * sizeof(float))
    throw Error(ErrorKind::invalid_input, bin_path.string() + ": " + std::to_string(bytes.size()) +
                                              " bytes, the shapes in actor.json need " +
                                              std::to_string(floats * sizeof(float)));
  std::vector<MlpLayer> layers;
  const char* cursor = bytes.data();
  for (std::size_t k = 1; k < sizes.size(); ++k) {
    MlpLayer l;
    l.in = sizes[k - 1];
    l.out = sizes[k];
    l.weights.resize(static_cast<std::size_t>(l.in) * static_cast<std::size_t>(l.out));
    l.bias.resize(static_cast<std::size_t>(l.out));
    std::memcpy(l.weights.data(), cursor, l.weights.size() * sizeof(float));
    cursor += l.weights.size() * sizeof(float);
    std::memcpy(l.bias.data(), cursor, l.bias.size() * sizeof(float));
    cursor += l.bias.size() * sizeof(float);
    for (float w : l.weights)
      if (!std::isfinite(w))
        throw Error(ErrorKind::invalid_input, bin_path.string() + ": non-finite weight");
    layers.push_back(std::move(l));
  }
  return MlpPolicy(std::move(layers));
}

void MlpPolicy::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  nlohmann::json hidden = nlohmann::json::array();
  for (std::size_t k = 0; k + 1 < layers_.size(); ++k) hidden.push_back(layers_[k].out);
  const nlohmann::json j = {{"format", "usdcop-mlp-v1"},
                            {"input_size", layers_.front().in},
                            {"hidden_sizes", hidden},
                            {"activation", "tanh"},
                            {"output_size", layers_.back().out},
                            {"weights_file", "actor.bin"}};
  std::ofstream(dir / "actor.json") << j.dump() << "\n";
  std::ofstream bin(dir / "actor.bin", std::ios::binary);
  for (const auto& l : layers_) {
    bin.write(reinterpret_cast<const char*>(l.weights.data()),
              static_cast<std::streamsize>(l.weights.size() * sizeof(float)));
    bin.write(reinterpret_cast<const char*>(l.bias.data()),
              static_cast<std::streamsize>(l.bias.size() * sizeof(float)));
  }
  if (!bin) throw Error(ErrorKind::unavailable, (dir / "actor.bin").string() + ": write failed");
}

MlpPolicy MlpPolicy::random(const std::vector<int>& hidden_sizes, uint64_t seed, double gain) {
  std::vector<int> sizes{static_cast<int>(kObservationSize)};
  sizes.insert(sizes.end(), hidden_sizes.begin(), hidden_sizes.end());
  sizes.push_back(1);
  RandomPolicy rng(seed);  // the same portable stream as the random baseline
  const float zero_obs[kObservationSize] = {};
  std::vector<MlpLayer> layers;
  for (std::size_t k = 1; k < sizes.size(); ++k) {
    MlpLayer l;
    l.in = sizes[k - 1];
    l.out = sizes[k];
    const double scale = gain / std::sqrt(static_cast<double>(l.in));
    l.weights.resize(static_cast<std::size_t>(l.in) * static_cast<std::size_t>(l.out));
    for (auto& w : l.weights) w = static_cast<float>(rng.act(Observation(zero_obs)) * scale);
    l.bias.resize(static_cast<std::size_t>(l.out));
    for (auto& b : l.bias) b = static_cast<float>(rng.act(Observation(zero_obs)) * scale);
    layers.push_back(std::move(l));
  }
  return MlpPolicy(std::move(layers));
}

}  // namespace usdcop::trading
