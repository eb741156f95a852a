/* errtab.c: prints glibc's strerror() texts as C string literals, one per errno, for the musl build's
   strerror (compat.h), so that an error line reads the same whichever libc a program was built with. Built
   with the host's cc (glibc) by the Makefile. */
#include <stdio.h>
#include <string.h>

int main(void)
{
  for (int e = 0; e < 134; e++) {
    const char *s = strerror(e);
    putchar('"');
    for (; *s; s++) {
      if (*s == '"' || *s == '\\') putchar('\\');
      putchar(*s);
    }
    printf("\",\n");
  }
  return 0;
}
