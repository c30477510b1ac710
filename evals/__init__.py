"""The eval harness: gold questions and a fixture corpus as data, a runner that scores our engine beside a naive baseline."""
