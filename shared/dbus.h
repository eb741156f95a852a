/* dbus.h: a minimal D-Bus client: the wire protocol over a unix socket,
   AUTH EXTERNAL, method calls and their replies, signals. Enough to talk
   to systemd (its private socket or the system bus); no library, so that
   the static stages can use it. Messages are sent little-endian; replies
   in either byte order are read. */
#ifndef DBUS_H
#define DBUS_H

#include <stddef.h>
#include <stdint.h>

/* A message body (or a whole message) being marshalled. oom is set when
   memory ran out; every later put is then a no-op. */
struct dbus_msg {
  unsigned char *buf;
  size_t len, cap;
  int oom;
};

void dbus_msg_init(struct dbus_msg *m);
void dbus_msg_free(struct dbus_msg *m);
void dbus_pad(struct dbus_msg *m, size_t align);
void dbus_put_y(struct dbus_msg *m, uint8_t v);
void dbus_put_b(struct dbus_msg *m, int v);
void dbus_put_u(struct dbus_msg *m, uint32_t v);
void dbus_put_t(struct dbus_msg *m, uint64_t v);
void dbus_put_s(struct dbus_msg *m, const char *s); /* also o */
void dbus_put_g(struct dbus_msg *m, const char *sig);
/* An array: begin returns a token for end; elem_align is the alignment of
   the element type (8 for structs and dict entries). */
size_t dbus_array_begin(struct dbus_msg *m, size_t elem_align);
void dbus_array_end(struct dbus_msg *m, size_t token);
/* A struct or dict entry starts on 8 bytes; a variant with its signature. */
#define dbus_struct_begin(m) dbus_pad((m), 8)
#define dbus_variant_begin(m, sig) dbus_put_g((m), (sig))

/* Reading a marshalled value: a cursor over a body. */
struct dbus_it {
  const unsigned char *buf;
  size_t len, pos;
  int swap; /* big-endian data */
};
/* Each returns 0, or -1 when the data is short or malformed. */
int dbus_get_y(struct dbus_it *it, uint8_t *v);
int dbus_get_u(struct dbus_it *it, uint32_t *v);
int dbus_get_t(struct dbus_it *it, uint64_t *v);
int dbus_get_s(struct dbus_it *it, const char **s); /* also o; points into the buffer */
int dbus_get_g(struct dbus_it *it, const char **s);
/* Skip one complete value of the type at *sig, advancing *sig past it. */
int dbus_skip(struct dbus_it *it, const char **sig);

/* A message as received. */
enum { DBUS_CALL = 1, DBUS_RETURN = 2, DBUS_ERROR = 3, DBUS_SIGNAL = 4 };
struct dbus_in {
  unsigned char *raw; /* the whole message; the strings below point into it */
  size_t len;
  int type, swap;
  uint32_t serial, reply_serial;
  const char *path, *iface, *member, *error, *sig;
  size_t body; /* offset of the body in raw */
};
void dbus_in_free(struct dbus_in *in);
/* Parse one whole message (takes ownership of raw). -1 when malformed. */
int dbus_parse(unsigned char *raw, size_t len, struct dbus_in *in);
/* A cursor at the start of its body. */
struct dbus_it dbus_body(const struct dbus_in *in);

/* Build a whole method call: header then body (with signature sig, "" for
   none). dest may be NULL (peer-to-peer connection). */
int dbus_build_call(struct dbus_msg *out, uint32_t serial, const char *dest, const char *path,
                    const char *iface, const char *member, const char *sig, const struct dbus_msg *body);

/* A connection. */
#define DBUS_QUEUE 32
struct dbus {
  int fd;
  uint32_t serial;
  int timeout_ms;               /* for each wait; default 30 s */
  struct dbus_in q[DBUS_QUEUE]; /* signals received while waiting for a reply */
  size_t nq;
  char err[512]; /* why the last call failed */
};

/* Connect to a unix socket path and authenticate (EXTERNAL, our uid);
   hello: call org.freedesktop.DBus.Hello (a bus, not a peer). */
int dbus_connect(struct dbus *b, const char *path, int hello);
/* The same over an already connected fd (taken over). */
int dbus_start(struct dbus *b, int fd, int hello);
void dbus_close(struct dbus *b);
/* Call and wait for the reply: 0 with *reply (free it), or -1 with b->err
   ("NAME: message" for an error reply). Signals that arrive meanwhile are
   queued for dbus_recv. */
int dbus_call(struct dbus *b, const char *dest, const char *path, const char *iface, const char *member,
              const char *sig, const struct dbus_msg *body, struct dbus_in *reply);
/* The next message (a queued one first); -1 with b->err on error or timeout. */
int dbus_recv(struct dbus *b, struct dbus_in *in);

#endif
