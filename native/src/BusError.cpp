#include "BusError.h"

#include <cerrno>
#include <cstring>

#include "Log.h"
#include "UrlRedactor.h"

std::string describeBusError(GstMessage* msg, const std::string& what) {
  GError* err = nullptr;
  gchar* dbg = nullptr;
  gst_message_parse_error(msg, &err, &dbg);
  std::string text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " +
                     (err ? err->message : "unknown error");
  if (err && g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT) &&
      (dbg == nullptr || std::strchr(dbg, '\n') == nullptr)) {
    text += std::string(" (") + g_strerror(ENOSPC) + ")";  // filesink gives no errno text for it
  }
  if (dbg) {
    // "file.c(123): function (): /Pipeline/Element:\nfree text"
    const std::string debug(dbg);
    const size_t nl = debug.find_last_of('\n');
    if (nl != std::string::npos && nl + 1 < debug.size()) {
      const std::string detail = debug.substr(nl + 1);
      if (text.find(detail) == std::string::npos) text += " (" + detail + ")";
    }
    logDebug(what + " error detail: " + debug);  // logging redacts it
  }
  g_clear_error(&err);
  g_free(dbg);
  return redactSecrets(text);
}
