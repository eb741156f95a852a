/* test-dbus: the D-Bus wire protocol (shared/dbus.c): marshalling pinned
   byte for byte, messages parsed back, malformed ones refused, and a whole
   call against a fake peer on a socketpair (authentication, a signal
   queued while waiting, the reply, an error reply). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dbus.h"
#include "fd.h"
#include "tap.h"

/* a reply or signal made the way a peer would: header fields by hand */
static void field(struct dbus_msg *m, uint8_t code, const char *sig, const char *s, uint32_t u)
{
  dbus_struct_begin(m);
  dbus_put_y(m, code);
  dbus_variant_begin(m, sig);
  if (*sig == 'u')
    dbus_put_u(m, u);
  else if (*sig == 'g')
    dbus_put_g(m, s);
  else
    dbus_put_s(m, s);
}

static void peer_msg(struct dbus_msg *m, int type, uint32_t serial, uint32_t reply_to, const char *err,
                     const char *sig, const struct dbus_msg *body)
{
  dbus_msg_init(m);
  dbus_put_y(m, 'l');
  dbus_put_y(m, (uint8_t)type);
  dbus_put_y(m, 1);
  dbus_put_y(m, 1);
  dbus_put_u(m, body ? (uint32_t)body->len : 0);
  dbus_put_u(m, serial);
  size_t a = dbus_array_begin(m, 8);
  if (type == DBUS_SIGNAL) {
    field(m, 1, "o", "/org/freedesktop/systemd1", 0);
    field(m, 2, "s", "org.freedesktop.systemd1.Manager", 0);
    field(m, 3, "s", "JobRemoved", 0);
  } else {
    field(m, 5, "u", NULL, reply_to);
  }
  if (err) field(m, 4, "s", err, 0);
  if (sig && *sig) field(m, 8, "g", sig, 0);
  field(m, 7, "s", ":1.5", 0);
  dbus_array_end(m, a);
  dbus_pad(m, 8);
  for (size_t i = 0; body && i < body->len; i++) dbus_put_y(m, body->buf[i]);
}

static unsigned char *dup_buf(const struct dbus_msg *m)
{
  unsigned char *p = malloc(m->len);
  memcpy(p, m->buf, m->len);
  return p;
}

static int expect_line(int fd, const char *want)
{
  char buf[128];
  size_t n = strlen(want);
  return read_all(fd, buf, n) == (ssize_t)n && !memcmp(buf, want, n);
}

/* the fake peer: auth, then for each call a signal and a reply, the second
   call an error */
static int peer(int fd)
{
  char c;
  if (read_all(fd, &c, 1) != 1 || c || !expect_line(fd, "AUTH EXTERNAL 30\r\n")) return 2;
  if (write_all(fd, "OK 0123456789abcdef\r\n", 21) < 0 || !expect_line(fd, "BEGIN\r\n")) return 3;
  for (uint32_t call = 1; call <= 2; call++) {
    unsigned char h[16];
    if (read_all(fd, h, 16) != 16) return 4;
    uint32_t blen = h[4] | h[5] << 8, flen = h[12] | h[13] << 8;
    size_t len = (16 + flen + 7) / 8 * 8 + blen;
    unsigned char *raw = malloc(len);
    memcpy(raw, h, 16);
    if (read_all(fd, raw + 16, len - 16) != (ssize_t)(len - 16)) return 5;
    struct dbus_in in;
    if (dbus_parse(raw, len, &in) < 0 || in.serial != call) return 6;
    struct dbus_msg body, m;
    dbus_msg_init(&body);
    dbus_put_u(&body, 7);
    dbus_put_s(&body, "/org/freedesktop/systemd1/job/7");
    dbus_put_s(&body, "x.scope");
    dbus_put_s(&body, "done");
    peer_msg(&m, DBUS_SIGNAL, 100 + call, 0, NULL, "uoss", &body);
    write_all(fd, m.buf, m.len);
    dbus_msg_free(&m);
    dbus_msg_free(&body);
    dbus_msg_init(&body);
    if (call == 1) {
      dbus_put_s(&body, "/org/freedesktop/systemd1/job/7");
      peer_msg(&m, DBUS_RETURN, 200, in.serial, NULL, "o", &body);
    } else {
      dbus_put_s(&body, "Unit x.scope already exists.");
      peer_msg(&m, DBUS_ERROR, 201, in.serial, "org.freedesktop.systemd1.UnitExists", "s", &body);
    }
    write_all(fd, m.buf, m.len);
    dbus_msg_free(&m);
    dbus_msg_free(&body);
    dbus_in_free(&in);
  }
  return 0;
}

