#include "RecordingBranch.h"

#include <gst/app/gstappsrc.h>
#include <sys/stat.h>

#include <cmath>

#include "BusError.h"
#include "Log.h"
#include "UrlRedactor.h"

bool RecordingBranch::checkPath(const std::string& path, std::string& error) {
  if (path.empty() || path[0] != '/') {
    error = "path: must be an absolute path";
    return false;
  }
  if (path.size() < 5 || path.compare(path.size() - 4, 4, ".mp4") != 0 || path.back() == '/') {
    error = "path: must end with .mp4";
    return false;
  }
  const std::string folder = path.substr(0, path.find_last_of('/') + 1);
  struct stat st {};
  if (stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = "path: folder " + folder + " does not exist";
    return false;
  }
  if (lstat(path.c_str(), &st) == 0) {
    error = "path: " + path + " already exists";
    return false;
  }
  return true;
}

RecordingBranch::RecordingBranch(const Options& options, std::string path, int fragmentMs,
                                 Reaper& reaper, Events events)
    : options_(options),
      path_(std::move(path)),
      fragmentMs_(fragmentMs),
      reaper_(reaper),
      events_(std::move(events)) {}

RecordingBranch::~RecordingBranch() {
  invoker_.close();
  teardown();
}

bool RecordingBranch::start(std::string& error) {
  pipeline_ = gst_pipeline_new("recording");
  appsrc_ = gst_element_factory_make("appsrc", nullptr);
  GstElement* parse = gst_element_factory_make("h264parse", nullptr);
  GstElement* mux = gst_element_factory_make("mp4mux", "mp4mux");
  GstElement* sink = gst_element_factory_make("filesink", "filesink");
  if (!appsrc_ || !parse || !mux || !sink) {
    error = "missing GStreamer elements (appsrc, h264parse, mp4mux, filesink)";
    for (GstElement* e : {parse, mux, sink})
      if (e) gst_object_unref(gst_object_ref_sink(e));
    if (appsrc_) gst_object_unref(gst_object_ref_sink(appsrc_));
    appsrc_ = nullptr;
    return false;
  }
  gst_object_ref(appsrc_);
  gst_bin_add_many(GST_BIN(pipeline_), appsrc_, parse, mux, sink, nullptr);
  // Not live: the muxer writes each access unit as it comes (no clock waits).
  // Never blocks: H264Feed bounds what waits here.
  g_object_set(appsrc_, "is-live", FALSE, "format", GST_FORMAT_TIME, "block", FALSE,
               "max-bytes", guint64(0), nullptr);
  g_object_set(mux, "fragment-duration", guint(fragmentMs_), nullptr);
  // Unbuffered: each muxer buffer is written at once (a SIGKILL loses no
  // completed fragment in a stdio buffer).
  g_object_set(sink, "location", path_.c_str(), "sync", FALSE, "async", FALSE, nullptr);
  gst_util_set_object_arg(G_OBJECT(sink), "buffer-mode", "unbuffered");
  if (!gst_element_link_many(appsrc_, parse, mux, sink, nullptr)) {
    error = "cannot link the recording pipeline";
    return false;
  }
  feed_ = std::make_unique<H264Feed>(
      appsrc_, kMaxQueuedTime, kMaxQueuedBytes,
      H264Feed::Events{[this] {
                         invoker_.post([this] {
                           if (events_.recording) events_.recording();
                         });
                       },
                       events_.wantKeyframe});
  GstBus* bus = gst_element_get_bus(pipeline_);
  busWatch_ = gst_bus_add_watch(bus, &RecordingBranch::onBusMessage, this);
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // filesink could not open the file: the bus has the reason.
    GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    gst_object_unref(bus);
    error = "path: cannot write " + path_;
    if (msg) {
      error += ": " + describeBusError(msg, "recording");
      gst_message_unref(msg);
    }
    teardown();
    return false;
  }
  gst_object_unref(bus);
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) {
    error = "path: " + path_ + " was not created";
    teardown();
    return false;
  }
  logInfo("recording to " + path_ + " (fragments of " + std::to_string(fragmentMs_) + " ms)");
  return true;
}

