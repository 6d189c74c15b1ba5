//go:build tools

// Keeps go.sum complete for what build.sh runs besides main.go: the provider module's own
// cmd/pulumi-resource-kubernetes/generate.go (imports pkg/v3/codegen/schema).
package main

import _ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
