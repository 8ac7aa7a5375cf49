#include "DirSource.h"
#include "GstCaps.h"

#include <dirent.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "Log.h"

namespace {
bool isJpegName(const char* name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  auto ends = [&](const char* suffix) {
    const std::string s(suffix);
    return n.size() > s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0;
  };
  return n[0] != '.' && (ends(".jpg") || ends(".jpeg"));
}

int64_t wallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

DirSource::DirSource(SourceSpec spec, const Options& options, FrameStore& store, FailureFn onFailure)
    : spec_(std::move(spec)),
      width_(options.width),
      height_(options.height),
      maxAgeMs_(options.dirMaxAgeMs),
      store_(store),
      onFailure_(std::move(onFailure)) {}

DirSource::~DirSource() { stop(); }

std::string DirSource::staleReason() const {
  return "no image newer than " + std::to_string(maxAgeMs_) + " ms in " + spec_.path;
}

bool DirSource::start(std::string&) {
  stop();
  quit_ = false;
  last_ = ImageId{};
  thread_ = std::thread([this] { run(); });
  return true;
}

void DirSource::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool DirSource::findNewest(ImageId& out) const {
  DIR* dir = opendir(spec_.path.c_str());
  if (dir == nullptr) return false;
  bool found = false;
  while (dirent* e = readdir(dir)) {
    if (!isJpegName(e->d_name)) continue;
    std::string path = spec_.path + "/" + e->d_name;
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const int64_t mtime = int64_t(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    if (!found || mtime > out.mtimeNs || (mtime == out.mtimeNs && path > out.path)) {
      out.path = path;
      out.mtimeNs = mtime;
      out.size = int64_t(st.st_size);
      found = true;
    }
  }
  closedir(dir);
  return found;
}

void DirSource::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!quit_) {
    lock.unlock();
    ImageId newest;
    if (findNewest(newest) && !(newest == last_) && newest.size > 0) {
      const int64_t ageUs = std::max<int64_t>(0, (wallNowNs() - newest.mtimeNs) / 1000);
      if (ageUs <= int64_t(maxAgeMs_) * 1000) {
        std::string error;
        GstBuffer* frame = decode(newest.path, error);
        if (frame != nullptr) {
          // Captured when the image was written: its mtime (at most now).
          store_.put(frame, g_get_monotonic_time() - ageUs,
                     std::min<int64_t>(newest.mtimeNs / 1000, g_get_real_time()));
        } else {
          logDebug("cannot decode " + newest.path + ": " + error);
        }
        last_ = newest;  // a broken file is not retried until it changes
      }
    }
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(kPollMs), [this] { return quit_; });
  }
  lock.unlock();
  destroyDecoder();
}

bool DirSource::buildDecoder(std::string& error) {
  const std::string desc =
      "appsrc name=src format=time caps=image/jpeg,parsed=(boolean)true,framerate=0/1 ! "
      "jpegdec ! videoconvert ! videoscale add-borders=true ! capsfilter name=caps ! "
      "appsink name=sink sync=false max-buffers=1 drop=false enable-last-sample=false";
  GError* err = nullptr;
  decoder_ = gst_parse_launch(desc.c_str(), &err);
  if (decoder_ == nullptr || err != nullptr) {
    error = err ? err->message : "cannot build JPEG decoder";
    g_clear_error(&err);
    destroyDecoder();
    return false;
  }
  setI420Caps(decoder_, width_, height_);
  // Nobody watches this bus; errors show up as a missing sample.
  GstBus* bus = gst_element_get_bus(decoder_);
  gst_bus_set_flushing(bus, TRUE);
  gst_object_unref(bus);
  appsrc_ = gst_bin_get_by_name(GST_BIN(decoder_), "src");
  appsink_ = gst_bin_get_by_name(GST_BIN(decoder_), "sink");
  if (gst_element_set_state(decoder_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = "JPEG decoder failed to start";
    destroyDecoder();
    return false;
  }
  return true;
}

void DirSource::destroyDecoder() {
  if (appsrc_) gst_object_unref(appsrc_);
  if (appsink_) gst_object_unref(appsink_);
  appsrc_ = appsink_ = nullptr;
  if (decoder_) {
    gst_element_set_state(decoder_, GST_STATE_NULL);
    gst_object_unref(decoder_);
    decoder_ = nullptr;
  }
}

GstBuffer* DirSource::decode(const std::string& path, std::string& error) {
  gchar* data = nullptr;
  gsize size = 0;
  GError* err = nullptr;
  if (!g_file_get_contents(path.c_str(), &data, &size, &err)) {
    error = err ? err->message : "cannot read";
    g_clear_error(&err);
    return nullptr;
  }
  if (decoder_ == nullptr && !buildDecoder(error)) {
    g_free(data);
    return nullptr;
  }
  GstBuffer* in = gst_buffer_new_wrapped(data, size);
  if (gst_app_src_push_buffer(GST_APP_SRC(appsrc_), in) != GST_FLOW_OK) {
    error = "JPEG decoder does not accept data";
    destroyDecoder();
    return nullptr;
  }
  GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(appsink_), GST_SECOND);
  if (sample == nullptr) {
    // Bad JPEG data: the decoder errors out; start with a fresh one next time.
    error = "no picture decoded (corrupt or partly written JPEG?)";
    destroyDecoder();
    return nullptr;
  }
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  GstBuffer* out = buffer ? gst_buffer_ref(buffer) : nullptr;
  gst_sample_unref(sample);
  if (out == nullptr) error = "empty sample";
  return out;
}
