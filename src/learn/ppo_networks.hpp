#pragma once
// Internal to the learn module (includes torch): the actor/critic MLPs and the actor export.
// Only src/learn/*.cpp include this header.
#include <torch/torch.h>

#include <filesystem>
#include <vector>

namespace usdcop::learn::detail {

// Linear layers with tanh between them; the last layer is linear. Orthogonal initialization
// (gain sqrt(2) for hidden layers, `out_gain` for the output layer), zero biases.
struct MlpImpl : torch::nn::Module {
  MlpImpl(int input, const std::vector<int>& hidden, int output, double out_gain);
  torch::Tensor forward(torch::Tensor x);
  std::vector<torch::nn::Linear> layers;
};
TORCH_MODULE(Mlp);

// Actor (Gaussian mean), critic (value) and the state-independent log-std, one module so the
// optimizer and the checkpoint see every parameter.
struct ActorCriticImpl : torch::nn::Module {
  ActorCriticImpl(int input, const std::vector<int>& hidden, double log_std_init);
  Mlp actor{nullptr}, critic{nullptr};
  torch::Tensor log_std;
};
TORCH_MODULE(ActorCritic);

// Copies the parameters of `from` into `to` (same architecture).
void copy_parameters(const torch::nn::Module& from, torch::nn::Module& to);

// actor.json + actor.bin (format usdcop-mlp-v1, shared contract 3).
void write_actor_files(Mlp& actor, const std::filesystem::path& dir);

}  // namespace usdcop::learn::detail
