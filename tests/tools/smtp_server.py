#!/usr/bin/env python3
"""A scriptable SMTP server for Factoría's tests (aiosmtpd).

  smtp_server.py PORT OUTDIR [SCRIPT] [--delay SECONDS]

SCRIPT is a comma-separated list of answers to successive DATA commands: a reply code
(250, 421, 451, 550…) or `stall` (never answer). When the list runs out every message is
accepted. Accepted messages are written to OUTDIR as 0001.eml, 0002.eml… (raw bytes as
received). Every attempt is logged to OUTDIR/attempts.log as `n code`.
"""
import asyncio, os, sys
from aiosmtpd.controller import Controller

REPLIES = {"250": "250 OK", "421": "421 4.3.2 Service not available, try later", "451": "451 4.3.0 Temporary failure",
           "452": "452 4.3.1 Insufficient storage", "550": "550 5.1.1 Mailbox unavailable", "554": "554 5.7.1 Rejected"}


class Handler:
    def __init__(self, outdir, script, delay):
        self.outdir, self.script, self.delay = outdir, script, delay
        self.attempt = 0
        self.saved = 0

    async def handle_DATA(self, server, session, envelope):
        self.attempt += 1
        action = self.script[self.attempt - 1] if self.attempt <= len(self.script) else "250"
        with open(os.path.join(self.outdir, "attempts.log"), "a") as log:
            log.write(f"{self.attempt} {action}\n")
        if self.delay:
            await asyncio.sleep(self.delay)
        if action == "stall":
            await asyncio.sleep(3600)
        if action != "250":
            return REPLIES.get(action, f"{action} scripted failure")
        self.saved += 1
        path = os.path.join(self.outdir, f"{self.saved:04d}.eml")
        with open(path + ".tmp", "wb") as out:
            out.write(envelope.original_content or envelope.content)
        os.replace(path + ".tmp", path)
        return "250 OK"


def main():
    port, outdir = int(sys.argv[1]), sys.argv[2]
    rest = sys.argv[3:]
    delay = 0.0
    if "--delay" in rest:
        i = rest.index("--delay")
        delay = float(rest[i + 1])
        del rest[i:i + 2]
    script = [s for s in (rest[0].split(",") if rest else []) if s]
    os.makedirs(outdir, exist_ok=True)
    controller = Controller(Handler(outdir, script, delay), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
