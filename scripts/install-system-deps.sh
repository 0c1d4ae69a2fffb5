#!/usr/bin/env bash
# Installs the system packages the test suite runs against: the CNCF distribution registry, skopeo to push test
# images, openssl for test certificates, containerd (ctr) as a runtime oracle, promtool/prometheus for rule tests,
# kubectl (kubectl kustomize renders deploy/exporter; the prescription tests), jq, script/unshare/setpriv, zsh and
# fish (completion scripts), chromium for the HTML report tests (driven by playwright-core; no browser download).
# Tests that need a tool fail without it (test/helpers/tools.ts). Debian; needs root (or sudo).
set -euo pipefail
need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
command -v openssl >/dev/null || need+=(openssl)
command -v promtool >/dev/null || need+=(prometheus)
# Debian's only kubectl; its embedded kustomize is v2.0.3, which deploy/exporter is written to.
command -v kubectl >/dev/null || need+=(kubernetes-client)
# containerd 1.6 + ctr: the runtime oracle (test/helpers/containerd.ts runs its own instance; no service is started).
command -v containerd >/dev/null && command -v ctr >/dev/null || need+=(containerd)
# script(1) runs the CLI on a pseudo-terminal; unshare and setpriv run tests in a namespace or as another user.
command -v script >/dev/null || need+=(bsdutils)
command -v unshare >/dev/null && command -v setpriv >/dev/null || need+=(util-linux)
# jq runs the secret-editing pipelines remediation prints (test/diagnose/prescriptions.test.ts).
command -v jq >/dev/null || need+=(jq)
# /usr/bin/chromium is the path test/helpers/browser.ts launches; fonts-dejavu-core gives it glyphs (✔ ✘ ⚠).
[ -x /usr/bin/chromium ] || need+=(chromium fonts-dejavu-core)
# zsh and fish check the completion scripts `regdoctor completion` writes (test/cli/completion.test.ts).
command -v zsh >/dev/null || need+=(zsh)
command -v fish >/dev/null || need+=(fish)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}" ca-certificates
