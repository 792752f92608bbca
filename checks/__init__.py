"""The built-in checks, one module per area. Each module lists its checks in `CHECKS`."""
