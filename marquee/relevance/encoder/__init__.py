"""Fine-tuning the sentence encoder on a catalog's own judgements (``marquee train-encoder``)."""
