// libusdcop_learn_torch.so: the libtorch implementation of PpoBackend (see ppo_backend.hpp).
// Built as a separate shared module and loaded on demand.
#include <chrono>
#include <fstream>
#include <thread>

#include "core/error.hpp"
#include "learn/ppo_backend.hpp"
#include "learn/ppo_networks.hpp"

namespace usdcop::learn {
namespace {

constexpr double kHalfLog2Pi = 0.91893853320467274178;

class TorchPpoBackend final : public PpoBackend {
 public:
  explicit TorchPpoBackend(const PpoBackendConfig& c) : cfg_(c) {
    torch::manual_seed(c.seed);
    net_ = detail::ActorCritic(c.input_size, c.hidden_sizes, c.log_std_init);
    best_ = detail::Mlp(c.input_size, c.hidden_sizes, 1, 0.01);
    detail::copy_parameters(*net_->actor, *best_);
    opt_ = std::make_unique<torch::optim::Adam>(
        net_->parameters(), torch::optim::AdamOptions(c.learning_rate).eps(c.adam_eps));
  }

  torch::Tensor view(const float* data, std::int64_t rows) const {
    return torch::from_blob(const_cast<float*>(data), {rows, cfg_.input_size}, torch::kFloat32);
  }

  void forward(const float* obs, std::int64_t rows, float* mu, float* value) override {
    torch::NoGradGuard no_grad;
    const torch::Tensor x = view(obs, rows);
    if (mu) {
      const torch::Tensor m = net_->actor->forward(x).contiguous();
      std::copy_n(m.data_ptr<float>(), rows, mu);
    }
    if (value) {
      const torch::Tensor v = net_->critic->forward(x).contiguous();
      std::copy_n(v.data_ptr<float>(), rows, value);
    }
  }

  double log_std() const override { return net_->log_std.item<double>(); }

  PpoBackendKind kind() const override { return PpoBackendKind::libtorch; }

  struct Loss {
    torch::Tensor total, policy_loss, value_loss, entropy, ratio, log_ratio;
  };

  // The PPO loss of one minibatch (already gathered rows).
  Loss loss(const torch::Tensor& b_obs, const torch::Tensor& b_act, const torch::Tensor& b_logp_old,
            torch::Tensor b_adv, const torch::Tensor& b_ret) {
    const double clip = cfg_.clip_range;
    b_adv = (b_adv - b_adv.mean()) / (b_adv.std() + 1e-8);  // per-minibatch normalization
    const torch::Tensor mu = net_->actor->forward(b_obs).squeeze(-1);
    const torch::Tensor log_std = net_->log_std;
    const torch::Tensor z = (b_act - mu) / torch::exp(log_std);
    const torch::Tensor logp = -0.5 * z * z - log_std - kHalfLog2Pi;
    Loss l;
    l.entropy = (0.5 + kHalfLog2Pi + log_std).mean();
    l.log_ratio = logp - b_logp_old;
    l.ratio = torch::exp(l.log_ratio);
    l.policy_loss =
        -torch::min(l.ratio * b_adv, torch::clamp(l.ratio, 1 - clip, 1 + clip) * b_adv).mean();
    const torch::Tensor values = net_->critic->forward(b_obs).squeeze(-1);
    l.value_loss = torch::mse_loss(values, b_ret);
    l.total = l.policy_loss + cfg_.vf_coef * l.value_loss - cfg_.ent_coef * l.entropy;
    return l;
  }

  MinibatchLoss summary(const Loss& l) const {
    torch::NoGradGuard no_grad;
    MinibatchLoss m;
    m.loss = l.total.item<double>();
    m.policy_loss = l.policy_loss.item<double>();
    m.value_loss = l.value_loss.item<double>();
    m.entropy = l.entropy.item<double>();
    m.approx_kl = ((l.ratio - 1) - l.log_ratio).mean().item<double>();
    m.clip_fraction =
        ((l.ratio - 1).abs() > cfg_.clip_range).to(torch::kFloat32).mean().item<double>();
    return m;
  }

  // Parameters in the flat order of ppo_backend.hpp: actor layers, critic layers, log_std.
  std::vector<torch::Tensor> flat_order() const {
    std::vector<torch::Tensor> out;
    for (const detail::Mlp& net : {net_->actor, net_->critic})
      for (const auto& layer : net->layers) {
        out.push_back(layer->weight);
        out.push_back(layer->bias);
      }
    out.push_back(net_->log_std);
    return out;
  }

  UpdateStats update_epoch(const float* obs_p, const float* act_p, const float* logp_p,
                           const float* adv_p, const float* ret_p, std::int64_t total,
                           const std::int64_t* order_p, int batch_size) override {
    using Clock = std::chrono::steady_clock;
    auto secs = [](Clock::time_point a, Clock::time_point b) {
      return std::chrono::duration<double>(b - a).count();
    };
    const torch::Tensor obs = view(obs_p, total);
    auto column = [&](const float* p) {
      return torch::from_blob(const_cast<float*>(p), {total}, torch::kFloat32);
    };
    const torch::Tensor act = column(act_p), logp_old = column(logp_p), adv = column(adv_p),
                        ret = column(ret_p);
    UpdateStats s;
    for (std::int64_t start = 0; start + batch_size <= total; start += batch_size) {
      const auto t0 = Clock::now();
      const torch::Tensor idx =
          torch::from_blob(const_cast<std::int64_t*>(order_p) + start, {batch_size}, torch::kInt64);
      const Loss l =
          loss(obs.index_select(0, idx), act.index_select(0, idx), logp_old.index_select(0, idx),
               adv.index_select(0, idx), ret.index_select(0, idx));
      const auto t1 = Clock::now();
      opt_->zero_grad();
      l.total.backward();
      const auto t2 = Clock::now();
      torch::nn::utils::clip_grad_norm_(net_->parameters(), cfg_.max_grad_norm);
      opt_->step();
      const auto t3 = Clock::now();
      const MinibatchLoss m = summary(l);
      s.forward_s += secs(t0, t1) + secs(t3, Clock::now());  // the loss statistics too
      s.backward_s += secs(t1, t2);
      s.optimizer_s += secs(t2, t3);
      s.policy_loss += m.policy_loss;
      s.value_loss += m.value_loss;
      s.entropy += m.entropy;
      s.approx_kl += m.approx_kl;
      s.clip_fraction += m.clip_fraction;
      ++s.batches;
    }
    return s;
  }

