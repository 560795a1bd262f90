# The state bucket (versioned, encrypted, created once by hand: README "State"). Not a cluster fact.
bucket = "platform-terraform-state-prod"
region = "eu-west-1"
