#ifndef CAFFINITY_H
#define CAFFINITY_H

/// The number of CPUs the calling process may run on (its sched_getaffinity mask),
/// or 0 when the mask cannot be read.
int caffinity_cpu_count(void);

#endif
