/* src/core/account.c - placeholder until written */
