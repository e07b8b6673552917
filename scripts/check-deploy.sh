#!/usr/bin/env bash
# The deployment artefacts, checked offline:
#   - every Kubernetes overlay (deploy/k8s/overlays/*) rendered with kustomize and
#     validated against the Kubernetes API schemas (`kubernetes-validate` from PyPI, its
#     schemas bundled; strict: unknown fields are errors). Custom resources
#     (ServiceMonitor, ScaledObject, PrometheusRule) have no bundled schema and are only
#     rendered;
#   - the alert rules (deploy/prometheus/alerts.yml) checked and unit-tested with
#     promtool (from Debian's prometheus package, unpacked, never installed as a
#     service), and the PrometheusRule saying the same.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The oldest Kubernetes the manifests promise to work on.
KUBERNETES_VERSION=1.30.0

command -v kubectl >/dev/null || apt_install kubernetes-client
validate="${AGF_KUBERNETES_VALIDATE:?run through make test, which installs kubernetes-validate}"

status=0
for overlay in deploy/k8s/overlays/*/; do
  name="$(basename "$overlay")"
  rendered="$(mktemp --suffix=.yaml)"
  # kustomize warns that `bases` and `patchesStrategicMerge` are deprecated: they are
  # kept so that the kustomize in older kubectl builds reads the overlays too.
  if ! kubectl kustomize "$overlay" >"$rendered" 2> >(grep -v "is deprecated" >&2); then
    echo "deploy/k8s/overlays/$name does not render" >&2
    status=1
    continue
  fi
  if "$validate" --strict --quiet --no-warn -k "$KUBERNETES_VERSION" "$rendered"; then
    echo "deploy/k8s/overlays/$name: $(grep -c '^kind:' "$rendered") resources, valid for Kubernetes $KUBERNETES_VERSION"
  else
    echo "deploy/k8s/overlays/$name is not valid for Kubernetes $KUBERNETES_VERSION" >&2
    status=1
  fi
  rm -f "$rendered"
done
# promtool: Debian's package unpacked into the tools folder (installing it would start a
# Prometheus server).
promtool="$AGF_TOOLS_DIR/bin/promtool"
if [ ! -x "$promtool" ]; then
  work="$(mktemp -d)"
  (cd "$work" && { apt-get download -q prometheus >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get download -q prometheus >/dev/null; }; }) ||
    die "could not download Debian's prometheus package (for promtool)"
  dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
  cp "$work/x/usr/bin/promtool" "$promtool"
  rm -rf "$work"
fi
(cd deploy/prometheus && "$promtool" check rules alerts.yml >/dev/null && "$promtool" test rules alerts.test.yml >/dev/null) &&
  echo "deploy/prometheus/alerts.yml: $(grep -c '^      - alert:' deploy/prometheus/alerts.yml) alerts valid, each fires on its test series and none on a healthy one" ||
  { echo "the alert rules are not valid, or their tests fail (cd deploy/prometheus && promtool test rules alerts.test.yml)" >&2; status=1; }
python="$(dirname "$validate")/python"
"$python" - <<'PY' || status=1
import sys, yaml
rules = yaml.safe_load(open("deploy/prometheus/alerts.yml"))
operator = yaml.safe_load(open("deploy/k8s/base/prometheusrule.yaml"))["spec"]
if rules != operator:
    sys.exit("deploy/k8s/base/prometheusrule.yaml does not say what deploy/prometheus/alerts.yml says")
PY
exit $status
