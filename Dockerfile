# lted in a container. Build: docker build -t lted .
# The daemon needs the host's network namespace, the cdc-wdm device and the
# system bus, e.g.:
#   docker run --rm --net=host --cap-add NET_ADMIN --device /dev/cdc-wdm0 \
#     -v /run/dbus:/run/dbus -v /etc/lted:/etc/lted:ro -v /var/lib/lted:/var/lib/lted lted run
# Node 24 rather than the Node 20 base an older plan named: Node 20's libuv
# cannot reach mbim-proxy's abstract socket (TOOLCHAIN.md section 5).
# This image is not built on the project's machines (no Docker engine);
# it is kept simple and checked by reading.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# mbim-proxy / qmi-proxy are how lted reaches a real /dev/cdc-wdm*; ping
# sends the ICMP data-path probes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmbim-proxy libqmi-proxy iproute2 iputils-ping \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /usr/lib/lted
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY etc/lted/lted.conf /etc/lted/lted.conf
ENTRYPOINT ["node", "/usr/lib/lted/dist/src/cli/lted.js"]
CMD ["run"]
