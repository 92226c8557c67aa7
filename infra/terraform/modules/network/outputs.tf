output "vpc_id" {
  description = "ID of the VPC."
  value       = module.vpc.vpc_id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = module.vpc.vpc_cidr_block
}

output "azs" {
  description = "Availability zones the subnets span."
  value       = var.azs
}

output "private_subnet_ids" {
  description = "Private subnets (EKS nodes and pods), one per AZ."
  value       = module.vpc.private_subnets
}

output "public_subnet_ids" {
  description = "Public subnets (internet-facing load balancers, NAT), one per AZ."
  value       = module.vpc.public_subnets
}

output "database_subnet_ids" {
  description = "Isolated database subnets, one per AZ."
  value       = module.vpc.database_subnets
}

output "database_subnet_group_name" {
  description = "RDS subnet group over the database subnets."
  value       = module.vpc.database_subnet_group_name
}

output "nat_public_ips" {
  description = "Egress IPs of the NAT gateways (to allow-list at the payment provider)."
  value       = module.vpc.nat_public_ips
}

output "private_subnet_cidrs" {
  description = "CIDRs of the private subnets (nodes and pods)."
  value       = module.vpc.private_subnets_cidr_blocks
}

output "database_subnet_cidrs" {
  description = "CIDRs of the database subnets (RDS and ElastiCache): the chart's NetworkPolicy egress."
  value       = module.vpc.database_subnets_cidr_blocks
}
