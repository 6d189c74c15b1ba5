//go:build tools

// Copied as tools.go into the wrapper module that scripts/kubernetes.sh generates under
// $PGS_CACHE/k8s/<version>/build: it makes `go mod tidy` resolve every command we build.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
