// Control requests (native/PROTOCOL.md, "Requests (kind 1) and responses
// (kind 2)"): parses a request, finds its method in one table, reads its
// params with Params and turns the handler's ControlReply into the response.
// Every handler returns a ControlReply, or nullopt when the reply comes later
// (grab, record_stop, rtmp_stop) through reply(). Main thread, except
// onGrabbed (grabber thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "AnalysisBranch.h"
#include "ControlReply.h"
#include "ControlServer.h"
#include "Egress.h"
#include "FrameGrabber.h"
#include "Options.h"
#include "OutputPipeline.h"
#include "Params.h"
#include "StillBranch.h"

class RequestDispatcher {
 public:
  /// Grab requests waiting for their frame or being encoded, at most.
  static constexpr int kMaxGrabsInFlight = 4;

  /// What the handlers act on; every part outlives the dispatcher.
  struct Parts {
    const Options& options;
    ControlServer& control;
    OutputPipeline& output;
    AnalysisBranch& analysis;
    StillBranch& stills;
    Egress& egress;
    FrameGrabber& grabber;
    /// The `stats` object now (the `stats` method).
    std::function<nlohmann::json()> stats;
    /// Stops camerad after the response is queued (the `shutdown` method).
    std::function<void()> shutdown;
  };

  explicit RequestDispatcher(Parts parts);
  RequestDispatcher(const RequestDispatcher&) = delete;
  RequestDispatcher& operator=(const RequestDispatcher&) = delete;

  /// The response payload to a request payload, or nullopt when it is sent later.
  std::optional<std::string> handle(const std::string& payload);
  /// A grab finished (grabber thread): sends the picture, then the response.
  void onGrabbed(FrameGrabber::Result&& result);
  /// `grab` requests answered with a picture, total.
  uint64_t grabs() const { return grabs_.load(); }

 private:
  /// One request: its id, the client that sent it, its params.
  struct Request {
    uint32_t id;
    uint64_t generation;
    Params params;
  };
  using Handler = std::function<std::optional<ControlReply>(Request&)>;

  /// Sends a reply that was not ready when the request came to client `generation`.
  void reply(uint64_t generation, uint32_t id, const ControlReply& r);

  ControlReply probe(Request& req);
  ControlReply analysis(Request& req);
  ControlReply analysisAck(Request& req);
  ControlReply overlays(Request& req);
  ControlReply stills(Request& req);
  std::optional<ControlReply> grab(Request& req);

  Parts parts_;
  std::map<std::string, Handler> methods_;
  std::atomic<int> grabsInFlight_{0};
  std::atomic<uint64_t> grabs_{0};
};
