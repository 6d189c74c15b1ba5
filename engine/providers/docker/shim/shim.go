// Package shim exposes the upstream SDKv2 provider. Its import path lies under
// github.com/terraform-providers/terraform-provider-docker/, so Go lets it import that
// module's internal package. (pulumi/pulumi-docker adds the same file to its upstream
// submodule with patches/0001-Add-shim.NewProvider-to-expose-internal-provider.New.patch.)
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	p "github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the upstream Terraform SDKv2 provider.
func NewProvider(version string) *schema.Provider { return p.New(version)() }
