"""AWS services the parts share: Secrets Manager reads and the staged rotation protocol."""
