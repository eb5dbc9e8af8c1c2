/* src/proto/model.c - placeholder until written */
