/* src/proto/validate.c - placeholder until written */
