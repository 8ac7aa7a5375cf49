#include "PictureEncoder.h"

#include <cstring>

#include "JpegEncoder.h"

PictureEncoder::PictureEncoder(int width, int height) : width_(width), height_(height) {}

RgbConverter& PictureEncoder::converter() {
  if (!converter_) converter_ = std::make_unique<RgbConverter>(width_, height_, width_, height_);
  return *converter_;
}

bool PictureEncoder::rgb(GstBuffer* i420, framemsg::Header& header, std::string& payload,
                         std::string& error) {
  RgbConverter& c = converter();
  header.format = framemsg::kRgb24;
  header.width = uint16_t(width_);
  header.height = uint16_t(height_);
  header.stride = uint32_t(c.stride());
  payload = framemsg::makePayload(header, c.size());
  if (!c.convert(i420, reinterpret_cast<uint8_t*>(&payload[framemsg::kHeaderSize]))) {
    payload.clear();
    error = "cannot convert the frame";
    return false;
  }
  return true;
}

bool PictureEncoder::jpeg(GstBuffer* i420, int quality, framemsg::Header& header,
                          std::string& payload, std::string& error) {
  RgbConverter& c = converter();
  header.format = framemsg::kJpeg;
  header.width = uint16_t(width_);
  header.height = uint16_t(height_);
  header.stride = 0;
  payload.clear();
  rgb_.resize(c.size());
  if (!c.convert(i420, rgb_.data())) {
    error = "cannot convert the frame";
    return false;
  }
  std::string jpeg;
  if (!encodeJpeg(rgb_.data(), width_, height_, c.stride(), quality, jpeg, error)) return false;
  payload = framemsg::makePayload(header, jpeg.size());
  std::memcpy(&payload[framemsg::kHeaderSize], jpeg.data(), jpeg.size());
  return true;
}
