// Command pulumi-tfgen-docker writes schema.json and bridge-metadata.json for the rebuilt plugin.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"pgs/engine/providers/docker/provider"
)

func main() { tfgen.Main("docker", provider.Version, provider.Provider()) }
