# gradlab: the Streamlit app only (no test or dev dependencies), run as a non-root user.
# An exact base tag, so a rebuild gets the same Python and Debian (add @sha256:<digest> from
# `docker buildx imagetools inspect python:3.11.13-slim-bookworm` to pin it byte for byte).
FROM python:3.11.13-slim-bookworm

# A served app's files never change: no file watcher (it re-scans modules after every rerun).
# Users see a short message, never a traceback with server paths, for an error the pages didn't catch
# (the full details go to the server's log); `make run` keeps Streamlit's default, full details.
# Caches (fontconfig's, for dot) go to /tmp, the only writable place when the root filesystem is read-only.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none \
    XDG_CACHE_HOME=/tmp/cache
# Graphviz's dot draws the graphs teachers download as SVG / PNG (the pages draw theirs in the browser).
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 gradlab
WORKDIR /app

COPY pyproject.toml README.md ./
COPY engine engine
COPY labs labs
COPY playground playground
COPY assets assets
COPY .streamlit .streamlit
RUN pip install .

USER gradlab
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"
CMD ["streamlit", "run", "playground/app.py", "--server.port=8501", "--server.address=0.0.0.0", \
     "--server.headless=true", "--browser.gatherUsageStats=false"]