int main(void)
{
  struct dbus_msg m;
  struct dbus_it it;
  const char *s, *sig;
  uint32_t u;
  uint64_t t;

  /* "sa(sv)": "ab", [("X", <true>)] */
  static const unsigned char want[] = {2, 0, 0, 0, 'a', 'b', 0, 0,   16, 0, 0, 0, 0, 0, 0, 0,
                                       1, 0, 0, 0, 'X', 0,   1, 'b', 0,  0, 0, 0, 1, 0, 0, 0};
  dbus_msg_init(&m);
  dbus_put_s(&m, "ab");
  size_t a = dbus_array_begin(&m, 8);
  dbus_struct_begin(&m);
  dbus_put_s(&m, "X");
  dbus_variant_begin(&m, "b");
  dbus_put_b(&m, 1);
  dbus_array_end(&m, a);
  ok(m.len == sizeof want && !memcmp(m.buf, want, sizeof want), "a(sv) marshalled byte for byte");
  it = (struct dbus_it){.buf = m.buf, .len = m.len};
  sig = "sa(sv)";
  ok(dbus_skip(&it, &sig) == 0 && dbus_skip(&it, &sig) == 0 && !*sig && it.pos == m.len, "skipped as sa(sv)");
  dbus_msg_free(&m);

  /* an empty array of structs still pads to 8; u64 and au */
  dbus_msg_init(&m);
  dbus_put_y(&m, 1);
  a = dbus_array_begin(&m, 8);
  dbus_array_end(&m, a);
  dbus_put_t(&m, 0x0102030405060708ull);
  a = dbus_array_begin(&m, 4);
  dbus_put_u(&m, 42);
  dbus_array_end(&m, a);
  ok(m.len == 24 && m.buf[4] == 0 && m.buf[8] == 8 && m.buf[15] == 1 && m.buf[16] == 4 && m.buf[20] == 42,
     "empty array padded, t little-endian, au");
  it = (struct dbus_it){.buf = m.buf, .len = m.len};
  sig = "ya(sv)tau";
  int okskip = 1;
  while (*sig && okskip) okskip = dbus_skip(&it, &sig) == 0;
  ok(okskip && it.pos == m.len, "skipped as ya(sv)tau");
  it = (struct dbus_it){.buf = m.buf, .len = m.len, .pos = 8};
  ok(dbus_get_t(&it, &t) == 0 && t == 0x0102030405060708ull, "t read back");
  dbus_msg_free(&m);

  /* a whole call, parsed back */
  struct dbus_msg body, call;
  struct dbus_in in;
  dbus_msg_init(&body);
  dbus_put_s(&body, "runc-x.scope");
  dbus_put_s(&body, "fail");
  ok(dbus_build_call(&call, 9, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                     "org.freedesktop.systemd1.Manager", "StopUnit", "ss", &body) == 0 &&
         (call.len - body.len) % 8 == 0 && call.buf[0] == 'l' && call.buf[1] == DBUS_CALL,
     "call built");
  ok(dbus_parse(dup_buf(&call), call.len, &in) == 0 && in.serial == 9 &&
         !strcmp(in.path, "/org/freedesktop/systemd1") && !strcmp(in.member, "StopUnit") &&
         !strcmp(in.iface, "org.freedesktop.systemd1.Manager") && !strcmp(in.sig, "ss"),
     "call parsed back");
  it = dbus_body(&in);
  ok(dbus_get_s(&it, &s) == 0 && !strcmp(s, "runc-x.scope") && dbus_get_s(&it, &s) == 0 &&
         !strcmp(s, "fail") && it.pos == it.len,
     "body read back");
  dbus_in_free(&in);

  /* malformed: truncated, a string without its NUL, non-zero padding */
  ok(dbus_parse(dup_buf(&call), call.len - 1, &in) < 0, "truncated message refused");
  unsigned char *bad = dup_buf(&call);
  bad[call.len - 1] = 'x';
  ok(dbus_parse(bad, call.len, &in) == 0, "parse does not read the body");
  it = dbus_body(&in);
  ok(dbus_get_s(&it, &s) == 0 && dbus_get_s(&it, &s) < 0, "string without NUL refused");
  dbus_in_free(&in);
  bad = dup_buf(&call);
  bad[0] = 'x';
  ok(dbus_parse(bad, call.len, &in) < 0, "bad endianness byte refused");
  static const unsigned char pad[] = {2, 0, 0, 0, 'a', 'b', 0, 1, 0, 0, 0, 0};
  it = (struct dbus_it){.buf = pad, .len = sizeof pad};
  ok(dbus_get_s(&it, &s) == 0 && dbus_get_u(&it, &u) < 0, "non-zero padding refused");
  static const unsigned char arr[] = {0xff, 0xff, 0, 0, 1, 0, 0, 0};
  it = (struct dbus_it){.buf = arr, .len = sizeof arr};
  sig = "au";
  ok(dbus_skip(&it, &sig) < 0, "array longer than the data refused");
  dbus_msg_free(&call);
  dbus_msg_free(&body);

  /* big-endian data */
  static const unsigned char be[] = {0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2};
  it = (struct dbus_it){.buf = be, .len = sizeof be, .swap = 1};
  ok(dbus_get_u(&it, &u) == 0 && u == 5 && dbus_get_t(&it, &t) == 0 && t == 0x102, "big-endian read");

  /* against a fake peer */
  int sv[2];
  signal(SIGPIPE, SIG_IGN);
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    _exit(peer(sv[1]));
  }
  close(sv[1]);
  struct dbus b;
  ok(dbus_start(&b, sv[0], 0) == 0, "authenticated");
  dbus_msg_init(&body);
  dbus_put_s(&body, "x.scope");
  ok(dbus_call(&b, NULL, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "StartUnit", "s",
               &body, &in) == 0 &&
         in.type == DBUS_RETURN && !strcmp(in.sig, "o"),
     "call answered");
  it = dbus_body(&in);
  ok(dbus_get_s(&it, &s) == 0 && !strcmp(s, "/org/freedesktop/systemd1/job/7"), "reply body");
  dbus_in_free(&in);
  ok(b.nq == 1 && !strcmp(b.q[0].member, "JobRemoved"), "signal queued while waiting");
  ok(dbus_call(&b, NULL, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "StartUnit", "s",
               &body, &in) < 0 &&
         !strcmp(b.err, "org.freedesktop.systemd1.UnitExists: Unit x.scope already exists."),
     "error reply: name and text");
  ok(dbus_recv(&b, &in) == 0 && in.type == DBUS_SIGNAL && in.serial == 101, "first queued signal");
  dbus_in_free(&in);
  ok(dbus_recv(&b, &in) == 0 && in.serial == 102, "second queued signal");
  dbus_in_free(&in);
  b.timeout_ms = 200;
  ok(dbus_recv(&b, &in) < 0 && strstr(b.err, "closed"), "peer gone: said so");
  dbus_close(&b);
  dbus_msg_free(&body);
  int st;
  ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the peer saw what it expected");
  return done();
}
