# syntax=docker/dockerfile:1
# marquee API image: slim Python 3.11, the package installed with pip, gunicorn (via `marquee serve`), non-root.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false

WORKDIR /app

# Dependencies first, so code edits do not reinstall them. torch is pinned in setup.cfg and installed in the
# same pip command as sentence-transformers, which is what selects the CPU wheel.
COPY setup.cfg pyproject.toml README.md ./
COPY marquee ./marquee
RUN pip install .

# The bundled demo catalog, for the one-shot indexer service.
COPY data ./data

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/marquee marquee \
    && mkdir -p /app/var \
    && chown marquee:marquee /app/var
USER marquee

ENV MARQUEE_HOME=/app/var \
    MARQUEE_HOST=0.0.0.0 \
    MARQUEE_PORT=8000
EXPOSE 8000

# Liveness only (the process answers); /readyz also says whether an index is served and models are loaded.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

CMD ["marquee", "serve"]
