#include "DirSource.h"
#include "GstCaps.h"

#include <dirent.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>

#include "Log.h"

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool isJpegName(const char* name) {
  const std::string n = lower(name);
  auto ends = [&](const char* suffix) {
    const std::string s(suffix);
    return n.size() > s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0;
  };
  return n[0] != '.' && (ends(".jpg") || ends(".jpeg"));
}

bool isDir(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// The file name without folder and extension (`live/a-1.jpg` → `a-1`).
std::string stem(const std::string& path) {
  const size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

/// SHA-256 of `size` bytes as lower-case hex (GLib's GChecksum).
std::string sha256Hex(const gchar* data, gsize size) {
  gchar* hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(data), size);
  std::string out(hex);
  g_free(hex);
  return out;
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
  std::lock_guard<std::mutex> lock(statsMutex_);
  std::string reason = "no image newer than " + std::to_string(maxAgeMs_) + " ms in " + imageDir(hostLayout_);
  if (!lastRejection_.empty()) reason += " (last image rejected: " + lastRejection_ + ")";
  return reason;
}

std::string DirSource::imageDir(bool hostLayout) const {
  return hostLayout ? spec_.path + "/live" : spec_.path;
}

nlohmann::json DirSource::stats() const {
  std::lock_guard<std::mutex> lock(statsMutex_);
  const int64_t nowUs = g_get_real_time();
  int64_t lastMinute = 0;
  for (int64_t t : recentUs_) lastMinute += (nowUs - t) <= 60 * G_USEC_PER_SEC ? 1 : 0;
  return nlohmann::json{
      {"layout", hostLayout_ ? "host-capture" : "flat"},
      {"metadata", metadataSeen_},
      {"last_capture_ms", lastCaptureUs_ > 0 ? nlohmann::json(lastCaptureUs_ / 1000)
                                             : nlohmann::json(nullptr)},
      {"last_sequence", lastSequence_ >= 0 ? nlohmann::json(lastSequence_) : nlohmann::json(nullptr)},
      {"images_last_minute", lastMinute},
      {"gaps", gaps_},
      {"rejected", rejected_},
      {"without_metadata", withoutMetadata_},
      {"last_rejection", lastRejection_.empty() ? nlohmann::json(nullptr) : nlohmann::json(lastRejection_)}};
}

bool DirSource::start(std::string&) {
  stop();
  quit_ = false;
  last_ = ImageId{};
  waitingSinceUs_ = 0;
  scan_ = Scan{};
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

bool DirSource::findNewest(bool hostLayout, int64_t liveMtimeNs, ImageId& out) {
  // live/ only changes by renames, which update its mtime: the last scan still holds when that
  // mtime is unchanged and the scan started more than kScanMarginNs after it (directory mtimes
  // are coarse, jiffies or whole seconds, so a rename just after a scan can keep the same mtime).
  if (hostLayout && scan_.valid && scan_.dirMtimeNs == liveMtimeNs &&
      scan_.startedNs - liveMtimeNs > kScanMarginNs) {
    out = scan_.newest;
    return scan_.found;
  }
  const int64_t startedNs = g_get_real_time() * 1000;
  const std::string folder = imageDir(hostLayout);
  DIR* dir = opendir(folder.c_str());
  if (dir == nullptr) return false;
  bool found = false;
  while (dirent* e = readdir(dir)) {
    if (!isJpegName(e->d_name)) continue;
    std::string path = folder + "/" + e->d_name;
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
  scan_ = Scan{hostLayout, liveMtimeNs, startedNs, found, found ? out : ImageId{}};
  return found;
}

void DirSource::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!quit_) {
    lock.unlock();
    // One stat of live/ and metadata/ per poll, passed down.
    struct stat liveSt {};
    const bool hostLayout = stat((spec_.path + "/live").c_str(), &liveSt) == 0 && S_ISDIR(liveSt.st_mode);
    const int64_t liveMtimeNs =
        hostLayout ? int64_t(liveSt.st_mtim.tv_sec) * 1000000000LL + liveSt.st_mtim.tv_nsec : 0;
    const bool metadata = isDir(spec_.path + "/metadata");
    {
      std::lock_guard<std::mutex> stats(statsMutex_);
      hostLayout_ = hostLayout;
      metadataSeen_ = metadata;
    }
    ImageId newest;
    if (findNewest(hostLayout, liveMtimeNs, newest) && !(newest == last_) && newest.size > 0) {
      handle(newest, hostLayout, metadata);
    }
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(kPollMs), [this] { return quit_; });
  }
  lock.unlock();
  destroyDecoder();
}

