/*
 * Times one authority decision through the C ABI (JSON in, JSON out, string released):
 * part of the binding-overhead benchmark run by examples/overhead_bench.py.
 * Prints "c <ns per call>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "soa.h"

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 200000;
  soa_catalog *cat = NULL;
  const char *state = "{\"dir_synced\":true,\"cloud_managed\":true,\"recipient_type\":\"UserMailbox\"}";
  const char *edit = "{\"attribute\":\"extensionAttribute1\",\"value\":\"Finance\","
                     "\"location\":\"active_directory\",\"identity\":\"alice@contoso.com\"}";
  if (soa_catalog_builtin(&cat) != SOA_STATUS_OK) return 1;
  for (int i = 0; i < 1000; i++) {
    char *out = NULL;
    if (soa_decide_edit(cat, state, edit, &out) != SOA_STATUS_OK) return 1;
    soa_string_free(out);
  }
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < iterations; i++) {
    char *out = NULL;
    if (soa_decide_edit(cat, state, edit, &out) != SOA_STATUS_OK) return 1;
    soa_string_free(out);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)iterations;
  printf("c %.0f\n", ns);
  soa_catalog_free(cat);
  return 0;
}
