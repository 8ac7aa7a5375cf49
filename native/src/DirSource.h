// dir:// source: a folder where another process drops JPEG files. The newest
// *.jpg / *.jpeg (by mtime) is decoded when it changes; an image older than
// --dir-max-age-ms is never shown, so no fresh image = source lost.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <condition_variable>
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

 private:
  struct ImageId {
    std::string path;
    int64_t mtimeNs = 0;
    int64_t size = -1;
    bool operator==(const ImageId& o) const {
      return path == o.path && mtimeNs == o.mtimeNs && size == o.size;
    }
  };

  void run();
  /// Finds the newest JPEG in the folder; false when there is none.
  bool findNewest(ImageId& out) const;
  /// Decodes a JPEG file into an I420 frame of the output size.
  GstBuffer* decode(const std::string& path, std::string& error);
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
};
