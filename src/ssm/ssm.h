/* src/ssm/ssm.h - the SSM service. Used by: core/dispatch.c. Uses: store/, core/req.h. */
#ifndef SSM_SSM_H
#define SSM_SSM_H
#include "../core/req.h"
extern const struct service_impl ssm_service;
#endif
