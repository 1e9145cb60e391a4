#include "learn/ppo_networks.hpp"

#include <bit>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace usdcop::learn::detail {

static_assert(std::endian::native == std::endian::little, "actor.bin is little-endian float32");

MlpImpl::MlpImpl(int input, const std::vector<int>& hidden, int output, double out_gain) {
  int in = input;
  std::vector<int> widths = hidden;
  widths.push_back(output);
  for (std::size_t i = 0; i < widths.size(); ++i) {
    std::string name = "l";
    name += std::to_string(i);
    auto layer = register_module(name, torch::nn::Linear(in, widths[i]));
    const bool last = i + 1 == widths.size();
    torch::NoGradGuard no_grad;
    torch::nn::init::orthogonal_(layer->weight, last ? out_gain : std::sqrt(2.0));
    layer->bias.zero_();
    layers.push_back(layer);
    in = widths[i];
  }
}

torch::Tensor MlpImpl::forward(torch::Tensor x) {
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) x = torch::tanh(layers[i]->forward(x));
  return layers.back()->forward(x);
}

ActorCriticImpl::ActorCriticImpl(int input, const std::vector<int>& hidden, double log_std_init) {
  // Gains as in the published baseline (stable-baselines3): 0.01 for the policy output, 1 for
  // the value output.
  actor = register_module("actor", Mlp(input, hidden, 1, 0.01));
  critic = register_module("critic", Mlp(input, hidden, 1, 1.0));
  log_std = register_parameter("log_std", torch::full({1}, log_std_init));
}

void copy_parameters(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto src = from.parameters();
  auto dst = to.parameters();
  if (src.size() != dst.size()) throw std::logic_error("copy_parameters: architectures differ");
  for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
}

void write_actor_files(Mlp& actor, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  nlohmann::json hidden = nlohmann::json::array();
  for (std::size_t i = 0; i + 1 < actor->layers.size(); ++i)
    hidden.push_back(actor->layers[i]->weight.size(0));
  const auto& first = actor->layers.front()->weight;
  const auto& last = actor->layers.back()->weight;
  nlohmann::json meta = {{"format", "usdcop-mlp-v1"},   {"input_size", first.size(1)},
                         {"hidden_sizes", hidden},      {"activation", "tanh"},
                         {"output_size", last.size(0)}, {"weights_file", "actor.bin"}};
  std::ofstream bin(dir / "actor.bin", std::ios::binary | std::ios::trunc);
  for (auto& layer : actor->layers) {
    for (const torch::Tensor& t : {layer->weight, layer->bias}) {
      const torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
      bin.write(reinterpret_cast<const char*>(c.data_ptr<float>()),
                static_cast<std::streamsize>(c.numel() * sizeof(float)));
    }
  }
  if (!bin) throw Error(ErrorKind::internal, (dir / "actor.bin").string() + ": cannot write");
  std::ofstream json(dir / "actor.json", std::ios::trunc);
  json << meta.dump() << "\n";
  if (!json) throw Error(ErrorKind::internal, (dir / "actor.json").string() + ": cannot write");
}

}  // namespace usdcop::learn::detail
