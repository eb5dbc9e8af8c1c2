/* src/proto/pbuf.c - placeholder until written */
