/* src/core/metrics.c - placeholder until written */
