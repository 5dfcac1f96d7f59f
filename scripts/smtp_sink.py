#!/usr/bin/python3
"""A real SMTP server on loopback for facturation's tests (Debian's python3-aiosmtpd).

Binds 127.0.0.1 on a free port (or --port, for scripts/demo) and writes the port to --port-file once it listens. Each accepted
message is written to --maildir as <n>.eml (the bytes exactly as received, dot-stuffing undone)
with its envelope beside it in <n>.envelope.json (mail_from, rcpt_tos, auth_user).

  --tls starttls|implicit|none   STARTTLS (required before MAIL), TLS from the first byte, or plain
  --cert-dir DIR                 where the throwaway CA (ca.pem) and server certificate are made
  --user U --password P          require AUTH PLAIN/LOGIN with these credentials
  --fail-data N [--fail-code C]  answer C (451) to the first N DATA, then 250
  --fail-rcpt N                  answer 451 to the first N RCPT, then 250
  --reject-rcpt ADDR             answer 550 to RCPT TO:<ADDR> (repeatable)
  --reject-sender ADDR           answer 553 to MAIL FROM:<ADDR>
  --cert-host NAME               the server certificate names only NAME (default: localhost, 127.0.0.1)
  --cut-after-data N             the first N messages are stored, then the connection is closed
                                 before the reply (the window where the client cannot know)
  --silent                       accept connections and never say anything

Run it with the system python3 (/usr/bin/python3), where Debian installs aiosmtpd. It exits on
SIGTERM or SIGINT, and by itself when the process given by --parent-pid is gone.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import subprocess
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def make_certificates(folder, names):
    """A throwaway CA and a server certificate for `names` (subjectAltName entries) signed by it."""
    os.makedirs(folder, exist_ok=True)
    ca_key, ca_pem = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.pem")
    key, csr, pem = (os.path.join(folder, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(folder, "server.ext")

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # P-256 keys: generated in milliseconds (RSA keys took seconds on a loaded machine).
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *curve, "-keyout", ca_key, "-out", ca_pem, "-days", "2", "-subj", "/CN=facturation test CA")
    openssl("req", *curve, "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    with open(ext, "w") as handle:
        handle.write(f"subjectAltName={names}\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial",
            "-out", pem, "-days", "2", "-extfile", ext)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pem, key)
    return context


class Handler:
    def __init__(self, options):
        self.options = options
        self.count = 0
        self.data_seen = 0
        self.rcpt_seen = 0
        self.cut = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.options.reject_sender and address.lower() == self.options.reject_sender.lower():
            return f"553 5.7.1 <{address}>: Sender address rejected: not owned by user"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_seen += 1
        if self.rcpt_seen <= self.options.fail_rcpt:
            return "451 4.3.0 Try again later (scripted)"
        if address.lower() in (a.lower() for a in self.options.reject_rcpt):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        self.data_seen += 1
        if self.data_seen <= self.options.fail_data:
            return f"{self.options.fail_code} 4.3.0 Temporary failure, try again later (scripted)"
        self.count += 1
        number = self.count
        self.store(number, session, envelope)
        if self.cut < self.options.cut_after_data:
            self.cut += 1
            server.transport.abort()
            return "250 2.0.0 never delivered: the connection is closed"
        return f"250 2.0.0 Ok: queued as TEST{number:04X}"

    def store(self, number, session, envelope):
        base = os.path.join(self.options.maildir, f"{number}")
        user = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        side = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "auth_user": user}
        for suffix, content in ((".envelope.json", json.dumps(side).encode()), (".eml", envelope.original_content)):
            with open(base + suffix + ".tmp", "wb") as handle:
                handle.write(content)
            os.rename(base + suffix + ".tmp", base + suffix)


def authenticator_for(options):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == options.user
              and auth_data.password.decode() == options.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticate


def write_port(path, port):
    with open(path + ".tmp", "w") as handle:
        handle.write(f"{port}\n")
    os.rename(path + ".tmp", path)


async def watch_parent(parent):
    """Stops when the test process is gone (even killed), so no sink outlives its tests."""
    while os.getppid() == parent:
        await asyncio.sleep(0.5)
    asyncio.get_running_loop().stop()


def serve(options):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    if options.silent:
        listener = socket.socket()
        listener.bind(("127.0.0.1", options.port))
        listener.listen(16)  # the kernel completes the handshakes; nobody ever reads or writes
        port = listener.getsockname()[1]
    else:
        names = f"DNS:{options.cert_host}" if options.cert_host else "DNS:localhost,IP:127.0.0.1"
        context = make_certificates(options.cert_dir, names) if options.tls != "none" else None
        handler = Handler(options)
        auth = options.user is not None

        def factory():
            return SMTP(handler, hostname="sink.test", ident="facturation test sink",
                        tls_context=context if options.tls == "starttls" else None,
                        require_starttls=options.tls == "starttls",
                        authenticator=authenticator_for(options) if auth else None, auth_required=auth,
                        auth_require_tls=options.tls == "starttls", timeout=30)

        server = loop.run_until_complete(loop.create_server(
            factory, host="127.0.0.1", port=options.port, ssl=context if options.tls == "implicit" else None))
        port = server.sockets[0].getsockname()[1]
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, loop.stop)
    if options.parent_pid:
        loop.create_task(watch_parent(options.parent_pid))
    write_port(options.port_file, port)
    loop.run_forever()


def main():
    # A process started from a thread that blocks signals (Swift's Foundation.Process from a
    # libdispatch worker) inherits that mask: SIGTERM would never arrive. The tests start it with
    # none blocked (Tests/TestSupport/ChildProcess.swift); by hand from another program, maybe not.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--port", type=int, default=0, help="a fixed port (default: a free one)")
    parser.add_argument("--tls", choices=["starttls", "implicit", "none"], default="none")
    parser.add_argument("--cert-dir")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--fail-data", type=int, default=0)
    parser.add_argument("--fail-code", type=int, default=451)
    parser.add_argument("--fail-rcpt", type=int, default=0)
    parser.add_argument("--reject-rcpt", action="append", default=[])
    parser.add_argument("--reject-sender")
    parser.add_argument("--cert-host")
    parser.add_argument("--cut-after-data", type=int, default=0)
    parser.add_argument("--silent", action="store_true")
    parser.add_argument("--parent-pid", type=int, help="exit when this process (the tests) is gone")
    options = parser.parse_args()
    if options.tls != "none" and not options.cert_dir:
        parser.error("--tls starttls/implicit needs --cert-dir")
    if (options.user is None) != (options.password is None):
        parser.error("--user and --password go together")
    os.makedirs(options.maildir, exist_ok=True)
    serve(options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
