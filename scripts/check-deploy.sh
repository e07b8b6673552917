#!/usr/bin/env bash
# Renders every Kubernetes overlay (deploy/k8s/overlays/*) with kustomize and validates
# the result offline against the Kubernetes API schemas (`kubernetes-validate` from PyPI,
# its schemas bundled; strict: unknown fields are errors). Custom resources
# (ServiceMonitor, ScaledObject) have no bundled schema and are only rendered.
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
exit $status
