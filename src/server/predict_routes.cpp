// POST /predict (spec 07): {features:[15], model_id} -> {model_id, action, signal, latency_ms}.
// 400 naming the index when the features are not 15 finite numbers.
#include <cmath>

#include "core/error.hpp"
#include "server/json_body.hpp"
#include "server/production_predictor.hpp"
#include "server/routes.hpp"

namespace usdcop::server {

namespace {

std::array<double, features::kObservationSize> features_of(const JsonBody& body) {
  const auto* v = body.find("features");
  if (!v) throw Error(ErrorKind::invalid_input, "features: required", "features");
  if (!v->is_array())
    throw Error(ErrorKind::invalid_input,
                "features: expected an array of 15 numbers, got " + json_type_name(*v), "features");
  if (v->size() != features::kObservationSize)
    throw Error(
        ErrorKind::invalid_input,
        "features: expected 15 numbers (CTR-FEAT-001 order), got " + std::to_string(v->size()),
        "features");
  std::array<double, features::kObservationSize> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto& x = (*v)[i];
    const std::string field = "features[" + std::to_string(i) + "]";
    if (x.is_string() && (x == "NaN" || x == "Infinity" || x == "-Infinity"))
      throw Error(ErrorKind::invalid_input,
                  field + ": " + x.get<std::string>() + " is not a finite number", field);
    if (!x.is_number() || x.is_boolean())
      throw Error(ErrorKind::invalid_input, field + ": expected a number, got " + json_type_name(x),
                  field);
    out[i] = x.get<double>();
    if (!std::isfinite(out[i]))
      throw Error(ErrorKind::invalid_input, field + ": not a finite number", field);
  }
  return out;
}

}  // namespace

void add_predict_routes(Router& router, ApiContext& api) {
  router.post(std::string(kApiPrefix) + "/predict", Access::viewer,
              [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
                const JsonBody body(req.body, {"features", "model_id"});
                const auto observation = features_of(body);
                const auto model =
                    body.optional_string("model_id", kMaxNameChars).value_or("production");
                const auto p = api.predictor.predict(model, observation);
                send_json(res, {{"model_id", p.model_id},
                                {"action", p.action},
                                {"signal", trading::signal_name(p.signal)},
                                {"latency_ms", p.latency_ms}});
              });
}

}  // namespace usdcop::server
