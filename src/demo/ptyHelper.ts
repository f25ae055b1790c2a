/**
 * A terminal for interactive shells in the demo containers. Node has no PTY without native
 * modules, so the agent runs this small Python program: it forks the shell on a new PTY, copies
 * bytes between the PTY and its stdin/stdout, and takes control lines on fd 3: `resize ROWS COLS`
 * (TIOCSWINSZ, so the kernel sends SIGWINCH to the foreground job), `signal N` (to the foreground
 * job and the shell's process group) and `hangup` (what closing the terminal does). It exits the
 * way the shell did: the same code, or killed by the same signal.
 *
 * Usage: python3 -c PTY_HELPER ROWS COLS PROGRAM [ARGS...]
 */
export const PTY_HELPER = String.raw`
import os, pty, sys, select, struct, fcntl, termios, signal, time
rows, cols, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except Exception as e:
        sys.stderr.write('%s: %s\r\n' % (argv[0], e))
        os._exit(127)
def winsz(r, c):
    try: fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', r, c, 0, 0))
    except OSError: pass
def kill(sig):
    groups = set()
    try: groups.add(os.tcgetpgrp(fd))
    except OSError: pass
    groups.add(pid)
    for g in groups:
        try: os.killpg(g, sig)
        except OSError: pass
winsz(rows, cols)
fds, buf, status, hung = [0, fd, 3], b'', None, None
while True:
    try:
        ready = select.select(fds, [], [], 0.2)[0]
    except InterruptedError:
        continue
    if fd in ready:
        try: data = os.read(fd, 65536)
        except OSError: data = b''
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data: os.write(fd, data)
        else: fds.remove(0)
    if 3 in ready:
        data = os.read(3, 4096)
        if not data: fds.remove(3)
        buf += data
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            parts = line.decode().split()
            if not parts: continue
            if parts[0] == 'resize': winsz(int(parts[1]), int(parts[2]))
            elif parts[0] == 'signal': kill(int(parts[1]))
            elif parts[0] == 'hangup':
                kill(signal.SIGHUP); kill(signal.SIGCONT); hung = time.time()
    if status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done: status = st
    if status is not None and fd not in ready:
        break
    if hung and time.time() - hung > 2:
        kill(signal.SIGKILL)
if status is None:
    status = os.waitpid(pid, 0)[1]
if os.WIFSIGNALED(status):
    sig = os.WTERMSIG(status)
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
`;
