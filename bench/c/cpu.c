/* A CPU-bound C program for the bench: integer (sieve, hashing, sorting) and double-precision work,
 * no system calls in the loop. Prints a checksum so every peer is seen to compute the same thing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned sieve(unsigned n) {
  unsigned char *composite = calloc(n + 1, 1);
  unsigned count = 0;
  for (unsigned i = 2; i <= n; i++) {
    if (composite[i]) continue;
    count++;
    for (unsigned long j = (unsigned long)i * i; j <= n; j += i) composite[j] = 1;
  }
  free(composite);
  return count;
}

static unsigned fnv(const unsigned *a, unsigned n) {
  unsigned h = 2166136261u;
  for (unsigned i = 0; i < n; i++) { h ^= a[i]; h *= 16777619u; }
  return h;
}

static int cmp(const void *x, const void *y) {
  unsigned a = *(const unsigned *)x, b = *(const unsigned *)y;
  return a < b ? -1 : a > b;
}

static double integrate(unsigned steps) {
  double sum = 0, dx = 1.0 / steps;
  for (unsigned i = 0; i < steps; i++) { double x = (i + 0.5) * dx; sum += 4.0 / (1.0 + x * x); }
  return sum * dx;
}

int main(int argc, char **argv) {
  unsigned scale = argc > 1 ? (unsigned)atoi(argv[1]) : 1;
  unsigned n = 200000 * scale;
  unsigned *a = malloc(n * sizeof *a);
  unsigned x = 12345;
  for (unsigned i = 0; i < n; i++) { x = x * 1103515245u + 12345u; a[i] = x >> 8; }
  qsort(a, n, sizeof *a, cmp);
  printf("primes below %u: %u\n", 2000000 * scale, sieve(2000000 * scale));
  printf("sorted hash: %08x\n", fnv(a, n));
  printf("pi: %.12f\n", integrate(2000000 * scale));
  free(a);
  return 0;
}
