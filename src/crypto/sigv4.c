/* src/crypto/sigv4.c - placeholder until written */
