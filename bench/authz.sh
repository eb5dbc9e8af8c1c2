#!/bin/sh
# bench/authz.sh: what authorization costs on the hot path. Starts a release cairnd, then loads
# it with wrk (2 threads, 16 connections) with one signed request per principal kind:
#   root  sts:GetCallerIdentity  (never authorized)
#   root  ssm:GetParameter       (the root's shortcut: no policy evaluated)
#   user  ssm:GetParameter       (AmazonSSMFullAccess + a group policy: a full decision)
#   role session ssm:GetParameter (the role's policies + an inline session policy)
# Prints one "name: requests per second" line each. usage: bench/authz.sh BUILD_DIR
set -eu
BUILD=${1:-build-release}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${BENCH_SECONDS:-10}
TMP=$(mktemp -d /tmp/cairn-bench-authz-XXXXXX)
CAIRND_PID=
cleanup() {
    [ -n "$CAIRND_PID" ] && kill "$CAIRND_PID" 2>/dev/null && wait "$CAIRND_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
EP="http://127.0.0.1:$PORT"
"$ROOT/$BUILD/cairnd" --data "$TMP/data" --listen "127.0.0.1:$PORT" --account-id 123456789012 \
    --log-level warn >"$TMP/cairnd.log" 2>&1 &
CAIRND_PID=$!
i=0
until curl -fs -o /dev/null "$EP/healthz"; do
    i=$((i + 1)); [ $i -lt 400 ] || { echo "bench: cairnd never answered" >&2; exit 1; }
    sleep 0.05
done
KEY=$(awk -F' = ' '/aws_access_key_id/ { print $2 }' "$TMP/data/credentials")
SECRET=$(awk -F' = ' '/aws_secret_access_key/ { print $2 }' "$TMP/data/credentials")

# principals: a user with AmazonSSMFullAccess in a group with an inline policy, and a role
# session with a session policy (boto3 as the root sets them up)
python3 - "$EP" "$KEY" "$SECRET" >"$TMP/creds" <<'PY'
import json, sys, boto3
ep, key, secret = sys.argv[1:4]
def client(svc, k=key, s=secret, t=None):
    return boto3.client(svc, endpoint_url=ep, region_name="us-east-1", aws_access_key_id=k,
                        aws_secret_access_key=s, aws_session_token=t)
iam = client("iam")
client("ssm").put_parameter(Name="/bench/p", Value="v", Type="String")
iam.create_group(GroupName="ops")
iam.put_group_policy(GroupName="ops", PolicyName="read", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ssm:Describe*", "ec2:Describe*"],
    "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}]}))
iam.create_user(UserName="bench")
iam.attach_user_policy(UserName="bench", PolicyArn="arn:aws:iam::aws:policy/AmazonSSMFullAccess")
iam.put_user_policy(UserName="bench", PolicyName="assume", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
iam.add_user_to_group(GroupName="ops", UserName="bench")
k = iam.create_access_key(UserName="bench")["AccessKey"]
iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                   "Action": "sts:AssumeRole"}]}))
iam.attach_role_policy(RoleName="reader", PolicyArn="arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess")
s = client("sts", k["AccessKeyId"], k["SecretAccessKey"]).assume_role(
    RoleArn="arn:aws:iam::123456789012:role/reader", RoleSessionName="bench",
    Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:Get*",
                                                               "Resource": "*"}]}))["Credentials"]
print(k["AccessKeyId"], k["SecretAccessKey"])
print(s["AccessKeyId"], s["SecretAccessKey"], s["SessionToken"])
PY
UKEY=$(sed -n 1p "$TMP/creds" | cut -d' ' -f1); USECRET=$(sed -n 1p "$TMP/creds" | cut -d' ' -f2)
SKEY=$(sed -n 2p "$TMP/creds" | cut -d' ' -f1); SSECRET=$(sed -n 2p "$TMP/creds" | cut -d' ' -f2)
STOKEN=$(sed -n 2p "$TMP/creds" | cut -d' ' -f3)
GET='{"Name":"/bench/p"}'

run() {  # name, lua script
    curl -fs -o /dev/null "$EP/healthz"
    wrk -t2 -c16 -d"${DURATION}s" -s "$2" "$EP/" >"$TMP/wrk.txt"
    if grep -q 'Non-2xx' "$TMP/wrk.txt"; then
        echo "bench: $1 answered errors:" >&2; cat "$TMP/wrk.txt" >&2; exit 1
    fi
    awk -v n="$1" '/^Requests\/sec:/ { printf "%s: %d\n", n, $2 }' "$TMP/wrk.txt"
}
python3 "$ROOT/bench/sign_request.py" "$EP" "$KEY" "$SECRET" sts \
    "Action=GetCallerIdentity&Version=2011-06-15" >"$TMP/gci.lua"
python3 "$ROOT/bench/sign_request.py" "$EP" "$KEY" "$SECRET" ssm "$GET" AmazonSSM.GetParameter >"$TMP/root.lua"
python3 "$ROOT/bench/sign_request.py" "$EP" "$UKEY" "$USECRET" ssm "$GET" AmazonSSM.GetParameter >"$TMP/user.lua"
# a role session signs with its token too (sign_request.py takes no token)
python3 - "$EP" "$SKEY" "$SSECRET" "$STOKEN" "$GET" >"$TMP/session.lua" <<'PY'
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
ep, key, secret, token, body = sys.argv[1:6]
req = AWSRequest(method="POST", url=ep + "/", data=body.encode(),
                 headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.GetParameter"})
SigV4Auth(Credentials(key, secret, token), "ssm", "us-east-1").add_auth(req)
q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
print('wrk.method = "POST"')
print("wrk.body = " + q(body))
for k, v in req.prepare().headers.items():
    if k.lower() not in ("host", "content-length"):
        print(f"wrk.headers[{q(k)}] = {q(v.decode() if isinstance(v, bytes) else v)}")
print(f'wrk.headers["Host"] = {q(ep.split("://", 1)[1])}')
PY
run root_get_caller_identity_rps "$TMP/gci.lua"
run root_ssm_get_parameter_rps "$TMP/root.lua"
run user_ssm_get_parameter_rps "$TMP/user.lua"
run role_session_ssm_get_parameter_rps "$TMP/session.lua"
