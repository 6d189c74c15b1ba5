// Command pulumi-tfgen-random writes schema.json and bridge-metadata.json for the rebuilt plugin.
package main

import (
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"pgs/engine/providers/random/provider"
)

func main() { pftfgen.Main("random", provider.Provider()) }
