/* dbus.c: the D-Bus wire protocol, as the specification's "Message
   Protocol" section describes it: a 16-byte fixed header, the header
   fields as a(yv), padding to 8, the body; every value aligned to its
   size from the start of the message (the body starts on 8, so a body
   marshalled alone aligns the same). Authentication is the line protocol
   before BEGIN. */
#include "dbus.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fd.h"

/* ---- marshalling ---------------------------------------------------------- */

void dbus_msg_init(struct dbus_msg *m) { memset(m, 0, sizeof *m); }

void dbus_msg_free(struct dbus_msg *m)
{
  free(m->buf);
  dbus_msg_init(m);
}

static void put(struct dbus_msg *m, const void *p, size_t n)
{
  if (m->oom || !n) return;
  if (m->len + n > m->cap) {
    size_t cap = m->cap ? m->cap : 256;
    while (cap < m->len + n) cap *= 2;
    unsigned char *b = realloc(m->buf, cap);
    if (!b) {
      m->oom = 1;
      return;
    }
    m->buf = b, m->cap = cap;
  }
  if (p)
    memcpy(m->buf + m->len, p, n);
  else
    memset(m->buf + m->len, 0, n);
  m->len += n;
}

void dbus_pad(struct dbus_msg *m, size_t align)
{
  size_t n = (align - m->len % align) % align;
  put(m, NULL, n);
}

void dbus_put_y(struct dbus_msg *m, uint8_t v) { put(m, &v, 1); }
void dbus_put_b(struct dbus_msg *m, int v) { dbus_put_u(m, v ? 1 : 0); }

/* little-endian, whatever the host */
void dbus_put_u(struct dbus_msg *m, uint32_t v)
{
  unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
  dbus_pad(m, 4);
  put(m, b, 4);
}

void dbus_put_t(struct dbus_msg *m, uint64_t v)
{
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = (v >> (8 * i)) & 0xff;
  dbus_pad(m, 8);
  put(m, b, 8);
}

void dbus_put_s(struct dbus_msg *m, const char *s)
{
  size_t n = strlen(s);
  dbus_put_u(m, (uint32_t)n);
  put(m, s, n + 1);
}

void dbus_put_g(struct dbus_msg *m, const char *sig)
{
  size_t n = strlen(sig);
  dbus_put_y(m, (uint8_t)n);
  put(m, sig, n + 1);
}

size_t dbus_array_begin(struct dbus_msg *m, size_t elem_align)
{
  dbus_put_u(m, 0); /* the length, filled in by dbus_array_end */
  size_t at = m->len - 4;
  dbus_pad(m, elem_align); /* present even when the array is empty */
  return at | (elem_align == 8 ? (size_t)1 << 62 : 0);
}

void dbus_array_end(struct dbus_msg *m, size_t token)
{
  size_t at = token & ~((size_t)1 << 62), start = at + 4;
  if (token >> 62) start = (start + 7) & ~(size_t)7;
  if (m->oom || start > m->len) return;
  uint32_t n = (uint32_t)(m->len - start);
  unsigned char b[4] = {n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >> 24};
  memcpy(m->buf + at, b, 4);
}

/* ---- unmarshalling -------------------------------------------------------- */

static int align_to(struct dbus_it *it, size_t a)
{
  size_t p = (it->pos + a - 1) / a * a;
  if (p > it->len) return -1;
  for (; it->pos < p; it->pos++)
    if (it->buf[it->pos]) return -1; /* padding must be zero */
  return 0;
}

int dbus_get_y(struct dbus_it *it, uint8_t *v)
{
  if (it->pos + 1 > it->len) return -1;
  *v = it->buf[it->pos++];
  return 0;
}

int dbus_get_u(struct dbus_it *it, uint32_t *v)
{
  if (align_to(it, 4) < 0 || it->pos + 4 > it->len) return -1;
  const unsigned char *b = it->buf + it->pos;
  *v = it->swap ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
                : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
  it->pos += 4;
  return 0;
}

