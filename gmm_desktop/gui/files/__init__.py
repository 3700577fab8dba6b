"""Opening and saving: data files (with the import dialog), sessions, models, recent files, prompts."""
