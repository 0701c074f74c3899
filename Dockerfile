# gradlab: the Streamlit app only (no test or dev dependencies), run as a non-root user.
FROM python:3.11-slim

# A served app's files never change: no file watcher (it re-scans modules after every rerun).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none
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
