/* src/proto/awsquery.c - placeholder until written */
