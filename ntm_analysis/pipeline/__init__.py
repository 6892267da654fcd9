"""Pipeline layer: building the pack with papermill, kernels and processes, sending it, the command line."""
