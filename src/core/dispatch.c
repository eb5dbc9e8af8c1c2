/* src/core/dispatch.c - placeholder until written */
