#ifndef CPLATFORM_H
#define CPLATFORM_H

/// The number of CPUs the calling process may run on (its sched_getaffinity mask),
/// or 0 when the mask cannot be read.
int cplatform_cpu_count(void);

/// Returns free heap memory to the operating system (glibc's malloc_trim(0));
/// does nothing where that is not available.
void cplatform_release_free_heap(void);

#endif
