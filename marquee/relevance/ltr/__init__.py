"""Learning to rank: training data from hybrid candidates, LightGBM lambdarank, OpenSearch LTR export, LETOR check."""
