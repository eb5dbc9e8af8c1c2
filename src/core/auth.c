/* src/core/auth.c - placeholder until written */
