"""Ways to run a check besides the API and the clerk page: batch checks and the embeddable widget."""
