// dir:// source: a folder where another process drops JPEG files. The newest
// *.jpg / *.jpeg (by mtime) is decoded when it changes; an image older than
// --dir-max-age-ms is never shown, so no fresh image = source lost.
//
// Host-capture layout (tools/host-capture/README.md): when <folder>/live exists the images
// are read from there (never from .tmp); when <folder>/metadata exists, each image's
// metadata/<name>.json (schema host-capture/1) gives its capture time (which becomes the
// frame's capture time), its sequence number (gaps are counted) and its SHA-256 (an image
// that does not match is rejected).
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "FrameStore.h"
#include "Options.h"
#include "Source.h"
#include "SourceUri.h"

class DirSource : public Source {
 public:
  /// Folder poll period, ms.
  static constexpr int kPollMs = 40;

  DirSource(SourceSpec spec, const Options& options, FrameStore& store, FailureFn onFailure);
  ~DirSource() override;

  bool start(std::string& error) override;
  void stop() override;
  int timeoutMs() const override { return maxAgeMs_; }
  std::string staleReason() const override;
  /// The folder is polled all the time; there is nothing to restart.
  bool restartOnLoss() const override { return false; }
  /// Host-capture figures: layout, newest image's age and sequence, captures over the last
  /// minute, sequence gaps, rejected images and why.
  nlohmann::json stats() const override;

  /// How long an image in live/ may wait for its metadata file (written just after it), ms.
  static constexpr int kMetadataWaitMs = 2000;

 private:
  struct ImageId {
    std::string path;
    int64_t mtimeNs = 0;
    int64_t size = -1;
    bool operator==(const ImageId& o) const {
      return path == o.path && mtimeNs == o.mtimeNs && size == o.size;
    }
  };

  /// What an image's metadata file says (host-capture/1).
  struct Metadata {
    int64_t sequence = -1;
    int64_t captureMs = 0;  // capture end, Unix ms (the picture exists by then)
    std::string sha256;     // lower-case hex; empty: not given
  };
  enum class MetadataResult { Found, Missing, Invalid };

  void run();
  /// Handles the newest image (decode, checks, frame). `hostLayout`: read from <folder>/live,
  /// where an image that does not decode is rejected (in a flat folder it may be partly written);
  /// `metadataDir`: <folder>/metadata exists. Decoder thread.
  void handle(const ImageId& newest, bool hostLayout, bool metadataDir);
  /// The folder images are read from: <folder>/live in the host-capture layout, else <folder>.
  std::string imageDir(bool hostLayout) const;
  /// Finds the newest JPEG in the image folder; false when there is none. In the host-capture
  /// layout the last scan is reused while live/'s mtime (`liveMtimeNs`, Unix ns) is unchanged
  /// and older than the scan by kScanMarginNs; a flat folder is scanned every time. Decoder thread.
  bool findNewest(bool hostLayout, int64_t liveMtimeNs, ImageId& out);
  MetadataResult readMetadata(const std::string& imagePath, Metadata& out, std::string& error) const;
  /// Decodes JPEG bytes into an I420 frame of the output size (takes ownership of `data`).
  GstBuffer* decode(gchar* data, gsize size, std::string& error);
  void reject(const std::string& reason);
  bool buildDecoder(std::string& error);
  void destroyDecoder();

  SourceSpec spec_;
  int width_, height_;
  int maxAgeMs_;
  FrameStore& store_;
  FailureFn onFailure_;

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool quit_ = false;

  // Decoder thread only.
  GstElement* decoder_ = nullptr;
  GstElement* appsrc_ = nullptr;
  GstElement* appsink_ = nullptr;
  ImageId last_;  // last image decoded or failed
  /// The last scan of the image folder (reused in the host-capture layout, see findNewest).
  struct Scan {
    bool valid = false;
    int64_t dirMtimeNs = 0;  // live/'s mtime when scanned, Unix ns
    int64_t startedNs = 0;   // when the scan started, Unix ns
    bool found = false;
    ImageId newest;
  };
  /// How long after live/'s mtime a scan must have started to be reused, ns (directory mtimes
  /// are jiffy-coarse, or whole seconds on some file systems).
  static constexpr int64_t kScanMarginNs = 1000000000LL;
  Scan scan_;
  // Monotonic µs since the newest image has lacked its metadata file (0: not waiting); reset
  // only when an image's metadata is read (or is invalid), not when a newer image arrives.
  int64_t waitingSinceUs_ = 0;

  // Stats: written by the decoder thread, read by stats() on the main thread.
  mutable std::mutex statsMutex_;
  bool hostLayout_ = false;            // live/ exists (as of the last poll)
  bool metadataSeen_ = false;          // metadata/ exists
  int64_t lastCaptureUs_ = 0;          // wall time the shown image was captured, µs
  int64_t lastSequence_ = -1;
  int64_t gaps_ = 0;                   // captures missing from the sequence
  int64_t rejected_ = 0;               // images not shown (hash mismatch, bad metadata, undecodable in live/)
  int64_t withoutMetadata_ = 0;        // shown without metadata after kMetadataWaitMs
  std::string lastRejection_;
  std::deque<int64_t> recentUs_;       // capture times of images shown in the last 60 s
};
