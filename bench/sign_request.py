#!/usr/bin/env python3
"""Write a wrk Lua script that replays one SigV4-signed API request.

usage: sign_request.py ENDPOINT KEY SECRET SERVICE BODY [TARGET] > script.lua
The signature is made now with botocore's own signer and stays valid for AWS's 15-minute
window, which is longer than any benchmark run: replaying it is what a client does when it
retries, and the server verifies it in full every time.
"""
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    endpoint, key, secret, service, body = sys.argv[1:6]
    target = sys.argv[6] if len(sys.argv) > 6 else None
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    if target:
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    req = AWSRequest(method="POST", url=endpoint + "/", data=body.encode(), headers=headers)
    SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(req)
    prepared = req.prepare()

    def lua(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    print('wrk.method = "POST"')
    print("wrk.body = " + lua(body))
    for k, v in prepared.headers.items():
        if k.lower() in ("host", "content-length"):
            continue
        v = v.decode() if isinstance(v, bytes) else v
        print(f"wrk.headers[{lua(k)}] = {lua(v)}")
    # wrk sends Host itself; the signature covers it, so it must match the endpoint
    print(f'wrk.headers["Host"] = {lua(endpoint.split("://", 1)[1])}')


if __name__ == "__main__":
    main()
