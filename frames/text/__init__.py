"""Text in: reading articles (encodings, HTML), corpus files, sentence splitting and language."""
