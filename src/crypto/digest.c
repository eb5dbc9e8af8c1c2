/* src/crypto/digest.c - placeholder until written */
