"""Reading and writing tables and model files, always atomically."""
