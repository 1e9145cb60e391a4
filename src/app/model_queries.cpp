#include "app/model_queries.hpp"

#include "app/services.hpp"

namespace usdcop::app {

std::vector<models::ModelRecord> list_models(Services& services, const ModelListRequest& request) {
  return services.registry().list(request.status);
}

ModelDetails show_model(Services& services, const std::string& model_id) {
  ModelDetails d;
  d.model = services.registry().get(model_id);
  d.backtests = services.registry().backtests(model_id);
  return d;
}

models::ModelCardData model_card(Services& services, const std::string& model_id) {
  return services.registry().card_data(model_id);
}

std::vector<store::RollbackTarget> rollback_targets(Services& services) {
  return services.registry().rollback_targets();
}

nlohmann::json model_lineage(Services& services, const std::string& model_id) {
  return services.registry().lineage(model_id);
}

}  // namespace usdcop::app
