# The firewall service image: Node.js 22 and the single-file helper (the same contents as helper/Dockerfile,
# the job image), run as `sscs firewall serve`. Not built in this repository's tests: there is no container
# engine here. Build context: the repository root, after `npm run build`.
ARG NODE_IMAGE=node:22.22.0-bookworm-slim
FROM ${NODE_IMAGE}

COPY helper/dist/sscs.mjs helper/dist/sscs.mjs.LEGAL.txt /opt/sscs/
RUN printf '#!/bin/sh\nexec node /opt/sscs/sscs.mjs "$@"\n' > /usr/local/bin/sscs \
 && chmod 0755 /usr/local/bin/sscs \
 && sscs --version \
 && mkdir -p /var/cache/sscs-firewall && chown node:node /var/cache/sscs-firewall

USER node
EXPOSE 4873
ENTRYPOINT ["sscs"]
CMD ["firewall", "serve", "--listen", "0.0.0.0:4873"]
