"""The deployment files stay consistent with the code they ship (no Docker daemon here to build them)."""

import os
import pathlib
import re
import shlex
import subprocess
import sys
import tomllib

import pytest

from benchmarks.streamlit_server import start_server, stop_server

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_community_cloud_installs_the_project_itself():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line and not line.startswith("#")] == ["."]
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert {re.split(r"[<>=]", d)[0] for d in deps} == {"streamlit", "numpy", "graphviz", "plotly", "threadpoolctl"}


def test_dockerfile_runs_the_app_as_non_root_with_a_health_check():
    text = (ROOT / "Dockerfile").read_text()
    copied = re.findall(r"^COPY (\S+) ", text, re.M)
    for path in copied:
        assert (ROOT / path).exists(), path
    assert "pip install ." in text and "[test]" not in text  # no dev dependencies in the image
    user = re.search(r"^USER (\S+)", text, re.M)
    assert user and user.group(1) not in ("root", "0") and text.index("USER") > text.index("pip install")
    assert "HEALTHCHECK" in text and "/_stcore/health" in text
    assert "playground/app.py" in text and (ROOT / "playground" / "app.py").exists()
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and "tests" in ignored


def test_kubernetes_manifest_has_sticky_sessions_and_probes():
    text = (ROOT / "deploy" / "kubernetes.yaml").read_text()
    assert "nginx.ingress.kubernetes.io/affinity: cookie" in text
    assert text.count("/_stcore/health") == 2 and "runAsNonRoot: true" in text
    assert re.search(r"replicas: [2-9]", text)


def test_every_deployment_installs_graphviz_for_graph_downloads():
    # Streamlit Community Cloud apt-installs each line of packages.txt (one package a line, no comments).
    packages = [line.strip() for line in (ROOT / "packages.txt").read_text().splitlines() if line.strip()]
    assert packages == ["graphviz"]
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    run = re.search(r"^RUN (apt-get update .*)$", dockerfile, re.M)
    assert run, "the Dockerfile installs no system packages"
    installed = re.search(r"apt-get install ([^&]*)", run.group(1)).group(1).split()
    assert "--no-install-recommends" in installed and [w for w in installed if not w.startswith("-")] == packages
    assert "rm -rf /var/lib/apt/lists/*" in run.group(1)  # in the same layer, so the lists never reach the image
    assert dockerfile.index("apt-get install") < dockerfile.index("\nUSER ")  # as root
    ci = (ROOT / ".ci" / "run").read_text()
    assert "missing+=(graphviz)" in ci and "export GRADLAB_REQUIRE_DOT=1" in ci


# --- Issue 15: uploads, error details, and the hardened deployment ----------------------------------

