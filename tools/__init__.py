"""Developer tools of CNN Explorer (benchmarks). Not part of the product or its wheel."""
