# The container image is the release bundle (`make dist`) and nothing else: build the
# bundle first, then this image around it. No Docker engine runs where this project is
# developed, so what is tested is the bundle itself (scripts/test.sh); this file only
# unpacks it into a slim, non-root runtime.
#   make dist
#   docker build --build-arg BUNDLE=dist/agent-factory-0.1.0-x86_64-linux.tar.gz -t agent-factory .
# Run a role with `docker run … agent-factory serve|worker|migrate`.

FROM debian:bookworm-slim AS unpack
ARG BUNDLE
COPY ${BUNDLE} /tmp/bundle.tar.gz
RUN mkdir /opt/agent-factory \
 && tar -xzf /tmp/bundle.tar.gz -C /opt/agent-factory --strip-components=1

FROM debian:bookworm-slim
# CA certificates for the LLM providers, Stripe and webhooks; nothing else is needed
# (TLS is rustls, linked in).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent agent-factory
COPY --from=unpack /opt/agent-factory /opt/agent-factory
WORKDIR /opt/agent-factory
ENV APP_ENV=production \
    LEPTOS_SITE_ROOT=/opt/agent-factory/site \
    LEPTOS_SITE_ADDR=0.0.0.0:3000 \
    LOG_FORMAT=json
USER 10001:10001
EXPOSE 3000
# The binary checks itself (no curl in the image): exit 0 when /health answers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/opt/agent-factory/bin/agent-factory", "health"]
ENTRYPOINT ["/opt/agent-factory/bin/agent-factory"]
CMD ["serve"]
