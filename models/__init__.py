"""Model manifests (TOML), installed as package data `pipeline.model_manifests`."""
