github_repository = "wayfare-commerce/wayfare"
