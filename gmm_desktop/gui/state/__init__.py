"""The Qt adapter of the workspace: it owns the state, runs the jobs, announces every change."""
