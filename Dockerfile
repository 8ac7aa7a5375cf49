# x86-64 (and arm64 without NVIDIA encoders) image of the camera server.
# Jetson: see docker/README.md (L4T base image, nvv4l2h264enc).
# Build: docker compose -f docker/compose.yml build      Run: docker compose -f docker/compose.yml up

# Both stages start from the same image (the current Node LTS, the `lts` tag, on Debian 12), so
# the native addons (better-sqlite3, onnxruntime-node, sharp) run on the Node they were built for.
# Pin a digest (node:lts-bookworm-slim@sha256:…) in both FROM lines to make a rebuild repeatable.

# 1. Build: the same set-up script as outside Docker (apt packages, sample footage, npm, camerad,
#    server, viewer app), then drop the dev dependencies. The slim image lacks what setup.sh
#    takes for granted: make (CMake's generator, node-gyp), python3 (node-gyp, when an addon has
#    no prebuilt binary), openssl (install-models.sh checks npm integrities) and CA certificates;
#    setup.sh itself installs g++, cmake, pkg-config and the GStreamer -dev packages.
FROM node:lts-bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      make python3 openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN bash scripts/setup.sh && npm prune --omit=dev --no-audit --no-fund

# 2. Runtime: GStreamer plugins (no compilers), libjpeg for camerad's stills, TLS for rtmps://
#    ingests (glib-networking, CA certificates), GStreamer's RTSP server library for rtspd (RTSP
#    out, docs/rtsp.md), Janus's janus.js for the viewer page's Janus path (libjs-janus-gateway:
#    served at /vendor/janus.js, docs/janus.md), the built artefacts, entrypoint.sh.
#    The same image as the build stage (native addons are built there for this Node), run as the
#    unprivileged user `camserver` (uid 10001).
FROM node:lts-bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
      gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav \
      libjpeg62-turbo glib-networking ca-certificates libgstrtspserver-1.0-0 libjs-janus-gateway \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json /app/entrypoint.sh ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/web/dist web/dist
COPY --from=build /app/native/build/camerad native/build/camerad
COPY --from=build /app/native/build/rtspd native/build/rtspd
COPY --from=build /app/data/samples data/samples
COPY --from=build /app/models models
COPY --from=build /app/scripts/models.manifest.json scripts/models.manifest.json
# The folders the server writes: /app/data/state (a volume in docker/compose.yml: database, keys,
# photos, recordings) and /run/camserver (camerad's sockets and plan files, 0700; a tmpfs in
# compose, this folder for a plain `docker run`); the root file system can be read-only. USB
# cameras: add the `video` group.
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin camserver \
 && install -d -o camserver -g camserver -m 0700 /app/data/state /run/camserver
USER camserver
# Listening beyond loopback requires ECS_SERVER__TOKEN (the server refuses to start without it).
ENV ECS_SERVER__HOST=0.0.0.0 \
    ORT_DISABLE_TELEMETRY=1 \
    ECS_CAMERAD__RUNTIME_DIR=/run/camserver
# 8554/tcp: RTSP for NVRs when outputs.rtsp is enabled (off by default; loopback unless
# outputs.rtsp.host says otherwise).
EXPOSE 8080/tcp 8554/tcp 40000-40999/udp
# 200 only when the box can serve (every camera, vision, the database writable, disk space:
# GET /api/health, server/health/HealthService.ts); the image-sync manager reads it too. It
# probes ECS_SERVER__PORT: a server.port set only in the mounted YAML is not seen, so set the
# port through ECS_SERVER__PORT (docker/README.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.ECS_SERVER__PORT || 8080) + '/api/health').then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"
STOPSIGNAL SIGTERM
ENTRYPOINT ["./entrypoint.sh"]
