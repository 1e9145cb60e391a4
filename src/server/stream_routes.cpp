// GET /signals/stream (spec 07): every production and shadow decision the live engine commits
// (`signal`) and every operations mode change (`mode`), as Server-Sent Events with replay
// from Last-Event-ID (server/signal_feed.hpp).
#include "server/query.hpp"
#include "server/routes.hpp"
#include "server/streams.hpp"

namespace usdcop::server {

void add_stream_routes(Router& router, ApiContext& api) {
  router.get(std::string(kApiPrefix) + "/signals/stream", Access::viewer,
             [&api](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               reject_unknown_params(req, {});
               auto ring = api.streams->signals.ring();
               // Without Last-Event-ID a client starts from now; with it, after that event.
               const auto after = last_event_id(req).value_or(ring->last_id());
               send_event_stream(res, ring, after, api.streams->slots.acquire(),
                                 api.streams->heartbeat);
             });
}

}  // namespace usdcop::server
