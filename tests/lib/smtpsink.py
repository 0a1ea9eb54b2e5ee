#!/usr/bin/env python3
"""A loopback SMTP sink for the reminder tests (Debian's python3-aiosmtpd).

usage: smtpsink.py DIR

Listens on 127.0.0.1 on a free port and prints "listening PORT" once ready.
Each message it accepts is written whole to DIR/msg-NNNN.eml (renamed into
place, so a reader never sees half a file), after two lines naming the
envelope (X-Envelope-From, X-Envelope-To). While DIR/refuse holds a number
above 0, it answers DATA with a passing refusal (451) instead and counts the
number down, one line per refusal in DIR/refused.log. Stops on SIGTERM.
"""
import asyncio
import os
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.dir = directory
        self.n = 0

    def _refuse(self):
        path = os.path.join(self.dir, 'refuse')
        try:
            with open(path) as f:
                left = int(f.read().strip() or '0')
        except FileNotFoundError:
            return False
        if left <= 0:
            return False
        with open(path, 'w') as f:
            f.write(str(left - 1))
        with open(os.path.join(self.dir, 'refused.log'), 'a') as f:
            f.write('refused\n')
        return True

    async def handle_DATA(self, server, session, envelope):
        if self._refuse():
            return '451 4.3.0 Try again later'
        self.n += 1
        name = os.path.join(self.dir, 'msg-%04d.eml' % self.n)
        with open(name + '.tmp', 'wb') as f:
            f.write(('X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n' % (
                envelope.mail_from, ','.join(envelope.rcpt_tos))).encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(name + '.tmp', name)
        return '250 2.0.0 Accepted'


async def main(directory):
    loop = asyncio.get_running_loop()
    sink = Sink(directory)
    server = await loop.create_server(lambda: SMTP(sink), '127.0.0.1', 0)
    print('listening %d' % server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == '__main__':
    asyncio.run(main(sys.argv[1]))
