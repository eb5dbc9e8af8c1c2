/* src/http/server.c - placeholder until written */
