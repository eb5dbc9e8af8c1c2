/* src/proto/model.h - the botocore service models, as C tables.
 * The tables (model_gen.c) are generated at build time by tools/gen_model.py from the
 * botocore service-2.json files; only the operations named in
 * src/proto/operations/<signing name>.txt and the shapes they reach are emitted.
 * Used by: proto/ codecs, core/ dispatch. Uses: nothing. */
#ifndef PROTO_MODEL_H
#define PROTO_MODEL_H

#include <stddef.h>
#include <stdint.h>

enum shape_type {
    SHAPE_STRUCTURE, SHAPE_LIST, SHAPE_MAP, SHAPE_STRING, SHAPE_INTEGER, SHAPE_LONG,
    SHAPE_BOOLEAN, SHAPE_TIMESTAMP, SHAPE_BLOB, SHAPE_DOUBLE, SHAPE_FLOAT,
};

enum proto_kind { PROTO_QUERY, PROTO_JSON, PROTO_EC2, PROTO_REST_JSON };

#define MEMBER_REQUIRED  0x1u        /* listed in the structure's "required" */
#define MEMBER_FLATTENED 0x2u        /* member's "flattened" (lists/maps in XML/Query) */

struct shape;

struct shape_member {
    const char         *name;          /* member name as in the model, e.g. "UserName" */
    const char         *location_name; /* "locationName" or NULL (then name is used) */
    const struct shape *shape;
    unsigned            flags;         /* MEMBER_* */
};

struct shape {
    const char              *name;           /* shape name, e.g. "userNameType" */
    enum shape_type          type;
    /* SHAPE_STRUCTURE */
    const struct shape_member *members;
    size_t                   n_members;
    /* SHAPE_LIST: element shape and its locationName ("member" by default) */
    const struct shape      *member;
    const char              *member_location_name;
    /* SHAPE_MAP */
    const struct shape      *key, *value;
    const char              *key_location_name, *value_location_name;   /* "key"/"value" default */
    unsigned                 flattened;      /* the shape itself is "flattened" */
    /* constraints: min/max are lengths for strings/blobs/lists/maps, values for numbers */
    unsigned                 has_min, has_max;
    double                   min, max;
    const char              *pattern;        /* Java-style regex as in the model, or NULL */
    const char *const       *enum_values;    /* NULL-terminated, or NULL */
    unsigned                 sensitive;      /* "sensitive": never log the value */
    const char              *timestamp_format; /* "iso8601", "unixTimestamp" or NULL (protocol default) */
    int                      index;          /* position in model_shapes[]: for per-shape caches */
};

struct model_op {
    const char         *name;           /* "GetCallerIdentity" */
    const struct shape *input;          /* NULL when the operation takes no input */
    const struct shape *output;         /* NULL when it returns nothing */
    const char         *result_wrapper; /* Query: "GetCallerIdentityResult", or NULL */
    int                 index;          /* position across all services: for metrics, handler binding */
};

struct model_service {
    const char            *signing_name;   /* SigV4 scope service: "iam", "sts", "ssm" */
    const char            *service_id;     /* "IAM", "STS", "SSM" */
    enum proto_kind        protocol;
    const char            *api_version;    /* "2010-05-08" */
    const char            *xml_namespace;  /* Query: "https://iam.amazonaws.com/doc/2010-05-08/" */
    const char            *target_prefix;  /* JSON: "AmazonSSM" (X-Amz-Target prefix) */
    const char            *json_version;   /* JSON: "1.1" */
    const struct model_op *ops;            /* sorted by name */
    size_t                 n_ops;
};

extern const struct model_service model_services[];
extern const size_t               model_n_services;
extern const size_t               model_n_ops;     /* ops across all services */
extern const size_t               model_n_shapes;  /* for per-shape caches (regexes) */
extern const struct shape         model_shapes[];  /* every emitted shape, by index */

/* Lookups; NULL when unknown. Names compare exactly (case-sensitive), as AWS does. */
const struct model_service *model_service_by_signing_name(const char *name);
const struct model_service *model_service_by_target_prefix(const char *prefix, size_t len);
const struct model_service *model_service_by_api_version(const char *version);  /* Query "Version" */
const struct model_op      *model_op_find(const struct model_service *svc, const char *name);
const struct shape_member  *model_member_find(const struct shape *s, const char *name);

#endif
