/* src/store/sqlite.c - placeholder until written */