int dbus_get_t(struct dbus_it *it, uint64_t *v)
{
  if (align_to(it, 8) < 0 || it->pos + 8 > it->len) return -1;
  *v = 0;
  for (int i = 0; i < 8; i++) *v |= (uint64_t)it->buf[it->pos + (it->swap ? 7 - i : i)] << (8 * i);
  it->pos += 8;
  return 0;
}

static int get_str(struct dbus_it *it, const char **s, size_t n)
{
  if (n >= it->len - it->pos || it->buf[it->pos + n] || memchr(it->buf + it->pos, 0, n)) return -1;
  *s = (const char *)it->buf + it->pos;
  it->pos += n + 1;
  return 0;
}

int dbus_get_s(struct dbus_it *it, const char **s)
{
  uint32_t n;
  if (dbus_get_u(it, &n) < 0 || it->pos > it->len) return -1;
  return get_str(it, s, n);
}

int dbus_get_g(struct dbus_it *it, const char **s)
{
  uint8_t n;
  if (dbus_get_y(it, &n) < 0) return -1;
  return get_str(it, s, n);
}

static size_t sig_align(char c)
{
  switch (c) {
    case 'y':
    case 'g':
    case 'v': return 1;
    case 'n':
    case 'q': return 2;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{': return 8;
    default: return 4; /* b i u h s o a */
  }
}

/* Advance past one complete type in a signature. */
static int skip_sig(const char **sig, int depth)
{
  char c = *(*sig)++;
  if (depth > 64 || !c) return -1;
  if (strchr("ynqbiuxtdhsogv", c)) return 0;
  if (c == 'a') return skip_sig(sig, depth + 1);
  if (c != '(' && c != '{') return -1;
  char close = c == '(' ? ')' : '}';
  while (**sig && **sig != close)
    if (skip_sig(sig, depth + 1) < 0) return -1;
  if (!**sig) return -1;
  (*sig)++;
  return 0;
}

/* depth bounds nesting, as the specification does (32 levels of each) */
static int skip(struct dbus_it *it, const char **sig, int depth)
{
  char c = **sig;
  const char *s;
  uint32_t u;
  uint8_t y;
  uint64_t t;
  if (depth > 64) return -1;
  (*sig)++;
  switch (c) {
    case 'y': return dbus_get_y(it, &y);
    case 'n':
    case 'q':
      if (align_to(it, 2) < 0 || it->pos + 2 > it->len) return -1;
      it->pos += 2;
      return 0;
    case 'b':
    case 'i':
    case 'u':
    case 'h': return dbus_get_u(it, &u);
    case 'x':
    case 't':
    case 'd': return dbus_get_t(it, &t);
    case 's':
    case 'o': return dbus_get_s(it, &s);
    case 'g': return dbus_get_g(it, &s);
    case 'v': {
      const char *vs;
      if (dbus_get_g(it, &vs) < 0 || skip(it, &vs, depth + 1) < 0 || *vs) return -1;
      return 0;
    }
    case 'a': {
      const char *elem = *sig, *end;
      if (dbus_get_u(it, &u) < 0 || align_to(it, sig_align(*elem)) < 0 || u > it->len - it->pos) return -1;
      size_t stop = it->pos + u;
      struct dbus_it sub = *it;
      sub.len = stop;
      /* the end of the element type, even for an empty array */
      end = elem;
      if (skip_sig(&end, depth + 1) < 0) return -1;
      while (sub.pos < stop) {
        const char *e = elem;
        if (skip(&sub, &e, depth + 1) < 0) return -1;
      }
      it->pos = stop;
      *sig = end;
      return 0;
    }
    case '(':
    case '{':
      if (align_to(it, 8) < 0) return -1;
      while (**sig && **sig != ')' && **sig != '}')
        if (skip(it, sig, depth + 1) < 0) return -1;
      if (!**sig) return -1;
      (*sig)++;
      return 0;
    default: return -1;
  }
}

int dbus_skip(struct dbus_it *it, const char **sig) { return skip(it, sig, 0); }

/* ---- messages ------------------------------------------------------------- */

void dbus_in_free(struct dbus_in *in)
{
  free(in->raw);
  memset(in, 0, sizeof *in);
}

struct dbus_it dbus_body(const struct dbus_in *in)
{
  /* alignment counts from the start of the message: keep the whole buffer */
  return (struct dbus_it){.buf = in->raw, .len = in->len, .pos = in->body, .swap = in->swap};
}

/* The fixed header: endianness, type, flags, version, body length, serial,
   then the length of the header field array. 0, or -1 when it is not one. */
static int fixed_header(const unsigned char *h, int *swap, uint32_t *blen, uint32_t *flen)
{
  struct dbus_it it = {.buf = h, .len = 16, .pos = 4};
  uint32_t serial;
  if ((h[0] != 'l' && h[0] != 'B') || h[3] != 1) return -1;
  it.swap = *swap = h[0] == 'B';
  if (dbus_get_u(&it, blen) < 0 || dbus_get_u(&it, &serial) < 0 || dbus_get_u(&it, flen) < 0) return -1;
  /* the specification's limits: 128 MiB a message */
  if (*blen > (1u << 27) || *flen > (1u << 26) || !serial) return -1;
  return 0;
}

static size_t whole_len(uint32_t blen, uint32_t flen) { return (16 + (size_t)flen + 7) / 8 * 8 + blen; }

int dbus_parse(unsigned char *raw, size_t len, struct dbus_in *in)
{
  uint32_t blen, flen;
  memset(in, 0, sizeof *in);
  in->raw = raw, in->len = len;
  if (len < 16 || fixed_header(raw, &in->swap, &blen, &flen) < 0 || whole_len(blen, flen) != len) goto bad;
  in->type = raw[1];
  struct dbus_it it = {.buf = raw, .len = 16 + flen, .pos = 8, .swap = in->swap};
  if (dbus_get_u(&it, &in->serial) < 0) goto bad;
  it.pos = 16;
  while (it.pos < it.len) {
    uint8_t code;
    const char *vsig, *s;
    if (align_to(&it, 8) < 0 || dbus_get_y(&it, &code) < 0 || dbus_get_g(&it, &vsig) < 0) goto bad;
    const char *want = code == 1                                                       ? "o"
                       : code == 2 || code == 3 || code == 4 || code == 6 || code == 7 ? "s"
                       : code == 5 || code == 9                                        ? "u"
                       : code == 8                                                     ? "g"
                                                                                       : NULL;
    if (!want) { /* unknown fields are skipped, as the specification says */
      if (skip(&it, &vsig, 1) < 0 || *vsig) goto bad;
      continue;
    }
    if (strcmp(vsig, want)) goto bad;
    if (*want == 'u') {
      uint32_t u;
      if (dbus_get_u(&it, &u) < 0) goto bad;
      if (code == 5) in->reply_serial = u;
      continue;
    }
    if ((*want == 'g' ? dbus_get_g(&it, &s) : dbus_get_s(&it, &s)) < 0) goto bad;
    switch (code) {
      case 1: in->path = s; break;
      case 2: in->iface = s; break;
      case 3: in->member = s; break;
      case 4: in->error = s; break;
      case 8: in->sig = s; break;
      default: break;
    }
  }
  in->body = (16 + (size_t)flen + 7) / 8 * 8;
  for (size_t i = 16 + flen; i < in->body; i++)
    if (raw[i]) goto bad;
  if (!in->sig) in->sig = "";
  if (in->type < DBUS_CALL || in->type > DBUS_SIGNAL || (in->type == DBUS_ERROR && !in->error) ||
      ((in->type == DBUS_RETURN || in->type == DBUS_ERROR) && !in->reply_serial) ||
      (in->type == DBUS_SIGNAL && (!in->member || !in->iface || !in->path)))
    goto bad;
  return 0;
bad:
  in->raw = NULL;
  free(raw);
  return -1;
}

static void header_field(struct dbus_msg *m, uint8_t code, const char *sig, const char *val)
{
  dbus_struct_begin(m);
  dbus_put_y(m, code);
  dbus_variant_begin(m, sig);
  if (*sig == 'g')
    dbus_put_g(m, val);
  else
    dbus_put_s(m, val);
}

int dbus_build_call(struct dbus_msg *out, uint32_t serial, const char *dest, const char *path,
                    const char *iface, const char *member, const char *sig, const struct dbus_msg *body)
{
  size_t blen = body ? body->len : 0;
  dbus_msg_init(out);
  if ((body && body->oom) || blen > (1u << 27)) return -1;
  dbus_put_y(out, 'l');
  dbus_put_y(out, DBUS_CALL);
  dbus_put_y(out, 0); /* flags: a reply is wanted */
  dbus_put_y(out, 1); /* protocol version */
  dbus_put_u(out, (uint32_t)blen);
  dbus_put_u(out, serial);
  size_t a = dbus_array_begin(out, 8);
  header_field(out, 1, "o", path);
  if (iface) header_field(out, 2, "s", iface);
  header_field(out, 3, "s", member);
  if (dest) header_field(out, 6, "s", dest);
  if (sig && *sig) header_field(out, 8, "g", sig);
  dbus_array_end(out, a);
  dbus_pad(out, 8);
  if (blen) put(out, body->buf, blen);
  return out->oom ? -1 : 0;
}

/* ---- the connection ------------------------------------------------------- */

static int fail(struct dbus *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct dbus *b, const char *fmt, ...)
{
  va_list ap;
  int e = errno;
  va_start(ap, fmt);
  vsnprintf(b->err, sizeof b->err, fmt, ap);
  va_end(ap);
  errno = e;
  return -1;
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly n bytes before the deadline. */
static int read_n(struct dbus *b, void *buf, size_t n, long long deadline)
{
  size_t got = 0;
  while (got < n) {
    long long left = deadline - now_ms();
    struct pollfd p = {.fd = b->fd, .events = POLLIN};
    if (left <= 0) return fail(b, "no answer within %d ms", b->timeout_ms);
    int r = poll(&p, 1, (int)left);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(b, "poll: %s", strerror(errno));
    if (!r) continue;
    ssize_t k = read(b->fd, (char *)buf + got, n - got);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (k < 0) return fail(b, "read: %s", strerror(errno));
    if (!k) return fail(b, "connection closed by the peer");
    got += (size_t)k;
  }
  return 0;
}

static int send_all(struct dbus *b, const void *p, size_t n)
{
  if (write_all(b->fd, p, n) < 0) return fail(b, "write: %s", strerror(errno));
  return 0;
}

/* One line of the authentication protocol, without its CR LF. */
static int auth_line(struct dbus *b, char *line, size_t size, long long deadline)
{
  size_t n = 0;
  for (;;) {
    char c;
    if (read_n(b, &c, 1, deadline) < 0) return -1;
    if (n + 1 >= size) return fail(b, "authentication: line too long");
    line[n++] = c;
    if (n >= 2 && line[n - 2] == '\r' && c == '\n') break;
  }
  line[n - 2] = 0;
  return 0;
}

int dbus_start(struct dbus *b, int fd, int hello)
{
  char cmd[64], line[512];
  memset(b, 0, sizeof *b);
  b->fd = fd;
  b->timeout_ms = 30000;
  /* a NUL byte, then EXTERNAL with our uid in hex-encoded decimal */
  int n = snprintf(cmd, sizeof cmd, "%u", (unsigned)geteuid()), k = 0;
  char hex[32];
  for (int i = 0; i < n; i++) k += snprintf(hex + k, sizeof hex - (size_t)k, "%02x", (unsigned char)cmd[i]);
  n = snprintf(cmd, sizeof cmd, "%cAUTH EXTERNAL %s\r\n", 0, hex);
  if (send_all(b, cmd, (size_t)n) < 0 || auth_line(b, line, sizeof line, now_ms() + b->timeout_ms) < 0)
    return -1;
  if (strncmp(line, "OK ", 3)) return fail(b, "authentication refused: %s", line);
  if (send_all(b, "BEGIN\r\n", 7) < 0) return -1;
  if (hello) {
    struct dbus_in r;
    if (dbus_call(b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", "",
                  NULL, &r) < 0)
      return -1;
    dbus_in_free(&r);
  }
  return 0;
}

int dbus_connect(struct dbus *b, const char *path, int hello)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  memset(b, 0, sizeof *b);
  b->fd = -1;
  if (strlen(path) >= sizeof sa.sun_path) return fail(b, "connect %s: path too long", path);
  strcpy(sa.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(b, "socket: %s", strerror(errno));
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    fail(b, "connect %s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  if (dbus_start(b, fd, hello) < 0) {
    char e[sizeof b->err];
    memcpy(e, b->err, sizeof e);
    dbus_close(b);
    snprintf(b->err, sizeof b->err, "%.100s: %.400s", path, e);
    return -1;
  }
  return 0;
}

void dbus_close(struct dbus *b)
{
  if (b->fd >= 0) close(b->fd);
  b->fd = -1;
  for (size_t i = 0; i < b->nq; i++) dbus_in_free(&b->q[i]);
  b->nq = 0;
}

/* Read one message off the socket. */
static int read_msg(struct dbus *b, struct dbus_in *in, long long deadline)
{
  unsigned char h[16];
  uint32_t blen, flen;
  int swap;
  if (read_n(b, h, 16, deadline) < 0) return -1;
  if (fixed_header(h, &swap, &blen, &flen) < 0) return fail(b, "malformed message header");
  size_t len = whole_len(blen, flen);
  unsigned char *raw = malloc(len);
  if (!raw) return fail(b, "out of memory");
  memcpy(raw, h, 16);
  if (read_n(b, raw + 16, len - 16, deadline) < 0) {
    free(raw);
    return -1;
  }
  if (dbus_parse(raw, len, in) < 0) return fail(b, "malformed message");
  return 0;
}

int dbus_recv(struct dbus *b, struct dbus_in *in)
{
  if (b->nq) {
    *in = b->q[0];
    memmove(b->q, b->q + 1, --b->nq * sizeof *b->q);
    return 0;
  }
  return read_msg(b, in, now_ms() + b->timeout_ms);
}

int dbus_call(struct dbus *b, const char *dest, const char *path, const char *iface, const char *member,
              const char *sig, const struct dbus_msg *body, struct dbus_in *reply)
{
  struct dbus_msg m;
  uint32_t serial = ++b->serial;
  long long deadline = now_ms() + b->timeout_ms;
  if (dbus_build_call(&m, serial, dest, path, iface, member, sig, body) < 0) {
    dbus_msg_free(&m);
    return fail(b, "%s: out of memory", member);
  }
  int r = send_all(b, m.buf, m.len);
  dbus_msg_free(&m);
  if (r < 0) return -1;
  for (;;) {
    struct dbus_in in;
    if (read_msg(b, &in, deadline) < 0) return -1;
    if ((in.type == DBUS_RETURN || in.type == DBUS_ERROR) && in.reply_serial == serial) {
      if (in.type == DBUS_ERROR) {
        struct dbus_it it = dbus_body(&in);
        const char *text = "";
        if (*in.sig == 's' && dbus_get_s(&it, &text) < 0) text = "";
        fail(b, "%s: %s", in.error, text);
        dbus_in_free(&in);
        return -1;
      }
      *reply = in;
      return 0;
    }
    if (in.type == DBUS_SIGNAL && b->nq < DBUS_QUEUE)
      b->q[b->nq++] = in;
    else
      dbus_in_free(&in); /* a call to us, or a reply to nothing we wait for */
  }
}