void DirSource::reject(const std::string& reason) {
  logWarn("dir source: " + reason);
  std::lock_guard<std::mutex> lock(statsMutex_);
  rejected_ += 1;
  lastRejection_ = reason;
}

DirSource::MetadataResult DirSource::readMetadata(const std::string& imagePath, Metadata& out,
                                                  std::string& error) const {
  const std::string path = spec_.path + "/metadata/" + stem(imagePath) + ".json";
  std::ifstream in(path);
  if (!in) return MetadataResult::Missing;
  try {
    const nlohmann::json doc = nlohmann::json::parse(in);
    out.sequence = doc.value("sequence", int64_t(-1));
    out.captureMs = doc.contains("capture_end_ms") ? doc.at("capture_end_ms").get<int64_t>()
                                                   : doc.value("capture_start_ms", int64_t(0));
    out.sha256 = lower(doc.value("sha256", std::string()));
    if (out.captureMs <= 0) {
      error = path + ": no capture_end_ms";
      return MetadataResult::Invalid;
    }
    return MetadataResult::Found;
  } catch (const std::exception& e) {
    error = path + ": " + e.what();
    return MetadataResult::Invalid;
  }
}

void DirSource::handle(const ImageId& newest, bool hostLayout, bool metadataDir) {
  // 1. Metadata, when the folder keeps it: written just after the image, so wait a little.
  Metadata meta;
  bool haveMeta = false;
  if (metadataDir) {
    std::string error;
    switch (readMetadata(newest.path, meta, error)) {
      case MetadataResult::Found:
        haveMeta = true;
        waitingSinceUs_ = 0;
        break;
      case MetadataResult::Invalid:
        waitingSinceUs_ = 0;
        reject(error);
        last_ = newest;
        return;
      case MetadataResult::Missing: {
        // The clock runs from the first newest image that lacks metadata and is not restarted
        // by a newer one, so images arriving faster than kMetadataWaitMs are still shown.
        const int64_t nowMono = g_get_monotonic_time();
        if (waitingSinceUs_ == 0) waitingSinceUs_ = nowMono;
        if (nowMono - waitingSinceUs_ < int64_t(kMetadataWaitMs) * 1000) return;
        std::lock_guard<std::mutex> lock(statsMutex_);
        withoutMetadata_ += 1;
        break;
      }
    }
  }
  // 2. Age: the capture time from the metadata, else the file's mtime (at most now).
  const int64_t nowUs = g_get_real_time();
  const int64_t capturedUs =
      std::min<int64_t>(haveMeta ? meta.captureMs * 1000 : newest.mtimeNs / 1000, nowUs);
  const int64_t ageUs = nowUs - capturedUs;
  if (ageUs > int64_t(maxAgeMs_) * 1000) {
    last_ = newest;  // too old to show; looked at again only when it changes
    return;
  }
  // 3. Bytes, checked against the metadata's SHA-256, then decoded.
  last_ = newest;  // a broken file is not retried until it changes
  gchar* data = nullptr;
  gsize size = 0;
  GError* err = nullptr;
  if (!g_file_get_contents(newest.path.c_str(), &data, &size, &err)) {
    logDebug("cannot read " + newest.path + ": " + (err ? err->message : "?"));
    g_clear_error(&err);
    return;
  }
  if (haveMeta && !meta.sha256.empty() && sha256Hex(data, size) != meta.sha256) {
    g_free(data);
    reject(newest.path + ": SHA-256 does not match its metadata");
    return;
  }
  std::string error;
  GstBuffer* frame = decode(data, size, error);
  if (frame == nullptr) {
    // live/ images are complete by contract, so one that does not decode is broken; in a flat
    // folder the newest file may still be being written (it is read again once it changes).
    if (hostLayout) {
      reject("cannot decode " + newest.path + ": " + error);
    } else {
      logDebug("cannot decode " + newest.path + ": " + error);
    }
    return;
  }
  store_.put(frame, g_get_monotonic_time() - ageUs, capturedUs);
  std::lock_guard<std::mutex> lock(statsMutex_);
  lastCaptureUs_ = capturedUs;
  lastRejection_.clear();
  if (haveMeta && meta.sequence >= 0) {
    if (lastSequence_ >= 0 && meta.sequence > lastSequence_ + 1) gaps_ += meta.sequence - lastSequence_ - 1;
    lastSequence_ = meta.sequence;
  }
  recentUs_.push_back(capturedUs);
  while (!recentUs_.empty() && (nowUs - recentUs_.front() > 60 * G_USEC_PER_SEC || recentUs_.size() > 4096)) {
    recentUs_.pop_front();
  }
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

GstBuffer* DirSource::decode(gchar* data, gsize size, std::string& error) {
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
