// Package shim exposes the upstream provider constructor. Its import path lies under
// github.com/hashicorp/terraform-provider-tls/, so Go lets it import that module's
// internal package.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	p "github.com/hashicorp/terraform-provider-tls/internal/provider"
)

// NewProvider returns the upstream Terraform plugin-framework provider.
func NewProvider() provider.Provider { return p.New() }
