"""The deployment files stay consistent with the code they ship (no Docker daemon here to build them)."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_community_cloud_installs_the_project_itself():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line and not line.startswith("#")] == ["."]
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert {re.split(r"[<>=]", d)[0] for d in deps} == {"streamlit", "numpy", "graphviz", "plotly"}


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
