#include "OverlayPolicy.h"

const char* overlayPolicyName(OverlayPolicy policy) {
  switch (policy) {
    case OverlayPolicy::Names: return "names";
    case OverlayPolicy::Boxes: return "boxes";
    case OverlayPolicy::None: return "none";
  }
  return "names";
}

bool parseOverlayPolicy(const std::string& text, OverlayPolicy& out) {
  if (text == "names") out = OverlayPolicy::Names;
  else if (text == "boxes") out = OverlayPolicy::Boxes;
  else if (text == "none") out = OverlayPolicy::None;
  else return false;
  return true;
}
