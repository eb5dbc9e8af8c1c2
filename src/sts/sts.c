/* src/sts/sts.c - placeholder until written */
