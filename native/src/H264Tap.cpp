#include "H264Tap.h"

H264Tap::~H264Tap() { detach(); }

void H264Tap::attach(GstPad* pad) {
  detach();
  pad_ = GST_PAD(gst_object_ref(pad));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    GstCaps* current = gst_pad_get_current_caps(pad_);
    gst_caps_replace(&caps_, current);
    if (current) gst_caps_unref(current);
  }
  probeId_ = gst_pad_add_probe(
      pad_, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      &H264Tap::onData, this, nullptr);
}

void H264Tap::detach() {
  if (pad_ == nullptr) return;
  if (probeId_) gst_pad_remove_probe(pad_, probeId_);
  probeId_ = 0;
  gst_object_unref(pad_);
  pad_ = nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  gst_caps_replace(&caps_, nullptr);
}

int H264Tap::subscribe(Sink sink) {
  std::lock_guard<std::mutex> lock(mutex_);
  const int id = nextId_++;
  sinks_.emplace_back(id, std::move(sink));
  active_ = true;
  return id;
}

void H264Tap::unsubscribe(int id) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = sinks_.begin(); it != sinks_.end(); ++it) {
    if (it->first == id) {
      sinks_.erase(it);
      break;
    }
  }
  active_ = !sinks_.empty();
}

size_t H264Tap::subscribers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sinks_.size();
}

GstPadProbeReturn H264Tap::onData(GstPad*, GstPadProbeInfo* info, gpointer self) {
  auto* s = static_cast<H264Tap*>(self);
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
    if (ev != nullptr && GST_EVENT_TYPE(ev) == GST_EVENT_CAPS) {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(ev, &caps);
      std::lock_guard<std::mutex> lock(s->mutex_);
      gst_caps_replace(&s->caps_, caps);
    }
    return GST_PAD_PROBE_OK;
  }
  if (!s->active_.load(std::memory_order_relaxed)) return GST_PAD_PROBE_OK;
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (buf == nullptr) return GST_PAD_PROBE_OK;
  // Sinks only queue (or drop), so holding the lock while they run is cheap,
  // and it is what makes unsubscribe() final.
  std::lock_guard<std::mutex> lock(s->mutex_);
  if (s->caps_ == nullptr) return GST_PAD_PROBE_OK;  // never before the CAPS event
  for (auto& entry : s->sinks_) entry.second(buf, s->caps_);
  return GST_PAD_PROBE_OK;
}
