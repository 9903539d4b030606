"""What evaluators may see: measures and tables over the answers, nothing that names a person."""
