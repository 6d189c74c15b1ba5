// Command pulumi-tfgen-tls writes schema.json and bridge-metadata.json for the rebuilt plugin.
package main

import (
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"pgs/engine/providers/tls/provider"
)

func main() { pftfgen.Main("tls", provider.Provider()) }
