// The native PpoBackend (see ppo_backend.hpp): NativePpo<float> on OpenBLAS, the best actor,
// gathered-minibatch buffers and a checkpoint format of its own (no libtorch).
#include <bit>
#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "learn/blas.hpp"
#include "learn/ppo_backend.hpp"
#include "trading/mlp_policy.hpp"

namespace usdcop::learn {
namespace {

static_assert(std::endian::native == std::endian::little, "checkpoints are little-endian");

using Clock = std::chrono::steady_clock;
double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// policy.pt of the native backend: "USDCOPNP", uint32 header length, JSON header, then float32
// arrays: parameters, best actor, Adam m, Adam v.
constexpr char kMagic[8] = {'U', 'S', 'D', 'C', 'O', 'P', 'N', 'P'};
constexpr const char* kFormat = "usdcop-ppo-native-v1";

class NativePpoBackend final : public PpoBackend {
 public:
  explicit NativePpoBackend(const PpoBackendConfig& c) : cfg_(c), model_(options(c), 256) {
    blas::load();
    model_.initialize(c.seed, c.log_std_init);
    const auto p = model_.parameters();
    best_.assign(p.begin(),
                 p.begin() + static_cast<std::ptrdiff_t>(model_.actor_parameter_count()));
  }

  static NativePpoOptions options(const PpoBackendConfig& c) {
    NativePpoOptions o;
    o.input_size = c.input_size;
    o.hidden_sizes = c.hidden_sizes;
    o.clip_range = c.clip_range;
    o.ent_coef = c.ent_coef;
    o.vf_coef = c.vf_coef;
    o.max_grad_norm = c.max_grad_norm;
    o.learning_rate = c.learning_rate;
    o.adam_eps = c.adam_eps;
    return o;
  }

  PpoBackendKind kind() const override { return PpoBackendKind::native; }

  void forward(const float* obs, std::int64_t rows, float* mu, float* value) override {
    model_.forward(obs, rows, mu, value);
  }

  double log_std() const override { return model_.parameters().back(); }

  void reserve_batch(int batch_size) {  // allocation happens here, never per minibatch
    model_.reserve_rows(batch_size);
    const auto rows = static_cast<std::size_t>(batch_size);
    if (b_act_.size() >= rows) return;
    b_obs_.resize(rows * static_cast<std::size_t>(cfg_.input_size));
    b_act_.resize(rows);
    b_logp_.resize(rows);
    b_adv_.resize(rows);
    b_ret_.resize(rows);
  }

  UpdateStats update_epoch(const float* obs, const float* act, const float* logp_old,
                           const float* adv, const float* ret, std::int64_t total,
                           const std::int64_t* order, int batch_size) override {
    reserve_batch(batch_size);
    const auto width = static_cast<std::size_t>(cfg_.input_size);
    UpdateStats s;
    for (std::int64_t start = 0; start + batch_size <= total; start += batch_size) {
      const auto t0 = Clock::now();
      for (int r = 0; r < batch_size; ++r) {
        const auto k = static_cast<std::size_t>(order[start + r]);
        const auto i = static_cast<std::size_t>(r);
        std::memcpy(b_obs_.data() + i * width, obs + k * width, width * sizeof(float));
        b_act_[i] = act[k];
        b_logp_[i] = logp_old[k];
        b_adv_[i] = adv[k];
        b_ret_[i] = ret[k];
      }
      const MinibatchLoss l = model_.loss_and_gradients(
          b_obs_.data(), b_act_.data(), b_logp_.data(), b_adv_.data(), b_ret_.data(), batch_size);
      const auto t1 = Clock::now();
      model_.clip_gradients();
      model_.adam_update();
      const auto t2 = Clock::now();
      const NativePpoTimes& split = model_.last_times();
      s.forward_s += seconds_between(t0, t1) - split.backward_s;  // gather + forward + loss
      s.backward_s += split.backward_s;
      s.optimizer_s += seconds_between(t1, t2);
      s.policy_loss += l.policy_loss;
      s.value_loss += l.value_loss;
      s.entropy += l.entropy;
      s.approx_kl += l.approx_kl;
      s.clip_fraction += l.clip_fraction;
      ++s.batches;
    }
    return s;
  }

  MinibatchLoss minibatch_gradients(const float* obs, const float* act, const float* logp_old,
                                    const float* adv, const float* ret, int rows,
                                    float* gradients) override {
    model_.reserve_rows(rows);
    const MinibatchLoss l = model_.loss_and_gradients(obs, act, logp_old, adv, ret, rows);
    const auto g = model_.gradients();
    std::copy(g.begin(), g.end(), gradients);
    return l;
  }

  std::vector<float> parameters() const override {
    const auto p = model_.parameters();
    return {p.begin(), p.end()};
  }

