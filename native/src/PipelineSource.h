// Sources that are one GStreamer pipeline ending in an appsink:
// test://, file:// (looped), v4l2://, rtsp://, csi://.
#pragma once

#include <gst/gst.h>

#include <memory>

#include "FrameStore.h"
#include "Options.h"
#include "Reaper.h"
#include "Source.h"
#include "SourceUri.h"

class PipelineSource : public Source {
 public:
  PipelineSource(SourceSpec spec, const Options& options, FrameStore& store, Reaper& reaper,
                 FailureFn onFailure);
  ~PipelineSource() override;

  bool start(std::string& error) override;
  void stop() override;
  int timeoutMs() const override { return timeoutMs_; }
  std::string staleReason() const override;

  /// Shared with the appsink callbacks, which may outlive this object briefly.
  struct SinkContext;

 private:
  static gboolean onBusMessage(GstBus* bus, GstMessage* msg, gpointer self);
  static void onPadAdded(GstElement* element, GstPad* pad, gpointer self);
  static void onSourceSetup(GstElement* bin, GstElement* source, gpointer self);
  /// Launch description of the elements before the common tail.
  std::string headDescription() const;

  SourceSpec spec_;
  int width_, height_, fps_;
  int timeoutMs_;
  FrameStore& store_;
  Reaper& reaper_;
  FailureFn onFailure_;
  GstElement* pipeline_ = nullptr;
  GstElement* convert_ = nullptr;  // first element of the tail (dynamic link target)
  guint busWatch_ = 0;
  std::shared_ptr<SinkContext> sinkContext_;
};