void RecordingBranch::finish() {
  if (pipeline_ == nullptr || finishing_) return;
  finishing_ = true;
  gst_app_src_end_of_stream(GST_APP_SRC(appsrc_));
  finishTimer_ = g_timeout_add(guint(kFinishTimeoutMs), &RecordingBranch::onFinishTimeout, this);
}

void RecordingBranch::finishBlocking(int timeoutMs) {
  if (pipeline_ == nullptr) return;
  if (!finishing_) gst_app_src_end_of_stream(GST_APP_SRC(appsrc_));
  finishing_ = true;
  GstBus* bus = gst_element_get_bus(pipeline_);
  GstMessage* msg = gst_bus_timed_pop_filtered(
      bus, GstClockTime(timeoutMs) * GST_MSECOND,
      GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  gst_object_unref(bus);
  if (msg == nullptr || GST_MESSAGE_TYPE(msg) != GST_MESSAGE_EOS)
    logWarn("recording " + path_ + ": not finished at exit (the file ends at its last complete fragment)");
  else
    logInfo("recording " + path_ + " finished at exit: " + std::to_string(frames()) + " frames");
  if (msg) gst_message_unref(msg);
  teardown();
}

gboolean RecordingBranch::onFinishTimeout(gpointer self) {
  auto* s = static_cast<RecordingBranch*>(self);
  s->finishTimer_ = 0;
  logWarn("recording " + s->path_ + ": the muxer did not finish within " +
          std::to_string(kFinishTimeoutMs) + " ms (the file ends at its last complete fragment)");
  s->done(false);
  return G_SOURCE_REMOVE;
}

void RecordingBranch::done(bool complete) {
  teardown();
  if (events_.finished) events_.finished(complete);
}

void RecordingBranch::teardown() {
  if (busWatch_) g_source_remove(busWatch_);
  busWatch_ = 0;
  if (finishTimer_) g_source_remove(finishTimer_);
  finishTimer_ = 0;
  if (pipeline_) reaper_.reap(pipeline_);  // state NULL + unref on the reaper thread
  pipeline_ = nullptr;
  if (appsrc_) gst_object_unref(appsrc_);
  appsrc_ = nullptr;
}

RecordingBranch::Summary RecordingBranch::summary() const {
  Summary s;
  s.path = path_;
  if (feed_) {
    s.frames = feed_->frames();
    s.startedUs = feed_->firstWallUs();
    if (s.frames > 0) {
      s.stoppedUs = s.startedUs + int64_t(feed_->lastPts() / 1000);
      const uint64_t interval = feed_->lastDuration() ? feed_->lastDuration()
                                                      : GST_SECOND / uint64_t(options_.fps);
      s.durationMs = std::llround(double(feed_->lastPts() + interval) / 1e6);
    }
  }
  struct stat st {};
  if (stat(path_.c_str(), &st) == 0) s.bytes = uint64_t(st.st_size);
  return s;
}

gboolean RecordingBranch::onBusMessage(GstBus*, GstMessage* msg, gpointer self) {
  auto* s = static_cast<RecordingBranch*>(self);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      const std::string error = describeBusError(msg, "recording");
      const bool finishing = s->finishing_;
      s->teardown();
      if (finishing) {
        logWarn("recording " + s->path_ + " failed while finishing: " + error);
        if (s->events_.finished) s->events_.finished(false);
      } else if (s->events_.failed) {
        s->events_.failed(error);
      }
      return G_SOURCE_REMOVE;  // teardown removed the watch
    }
    case GST_MESSAGE_EOS:
      s->done(true);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_WARNING: {
      GError* err = nullptr;
      gst_message_parse_warning(msg, &err, nullptr);
      if (err) logWarn("recording: " + redactSecrets(err->message));
      g_clear_error(&err);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}
