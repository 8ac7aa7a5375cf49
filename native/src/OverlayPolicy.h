// What an output picture shows of the overlay items: --overlays-private (the
// program encode, the `overlays` stills, `grab` with overlays) and
// --overlays-public (RTMP and recordings); native/PROTOCOL.md, "Overlay policy".
#pragma once

#include <string>

enum class OverlayPolicy {
  Names,  ///< boxes and their labels
  Boxes,  ///< boxes only, labels left out
  None,   ///< no overlays (the clean picture; the latency probe strip is not an overlay)
};

/// "names", "boxes" or "none".
const char* overlayPolicyName(OverlayPolicy policy);
/// Parses "names", "boxes" or "none"; false for anything else.
bool parseOverlayPolicy(const std::string& text, OverlayPolicy& out);
