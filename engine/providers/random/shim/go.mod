module github.com/terraform-providers/terraform-provider-random/shim

go 1.20

require github.com/terraform-providers/terraform-provider-random v1.3.2-0.20231204135814-c6e90de46687
