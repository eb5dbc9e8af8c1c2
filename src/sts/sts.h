/* src/sts/sts.h - the STS service. Used by: core/dispatch.c. Uses: core/req.h, store/. */
#ifndef STS_STS_H
#define STS_STS_H

#include "../core/req.h"

extern const struct service_impl sts_service;

#endif
