"""The only modules that speak HTTP to outside services."""
