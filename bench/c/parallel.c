/* CPU-bound work split over threads that share nothing while they compute (the parallel-mode bench):
 * each thread hashes and sorts its own array and integrates its own slice, then the results are
 * combined. Prints a checksum so every run is seen to compute the same thing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N 200000

struct job { unsigned id, rounds; unsigned long long sum; };

static int cmp(const void *x, const void *y) {
  unsigned a = *(const unsigned *)x, b = *(const unsigned *)y;
  return a < b ? -1 : a > b;
}

static void *work(void *arg) {
  struct job *j = arg;
  unsigned *a = malloc(N * sizeof *a);
  unsigned x = 12345 + j->id;
  for (unsigned r = 0; r < j->rounds; r++) {
    for (unsigned i = 0; i < N; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; a[i] = x; }
    qsort(a, N, sizeof *a, cmp);
    unsigned h = 2166136261u;
    for (unsigned i = 0; i < N; i++) { h ^= a[i]; h *= 16777619u; }
    double s = 0;
    for (unsigned i = 0; i < N; i++) s += 1.0 / (1.0 + (double)(i + r) * (i + r));
    j->sum += h + (unsigned long long)(s * 1e6);
  }
  free(a);
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  unsigned rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 2;
  if (threads < 1 || threads > 64) return 2;
  pthread_t th[64];
  struct job jobs[64];
  for (int i = 0; i < threads; i++) {
    jobs[i] = (struct job){ .id = (unsigned)i, .rounds = rounds };
    pthread_create(&th[i], NULL, work, &jobs[i]);
  }
  unsigned long long total = 0;
  for (int i = 0; i < threads; i++) { pthread_join(th[i], NULL); total += jobs[i].sum; }
  printf("threads %d rounds %u checksum %llu\n", threads, rounds, total);
  return 0;
}
