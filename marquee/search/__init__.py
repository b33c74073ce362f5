"""Query understanding, retrieval, fusion, reranking and result shaping. Never reads HTTP or env vars."""
