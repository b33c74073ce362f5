# OpenSearch for marquee: single node, k-NN and neural-search (bundled), Learning to Rank.
# Since 2.19 the official image bundles the LTR plugin (opensearch-ltr); for an image without it, pass
#   --build-arg LTR_PLUGIN=<URL or file:// path of the opensearch-ltr zip built for OPENSEARCH_VERSION>
ARG OPENSEARCH_VERSION=3.2.0
FROM opensearchproject/opensearch:${OPENSEARCH_VERSION}

ARG LTR_PLUGIN=""
RUN if /usr/share/opensearch/bin/opensearch-plugin list | grep -qx 'opensearch-ltr'; then \
        echo "opensearch-ltr is bundled"; \
    elif [ -n "${LTR_PLUGIN}" ]; then \
        /usr/share/opensearch/bin/opensearch-plugin install --batch "${LTR_PLUGIN}"; \
    else \
        echo "opensearch-ltr is missing: build with --build-arg LTR_PLUGIN=<zip>" >&2; exit 1; \
    fi \
    && /usr/share/opensearch/bin/opensearch-plugin list | grep -qx 'opensearch-knn'