  MinibatchLoss minibatch_gradients(const float* obs, const float* act, const float* logp_old,
                                    const float* adv, const float* ret, int rows,
                                    float* gradients) override {
    auto column = [&](const float* p) {
      return torch::from_blob(const_cast<float*>(p), {rows}, torch::kFloat32);
    };
    const Loss l = loss(view(obs, rows), column(act), column(logp_old), column(adv), column(ret));
    opt_->zero_grad();
    l.total.backward();
    for (const torch::Tensor& p : flat_order()) {
      const torch::Tensor g = p.grad().contiguous();
      gradients = std::copy_n(g.data_ptr<float>(), g.numel(), gradients);
    }
    opt_->zero_grad();
    return summary(l);
  }

  std::vector<float> parameters() const override {
    std::vector<float> out;
    for (const torch::Tensor& p : flat_order()) {
      const torch::Tensor c = p.detach().contiguous();
      out.insert(out.end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    }
    return out;
  }

  void set_parameters(const std::vector<float>& flat) override {
    torch::NoGradGuard no_grad;
    std::size_t offset = 0;
    for (torch::Tensor p : flat_order()) {
      const auto n = static_cast<std::size_t>(p.numel());
      if (offset + n > flat.size()) throw std::logic_error("set_parameters: too few values");
      p.copy_(
          torch::from_blob(const_cast<float*>(flat.data() + offset), p.sizes(), torch::kFloat32));
      offset += n;
    }
    if (offset != flat.size()) throw std::logic_error("set_parameters: too many values");
  }

  void keep_best() override { detail::copy_parameters(*net_->actor, *best_); }

  void export_actor(const std::string& dir, bool best) override {
    detail::write_actor_files(best ? best_ : net_->actor, dir);
  }

  void save(const std::string& file, const std::string& extra) const override {
    torch::serialize::OutputArchive archive, net, best, optim;
    net_->save(net);
    best_->save(best);
    opt_->save(optim);
    archive.write("net", net);
    archive.write("best_actor", best);
    archive.write("optimizer", optim);
    archive.write("trainer_state", c10::IValue(extra));
    archive.save_to(file);
  }

  static void open(torch::serialize::InputArchive& archive, const std::string& file) {
    char magic[8] = {};
    std::ifstream(file, std::ios::binary).read(magic, sizeof magic);
    if (std::string(magic, sizeof magic) == "USDCOPNP")
      throw Error(ErrorKind::invalid_input,
                  file + ": written by the native backend; resume it with ppo.backend: native");
    try {
      archive.load_from(file);
    } catch (const std::exception& e) {
      std::string msg = file;
      msg += ": not a usdcop checkpoint (";
      msg += e.what();
      msg += ')';
      throw Error(ErrorKind::invalid_input, msg);
    }
  }

  std::string read_state(const std::string& file) const override {
    torch::serialize::InputArchive archive;
    open(archive, file);
    c10::IValue extra;
    archive.read("trainer_state", extra);
    return extra.toStringRef();
  }

  std::string load(const std::string& file) override {
    torch::serialize::InputArchive archive, net, best, optim;
    open(archive, file);
    c10::IValue extra;
    archive.read("trainer_state", extra);
    archive.read("net", net);
    archive.read("best_actor", best);
    archive.read("optimizer", optim);
    net_->load(net);
    best_->load(best);
    opt_->load(optim);
    return extra.toStringRef();
  }

 private:
  PpoBackendConfig cfg_;
  detail::ActorCritic net_{nullptr};
  detail::Mlp best_{nullptr};
  std::unique_ptr<torch::optim::Adam> opt_;
};

std::string g_version;

}  // namespace
}  // namespace usdcop::learn

extern "C" {

__attribute__((visibility("default"))) usdcop::learn::PpoBackend* usdcop_create_ppo_backend(
    const usdcop::learn::PpoBackendConfig* config) {
  return new usdcop::learn::TorchPpoBackend(*config);
}

__attribute__((visibility("default"))) int usdcop_torch_set_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
  return torch::get_num_threads();
}

__attribute__((visibility("default"))) const char* usdcop_torch_version() {
  usdcop::learn::g_version = std::to_string(TORCH_VERSION_MAJOR);
  usdcop::learn::g_version += '.';
  usdcop::learn::g_version += std::to_string(TORCH_VERSION_MINOR);
  usdcop::learn::g_version += '.';
  usdcop::learn::g_version += std::to_string(TORCH_VERSION_PATCH);
  return usdcop::learn::g_version.c_str();
}
}
