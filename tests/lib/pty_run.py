#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts, as a person
at a terminal would (tests/api/client_terminal.test.mjs).

    pty_run.py STEPS_JSON -- COMMAND [ARG...]

STEPS_JSON is a file holding a list of [pattern, answer] pairs: for each in
turn, wait until the output since the previous answer matches the regular
expression pattern (Python's re, DOTALL), then type answer. An answer of
{"last_group_of": pattern} types the last group of the first match of that
pattern's group 1 in everything seen so far (the recovery code). After the
last step the command runs to its end. Prints one JSON object on standard
output: {"status": exit status, "transcript": everything the terminal
showed, including what the terminal echoed of the typing, "timed_out": bool}.
Each step waits at most 120 s (a loaded machine is slow); a step that times
out ends the run with the command killed."""
import json
import os
import pty
import re
import select
import signal
import sys
import time

STEP_SECONDS = 120


def main():
    steps = json.load(open(sys.argv[1]))
    cmd = sys.argv[sys.argv.index('--') + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen = b''
    mark = 0
    timed_out = False

    def read_some(deadline):
        nonlocal seen
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            return False
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the other side closed
            return None
        if not data:
            return None
        seen += data
        return True

    for pattern, answer in steps:
        deadline = time.monotonic() + STEP_SECONDS
        rx = re.compile(pattern.encode(), re.DOTALL)
        m = None
        while True:
            m = rx.search(seen, mark)
            if m:
                break
            got = read_some(deadline)
            if not got:
                timed_out = got is False
                break
        if not m:
            break
        mark = m.end()
        if isinstance(answer, dict):
            code = re.search(answer['last_group_of'].encode(), seen).group(1).decode()
            answer = code.split('-')[-1] + '\n'
        os.write(fd, answer.encode())
    deadline = time.monotonic() + STEP_SECONDS
    while not timed_out:
        got = read_some(deadline)
        if got is None:
            break
        timed_out = got is False
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, st = os.waitpid(pid, 0)
    status = os.waitstatus_to_exitcode(st)
    print(json.dumps({'status': status, 'transcript': seen.decode('utf-8', 'replace'),
                      'timed_out': timed_out}))


main()