  void set_parameters(const std::vector<float>& flat) override {
    auto p = model_.parameters();
    if (flat.size() != p.size())
      throw std::logic_error("set_parameters: " + std::to_string(flat.size()) + " values for " +
                             std::to_string(p.size()) + " parameters");
    std::copy(flat.begin(), flat.end(), p.begin());
  }

  void keep_best() override {
    const auto p = model_.parameters();
    std::copy_n(p.begin(), best_.size(), best_.begin());
  }

  void export_actor(const std::string& dir, bool best) override {
    const float* src = best ? best_.data() : model_.parameters().data();
    std::vector<trading::MlpLayer> layers;
    int in = cfg_.input_size;
    std::vector<int> widths = cfg_.hidden_sizes;
    widths.push_back(1);
    for (int out : widths) {
      trading::MlpLayer l;
      l.in = in;
      l.out = out;
      const auto nw = static_cast<std::size_t>(in) * static_cast<std::size_t>(out);
      l.weights.assign(src, src + nw);
      l.bias.assign(src + nw, src + nw + static_cast<std::size_t>(out));
      src += nw + static_cast<std::size_t>(out);
      layers.push_back(std::move(l));
      in = out;
    }
    trading::MlpPolicy(std::move(layers)).save(dir);
  }

  void save(const std::string& file, const std::string& extra) const override {
    const auto p = model_.parameters();
    const auto& self = model_;
    const nlohmann::json header = {{"format", kFormat},
                                   {"parameters", p.size()},
                                   {"actor_parameters", best_.size()},
                                   {"adam_step", self.adam_step()},
                                   {"trainer_state", extra}};
    const std::string text = header.dump();
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(kMagic, sizeof kMagic);
    const auto len = static_cast<std::uint32_t>(text.size());
    out.write(reinterpret_cast<const char*>(&len), sizeof len);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    auto write = [&](std::span<const float> v) {
      out.write(reinterpret_cast<const char*>(v.data()),
                static_cast<std::streamsize>(v.size() * sizeof(float)));
    };
    write(p);
    write(best_);
    write(self.adam_m());
    write(self.adam_v());
    if (!out) throw Error(ErrorKind::internal, file + ": cannot write");
  }

  static nlohmann::json read_header(std::ifstream& in, const std::string& file) {
    char magic[8] = {};
    in.read(magic, sizeof magic);
    if (!in) throw Error(ErrorKind::invalid_input, file + ": not a usdcop checkpoint (too short)");
    if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) {
      std::string msg = file;
      msg += magic[0] == 'P' && magic[1] == 'K'
                 ? ": written by the libtorch backend; resume it with ppo.backend: libtorch"
                 : ": not a usdcop native checkpoint";
      throw Error(ErrorKind::invalid_input, msg);
    }
    std::uint32_t len = 0;
    in.read(reinterpret_cast<char*>(&len), sizeof len);
    std::string text(len, '\0');
    in.read(text.data(), len);
    auto header = nlohmann::json::parse(text, nullptr, false);
    if (!in || header.is_discarded() || header.value("format", "") != kFormat)
      throw Error(ErrorKind::invalid_input, file + ": checkpoint header is not " + kFormat);
    return header;
  }

  std::string read_state(const std::string& file) const override {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorKind::not_found, file + " cannot be read");
    return read_header(in, file).value("trainer_state", "");
  }

  std::string load(const std::string& file) override {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorKind::not_found, file + " cannot be read");
    const auto header = read_header(in, file);
    auto p = model_.parameters();
    if (header.value("parameters", std::size_t{0}) != p.size() ||
        header.value("actor_parameters", std::size_t{0}) != best_.size())
      throw Error(ErrorKind::invalid_input, file + ": parameter counts differ from the config's");
    auto read = [&](std::span<float> v) {
      in.read(reinterpret_cast<char*>(v.data()),
              static_cast<std::streamsize>(v.size() * sizeof(float)));
    };
    read(p);
    read(best_);
    read(model_.adam_m());
    read(model_.adam_v());
    if (!in) throw Error(ErrorKind::invalid_input, file + ": truncated checkpoint");
    model_.adam_step() = header.value("adam_step", std::int64_t{0});
    return header.value("trainer_state", "");
  }

 private:
  PpoBackendConfig cfg_;
  NativePpo<float> model_;
  std::vector<float> best_;
  std::vector<float> b_obs_, b_act_, b_logp_, b_adv_, b_ret_;
};

}  // namespace

std::unique_ptr<PpoBackend> create_native_ppo_backend(const PpoBackendConfig& config) {
  return std::make_unique<NativePpoBackend>(config);
}

}  // namespace usdcop::learn
