variable "name" {
  description = "Name prefix, e.g. wayfare-dev."
  type        = string
}

variable "thanos_retention" {
  description = "Thanos bucket lifecycle: days to Standard-IA, to Glacier Instant Retrieval, and to expiry."
  type = object({
    infrequent_access_after_days = number
    glacier_after_days           = number
    expire_after_days            = number
  })
}

variable "loki_retention" {
  description = "Loki bucket lifecycle: days to Standard-IA, to Glacier Instant Retrieval, and to expiry."
  type = object({
    infrequent_access_after_days = number
    glacier_after_days           = number
    expire_after_days            = number
  })
}

variable "tempo_retention" {
  description = "Tempo bucket lifecycle: days to Standard-IA, to Glacier Instant Retrieval, and to expiry (raised to the retention floor)."
  type = object({
    infrequent_access_after_days = number
    glacier_after_days           = number
    expire_after_days            = number
  })
  default = { infrequent_access_after_days = 30, glacier_after_days = 90, expire_after_days = 16 }
}

variable "force_destroy" {
  description = "Allow destroying non-empty buckets (dev only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
