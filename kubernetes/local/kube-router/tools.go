//go:build tools

// The wrapper module scripts/kubernetes.sh builds kube-router from (copied with go.mod and go.sum
// to $PGS_CACHE/k8s/<version>/kube-router-build): it keeps `go mod tidy` resolving the command.
package tools

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
