/* malloc.c: the allocator of the musl builds. musl's own (mallocng) maps and unmaps pages as blocks come and
   go: oci-mount made 21 mmap and 15 munmap calls for a std run, each fresh page a page fault. The chain's
   programs are small and single-threaded, so blocks come from size classes (powers of two, 16 bytes to
   64 KiB) carved from 256 KiB mappings and are kept on a free list per class; bigger ones are mapped alone.
   Freed memory is reused, never returned: a program's footprint is at most twice its peak. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

enum { MIN_SHIFT = 4, MAX_SHIFT = 16, NCLASS = MAX_SHIFT - MIN_SHIFT + 1, CHUNK = 256 << 10, HDR = 16 };

struct hdr {
  size_t size; /* the usable size: 1 << shift of its class, or a mapping's */
  size_t big;  /* mapped alone */
};

static void *freelist[NCLASS];
static char *arena, *arena_end;

static void *carve(size_t n)
{
  if (!arena || (size_t)(arena_end - arena) < n) {
    void *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    arena = p; /* what is left of the old chunk stays unused */
    arena_end = arena + CHUNK;
  }
  arena += n;
  return arena - n;
}

void *malloc(size_t n)
{
  struct hdr *h;
  unsigned c = 0;
  if (n > ((size_t)1 << MAX_SHIFT)) {
    size_t len = (n + HDR + 4095) & ~(size_t)4095;
    if (len < n) goto nomem;
    h = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (h == MAP_FAILED) goto nomem;
    h->size = len - HDR;
    h->big = 1;
    return (char *)h + HDR;
  }
  while (((size_t)1 << (c + MIN_SHIFT)) < n) c++;
  if (freelist[c]) {
    h = (struct hdr *)((char *)freelist[c] - HDR);
    memcpy(&freelist[c], freelist[c], sizeof(void *));
    return (char *)h + HDR;
  }
  if (!(h = carve(HDR + ((size_t)1 << (c + MIN_SHIFT))))) goto nomem;
  h->size = (size_t)1 << (c + MIN_SHIFT);
  h->big = 0;
  return (char *)h + HDR;
nomem:
  errno = ENOMEM;
  return NULL;
}

void free(void *p)
{
  struct hdr *h;
  unsigned c = 0;
  if (!p) return;
  h = (struct hdr *)((char *)p - HDR);
  if (h->big) {
    munmap(h, h->size + HDR);
    return;
  }
  while (((size_t)1 << (c + MIN_SHIFT)) < h->size) c++;
  memcpy(p, &freelist[c], sizeof(void *));
  freelist[c] = p;
}

/* through a volatile pointer: gcc would turn malloc and memset back into a call of calloc */
static void *(*volatile zero)(void *, int, size_t) = memset;

void *calloc(size_t m, size_t n)
{
  void *p;
  if (n && m > SIZE_MAX / n) {
    errno = ENOMEM;
    return NULL;
  }
  if ((p = malloc(m * n))) zero(p, 0, m * n);
  return p;
}

void *realloc(void *p, size_t n)
{
  void *q;
  size_t old;
  if (!p) return malloc(n);
  old = ((struct hdr *)((char *)p - HDR))->size;
  if (n <= old) return p;
  if (!(q = malloc(n))) return NULL;
  memcpy(q, p, old);
  free(p);
  return q;
}
