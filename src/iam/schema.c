/* src/iam/schema.c - the IAM tables, as versioned migrations (append, never edit one that
 * shipped). Used by: iam.c (service_impl). Access keys live in core's access_key table.
 *
 * Every entity row carries its account; names are unique per account case-insensitively
 * (name_lc = lower(name)), as IAM's are. Timestamps are unix seconds. Relations point at
 * entity ids (AIDA..., AGPA..., AROA..., AIPA...), so renaming an entity moves nothing. */
#include <stddef.h>
#include "internal.h"

static const char v1[] =
    "CREATE TABLE iam_user ("
    "  id TEXT PRIMARY KEY,"                  /* AIDA... */
    "  account TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  name_lc TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  boundary TEXT,"                        /* permissions boundary policy ARN */
    "  password_last_used INTEGER,"
    "  UNIQUE (account, name_lc));"
    "CREATE TABLE iam_group ("
    "  id TEXT PRIMARY KEY,"                  /* AGPA... */
    "  account TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  name_lc TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  UNIQUE (account, name_lc));"
    "CREATE TABLE iam_group_member ("
    "  group_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL,"
    "  PRIMARY KEY (group_id, user_id));"
    "CREATE INDEX iam_group_member_user ON iam_group_member (user_id);"
    "CREATE TABLE iam_role ("
    "  id TEXT PRIMARY KEY,"                  /* AROA... */
    "  account TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  name_lc TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  trust TEXT NOT NULL,"                  /* the trust policy, as given */
    "  description TEXT,"
    "  max_session INTEGER NOT NULL DEFAULT 3600,"
    "  boundary TEXT,"
    "  last_used INTEGER,"
    "  last_used_region TEXT,"
    "  service_linked INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (account, name_lc));"
    "CREATE TABLE iam_policy ("               /* customer managed policies */
    "  id TEXT PRIMARY KEY,"                  /* ANPA... */
    "  account TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  name_lc TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  arn TEXT NOT NULL UNIQUE,"
    "  description TEXT,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  default_version INTEGER NOT NULL,"     /* n of vN */
    "  next_version INTEGER NOT NULL,"
    "  UNIQUE (account, name_lc));"
    "CREATE TABLE iam_policy_version ("
    "  policy_id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  document TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  PRIMARY KEY (policy_id, version));"
    "CREATE TABLE iam_attachment ("           /* managed policies attached to entities */
    "  account TEXT NOT NULL,"
    "  entity_kind TEXT NOT NULL,"            /* 'user' | 'group' | 'role' */
    "  entity_id TEXT NOT NULL,"
    "  policy_arn TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"                 /* attachment order */
    "  PRIMARY KEY (entity_id, policy_arn));"
    "CREATE INDEX iam_attachment_policy ON iam_attachment (account, policy_arn);"
    "CREATE TABLE iam_inline ("               /* inline policies */
    "  entity_id TEXT NOT NULL,"
    "  entity_kind TEXT NOT NULL,"
    "  account TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  document TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"                /* non-whitespace characters */
    "  PRIMARY KEY (entity_id, name));"
    "CREATE TABLE iam_instance_profile ("
    "  id TEXT PRIMARY KEY,"                  /* AIPA... */
    "  account TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  name_lc TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  UNIQUE (account, name_lc));"
    "CREATE TABLE iam_profile_role ("         /* at most one role per profile (AWS's quota) */
    "  profile_id TEXT NOT NULL,"
    "  role_id TEXT NOT NULL,"
    "  PRIMARY KEY (profile_id, role_id));"
    "CREATE INDEX iam_profile_role_role ON iam_profile_role (role_id);"
    "CREATE TABLE iam_tag ("
    "  entity_id TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  key_lc TEXT NOT NULL,"                 /* IAM tag keys are case-insensitive */
    "  value TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY (entity_id, key_lc));"
    "CREATE TABLE iam_login_profile ("        /* console passwords, PBKDF2-HMAC-SHA256 */
    "  user_id TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  salt BLOB NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  iterations INTEGER NOT NULL,"
    "  reset_required INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE iam_deletion_task ("        /* DeleteServiceLinkedRole's task ids */
    "  id TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  created INTEGER NOT NULL);";

const char *const iam_migrations[] = { v1, NULL };
