/* src/daemon/main.c - placeholder until written */
