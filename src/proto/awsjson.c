/* src/proto/awsjson.c - placeholder until written */
