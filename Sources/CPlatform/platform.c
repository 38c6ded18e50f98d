#define _GNU_SOURCE
#include "CPlatform.h"

#ifdef __linux__
#include <malloc.h>
#include <sched.h>

int cplatform_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        return 0;
    }
    return CPU_COUNT(&set);
}

void cplatform_release_free_heap(void) {
    malloc_trim(0);
}
#else
int cplatform_cpu_count(void) {
    return 0;
}

void cplatform_release_free_heap(void) {
}
#endif
