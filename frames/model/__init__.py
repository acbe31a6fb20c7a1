"""The model: features, the model folder, numpy scoring, article profiles, verdicts and explanations."""
