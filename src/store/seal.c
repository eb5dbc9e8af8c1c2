/* src/store/seal.c - placeholder until written */
