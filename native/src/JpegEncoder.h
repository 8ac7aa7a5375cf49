// Packed RGB24 -> baseline JFIF with libjpeg(-turbo).
#pragma once

#include <cstdint>
#include <string>

/// Encodes width x height RGB24 pixels (rows `stride` bytes apart) at
/// `quality` (1..100) and appends the JPEG to `out`. False (with `error`)
/// when libjpeg reports a failure.
bool encodeJpeg(const uint8_t* rgb, int width, int height, int stride, int quality,
                std::string& out, std::string& error);
