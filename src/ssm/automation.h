/* src/ssm/automation.h - the SSM Automation API (StartAutomationExecution,
 * GetAutomationExecution, DescribeAutomationExecutions, DescribeAutomationStepExecutions,
 * StopAutomationExecution, SendAutomationSignal): a service table of its own, sharing SSM's
 * signing name, whose start() runs the Automation engine.
 * Used by: core/dispatch.c. Uses: automation/, store/, core/req.h. */
#ifndef SSM_AUTOMATION_H
#define SSM_AUTOMATION_H

#include "../core/req.h"

extern const struct service_impl ssm_automation_service;

#endif
