"""Labels: the store of labelled sentences and articles, references into corpora, the codebook,
agreement between annotators, and interchange with labelling tools."""