def _dockerfile_env() -> dict[str, str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for rest in re.findall(r"^ENV (.*)$", text, re.M):
        env.update(pair.split("=", 1) for pair in shlex.split(rest))
    return env


def _manifest(kind: str) -> str:
    """The text of the manifest's document of this kind (Deployment, Service, Ingress)."""
    docs = (ROOT / "deploy" / "kubernetes.yaml").read_text().split("\n---\n")
    found = [d for d in docs if re.search(rf"^kind: {kind}$", d, re.M)]
    assert len(found) == 1, f"one {kind} expected"
    return found[0]


def _container_env() -> dict[str, str]:
    return dict(re.findall(r"- \{name: (\w+), value: \"?([^\"}]*?)\"?\}", _manifest("Deployment")))


def _streamlit_options(env: dict[str, str], *keys: str) -> list[str]:
    """The options as `streamlit` itself reads them in the project's directory (its config.toml, and the
    environment as the image sets it) from `streamlit config show`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    done = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=60, check=True)
    sections = re.split(r"^\[(\w+)\]$", done.stdout, flags=re.M)
    shown = {f"{section}.{m[0]}": m[1] for section, body in zip(sections[1::2], sections[2::2], strict=True)
             for m in re.findall(r"^(?:# )?(\w+) = \"?([^\"\n]*)\"?$", body, re.M)}  # "# " for a default
    return [shown[k] for k in keys]


def test_uploads_are_limited_to_what_the_pages_need():
    from engine.limits import MAX_CSV_BYTES
    from playground.mlp.config import MAX_FILE_BYTES
    megabytes = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    largest = max(MAX_CSV_BYTES, MAX_FILE_BYTES)
    assert megabytes == 1 and largest <= megabytes * 1024 * 1024  # 1 MB is the smallest Streamlit allows
    assert _streamlit_options({}, "server.maxUploadSize") == ["1"]  # the key is one Streamlit reads
    assert _container_env()["STREAMLIT_SERVER_MAX_UPLOAD_SIZE"] == str(megabytes)
    body = re.search(r"proxy-body-size: \"?(\d+)m\"?", _manifest("Ingress"))
    assert body and megabytes < int(body.group(1)) <= 10  # the multipart framing fits; a flood doesn't


# The values of client.showErrorDetails (Streamlit 1.67) that show users neither the trace nor the message.
HIDDEN_DETAILS = {"type", "none"}


def test_hosted_configurations_hide_error_details_and_make_run_keeps_them():
    docker = _dockerfile_env()["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"]
    assert docker in HIDDEN_DETAILS and _container_env()["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] == docker
    assert _streamlit_options({"STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": docker}, "client.showErrorDetails") == [docker]
    # Community Cloud: the project's config.toml, no environment
    assert _streamlit_options({}, "client.showErrorDetails")[0] in HIDDEN_DETAILS
    # `make run` and the tests ask for full details, for a developer
    run = re.search(r"^run:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert "--client.showErrorDetails full" in run
    from streamlit import config
    assert config.get_option("client.showErrorDetails") == "full"  # set by tests/conftest.py


def test_the_suite_sees_an_uncaught_exception_in_full():
    """Every `assert not at.exception` in the suite relies on this: with the hosted setting, AppTest would see
    no exception element at all, and those checks could never fail."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_string("raise ValueError('seen by the tests')").run()
    assert at.exception and "seen by the tests" in at.exception[0].message


def test_the_base_image_and_the_deployed_image_are_pinned():
    base = re.search(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", base), base
    image = re.search(r"^\s+image: (\S+)", _manifest("Deployment"), re.M).group(1)
    tag = re.fullmatch(r"[\w.\-/:]+?(?::([\w.\-]+)|@sha256:[0-9a-f]{64})", image)
    assert tag and tag.group(1) != "latest", image


def test_pods_run_unprivileged_on_a_read_only_root():
    deployment = _manifest("Deployment")
    pod = re.search(r"^      securityContext:\n((?:        .*\n)+)", deployment, re.M).group(1)
    container = re.search(r"^          securityContext:\n((?:            .*\n)+)", deployment, re.M).group(1)
    assert "runAsNonRoot: true" in pod and "seccompProfile: {type: RuntimeDefault}" in pod
    assert re.search(r"runAsUser: (\d+)", pod).group(1) != "0"
    for setting in ("allowPrivilegeEscalation: false", "readOnlyRootFilesystem: true",
                    "capabilities: {drop: [ALL]}", "seccompProfile: {type: RuntimeDefault}"):
        assert setting in container, setting
    # the one writable place is an emptyDir at /tmp, where the image puts its caches too
    assert re.search(r"- \{name: (\w+), mountPath: /tmp\}", deployment)
    volume = re.search(r"- \{name: (\w+), mountPath: /tmp\}", deployment).group(1)
    assert re.search(rf"- name: {volume}\n\s+emptyDir: \{{sizeLimit: \w+\}}", deployment)
    assert _dockerfile_env()["XDG_CACHE_HOME"].startswith("/tmp/")


def test_the_ingress_has_tls_and_rate_limits():
    ingress = _manifest("Ingress")
    tls = re.search(r"^  tls:\n    - hosts: \[([^\]\s]+)\].*\n      secretName: \S+", ingress, re.M)
    assert tls and re.search(rf"^    - host: {re.escape(tls.group(1))}", ingress, re.M)
    assert 'ssl-redirect: "true"' in ingress
    rps = re.search(r"limit-rps: \"(\d+)\"", ingress)
    connections = re.search(r"limit-connections: \"(\d+)\"", ingress)
    assert rps and connections and int(rps.group(1)) >= 30  # a class behind one NAT can still open the link


@pytest.mark.browser
def test_a_page_that_raises_shows_no_traceback_with_the_hosted_settings(browser, tmp_path):
    """A throwaway page that raises, served with the image's environment: the user sees Streamlit's short
    message; without it (as `make run`), the same page shows the full details, so the check can fail."""
    secret = "secret-detail-from-the-server"
    app = tmp_path / "raises.py"
    app.write_text(f"import streamlit as st\nst.title('ok')\nraise ValueError({secret!r})\n")
    hosted = {k: v for k, v in _dockerfile_env().items() if k.startswith("STREAMLIT_")}
    shown = {}
    cases = (("hosted", hosted, None), ("community cloud", {"STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": None}, None),
             ("local", {}, "full"))  # as make run
    for name, env, details in cases:
        proc, url = start_server(app=app, env=env, error_details=details)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(url)
            box = page.locator('[data-testid="stException"]')
            box.wait_for(timeout=60_000)
            shown[name] = box.inner_text()
            context.close()
        finally:
            stop_server(proc)
    assert secret in shown["local"] and str(tmp_path) in shown["local"]  # full details, with the path
    for hosted_name in ("hosted", "community cloud"):
        for leak in (secret, "ValueError", "Traceback", str(tmp_path), str(ROOT), "File "):
            assert leak not in shown[hosted_name], (hosted_name, leak)
        assert "error" in shown[hosted_name].lower()
