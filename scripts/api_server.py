#!/usr/bin/python3
"""A loopback HTTPS server speaking the Clockify Reports API and the Qonto API, for facturation's tests
and scripts/demo.

Standard library only (http.server + ssl); the throwaway CA and server certificate are made with
openssl, as scripts/smtp_sink.py does. Binds 127.0.0.1 on a free port (or --port) and writes it to
--port-file.

  Clockify  POST /v1/workspaces/<--workspace>/reports/detailed   header X-Api-Key: <--clockify-key>
            body {dateRangeStart, dateRangeEnd, detailedFilter: {page, pageSize}}: the entries of
            --clockify (a detailed report JSON) whose start lies in the range, sorted by start, paged;
            answer {"totals": [...], "timeentries": [...]} (indented, as the API's pretty output).
  Qonto     GET /v2/transactions?iban=<--iban>&updated_at_from=…&sort_by=updated_at:asc
            &current_page=N&per_page=M   header Authorization: <--qonto-auth> (login:secret-key)
            the transactions of --qonto updated since updated_at_from (updated_at defaults to
            settled_at, else emitted_at), sorted by updated_at, paged; answer
            {"transactions": [...], "meta": {current_page, next_page, prev_page, total_pages,
            total_count, per_page}}. --account IBAN=FILE (repeatable) adds an account: the
            transactions of FILE are served for iban=IBAN (--qonto's for --iban); another iban gets 400.

A request of the wrong shape (method, path, header, body, query) gets 400 with the reason.

Modes (each counts the data requests it affects, in order):
  --expired               every request gets 401 (an expired or revoked key)
  --rate-limit N          the first N requests get 429 with Retry-After: --retry-after (1)
  --unavailable N         the first N requests get 503
  --cut N                 the first N answers are cut mid-body (Content-Length promised, half sent)

Every request is appended to --log as one JSON line: method, path, query, body, the status sent,
and whether the key matched (the key itself is not written). Exits on SIGTERM, and by itself
when the process given by --parent-pid is gone.
"""

import argparse
import http.server
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime


def make_certificates(folder):
    """A throwaway CA and a server certificate for localhost and 127.0.0.1 signed by it."""
    os.makedirs(folder, exist_ok=True)
    ca_key, ca_pem = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.pem")
    key, csr, pem = (os.path.join(folder, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(folder, "server.ext")

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *curve, "-keyout", ca_key, "-out", ca_pem, "-days", "2", "-subj", "/CN=facturation test CA")
    openssl("req", *curve, "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    with open(ext, "w") as handle:
        handle.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial",
            "-out", pem, "-days", "2", "-extfile", ext)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pem, key)
    return context


def instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class State:
    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.counts = {"rate": 0, "unavailable": 0, "cut": 0}
        self.clockify = []
        self.totals = []
        self.qonto = {}
        if options.clockify:
            with open(options.clockify, encoding="utf-8") as handle:
                report = json.load(handle)
            self.clockify = sorted(report["timeentries"], key=lambda e: instant(e["timeInterval"]["start"]))
            self.totals = report.get("totals", [])
        accounts = [(options.iban, options.qonto)]
        for account in options.account:
            iban, _, path = account.partition("=")
            accounts.append((iban, path))
        for iban, path in accounts:
            transactions = []
            if path:
                with open(path, encoding="utf-8") as handle:
                    transactions = json.load(handle)["transactions"]
            for transaction in transactions:
                transaction.setdefault("updated_at", transaction.get("settled_at") or transaction.get("emitted_at"))
            transactions.sort(key=lambda t: (instant(t["updated_at"]), t["id"]))
            self.qonto[iban] = transactions

    def take(self, name, limit):
        """True for the first `limit` calls with this name."""
        with self.lock:
            if self.counts[name] < limit:
                self.counts[name] += 1
                return True
            return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, *args):
        pass

    def record(self, status, body=None, key_ok=None):
        entry = {"method": self.command, "path": urllib.parse.urlsplit(self.path).path,
                 "query": urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query),
                 "body": body, "status": status, "key_ok": key_ok}
        with self.state.lock, open(self.state.options.log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def send(self, status, payload, headers=(), cut=False):
        data = payload if isinstance(payload, bytes) else json.dumps(payload, indent=2, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if cut:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data)

    def modes(self):
        """The answer a mode imposes on this request, else None."""
        options = self.state.options
        if options.expired:
            return 401, {"code": 401, "message": "Full authentication is required to access this resource"}, ()
        if self.state.take("rate", options.rate_limit):
            return 429, {"message": "rate limit"}, (("Retry-After", str(options.retry_after)),)
        if self.state.take("unavailable", options.unavailable):
            return 503, {"message": "unavailable"}, ()
        return None

    def do_POST(self):
        options = self.state.options
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        path = urllib.parse.urlsplit(self.path).path
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if path != f"/v1/workspaces/{options.workspace}/reports/detailed":
            self.record(404, body)
            return self.send(404, {"message": f"no such path {path}"})
        key_ok = self.headers.get("X-Api-Key") == options.clockify_key
        imposed = self.modes()
        if imposed:
            self.record(imposed[0], body, key_ok)
            return self.send(*imposed)
        if not key_ok:
            self.record(401, body, key_ok)
            return self.send(401, {"code": 401, "message": "Full authentication is required"})
        problem = self.clockify_problem(body)
        if problem:
            self.record(400, body, key_ok)
            return self.send(400, {"code": 400, "message": problem})
        start, end = instant(body["dateRangeStart"]), instant(body["dateRangeEnd"])
        entries = [e for e in self.state.clockify if start <= instant(e["timeInterval"]["start"]) <= end]
        page, size = body["detailedFilter"]["page"], body["detailedFilter"]["pageSize"]
        chosen = entries[(page - 1) * size: page * size]
        totals = [{"_id": "", "totalTime": sum(e["timeInterval"]["duration"] for e in entries),
                   "entriesCount": len(entries)}] if entries else self.state.totals
        self.record(200, body, key_ok)
        self.send(200, {"totals": totals, "timeentries": chosen}, cut=self.state.take("cut", options.cut))

    def clockify_problem(self, body):
        if not isinstance(body, dict):
            return "the body must be a JSON object"
        if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
            return "Content-Type must be application/json"
        for field in ("dateRangeStart", "dateRangeEnd"):
            try:
                instant(body[field])
            except (KeyError, TypeError, ValueError):
                return f"{field} must be an ISO 8601 instant"
        detailed = body.get("detailedFilter")
        if not isinstance(detailed, dict):
            return "detailedFilter is required"
        page, size = detailed.get("page"), detailed.get("pageSize")
        if not isinstance(page, int) or page < 1 or not isinstance(size, int) or not 1 <= size <= 1000:
            return "detailedFilter.page must be >= 1 and detailedFilter.pageSize between 1 and 1000"
        return None

    def do_GET(self):
        options = self.state.options
        split = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(split.query)
        if split.path != "/v2/transactions":
            self.record(404)
            return self.send(404, {"errors": [{"code": "not_found"}]})
        key_ok = self.headers.get("Authorization") == options.qonto_auth
        imposed = self.modes()
        if imposed:
            self.record(imposed[0], None, key_ok)
            return self.send(*imposed)
        if not key_ok:
            self.record(401, None, key_ok)
            return self.send(401, {"errors": [{"code": "unauthorized"}]})
        problem = self.qonto_problem(query)
        if problem:
            self.record(400, None, key_ok)
            return self.send(400, {"errors": [{"code": "invalid", "detail": problem}]})
        chosen = self.state.qonto.get(query["iban"][0], [])
        if "updated_at_from" in query:
            since = instant(query["updated_at_from"][0])
            chosen = [t for t in chosen if instant(t["updated_at"]) >= since]
        page, per = int(query["current_page"][0]), int(query["per_page"][0])
        pages = max(1, -(-len(chosen) // per))
        meta = {"current_page": page, "next_page": page + 1 if page < pages else None,
                "prev_page": page - 1 if page > 1 else None, "total_pages": pages,
                "total_count": len(chosen), "per_page": per}
        self.record(200, None, key_ok)
        self.send(200, {"transactions": chosen[(page - 1) * per: page * per], "meta": meta},
                  cut=self.state.take("cut", options.cut))

    def qonto_problem(self, query):
        if len(query.get("iban", [])) != 1 or query["iban"][0] not in self.state.qonto:
            return "iban must be one of the organization's accounts"
        if query.get("sort_by") != ["updated_at:asc"]:
            return "sort_by must be updated_at:asc"
        try:
            if int(query["current_page"][0]) < 1 or not 1 <= int(query["per_page"][0]) <= 100:
                return "current_page >= 1, per_page 1..100"
        except (KeyError, ValueError):
            return "current_page and per_page are required"
        if "updated_at_from" in query:
            try:
                instant(query["updated_at_from"][0])
            except ValueError:
                return "updated_at_from must be an ISO 8601 instant"
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--port", type=int, default=0, help="the port to bind (default: a free one)")
    parser.add_argument("--cert-dir", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--parent-pid", type=int)
    parser.add_argument("--clockify")
    parser.add_argument("--qonto")
    parser.add_argument("--workspace", default="ws-demo")
    parser.add_argument("--clockify-key", default="clockify-test-key")
    parser.add_argument("--qonto-auth", default="demo-conseil:qonto-test-secret")
    parser.add_argument("--iban", default="FR7216958000010123456789012")
    parser.add_argument("--account", action="append", default=[], metavar="IBAN=FILE",
                        help="another account and its transactions (repeatable)")
    parser.add_argument("--expired", action="store_true")
    parser.add_argument("--rate-limit", type=int, default=0)
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--unavailable", type=int, default=0)
    parser.add_argument("--cut", type=int, default=0)
    options = parser.parse_args()

    context = make_certificates(options.cert_dir)
    Handler.state = State(options)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    def watch_parent():
        while options.parent_pid:
            try:
                os.kill(options.parent_pid, 0)
            except OSError:
                os._exit(0)
            time.sleep(1)

    threading.Thread(target=watch_parent, daemon=True).start()
    temporary = options.port_file + ".tmp"
    with open(temporary, "w") as handle:
        handle.write(str(server.server_address[1]))
    os.rename(temporary, options.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
